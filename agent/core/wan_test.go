package core

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/netsim/simtest"
	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/swim"
)

// federation is two datacenters in netsim: dc1 with 3 servers and 5
// clients, dc2 with 3 servers and 2 clients; each datacenter is a netsim
// zone, so links between them have WAN latency.
type federation struct {
	sim     *netsim.Sim
	servers map[string]map[string]*Server // by datacenter, then host
	clients map[string]map[string]*Client
}

func newFederation(t *testing.T, seed uint64) *federation {
	f := &federation{sim: simtest.New(t, seed, netsim.Options{}),
		servers: map[string]map[string]*Server{}, clients: map[string]map[string]*Client{}}
	var wanJoin []string
	for _, dc := range []string{"dc1", "dc2"} {
		for i := 1; i <= 3; i++ {
			wanJoin = append(wanJoin, fmt.Sprintf("%s-s%d:8302", dc, i))
		}
	}
	for _, d := range []struct {
		dc       string
		nClients int
	}{{"dc1", 5}, {"dc2", 2}} {
		dc, nClients := d.dc, d.nClients
		f.servers[dc], f.clients[dc] = map[string]*Server{}, map[string]*Client{}
		lanJoin := []string{dc + "-s1:8301", dc + "-s2:8301", dc + "-s3:8301"}
		for i := 1; i <= 3; i++ {
			f.addServer(t, dc, fmt.Sprintf("%s-s%d", dc, i), lanJoin, wanJoin)
		}
		for i := 1; i <= nClients; i++ {
			f.addClient(t, dc, fmt.Sprintf("%s-c%d", dc, i), lanJoin)
		}
	}
	return f
}

func (f *federation) addServer(t *testing.T, dc, name string, lanJoin, wanJoin []string) {
	f.sim.AddHost(name, dc, func(env netsim.Env) {
		srv, err := NewServer(env, Config{
			ID: raft.ServerID("id-" + name), NodeName: name, NodeAddress: env.Host(), Datacenter: dc,
			Port: 8300, AdvertiseHost: env.Host(), Dir: "raft", BootstrapExpect: 3,
			Gossip:    &GossipConfig{Port: 8301, RetryJoin: lanJoin, Swim: swim.LocalConfig()},
			WANGossip: &GossipConfig{Port: 8302, RetryJoin: wanJoin},
		})
		require.NoError(t, err)
		f.servers[dc][name] = srv
	})
}

func (f *federation) addClient(t *testing.T, dc, name string, lanJoin []string) {
	f.sim.AddHost(name, dc, func(env netsim.Env) {
		cl, err := NewClient(env, ClientConfig{NodeID: "id-" + name, NodeName: name, Datacenter: dc,
			Gossip: GossipConfig{Port: 8301, RetryJoin: lanJoin, Swim: swim.LocalConfig()}})
		require.NoError(t, err)
		f.clients[dc][name] = cl
	})
}

// leader returns the host leading dc, or "".
func (f *federation) leader(dc string) string {
	for _, name := range slices.Sorted(maps.Keys(f.servers[dc])) {
		if f.sim.Up(name) && f.servers[dc][name].isLeader() {
			return name
		}
	}
	return ""
}

// putIn writes key in datacenter dc through client cl and returns the
// outcome once answered.
func (f *federation) putIn(t *testing.T, cl *Client, dc, key string) error {
	cmd, err := catalog.Encode(&catalog.KVSetRequest{Key: key, Value: []byte(dc)})
	require.NoError(t, err)
	var out error
	answered := false
	cl.CallDatacenter(dc, methodApply, sealToken("", cmd), forwardTimeout, false, func(resp []byte, err error) {
		answered, out = true, err
		if err == nil {
			r, derr := decodeResult(resp)
			out = derr
			if derr == nil && r.Err != nil {
				out = r.Err
			}
		}
	})
	for range 40 {
		if answered {
			break
		}
		f.sim.RunFor(500 * time.Millisecond)
	}
	require.True(t, answered, "a cross-datacenter request is answered")
	return out
}

// has reports whether dc's leader holds key.
func (f *federation) has(t *testing.T, dc, key string) bool {
	leader := f.leader(dc)
	require.NotEmpty(t, leader, "%s has a leader", dc)
	_, kv := f.servers[dc][leader].Catalog().KVGet(nil, key)
	return kv != nil
}

func TestRequestsCrossDatacentersThroughTheWANPool(t *testing.T) {
	simtest.Seeds(t, 1, 6, func(t *testing.T, seed uint64) {
		f := newFederation(t, seed)
		f.sim.RunFor(30 * time.Second)
		c1 := f.clients["dc1"]["dc1-c1"]
		for _, dc := range []string{"dc1", "dc2"} {
			srv := f.servers[dc][f.leader(dc)]
			require.Equal(t, []string{"dc1", "dc2"}, sortedStrings(srv.Datacenters()), "both datacenters are known in %s", dc)
			require.Equal(t, dc, srv.Datacenters()[0], "a server's own datacenter is nearest")
		}

		require.NoError(t, f.putIn(t, c1, "dc2", "from-dc1"))
		require.True(t, f.has(t, "dc2", "from-dc1"), "the write reached dc2's leader")
		require.False(t, f.has(t, "dc1", "from-dc1"), "dc1's catalog is its own")
		require.ErrorIs(t, f.putIn(t, c1, "dc9", "x"), ErrNoPath)

		// dc2 loses its leader; requests sent meanwhile complete after the
		// re-election, within the hold time.
		f.sim.Crash(f.leader("dc2"))
		require.NoError(t, f.putIn(t, c1, "dc2", "during-election"))
		require.True(t, f.has(t, "dc2", "during-election"))

		// The WAN is cut: requests fail with an error; healed, they
		// succeed again.
		f.sim.CutZones("dc1", "dc2")
		require.Error(t, f.putIn(t, c1, "dc2", "during-cut"))
		f.sim.Heal()
		f.sim.RunFor(90 * time.Second)
		require.NoError(t, f.putIn(t, c1, "dc2", "after-heal"))

		f.sim.RunFor(10 * time.Second)
		for _, dc := range []string{"dc1", "dc2"} {
			want := snapshotOf(t, f.servers[dc][f.leader(dc)])
			for name, s := range f.servers[dc] {
				if f.sim.Up(name) {
					require.Equal(t, want, snapshotOf(t, s), "%s holds its leader's catalog", name)
				}
			}
		}
	})
}

func sortedStrings(in []string) []string { return slices.Sorted(slices.Values(in)) }

func TestGossipAdvertisesTheConfiguredHost(t *testing.T) {
	sim, srv := simServerWith(t, 1, Config{Bootstrap: true,
		Gossip:    &GossipConfig{Port: 8301, AdvertiseHost: "lan.example", Swim: swim.LocalConfig()},
		WANGossip: &GossipConfig{Port: 8302, AdvertiseHost: "wan.example"}})
	sim.RunFor(time.Second)
	self := func(members []swim.NodeInfo, name string) string {
		for _, m := range members {
			if m.Name == name {
				return m.Addr
			}
		}
		return ""
	}
	require.Equal(t, "lan.example:8301", self((*srv).Members(), "s1"), "advertise_addr")
	require.Equal(t, "wan.example:8302", self((*srv).WAN().Members(), "s1.dc1"), "advertise_addr_wan")
}
