package checks

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestStartRejectsInvalidDefinitions(t *testing.T) {
	const s = time.Second
	cases := []struct {
		name string
		def  Definition
		want string
	}{
		{"no ID", Definition{TCP: "127.0.0.1:80", Interval: s}, "ID is empty"},
		{"neither kind", Definition{ID: "c", Interval: s}, "exactly one of HTTP, TCP and Args"},
		{"both kinds", Definition{ID: "c", HTTP: "http://x", TCP: "x:1", Interval: s}, "exactly one of HTTP, TCP and Args"},
		{"no interval", Definition{ID: "c", TCP: "x:1"}, "interval must be positive"},
		{"negative interval", Definition{ID: "c", TCP: "x:1", Interval: -s}, "interval must be positive"},
		{"negative timeout", Definition{ID: "c", TCP: "x:1", Interval: s, Timeout: -s}, "timeout must not be negative"},
		{"unparseable URL", Definition{ID: "c", HTTP: "http://[::1", Interval: s}, "does not parse"},
		{"URL without scheme", Definition{ID: "c", HTTP: "localhost:8080/health", Interval: s}, "must use http or https"},
		{"ftp URL", Definition{ID: "c", HTTP: "ftp://host/x", Interval: s}, "must use http or https"},
		{"URL without host", Definition{ID: "c", HTTP: "http:///health", Interval: s}, "has no host"},
		{"bad method", Definition{ID: "c", HTTP: "http://x", Method: "GE T", Interval: s}, "method"},
		{"TCP without port", Definition{ID: "c", TCP: "127.0.0.1", Interval: s}, "host:port"},
		{"TCP with empty port", Definition{ID: "c", TCP: "127.0.0.1:", Interval: s}, "has no port"},
		{"method on TCP", Definition{ID: "c", TCP: "x:1", Method: "GET", Interval: s}, "only to HTTP checks"},
		{"header on TCP", Definition{ID: "c", TCP: "x:1", Header: map[string][]string{"A": {"b"}}, Interval: s}, "only to HTTP checks"},
		{"body on TCP", Definition{ID: "c", TCP: "x:1", Body: "x", Interval: s}, "only to HTTP checks"},
	}
	r, rec := newTestRunner(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := r.Start(c.def)
			require.ErrorIs(t, err, ErrInvalidDefinition)
			require.ErrorContains(t, err, c.want)
		})
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	require.Empty(t, r.live, "a refused definition started a goroutine")
	require.Empty(t, rec.results)
}

func TestNormalizeFillsConsulDefaults(t *testing.T) {
	got, err := Definition{ID: "c", HTTP: "https://x/health", Interval: 100 * time.Millisecond}.normalize(MinInterval)
	require.NoError(t, err)
	require.Equal(t, "GET", got.Method)
	require.Equal(t, DefaultTimeout, got.Timeout)
	require.Equal(t, MinInterval, got.Interval, "an interval below the minimum is raised")

	got, err = Definition{ID: "c", TCP: "[::1]:22", Interval: 3 * time.Second, Timeout: time.Second}.normalize(MinInterval)
	require.NoError(t, err)
	require.Empty(t, got.Method, "a TCP check has no method")
	require.Equal(t, time.Second, got.Timeout)
	require.Equal(t, 3*time.Second, got.Interval)
}
