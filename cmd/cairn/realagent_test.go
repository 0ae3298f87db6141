package main

import (
	"context"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/agent/config"
	"github.com/cairn-sd/cairn/agent/runtime"
)

// realAgentWait bounds every wait on the in-process agent; nothing is
// timed, this only keeps a broken test from hanging.
const realAgentWait = 30 * time.Second

// startRealAgent starts a -dev agent in-process on free 127.0.0.1 ports,
// points CAIRN_HTTP_ADDR at it, and returns a client for it once it
// leads and has registered its node.
func startRealAgent(t *testing.T) *apiClient {
	t.Helper()
	c := startDevAgent(t, `{"node_name": "node1", "ports": {"http": 0, "server": 0, "serf_lan": 0, "serf_wan": 0, "dns": 0}}`)
	require.Eventually(t, func() bool {
		var checks []map[string]any
		return c.getJSON("/v1/health/node/node1", nil, &checks) == nil && len(checks) == 1
	}, realAgentWait, 10*time.Millisecond, "the agent never registered its node with serfHealth")
	return c
}

// startDevAgent starts a -dev agent configured by doc, points
// CAIRN_HTTP_ADDR at it and returns a client for it, without waiting.
func startDevAgent(t *testing.T, doc string) *apiClient {
	t.Helper()
	cfg, err := config.Parse("test.json", []byte(doc), config.Options{
		Dev:            true,
		Hostname:       func() (string, error) { return "testhost", nil },
		InterfaceAddrs: func() ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil },
	})
	require.NoError(t, err)
	a, err := runtime.New(cfg, runtime.Options{Version: "test"})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), realAgentWait)
		defer cancel()
		require.NoError(t, a.Shutdown(ctx))
	})
	clearClientEnv(t)
	t.Setenv("CAIRN_HTTP_ADDR", a.HTTPAddr())
	return (&httpFlags{}).client()
}

// kvPut writes key=value through the agent's API.
func kvPut(t *testing.T, c *apiClient, key, value string) {
	t.Helper()
	_, err := c.do(http.MethodPut, kvPath(key), nil, []byte(value))
	require.NoError(t, err)
}

// kvRead reads one key; nil when it does not exist.
func kvRead(t *testing.T, c *apiClient, key string) *kvPair {
	t.Helper()
	pair, _, err := kvGetPair(context.Background(), c, key, 0)
	require.NoError(t, err)
	return pair
}

// fileExists reports whether path exists.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// waitFile waits (bounded) until path exists.
func waitFile(t *testing.T, path string) {
	t.Helper()
	require.Eventually(t, func() bool { return fileExists(path) }, realAgentWait, 10*time.Millisecond,
		"%s never appeared", filepath.Base(path))
}

// cmdResult is the outcome of a command run in the background.
type cmdResult struct {
	code           int
	stdout, stderr string
}

// startCommand runs one of the context-taking commands in the background
// and returns its cancel function and the channel its result arrives on.
func startCommand(run func(ctx context.Context, args []string, stdout, stderr *syncBuffer) int,
	args ...string) (context.CancelFunc, <-chan cmdResult) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan cmdResult, 1)
	go func() {
		var out, errOut syncBuffer
		code := run(ctx, args, &out, &errOut)
		done <- cmdResult{code, out.String(), errOut.String()}
	}()
	return cancel, done
}

// lockCmd and watchCmd adapt the commands to startCommand.
func lockCmd(ctx context.Context, args []string, stdout, stderr *syncBuffer) int {
	return runLockContext(ctx, args, stdout, stderr)
}

func watchCmd(ctx context.Context, args []string, stdout, stderr *syncBuffer) int {
	return runWatchContext(ctx, args, stdout, stderr)
}

// awaitResult waits (bounded) for a background command to end.
func awaitResult(t *testing.T, done <-chan cmdResult) cmdResult {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(realAgentWait):
		require.FailNow(t, "the command never ended")
		return cmdResult{}
	}
}
