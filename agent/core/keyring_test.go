package core

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/netsim/simtest"
	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/swim"
	swimdriver "github.com/cairn-sd/cairn/swim/driver"
)

// encryptedServers boots three servers of dc1 whose LAN and WAN pools
// share key, and waits until every pool shows all three.
func encryptedServers(t *testing.T, seed uint64, key string) (*netsim.Sim, map[string]*Server) {
	sim := simtest.New(t, seed, netsim.Options{})
	servers := map[string]*Server{}
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("s%d", i)
		sim.AddHost(name, "dc1", func(env netsim.Env) {
			srv, err := NewServer(env, Config{
				ID: raft.ServerID("id-" + name), NodeName: name, NodeAddress: env.Host(), Datacenter: "dc1",
				Port: 8300, AdvertiseHost: env.Host(), Dir: "raft", BootstrapExpect: 3,
				Gossip: &GossipConfig{Port: 8301, RetryJoin: []string{"s1:8301"}, Swim: swim.LocalConfig(), EncryptKey: key},
				WANGossip: &GossipConfig{Port: 8302, RetryJoin: []string{"s1:8302"}, Swim: swim.LocalConfig(),
					EncryptKey: key},
			})
			require.NoError(t, err)
			servers[name] = srv
		})
	}
	for range 600 {
		sim.RunFor(100 * time.Millisecond)
		all := len(servers) == 3
		for _, s := range servers {
			all = all && s.pool.node.Member().NumAlive() == 3 && s.wan.node.Member().NumAlive() == 3
		}
		if all {
			return sim, servers
		}
	}
	t.Fatalf("seed %d: the pools never formed", seed)
	return nil, nil
}

// keyringOp runs one operation from srv and waits for it in simulated time.
func keyringOp(t *testing.T, sim *netsim.Sim, srv *Server, op swim.KeyOp, key string, wan bool) []KeyringResponse {
	var (
		got  []KeyringResponse
		err  error
		done bool
	)
	srv.KeyringOperation(op, key, 1, wan, func(r []KeyringResponse, e error) { got, err, done = r, e, true })
	for i := 0; i < 600 && !done; i++ {
		sim.RunFor(100 * time.Millisecond)
	}
	require.True(t, done, "the %s operation never finished", op)
	require.NoError(t, err)
	return got
}

func TestKeyringOperationRotatesTheWANAndLANPoolsOfTheServers(t *testing.T) {
	oldKey := swim.EncodeKey(bytes.Repeat([]byte{1}, 32))
	newKey := swim.EncodeKey(bytes.Repeat([]byte{2}, 32))
	simtest.Seeds(t, 1, 5, func(t *testing.T, seed uint64) {
		sim, servers := encryptedServers(t, seed, oldKey)
		s2 := servers["s2"]
		for _, step := range []struct {
			op  swim.KeyOp
			key string
		}{{swim.KeyInstall, newKey}, {swim.KeyUse, newKey}, {swim.KeyRemove, oldKey}} {
			for _, p := range keyringOp(t, sim, s2, step.op, step.key, true) {
				require.Zero(t, p.Result.Failed(), "%s on WAN=%v: %+v", step.op, p.WAN, p.Result)
				require.Equal(t, 3, p.Result.NumNodes())
			}
		}
		pools := keyringOp(t, sim, s2, swim.KeyList, "", true)
		require.Len(t, pools, 2)
		require.True(t, pools[0].WAN, "the WAN pool comes first")
		require.False(t, pools[1].WAN)
		for _, p := range pools {
			require.Equal(t, "dc1", p.Datacenter)
			for _, a := range p.Result.Answers {
				require.Equal(t, []string{newKey}, a.Keys, "%s WAN=%v", a.Node, p.WAN)
			}
		}
		lan := keyringOp(t, sim, s2, swim.KeyList, "", false)
		require.Len(t, lan, 1, "without wan only the LAN pool is asked")
		require.False(t, lan[0].WAN)
	})
}

func TestKeyringOperationFailsWithoutEncryption(t *testing.T) {
	simtest.Seeds(t, 1, 1, func(t *testing.T, seed uint64) {
		c := newGossipCluster(t, seed)
		c.sim.RunFor(time.Second)
		var err error
		c.servers["s1"].KeyringOperation(swim.KeyList, "", 0, true, func(_ []KeyringResponse, e error) { err = e })
		require.ErrorIs(t, err, swimdriver.ErrNoKeyring)
	})
}
