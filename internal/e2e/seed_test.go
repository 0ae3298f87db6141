package e2e

import (
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"
)

// TestSeedClusterOfThreeServers runs the seed's walkthrough (without ACLs,
// which are not built yet): three servers with bootstrap_expect 3, gossip
// encryption and retry_join, then drives them with the official client
// and the cairn command, and survives kill -9 of the leader.
func TestSeedClusterOfThreeServers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs three processes; the full test run covers it")
	}
	bin := cairnBinary(t)
	root := t.TempDir()
	key := strings.TrimSpace(string(must(t, bin, "keygen")))
	ids := []string{"09d82408-bc4f-49e0-5555-61ef1d4842f7", "613ccd6e-68d1-3bbd-6666-3cbc450f019d", "d8a09ffd-7ccb-84bd-7777-8d8b7a01951e"}
	first := startServer(t, bin, root, "server1", ids[0], key, nil)
	servers := []*server{first,
		startServer(t, bin, root, "server2", ids[1], key, []string{first.serfLAN}),
		startServer(t, bin, root, "server3", ids[2], key, []string{first.serfLAN}),
	}
	leader := leaderOf(t, servers)
	// The client runs a watch from its config: each value of app/config is
	// appended to a file by the handler.
	watched := filepath.Join(root, "watched")
	client := startAgent(t, bin, root, "client1", "aa0e8c02-36d5-4f21-8888-0123456789ab", key, []string{first.serfLAN}, false,
		map[string]any{"watches": []any{map[string]any{"type": "key", "key": "app/config",
			"args": []any{"sh", "-c", "cat >> " + watched}}}})
	require.Eventually(t, func() bool {
		nodes, _, err := client.client(t).Catalog().Nodes(nil)
		return err == nil && len(nodes) == 4
	}, wait, 50*time.Millisecond, "the client agent joins and is registered")

	members := first.cli(t, bin, "members")
	require.Equal(t, 4, strings.Count(members, " alive "), members)
	require.Equal(t, 1, strings.Count(members, " client "), members)
	require.Contains(t, members, "prometheus")
	peers := first.cli(t, bin, "operator", "raft", "list-peers")
	require.Equal(t, 3, strings.Count(peers, " true "), peers)
	require.Equal(t, 1, strings.Count(peers, "leader"), peers)

	var follower *server
	for _, s := range servers {
		if s != leader {
			follower = s
		}
	}
	kv := follower.client(t).KV()
	ok, _, err := kv.CAS(&api.KVPair{Key: "app/config", Value: []byte("v1"), Flags: 42}, nil)
	require.NoError(t, err)
	require.True(t, ok, "CAS with index 0 creates the key, through a follower")
	pair, meta, err := leader.client(t).KV().Get("app/config", &api.QueryOptions{RequireConsistent: true})
	require.NoError(t, err)
	require.Equal(t, "v1", string(pair.Value))
	require.EqualValues(t, 42, pair.Flags)
	ok, _, err = kv.CAS(&api.KVPair{Key: "app/config", Value: []byte("v2"), ModifyIndex: pair.ModifyIndex - 1}, nil)
	require.NoError(t, err)
	require.False(t, ok, "a CAS with a stale index fails")

	_, err = follower.client(t).Catalog().Register(&api.CatalogRegistration{
		Node: "web-1", Address: "10.0.0.7",
		Service: &api.AgentService{ID: "web", Service: "web", Port: 80, Tags: []string{"v1"}},
		Check:   &api.AgentCheck{CheckID: "web-alive", Name: "alive", Status: api.HealthCritical, ServiceID: "web"},
	}, nil)
	require.NoError(t, err)
	all, _, err := first.client(t).Health().Service("web", "", false, nil)
	require.NoError(t, err)
	require.Len(t, all, 1)
	passing, _, err := first.client(t).Health().Service("web", "", true, nil)
	require.NoError(t, err)
	require.Empty(t, passing, "a critical instance is filtered by ?passing")

	// The client agent's own service, with a TTL check, reaches the catalog.
	agent := client.client(t).Agent()
	require.NoError(t, agent.ServiceRegister(&api.AgentServiceRegistration{
		Name: "db", Port: 5432, Check: &api.AgentServiceCheck{CheckID: "db-ttl", TTL: "30s"},
	}))
	entries, dbMeta, err := client.client(t).Health().Service("db", "", true, nil)
	require.NoError(t, err)
	require.Empty(t, entries, "a TTL check starts critical")
	require.NoError(t, agent.PassTTL("db-ttl", "ready"))
	entries, dbMeta, err = client.client(t).Health().Service("db", "", true, nil)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.Equal(t, "client1", entries[0].Node.Node)

	// A watch on db is not woken by a change to web: it times out with
	// the same index.
	_, err = kv.Put(&api.KVPair{Key: "unrelated", Value: []byte("x")}, nil)
	require.NoError(t, err)
	_, err = follower.client(t).Catalog().Register(&api.CatalogRegistration{
		Node: "web-1", Address: "10.0.0.7", Service: &api.AgentService{ID: "web", Service: "web", Port: 81},
	}, nil)
	require.NoError(t, err)
	_, again, err := client.client(t).Health().Service("db", "", true, &api.QueryOptions{WaitIndex: dbMeta.LastIndex, WaitTime: time.Second})
	require.NoError(t, err)
	require.Equal(t, dbMeta.LastIndex, again.LastIndex, "the watch on db timed out unchanged")

	// A blocking query on the key returns once it changes.
	changed := make(chan string, 1)
	go func() {
		p, _, err := first.client(t).KV().Get("app/config", &api.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: 30 * time.Second})
		if err == nil && p != nil {
			changed <- string(p.Value)
		}
		close(changed)
	}()
	time.Sleep(200 * time.Millisecond)
	_, err = kv.Put(&api.KVPair{Key: "app/config", Value: []byte("v3")}, nil)
	require.NoError(t, err)
	require.Equal(t, "v3", <-changed)
	require.Equal(t, "v3\n", follower.cli(t, bin, "kv", "get", "app/config"))
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(watched)
		return strings.Contains(string(b), base64.StdEncoding.EncodeToString([]byte("v3")))
	}, wait, 50*time.Millisecond, "the client's configured watch ran its handler with the new value")

	// cairn lock runs its child while holding a lock, through the client.
	require.Contains(t, client.cli(t, bin, "lock", "app/leader", "echo holding-the-lock"), "holding-the-lock")
	keys, _, err := client.client(t).KV().Keys("app/leader", "", nil)
	require.NoError(t, err)
	require.Empty(t, keys, "the lock key is gone once the child exits")

	// Leadership moves on request, to the server named.
	require.Contains(t, follower.cli(t, bin, "operator", "raft", "transfer-leader", "-id="+follower.id(t)), "Success!")
	leader = leaderOf(t, servers)
	require.Equal(t, follower, leader, "the named server leads")

	leader.kill()
	var rest []*server
	for _, s := range servers {
		if s != leader {
			rest = append(rest, s)
		}
	}
	leaderOf(t, rest)
	_, err = client.client(t).KV().Put(&api.KVPair{Key: "after/kill", Value: []byte("yes")}, nil)
	require.NoError(t, err, "writes through the client continue after kill -9 of the leader")
	require.Equal(t, "yes\n", client.cli(t, bin, "kv", "get", "after/kill"))
	p, _, err := rest[1].client(t).KV().Get("app/config", &api.QueryOptions{RequireConsistent: true})
	require.NoError(t, err)
	require.Equal(t, "v3", string(p.Value), "nothing acknowledged is lost")
}

func must(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(bin, args...).Output()
	require.NoError(t, err)
	return out
}
