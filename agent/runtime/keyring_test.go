package runtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/cairn-sd/cairn/agent/config"
	"github.com/cairn-sd/cairn/swim"
)

// startEncryptedServers starts three servers on 127.0.0.1 that share the
// gossip key, and returns them once each sees the others alive in its LAN
// pool.
func startEncryptedServers(t *testing.T, key string) []*Agent {
	t.Helper()
	servers := joinServers(t, 3, func(i int, retry string) *Agent {
		return startConfiguredAgent(t, fmt.Sprintf(`{"node_name": "k%d", "server": true, "bootstrap_expect": 3, "data_dir": %q,
			"bind_addr": "127.0.0.1", "client_addr": "127.0.0.1", "encrypt": %q, %s
			"ports": {"http": 0, "server": 0, "serf_lan": 0, "serf_wan": 0, "dns": 0}}`,
			i, t.TempDir(), key, retry))
	})
	require.Eventually(t, func() bool {
		for _, a := range servers {
			alive := 0
			a.env.Do(func() {
				for _, m := range a.member.Members() {
					if m.State == swim.StateAlive {
						alive++
					}
				}
			})
			if alive != 3 {
				return false
			}
		}
		return true
	}, 3*testWait, 50*time.Millisecond, "the servers never saw each other in the LAN pool")
	return servers
}

// requireEveryNodeHolds checks that every pool reports key as the only
// key, primary on every node, and that the LAN pool counts three nodes.
// (Each server's WAN pool holds only itself here: no retry_join_wan.)
func requireEveryNodeHolds(t *testing.T, c *api.Client, key string) {
	t.Helper()
	pools, err := c.Operator().KeyringList(&api.QueryOptions{RelayFactor: 2})
	require.NoError(t, err)
	require.NotEmpty(t, pools)
	sawLAN := false
	for _, p := range pools {
		require.Equal(t, "dc1", p.Datacenter)
		require.Equal(t, map[string]int{key: p.NumNodes}, p.Keys, "WAN=%v", p.WAN)
		require.Equal(t, map[string]int{key: p.NumNodes}, p.PrimaryKeys, "WAN=%v", p.WAN)
		if !p.WAN {
			sawLAN = true
			require.Equal(t, 3, p.NumNodes)
		}
	}
	require.True(t, sawLAN)
}

func TestKeyringAPIRotatesTheGossipKeyOnEveryServer(t *testing.T) {
	oldKey := swim.EncodeKey(bytes.Repeat([]byte{1}, 32))
	newKey := swim.EncodeKey(bytes.Repeat([]byte{2}, 32))
	servers := startEncryptedServers(t, oldKey)
	c := keyringClient(t, servers[1], "")

	requireEveryNodeHolds(t, c, oldKey)
	require.NoError(t, c.Operator().KeyringInstall(newKey, nil))
	require.NoError(t, c.Operator().KeyringUse(newKey, nil))
	require.NoError(t, c.Operator().KeyringRemove(oldKey, nil))
	requireEveryNodeHolds(t, c, newKey)

	// A key nobody holds cannot be used; each node says so, and nobody
	// repeats the key.
	stranger := swim.EncodeKey(bytes.Repeat([]byte{3}, 16))
	err := c.Operator().KeyringUse(stranger, nil)
	require.Error(t, err)
	require.Contains(t, err.Error(), "dc1 (LAN) error: 3/3 nodes reported failure")
	require.Contains(t, err.Error(), "k2: swim: key not installed")
	require.NotContains(t, err.Error(), stranger)

	err = c.Operator().KeyringRemove(newKey, nil)
	require.Error(t, err, "the primary key cannot be removed")
	require.Contains(t, err.Error(), "cannot remove the primary key")
	require.NotContains(t, err.Error(), newKey)

	_, err = c.Operator().KeyringList(&api.QueryOptions{RelayFactor: 9})
	require.ErrorContains(t, err, "Relay factor must be in range")
	require.ErrorContains(t, c.Operator().KeyringInstall("not base64!", nil), "Invalid key")

	// The LAN pool still talks on the new key: another server's query
	// reaches every node.
	pools, err := keyringClient(t, servers[0], "").Operator().KeyringList(nil)
	require.NoError(t, err)
	for _, p := range pools {
		if !p.WAN {
			require.Equal(t, map[string]int{newKey: 3}, p.Keys)
		}
	}
}

// keyringClient returns an official client for a with token (none if
// empty).
func keyringClient(t *testing.T, a *Agent, token string) *api.Client {
	t.Helper()
	c, err := api.NewClient(&api.Config{Address: a.HTTPAddr(), Token: token})
	require.NoError(t, err)
	return c
}

func TestKeyringAPIReachesTheLANPoolOfEveryDatacenter(t *testing.T) {
	oldKey := swim.EncodeKey(bytes.Repeat([]byte{4}, 16))
	newKey := swim.EncodeKey(bytes.Repeat([]byte{5}, 32))
	encrypt := `, "encrypt": "` + oldKey + `"`
	_, c1 := startAgent(t, `, "datacenter": "dc1"`+encrypt)
	a2, c2 := startAgent(t, `, "datacenter": "dc2"`+encrypt)
	var wanAddr string
	a2.env.Do(func() { wanAddr = a2.server.WAN().Addr() })
	require.NoError(t, c1.Agent().Join(wanAddr, true))
	require.Eventually(t, func() bool {
		members, err := c1.Agent().Members(true)
		return err == nil && len(members) == 2
	}, testWait, 20*time.Millisecond, "the two servers meet in the WAN pool")

	require.NoError(t, c1.Operator().KeyringInstall(newKey, nil))
	require.NoError(t, c1.Operator().KeyringUse(newKey, nil))
	require.NoError(t, c1.Operator().KeyringRemove(oldKey, nil))

	pools, err := c2.Operator().KeyringList(nil)
	require.NoError(t, err)
	var seen []string
	for _, p := range pools {
		name := p.Datacenter + " LAN"
		if p.WAN {
			name = "WAN"
			require.Equal(t, 2, p.NumNodes)
		}
		seen = append(seen, name)
		require.Equal(t, map[string]int{newKey: p.NumNodes}, p.PrimaryKeys, name)
		require.Equal(t, map[string]int{newKey: p.NumNodes}, p.Keys, name)
	}
	require.Equal(t, []string{"WAN", "dc2 LAN", "dc1 LAN"}, seen, "the WAN pool, the own LAN pool, then the others")

	resp, err := http.Get("http://" + a2.HTTPAddr() + "/v1/operator/keyring?local-only")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var local []api.KeyringResponse
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&local))
	require.Len(t, local, 1, "local-only asks the own LAN pool alone")
	require.False(t, local[0].WAN)
	require.Equal(t, "dc2", local[0].Datacenter)
}

func TestKeyringReadTokensListAndOnlyKeyringWriteTokensChangeKeys(t *testing.T) {
	a, err := New(devConfig(t, aclConfig+`, "encrypt": "`+swim.EncodeKey(bytes.Repeat([]byte{6}, 16))+`"`), Options{Version: "test"})
	require.NoError(t, err)
	t.Cleanup(func() { a.Shutdown(t.Context()) })
	anon := keyringClient(t, a, "")
	require.Eventually(t, func() bool {
		_, _, err := anon.ACL().Bootstrap()
		return err == nil
	}, testWait, 20*time.Millisecond, "bootstrap succeeds once a leader exists")
	root := bootstrapToken(t, a)
	tokenFor := func(name, rules string) *api.Client {
		_, _, err := root.ACL().PolicyCreate(&api.ACLPolicy{Name: name, Rules: rules}, nil)
		require.NoError(t, err)
		tok, _, err := root.ACL().TokenCreate(&api.ACLToken{Policies: []*api.ACLTokenPolicyLink{{Name: name}}}, nil)
		require.NoError(t, err)
		return keyringClient(t, a, tok.SecretID)
	}
	reader := tokenFor("keyring-read", `keyring = "read"`)
	writer := tokenFor("keyring-write", `keyring = "write"`)
	newKey := swim.EncodeKey(bytes.Repeat([]byte{7}, 16))

	_, err = anon.Operator().KeyringList(nil)
	require.ErrorContains(t, err, "Permission denied")
	pools, err := reader.Operator().KeyringList(nil)
	require.NoError(t, err)
	require.NotEmpty(t, pools)
	require.ErrorContains(t, reader.Operator().KeyringInstall(newKey, nil), "Permission denied")
	require.NoError(t, writer.Operator().KeyringInstall(newKey, nil))
	pools, err = writer.Operator().KeyringList(nil)
	require.NoError(t, err)
	for _, p := range pools {
		require.Equal(t, 1, p.Keys[newKey])
	}
}

func TestAnAgentWithAnotherGossipKeyIsRefusedAndItsLogSaysWhyWithoutTheKey(t *testing.T) {
	poolKey := swim.EncodeKey(bytes.Repeat([]byte{8}, 32))
	wrongKey := swim.EncodeKey(bytes.Repeat([]byte{9}, 32))
	srv, _ := startAgent(t, `, "encrypt": "`+poolKey+`"`)
	var serf string
	srv.env.Do(func() { serf = srv.member.GossipAddr() })

	doc := `{"node_name": "stranger", "server": false, "data_dir": "` + t.TempDir() + `",
		"bind_addr": "127.0.0.1", "client_addr": "127.0.0.1", "retry_join": ["` + serf + `"],
		"encrypt": "` + wrongKey + `", "ports": {"http": 0, "serf_lan": 0, "dns": 0}}`
	cfg, err := config.Parse("agent.json", []byte(doc), config.Options{
		Hostname:       func() (string, error) { return "host", nil },
		InterfaceAddrs: func() ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil },
	})
	require.NoError(t, err)
	obs, logs := observer.New(zap.InfoLevel)
	a, err := New(cfg, Options{Version: "test", Logger: zap.New(obs)})
	require.NoError(t, err)
	t.Cleanup(func() { a.Shutdown(t.Context()) })

	require.Eventually(t, func() bool {
		return logs.FilterMessage("swim: refused by a pool member").Len() > 0
	}, testWait, 20*time.Millisecond, "the stranger's log never said it was refused")
	entry := logs.FilterMessage("swim: refused by a pool member").All()[0]
	require.Contains(t, entry.ContextMap()["reason"], "gossip keys differ")
	for _, e := range logs.All() {
		require.NotContains(t, e.Message, wrongKey)
		for _, v := range e.ContextMap() {
			require.NotContains(t, fmt.Sprint(v), wrongKey, e.Message)
			require.NotContains(t, fmt.Sprint(v), poolKey, e.Message)
		}
	}
	var alive int
	srv.env.Do(func() { alive = len(srv.member.Members()) })
	require.Equal(t, 1, alive, "the pool never took the stranger in")
}

func TestAClientAgentRelaysKeyringOperationsToAServer(t *testing.T) {
	oldKey := swim.EncodeKey(bytes.Repeat([]byte{10}, 32))
	newKey := swim.EncodeKey(bytes.Repeat([]byte{11}, 24))
	encrypt := `, "encrypt": "` + oldKey + `"`
	srv, _ := startAgent(t, encrypt)
	_, c := startClient(t, srv, encrypt)

	require.NoError(t, c.Operator().KeyringInstall(newKey, nil))
	pools, err := c.Operator().KeyringList(nil)
	require.NoError(t, err)
	var lan *api.KeyringResponse
	for _, p := range pools {
		if !p.WAN {
			lan = p
		}
	}
	require.NotNil(t, lan)
	require.Equal(t, 2, lan.NumNodes, "the server and the client")
	require.Equal(t, map[string]int{oldKey: 2, newKey: 2}, lan.Keys)
	require.Equal(t, map[string]int{oldKey: 2}, lan.PrimaryKeys)
}
