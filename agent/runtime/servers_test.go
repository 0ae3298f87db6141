package runtime

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/raft"
)

// startServers starts n server agents on 127.0.0.1 with bootstrap_expect
// n, the later ones joining the first, plus extra JSON keys for all, and
// returns them once they agree on a leader and every node is in the
// catalog. Node names are s1..sn.
func startServers(t *testing.T, n int, extra string) []*Agent {
	t.Helper()
	servers := joinServers(t, n, func(i int, retry string) *Agent {
		return startConfiguredAgent(t, fmt.Sprintf(`{"node_name": "s%d", "server": true, "bootstrap_expect": %d, "data_dir": %q,
			"bind_addr": "127.0.0.1", "client_addr": "127.0.0.1", %s
			"ports": {"http": 0, "server": 0, "serf_lan": 0, "serf_wan": 0, "dns": 0}%s}`,
			i, n, t.TempDir(), retry, extra))
	})
	require.Eventually(t, func() bool { return leaderOf(servers) >= 0 }, 3*testWait, 50*time.Millisecond,
		"the servers never elected a leader")
	return servers
}

// joinServers starts servers 1..n with start, which gets the server's
// number and its retry_join stanza: empty for the first, the first's
// gossip address for the others.
func joinServers(t *testing.T, n int, start func(i int, retry string) *Agent) []*Agent {
	t.Helper()
	var servers []*Agent
	var join string
	for i := 1; i <= n; i++ {
		retry := ""
		if join != "" {
			retry = `"retry_join": ["` + join + `"],`
		}
		a := start(i, retry)
		if join == "" {
			a.env.Do(func() { join = a.member.GossipAddr() })
		}
		servers = append(servers, a)
	}
	return servers
}

// leaderOf returns the index of the server that leads, or -1.
func leaderOf(servers []*Agent) int {
	for i, a := range servers {
		var leads bool
		a.env.Do(func() { leads = a.server.Status().Role == raft.Leader })
		if leads {
			return i
		}
	}
	return -1
}

// followerOf returns the index of a server that does not lead.
func followerOf(t *testing.T, servers []*Agent) int {
	leader := leaderOf(servers)
	require.GreaterOrEqual(t, leader, 0)
	return (leader + 1) % len(servers)
}

// apiClient returns an official client for agent a with token.
func apiClient(t *testing.T, a *Agent, token string) *api.Client {
	t.Helper()
	c, err := api.NewClient(&api.Config{Address: a.HTTPAddr(), Token: token})
	require.NoError(t, err)
	return c
}

// waitForNodes waits until the catalog, read through c, lists names.
func waitForNodes(t *testing.T, c *api.Client, names ...string) {
	t.Helper()
	require.Eventually(t, func() bool {
		nodes, _, err := c.Catalog().Nodes(nil)
		if err != nil || len(nodes) != len(names) {
			return false
		}
		var got []string
		for _, n := range nodes {
			got = append(got, n.Node)
		}
		return strings.Join(got, ",") == strings.Join(names, ",")
	}, 3*testWait, 50*time.Millisecond, "the catalog never listed %v", names)
}
