package runtime

import (
	"context"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/agent/config"
)

// testWait bounds every wait of these tests; nothing is timed.
const testWait = 30 * time.Second

// testNode is the node name of the test agents.
const testNode = "node1"

// devConfig is a -dev configuration with free ports, plus extra JSON keys.
func devConfig(t *testing.T, extra string) *config.Config {
	t.Helper()
	doc := `{"node_name": "` + testNode + `", "ports": {"http": 0, "server": 0, "serf_lan": 0, "serf_wan": 0, "dns": 0}` + extra + `}`
	cfg, err := config.Parse("test.json", []byte(doc), config.Options{
		Dev:            true,
		Hostname:       func() (string, error) { return "testhost", nil },
		InterfaceAddrs: func() ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil },
	})
	require.NoError(t, err)
	return cfg
}

// startAgent starts a dev agent and returns it with an official client
// for it, once it leads and has registered its own node.
func startAgent(t *testing.T, extra string) (*Agent, *api.Client) {
	t.Helper()
	a, err := New(devConfig(t, extra), Options{Version: "test"})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testWait)
		defer cancel()
		require.NoError(t, a.Shutdown(ctx))
	})
	client, err := api.NewClient(&api.Config{Address: a.HTTPAddr()})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		checks, _, err := client.Health().Node(testNode, nil)
		return err == nil && len(checks) == 1 && checks[0].CheckID == "serfHealth"
	}, testWait, 10*time.Millisecond, "the leader never registered its node with serfHealth")
	return a, client
}

func uitoa(n uint64) string { return strconv.FormatUint(n, 10) }

func kvPair(key, value string) *api.KVPair { return &api.KVPair{Key: key, Value: []byte(value)} }

// startConfiguredAgent starts an agent from a JSON config document (not
// -dev) and shuts it down when the test ends.
func startConfiguredAgent(t *testing.T, doc string) *Agent {
	t.Helper()
	cfg, err := config.Parse("agent.json", []byte(doc), config.Options{
		Hostname:       func() (string, error) { return "host", nil },
		InterfaceAddrs: func() ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil },
	})
	require.NoError(t, err)
	a, err := New(cfg, Options{Version: "test"})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testWait)
		defer cancel()
		require.NoError(t, a.Shutdown(ctx))
	})
	return a
}
