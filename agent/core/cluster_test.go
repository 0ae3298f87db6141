package core

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/netsim/simtest"
	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/swim"
)

// cluster is three gossiping servers with bootstrap_expect 3 in netsim.
type cluster struct {
	sim     *netsim.Sim
	names   []string
	servers map[string]*Server
}

func newGossipCluster(t *testing.T, seed uint64) *cluster {
	c := &cluster{sim: simtest.New(t, seed, netsim.Options{}), servers: map[string]*Server{}}
	for i := 1; i <= 3; i++ {
		c.addServer(t, fmt.Sprintf("s%d", i))
	}
	return c
}

// addServer adds a server with bootstrap_expect 3 that joins through the
// first three (as the seed: every server, itself included).
func (c *cluster) addServer(t *testing.T, name string) {
	join := []string{"s1:8301", "s2:8301", "s3:8301"}
	c.names = append(c.names, name)
	c.sim.AddHost(name, "dc1", func(env netsim.Env) {
		srv, err := NewServer(env, Config{
			ID: raft.ServerID("id-" + name), NodeName: name, NodeAddress: env.Host(), Datacenter: "dc1",
			Port: 8300, AdvertiseHost: env.Host(), Dir: "raft", BootstrapExpect: 3,
			Gossip: &GossipConfig{Port: 8301, RetryJoin: join, Swim: swim.LocalConfig()},
		})
		require.NoError(t, err)
		c.servers[name] = srv
	})
}

func (c *cluster) leader() string {
	for _, n := range c.names {
		if c.sim.Up(n) && c.servers[n].isLeader() {
			return n
		}
	}
	return ""
}

func (c *cluster) follower() string {
	for _, n := range c.names {
		if c.sim.Up(n) && n != c.leader() {
			return n
		}
	}
	return ""
}

// serfHealth returns each node's serfHealth status in name's catalog.
func (c *cluster) serfHealth(t *testing.T, name string) map[string]string {
	_, checks, err := c.servers[name].Catalog().ChecksInState(nil, "any", catalog.Query{})
	require.NoError(t, err)
	out := map[string]string{}
	for _, ch := range checks {
		if ch.CheckID == serfHealthCheckID {
			out[ch.Node] = ch.Status
		}
	}
	return out
}

func TestServersFindEachOtherBootstrapAndMirrorTheirMembership(t *testing.T) {
	simtest.Seeds(t, 1, 20, func(t *testing.T, seed uint64) {
		c := newGossipCluster(t, seed)
		c.sim.RunFor(20 * time.Second)
		leader := c.leader()
		require.NotEmpty(t, leader, "the servers elect a leader")
		require.Len(t, c.servers[leader].Peers(), 3, "all three servers vote")
		require.Equal(t, map[string]string{"s1": "passing", "s2": "passing", "s3": "passing"}, c.serfHealth(t, leader))
		_, consul, err := c.servers[leader].Catalog().ServiceNodes(nil, "consul", catalog.Query{})
		require.NoError(t, err)
		require.Len(t, consul, 3, "the leader registers a consul service for every server")
		require.Equal(t, 8300, consul[0].ServicePort)

		follower := c.follower()
		cmd, err := catalog.Encode(&catalog.KVSetRequest{Key: "via/follower", Value: []byte("ok")})
		require.NoError(t, err)
		var applied, read bool
		c.servers[follower].Apply(cmd, func(r catalog.Result, err error) {
			require.NoError(t, err)
			require.True(t, r.OK)
			applied = true
			c.servers[follower].ConsistentRead(func(err error) {
				require.NoError(t, err)
				_, kv := c.servers[follower].Catalog().KVGet(nil, "via/follower")
				require.NotNil(t, kv, "a consistent read on the follower sees the write")
				read = true
			})
		})
		c.sim.RunFor(2 * time.Second)
		require.True(t, applied, "a write through a follower is forwarded to the leader")
		require.True(t, read)

		victim := c.follower()
		c.sim.Crash(victim)
		c.sim.RunFor(30 * time.Second)
		leader = c.leader()
		require.NotEmpty(t, leader)
		require.Equal(t, "critical", c.serfHealth(t, leader)[victim], "a crashed server's serfHealth turns critical")
	})
}

func TestALeavingServerIsDeregisteredAndRemovedFromRaft(t *testing.T) {
	simtest.Seeds(t, 1, 10, func(t *testing.T, seed uint64) {
		c := newGossipCluster(t, seed)
		c.sim.RunFor(20 * time.Second)
		leaving := c.follower()
		require.NoError(t, c.servers[leaving].Leave())
		c.sim.RunFor(20 * time.Second)
		leader := c.leader()
		require.NotEmpty(t, leader)
		require.Len(t, c.servers[leader].Peers(), 2, "the leader removed the server that left")
		_, node := c.servers[leader].Catalog().GetNode(nil, leaving)
		require.Nil(t, node, "a server that left is deregistered")
	})
}
