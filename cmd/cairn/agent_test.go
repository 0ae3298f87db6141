package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/agent/config"
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
// free ports, reads its banner, reloads its services on SIGHUP, and stops
// it with SIGTERM.
func TestAgentRunsUntilStoppedAndPrintsBanner(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "agent.json")
	write := func(service string) {
		doc := `{"ports": {"http": 0, "server": 0, "serf_lan": 0, "serf_wan": 0, "dns": -1}, "log_json": true,
			"services": [{"name": "` + service + `", "port": 80}]}`
		require.NoError(t, os.WriteFile(cfgFile, []byte(doc), 0o600))
	}
	write("before")
	opts := config.Options{Dev: true, ConfigPaths: []string{cfgFile}}
	cfg, err := config.Load(opts)
	require.NoError(t, err)
	load := func() (*config.Config, error) { return config.Load(opts) }

	var out syncBuffer
	signals := make(chan os.Signal, 1)
	done := make(chan error, 1)
	go func() { done <- runAgentUntil(signals, cfg, load, &out) }()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "cairn agent running: HTTP on 127.0.0.1:") },
		30*time.Second, 10*time.Millisecond)
	addr := strings.TrimSuffix(strings.Fields(strings.SplitAfter(out.String(), "HTTP on ")[1])[0], ",")
	services := func() string {
		resp, err := http.Get("http://" + addr + "/v1/agent/services")
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(b)
	}
	require.Contains(t, services(), `"before"`, "services from config files are registered at start")
	write("after")
	signals <- syscall.SIGHUP
	require.Eventually(t, func() bool { return strings.Contains(services(), `"after"`) }, 30*time.Second, 20*time.Millisecond)
	require.NotContains(t, services(), `"before"`, "a reload removes what the files no longer define")

	signals <- syscall.SIGTERM
	require.NoError(t, <-done)
	require.Contains(t, out.String(), `"msg":"shutting down"`, "log_json writes JSON lines")
	require.NotContains(t, out.String(), "leaving the cluster", "a server does not leave on SIGTERM by default")
}

// TestAgentRefusesBadFlags checks that a bad flag or value stops the agent
// with a one-line reason.
func TestAgentRefusesBadFlags(t *testing.T) {
	code, _, errOut := runCairn("agent", "-data-dir=/d", "-bind=10.0.0.1", "-log-level=loud")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "command-line flags: log_level")

	code, _, errOut = runCairn("agent", "-no-such-flag")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "no-such-flag")
}
