package core

import (
	"bytes"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/netsim/simtest"
	"github.com/cairn-sd/cairn/swim"
)

// addClients puts n client agents c1..cn beside the cluster's servers.
func (c *cluster) addClients(t *testing.T, n int) map[string]*Client {
	clients := map[string]*Client{}
	join := []string{"s1:8301", "s2:8301", "s3:8301"}
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("c%d", i)
		c.sim.AddHost(name, "dc1", func(env netsim.Env) {
			cl, err := NewClient(env, ClientConfig{
				NodeID: "id-" + name, NodeName: name, Datacenter: "dc1",
				Gossip: GossipConfig{Port: 8301, RetryJoin: join, Swim: swim.LocalConfig()},
			})
			require.NoError(t, err)
			clients[name] = cl
		})
	}
	return clients
}

// clientPut writes key through a client and reports the outcome.
func clientPut(t *testing.T, c *cluster, cl *Client, key string) error {
	cmd, err := catalog.Encode(&catalog.KVSetRequest{Key: key, Value: []byte(key)})
	require.NoError(t, err)
	var out error
	answered := false
	cl.ApplyAs("", cmd, func(r catalog.Result, err error) {
		answered, out = true, err
		if err == nil && r.Err != nil {
			out = r.Err
		}
	})
	c.sim.RunFor(10 * time.Second)
	require.True(t, answered, "every request is answered within the hold timeout")
	return out
}

// snapshotOf encodes a server's catalog.
func snapshotOf(t *testing.T, s *Server) []byte {
	w, err := s.Catalog().Snapshot()
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = w.WriteTo(&buf)
	require.NoError(t, err)
	return buf.Bytes()
}

func TestClientsWriteThroughAnyServerAndSurviveTheirServerBeingCutOff(t *testing.T) {
	simtest.Seeds(t, 1, 8, func(t *testing.T, seed uint64) {
		c := newGossipCluster(t, seed)
		clients := c.addClients(t, 5)
		c.sim.RunFor(20 * time.Second)
		leader := c.leader()
		require.NotEmpty(t, leader)
		health := c.serfHealth(t, leader)
		for name := range clients {
			require.Equal(t, "passing", health[name], "client %s is in the catalog through the pool", name)
		}

		cl := clients["c1"]
		require.NoError(t, clientPut(t, c, cl, "before"))
		cut, _, err := net.SplitHostPort(cl.preferred)
		require.NoError(t, err, "the client sticks to the server that answered")
		c.sim.Isolate(cut)
		require.NoError(t, clientPut(t, c, cl, "during"), "a write succeeds while the client's server is cut off")
		c.sim.Heal()

		c.sim.Crash("c5")
		c.sim.RunFor(30 * time.Second)
		leader = c.leader()
		require.NotEmpty(t, leader)
		require.Equal(t, "critical", c.serfHealth(t, leader)["c5"], "a crashed client turns critical")

		c.sim.RunFor(10 * time.Second)
		want := snapshotOf(t, c.servers[leader])
		for _, n := range c.names {
			require.Equal(t, want, snapshotOf(t, c.servers[n]), "server %s holds the leader's catalog", n)
		}
	})
}

func TestAForceLeftClientLeavesTheCatalog(t *testing.T) {
	simtest.Seeds(t, 1, 5, func(t *testing.T, seed uint64) {
		c := newGossipCluster(t, seed)
		c.addClients(t, 2)
		c.sim.RunFor(20 * time.Second)
		leader := c.leader()
		require.ErrorIs(t, c.servers[leader].ForceLeave("c1", false), swim.ErrNotFailed, "an alive member would refute")
		require.ErrorIs(t, c.servers[leader].ForceLeave("nobody", false), swim.ErrUnknownMember)

		c.sim.Crash("c2")
		c.sim.RunFor(30 * time.Second)
		leader = c.leader()
		require.Equal(t, "critical", c.serfHealth(t, leader)["c2"])
		require.NoError(t, c.servers[c.follower()].ForceLeave("c2", false), "any member may force one out")
		c.sim.RunFor(10 * time.Second)
		_, node := c.servers[c.leader()].Catalog().GetNode(nil, "c2")
		require.Nil(t, node, "the leader deregistered the node once it was declared left")
	})
}
