package core

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/agent/metrics"
	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/netsim/simtest"
	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/swim"
)

// figures gathers r and returns every unlabelled series' value (a
// histogram's count), by Prometheus name.
func figures(t *testing.T, r *metrics.Registry) map[string]float64 {
	t.Helper()
	mfs, err := r.Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if len(m.GetLabel()) > 0 {
				continue
			}
			switch {
			case m.GetHistogram() != nil:
				out[mf.GetName()] = float64(m.GetHistogram().GetSampleCount())
			case m.GetCounter() != nil:
				out[mf.GetName()] = m.GetCounter().GetValue()
			default:
				out[mf.GetName()] = m.GetGauge().GetValue()
			}
		}
	}
	return out
}

func TestASimulatedServerRecordsRaftLogAndCatalogFigures(t *testing.T) {
	r := metrics.NewRegistry("consul")
	sim, srv := simServerWith(t, 11, Config{Bootstrap: true, Metrics: r})
	sim.RunFor(10 * time.Second)
	s := *srv
	s.RecordFigures()
	before := figures(t, r)
	require.Equal(t, 1.0, before["consul_server_isLeader"])
	require.Equal(t, 1.0, before["consul_raft_leader_changes"], "the first leader it learns of")
	require.Equal(t, 1.0, before["consul_raft_state_leader"])
	require.Positive(t, before["consul_raft_term"])
	require.Equal(t, 1.0, before["consul_state_nodes"], "the server's own node")

	b, err := catalog.Encode(&catalog.KVSetRequest{Key: "k", Value: []byte("v")})
	require.NoError(t, err)
	s.Apply(b, func(_ catalog.Result, err error) { require.NoError(t, err) })
	sim.RunFor(time.Second)
	s.RecordFigures()
	after := figures(t, r)
	for _, name := range []string{"consul_raft_commitIndex", "consul_raft_appliedIndex", "consul_raft_lastIndex",
		"consul_raft_wal_entries_total", "consul_raft_wal_syncs_total", "consul_raft_wal_append", "consul_raft_wal_fsync",
		"consul_state_kv_entries"} {
		require.Greater(t, after[name], before[name], "%s moves with a write", name)
	}
	require.Equal(t, 1.0, after["consul_raft_leader_changes"], "no election since")
}

func TestLeaderChangesAreCountedFromTheRoleChecks(t *testing.T) {
	r := metrics.NewRegistry("")
	m := newServerMeters(r)
	for _, st := range []raft.Status{
		{Role: raft.Follower},
		{Role: raft.Follower, Lead: "a"},
		{Role: raft.Follower, Lead: "a"},
		{Role: raft.Candidate},
		{Role: raft.Leader, Lead: "me"},
		{Role: raft.Leader, Lead: "me"},
		{Role: raft.Follower, Lead: "a"},
	} {
		m.observeRole(st)
	}
	got := figures(t, r)
	require.Equal(t, 3.0, got["raft_leader_changes"], "a, me, a again")
	require.Equal(t, 1.0, got["raft_state_leader"])
}

func TestWithoutARegistryTheServerKeepsItsPlainEnvironment(t *testing.T) {
	sim, srv := simServer(t, 12, true)
	sim.RunFor(5 * time.Second)
	s := *srv
	require.Equal(t, s.env, s.timedEnv(s.env), "no timing wrapper without metrics")
	require.NotPanics(t, s.RecordFigures)
}

func TestSnapshotsTakenAreCounted(t *testing.T) {
	r := metrics.NewRegistry("consul")
	sim, srv := simServerWith(t, 13, Config{Bootstrap: true, Metrics: r, SnapshotThreshold: 4, TrailingEntries: 2})
	sim.RunFor(10 * time.Second)
	s := *srv
	s.RecordFigures()
	before := figures(t, r)["consul_raft_snapshot_create"]
	for i := range 12 {
		b, err := catalog.Encode(&catalog.KVSetRequest{Key: "k", Value: []byte{byte(i)}})
		require.NoError(t, err)
		s.Apply(b, func(_ catalog.Result, err error) { require.NoError(t, err) })
		sim.RunFor(100 * time.Millisecond)
	}
	sim.RunFor(time.Second)
	s.RecordFigures()
	require.Greater(t, figures(t, r)["consul_raft_snapshot_create"], before)
}

// membersIn reads the members of pool ("lan" or "wan") in one state from r.
func membersIn(t *testing.T, r *metrics.Registry, pool, state string) float64 {
	t.Helper()
	s, err := r.Summary(time.Unix(0, 0))
	require.NoError(t, err)
	for _, g := range s.Gauges {
		if g.Name == "consul.serf."+pool+".members" && g.Labels["state"] == state {
			return g.Value
		}
	}
	t.Fatalf("no serf.%s.members series for state %q", pool, state)
	return 0
}

func TestAfterTheLeaderCrashesTheSurvivorsCountTheFailureAndTheNewLeader(t *testing.T) {
	simtest.Seeds(t, 1, 3, func(t *testing.T, seed uint64) {
		sim := simtest.New(t, seed, netsim.Options{})
		servers, registries := map[string]*Server{}, map[string]*metrics.Registry{}
		join := []string{"s1:8301", "s2:8301", "s3:8301"}
		wanJoin := []string{"s1:8302", "s2:8302", "s3:8302"}
		for i := 1; i <= 3; i++ {
			name := fmt.Sprintf("s%d", i)
			registries[name] = metrics.NewRegistry("consul")
			sim.AddHost(name, "dc1", func(env netsim.Env) {
				srv, err := NewServer(env, Config{
					ID: raft.ServerID("id-" + name), NodeName: name, NodeAddress: env.Host(), Datacenter: "dc1",
					Port: 8300, AdvertiseHost: env.Host(), Dir: "raft", BootstrapExpect: 3,
					Gossip:    &GossipConfig{Port: 8301, RetryJoin: join, Swim: swim.LocalConfig()},
					WANGossip: &GossipConfig{Port: 8302, RetryJoin: wanJoin},
					Metrics:   registries[name],
				})
				require.NoError(t, err)
				servers[name] = srv
			})
		}
		sim.RunFor(20 * time.Second)
		leader := ""
		for name, s := range servers {
			if s.isLeader() {
				leader = name
			}
		}
		require.NotEmpty(t, leader)
		survivor := "s1"
		if leader == survivor {
			survivor = "s2"
		}
		r := registries[survivor]
		servers[survivor].RecordFigures()
		before := figures(t, r)
		require.Equal(t, 3.0, membersIn(t, r, "lan", "alive"))
		require.Equal(t, 3.0, membersIn(t, r, "wan", "alive"))
		require.Positive(t, before["consul_memberlist_probes"])
		require.Positive(t, before["consul_memberlist_udp_sent"])
		require.Positive(t, before["consul_memberlist_udp_received"])

		sim.Crash(leader)
		sim.RunFor(60 * time.Second)
		servers[survivor].RecordFigures()
		after := figures(t, r)
		require.Equal(t, 1.0, membersIn(t, r, "lan", "failed"), "the crashed leader is declared failed")
		require.Equal(t, 2.0, membersIn(t, r, "lan", "alive"))
		require.Equal(t, 1.0, membersIn(t, r, "wan", "failed"), "in the WAN pool too")
		require.Greater(t, after["consul_memberlist_probes_failed"], before["consul_memberlist_probes_failed"])
		require.Greater(t, after["consul_memberlist_suspicions"], before["consul_memberlist_suspicions"])
		require.Greater(t, after["consul_raft_leader_changes"], before["consul_raft_leader_changes"])
		require.Greater(t, after["consul_raft_term"], before["consul_raft_term"])
	})
}
