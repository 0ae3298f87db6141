package core

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/netsim/simtest"
	"github.com/cairn-sd/cairn/raft"
)

// autopilotHealth asks server name for autopilot's health and runs the simulation
// until it answers.
func (c *cluster) autopilotHealth(t *testing.T, name string) AutopilotHealth {
	var got *AutopilotHealth
	c.servers[name].AutopilotHealth(func(h AutopilotHealth, err error) {
		require.NoError(t, err)
		got = &h
	})
	c.sim.RunFor(time.Second)
	require.NotNil(t, got, "%s answered", name)
	return *got
}

// setAutopilot applies new autopilot settings through the leader.
func (c *cluster) setAutopilot(t *testing.T, cfg catalog.AutopilotConfig) {
	cmd, err := catalog.Encode(&catalog.AutopilotSetRequest{Config: cfg})
	require.NoError(t, err)
	applied := false
	c.servers[c.leader()].Apply(cmd, func(r catalog.Result, err error) {
		require.NoError(t, err)
		require.True(t, r.OK)
		applied = true
	})
	c.sim.RunFor(2 * time.Second)
	require.True(t, applied)
}

// byName indexes a health report's servers by node name.
func byName(h AutopilotHealth) map[string]ServerHealth {
	out := map[string]ServerHealth{}
	for _, s := range h.Servers {
		out[s.Name] = s
	}
	return out
}

func TestAutopilotHealthOfAHealthyClusterOnLeaderAndFollower(t *testing.T) {
	simtest.Seeds(t, 1, 5, func(t *testing.T, seed uint64) {
		c := newGossipCluster(t, seed)
		c.sim.RunFor(20 * time.Second)
		leader := c.leader()
		require.NotEmpty(t, leader)
		h := c.autopilotHealth(t, leader)
		require.True(t, h.Healthy, "%+v", h)
		require.Equal(t, 1, h.FailureTolerance)
		require.Equal(t, 1, h.OptimisticFailureTolerance)
		require.Len(t, h.Voters, 3)
		require.Equal(t, string(c.servers[leader].cfg.ID), h.Leader)
		servers := byName(h)
		require.Len(t, servers, 3)
		require.True(t, servers[leader].Leader)
		for name, s := range servers {
			require.Equal(t, serfAlive, s.SerfStatus, name)
			require.True(t, s.Voter, name)
			require.Less(t, s.LastContact, 200*time.Millisecond, name)
			require.NotZero(t, s.LastIndex, name)
			require.Equal(t, servers[leader].LastTerm, s.LastTerm, name)
		}
		fromFollower := c.autopilotHealth(t, c.follower())
		require.Equal(t, h.Leader, fromFollower.Leader, "a follower forwards to the leader")
		require.True(t, fromFollower.Healthy)
	})
}

func TestAutopilotStoppedFollowerIsUnhealthyAndKeptWithoutCleanup(t *testing.T) {
	simtest.Seeds(t, 1, 5, func(t *testing.T, seed uint64) {
		c := newGossipCluster(t, seed)
		c.sim.RunFor(20 * time.Second)
		off := catalog.DefaultAutopilotConfig
		off.CleanupDeadServers = false
		c.setAutopilot(t, off)

		victim := c.follower()
		c.sim.Crash(victim)
		c.sim.RunFor(30 * time.Second)
		leader := c.leader()
		require.NotEmpty(t, leader)
		h := c.autopilotHealth(t, leader)
		require.False(t, h.Healthy)
		require.Equal(t, 0, h.FailureTolerance, "two healthy voters of three are just a quorum")
		s := byName(h)[victim]
		require.False(t, s.Healthy)
		require.Equal(t, serfFailed, s.SerfStatus)
		require.Greater(t, s.LastContact, 20*time.Second)
		require.Len(t, c.servers[leader].Peers(), 3, "CleanupDeadServers=false keeps the dead server in Raft")
	})
}

func TestAutopilotRemovesADeadServerUnlessMinQuorumForbids(t *testing.T) {
	for _, tc := range []struct {
		name      string
		minQuorum uint
		voters    int
	}{{"default settings remove it", 0, 2}, {"MinQuorum 3 keeps it", 3, 3}} {
		t.Run(tc.name, func(t *testing.T) {
			simtest.Seeds(t, 1, 3, func(t *testing.T, seed uint64) {
				c := newGossipCluster(t, seed)
				c.sim.RunFor(20 * time.Second)
				cfg := catalog.DefaultAutopilotConfig
				cfg.MinQuorum = tc.minQuorum
				c.setAutopilot(t, cfg)
				c.sim.Crash(c.follower())
				c.sim.RunFor(30 * time.Second)
				leader := c.leader()
				require.NotEmpty(t, leader)
				require.Len(t, c.servers[leader].Peers(), tc.voters)
			})
		})
	}
}

func TestAutopilotStableSinceMovesOnlyWhenHealthChanges(t *testing.T) {
	c := newGossipCluster(t, 1)
	c.sim.RunFor(20 * time.Second)
	off := catalog.DefaultAutopilotConfig
	off.CleanupDeadServers = false
	c.setAutopilot(t, off)
	leader := c.leader()
	first := byName(c.autopilotHealth(t, leader))
	c.sim.RunFor(5 * time.Second)
	later := byName(c.autopilotHealth(t, leader))
	for name := range first {
		require.Equal(t, first[name].StableSince, later[name].StableSince, name)
	}
	victim := c.follower()
	c.sim.Crash(victim)
	c.sim.RunFor(5 * time.Second)
	after := byName(c.autopilotHealth(t, c.leader()))
	require.True(t, after[victim].StableSince.After(later[victim].StableSince), "the crash changed the victim's health")
}

func TestAutopilotSettingsFromTheConfigSeedTheCatalogOnce(t *testing.T) {
	simtest.Seeds(t, 1, 3, func(t *testing.T, seed uint64) {
		c := newGossipCluster(t, seed)
		fromFile := catalog.DefaultAutopilotConfig
		fromFile.CleanupDeadServers = false
		fromFile.MaxTrailingLogs = 77
		c.sim.RunFor(time.Millisecond)
		require.Len(t, c.servers, 3, "the servers started")
		for _, srv := range c.servers {
			srv.cfg.Autopilot = &fromFile
		}
		c.sim.RunFor(20 * time.Second)
		leader := c.leader()
		require.NotEmpty(t, leader)
		_, got := c.servers[leader].Catalog().AutopilotConfig(nil)
		require.Equal(t, uint64(77), got.MaxTrailingLogs, "the leader wrote the configured settings")
		require.False(t, got.CleanupDeadServers)

		byOperator := catalog.DefaultAutopilotConfig
		byOperator.MaxTrailingLogs = 5
		c.setAutopilot(t, byOperator)
		c.sim.Crash(leader)
		c.sim.RunFor(20 * time.Second)
		next := c.leader()
		require.NotEmpty(t, next)
		_, got = c.servers[next].Catalog().AutopilotConfig(nil)
		require.Equal(t, uint64(5), got.MaxTrailingLogs, "a new leader leaves the operator's settings alone")
	})
}

func TestANewServerIsPromotedOnlyAfterServerStabilizationTime(t *testing.T) {
	simtest.Seeds(t, 1, 3, func(t *testing.T, seed uint64) {
		c := newGossipCluster(t, seed)
		c.sim.RunFor(20 * time.Second)
		slow := catalog.DefaultAutopilotConfig
		slow.ServerStabilizationTime = 40 * time.Second
		c.setAutopilot(t, slow)
		c.addServer(t, "s4")
		c.sim.RunFor(20 * time.Second)
		_, learners := c.voters(t)
		require.Equal(t, []raft.ServerID{"id-s4"}, learners, "caught up, but not yet stable for 40s")
		c.sim.RunFor(40 * time.Second)
		voters, learners := c.voters(t)
		require.Empty(t, learners)
		require.Contains(t, voters, raft.ServerID("id-s4"), "promoted once stable")
	})
}
