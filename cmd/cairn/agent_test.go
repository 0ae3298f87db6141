package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/agent/config"
	"github.com/cairn-sd/cairn/agent/runtime"
)

// syncBuffer is a bytes.Buffer safe for the agent's logger and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestAgentRunsUntilStoppedAndPrintsBanner runs a dev agent in-process on
// free ports, reads its banner and bound-addresses.json, and stops it.
func TestAgentRunsUntilStoppedAndPrintsBanner(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "agent.json")
	require.NoError(t, os.WriteFile(cfgFile, []byte(`{"ports": {"http": 0, "server": 0}, "log_json": true}`), 0o600))
	cfg, err := config.Load(config.Options{Dev: true, ConfigPaths: []string{cfgFile}})
	require.NoError(t, err)

	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runAgentUntil(ctx, cfg, &out) }()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "cairn agent running: HTTP on 127.0.0.1:") },
		30*time.Second, 10*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	require.Contains(t, out.String(), `"msg":"shutting down"`, "log_json writes JSON lines")
}

// TestAgentRefusesACLsAndClientMode checks the clear errors for what is
// not built yet, and that a bad flag still stops the agent.
func TestAgentRefusesACLsAndClientMode(t *testing.T) {
	dir := t.TempDir()
	aclFile := filepath.Join(dir, "acl.json")
	require.NoError(t, os.WriteFile(aclFile, []byte(`{"acl": {"enabled": true}, "ports": {"http": 0, "server": 0}}`), 0o600))
	code, _, errOut := runCairn("agent", "-dev", "-config-file="+aclFile)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "ACLs are not implemented yet")
	require.Contains(t, runtime.ErrACLNotImplemented.Error(), "ACLs are not implemented yet")

	code, _, errOut = runCairn("agent", "-data-dir="+dir, "-bind=127.0.0.1", "-http-port=0", "-server-port=0", "-serf-lan-port=0")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "client agents (server = false) are not built yet")

	code, _, errOut = runCairn("agent", "-data-dir=/d", "-bind=10.0.0.1", "-log-level=loud")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "command-line flags: log_level")

	code, _, errOut = runCairn("agent", "-no-such-flag")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "no-such-flag")
}
