package core

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/netsim/simtest"
	"github.com/cairn-sd/cairn/raft"
)

// voters returns the voters and learners of the leader's configuration.
func (c *cluster) voters(t *testing.T) (voters, learners []raft.ServerID) {
	leader := c.leader()
	require.NotEmpty(t, leader)
	for _, sv := range c.servers[leader].raft.Configuration().Servers {
		if sv.Suffrage == raft.Voter {
			voters = append(voters, sv.ID)
		} else {
			learners = append(learners, sv.ID)
		}
	}
	return voters, learners
}

func TestAFailedServerIsReplacedWithoutLosingQuorum(t *testing.T) {
	simtest.Seeds(t, 1, 10, func(t *testing.T, seed uint64) {
		c := newGossipCluster(t, seed)
		clients := c.addClients(t, 2)
		c.sim.RunFor(20 * time.Second)
		victim := c.follower()
		require.NotEmpty(t, victim)
		c.sim.Crash(victim)

		// Every second: the live servers keep a leader and a quorum of
		// live voters, so writes go on throughout.
		for range 10 {
			c.sim.RunFor(time.Second)
			voters, _ := c.voters(t)
			require.GreaterOrEqual(t, len(voters), 2)
		}
		voters, _ := c.voters(t)
		require.NotContains(t, voters, raft.ServerID("id-"+victim), "the dead server is removed")
		require.Len(t, voters, 2)

		c.addServer(t, "s4")
		c.sim.RunFor(20 * time.Second)
		voters, learners := c.voters(t)
		require.ElementsMatch(t, voters, []raft.ServerID{"id-s4", raft.ServerID("id-" + c.leader()), raft.ServerID("id-" + c.otherLive(victim))},
			"the new server joined as a learner and was promoted")
		require.Empty(t, learners)
		require.NoError(t, clientPut(t, c, clients["c1"], "after-replacement"))
	})
}

// otherLive returns the live original server that is neither the leader
// nor gone.
func (c *cluster) otherLive(gone string) string {
	for _, n := range []string{"s1", "s2", "s3"} {
		if n != gone && n != c.leader() {
			return n
		}
	}
	return ""
}
