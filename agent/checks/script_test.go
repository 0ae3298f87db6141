package checks

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/catalog"
)

func TestScriptExitCodesGiveTheStatus(t *testing.T) {
	r, rec := newTestRunner(t)
	for id, c := range map[string]struct {
		script, status string
	}{
		"ok":   {"echo fine; exit 0", catalog.HealthPassing},
		"warn": {"echo slow >&2; exit 1", catalog.HealthWarning},
		"down": {"echo gone; exit 2", catalog.HealthCritical},
	} {
		require.NoError(t, r.Start(Definition{ID: id, Args: []string{"sh", "-c", c.script}, Interval: testInterval}))
		got := rec.waitStatus(t, id, c.status)
		require.NotEmpty(t, got.output, "the script's output, stderr included, is the check's output")
	}
}

func TestAScriptPastItsTimeoutIsCritical(t *testing.T) {
	r, rec := newTestRunner(t)
	require.NoError(t, r.Start(Definition{ID: "slow", Args: []string{"sleep", "30"}, Interval: testInterval, Timeout: 100 * time.Millisecond}))
	got := rec.waitStatus(t, "slow", catalog.HealthCritical)
	require.Contains(t, got.output, "Timed out (100ms)")
}

func TestAScriptThatCannotStartIsCritical(t *testing.T) {
	r, rec := newTestRunner(t)
	require.NoError(t, r.Start(Definition{ID: "missing", Args: []string{"/no/such/command"}, Interval: testInterval}))
	got := rec.waitStatus(t, "missing", catalog.HealthCritical)
	require.Contains(t, got.output, "Failed to run check")
}
