package main

import (
	"flag"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/agent/config"
)

// TestTheSystemdUnitStartsAnAgentWithValidFlags reads the unit shipped in
// dist/systemd and checks that its ExecStart is `cairn agent` with flags
// the agent accepts, and that it carries the seed's settings.
func TestTheSystemdUnitStartsAnAgentWithValidFlags(t *testing.T) {
	b, err := os.ReadFile("../../dist/systemd/cairn@.service")
	require.NoError(t, err)
	unit := string(b)
	for _, want := range []string{"Restart=on-failure", "LimitNOFILE=65536", "ExecReload=/bin/kill -HUP $MAINPID", "KillMode=process"} {
		require.Contains(t, unit, want)
	}
	var exec []string
	for _, line := range strings.Split(unit, "\n") {
		if rest, ok := strings.CutPrefix(line, "ExecStart="); ok {
			exec = strings.Fields(rest)
		}
	}
	require.GreaterOrEqual(t, len(exec), 2)
	require.Equal(t, "agent", exec[1])
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	config.NewFlags(fs)
	require.NoError(t, fs.Parse(exec[2:]), "the unit's agent flags parse")
	require.Zero(t, fs.NArg())
}
