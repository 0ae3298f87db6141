package core

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
)

// simServer boots one bootstrapped server on a simulated host.
func simServer(t *testing.T, seed uint64, bootstrap bool) (*netsim.Sim, **Server) {
	return simServerWith(t, seed, Config{Bootstrap: bootstrap})
}

// simServerWith boots one server with cfg's extra settings.
func simServerWith(t *testing.T, seed uint64, cfg Config) (*netsim.Sim, **Server) {
	t.Helper()
	sim := netsim.New(seed, netsim.Options{})
	var srv *Server
	cfg.ID, cfg.NodeName, cfg.NodeAddress, cfg.Datacenter = "id-s1", "s1", "s1", "dc1"
	cfg.Port, cfg.AdvertiseHost, cfg.Dir = 8300, "s1", "raft"
	sim.AddHost("s1", "z1", func(env netsim.Env) {
		s, err := NewServer(env, cfg)
		require.NoError(t, err)
		srv = s
	})
	return sim, &srv
}

// TestBootstrappedServerLeadsAndRegistersItsNode checks that a lone
// bootstrapped server elects itself, reports itself as leader with zero
// last contact, and registers its node with a passing serfHealth check.
func TestBootstrappedServerLeadsAndRegistersItsNode(t *testing.T) {
	sim, srv := simServer(t, 1, true)
	sim.RunFor(10 * time.Second)
	s := *srv
	require.Equal(t, raft.Leader, s.Status().Role)
	require.Equal(t, QueryMeta{KnownLeader: true, IsLeader: true}, s.QueryMeta())
	require.Equal(t, "s1:8300", s.Leader())
	require.Equal(t, []string{"s1:8300"}, s.Peers())
	_, checks, err := s.Catalog().NodeChecks(nil, "s1", catalog.Query{})
	require.NoError(t, err)
	require.Len(t, checks, 1)
	require.Equal(t, "serfHealth", checks[0].CheckID)
	require.Equal(t, catalog.HealthPassing, checks[0].Status)
}

// TestApplyAndConsistentReadOnTheLeader checks that Apply reports the
// catalog's result (a lost check-and-set is OK=false) and that a
// consistent read completes on a leader.
func TestApplyAndConsistentReadOnTheLeader(t *testing.T) {
	sim, srv := simServer(t, 2, true)
	sim.RunFor(10 * time.Second)
	s := *srv
	var results []catalog.Result
	for _, cmd := range []catalog.Command{
		&catalog.KVSetRequest{Key: "k", Value: []byte("v")},
		&catalog.KVCASRequest{Key: "k", Value: []byte("w"), Index: 0},
	} {
		b, err := catalog.Encode(cmd)
		require.NoError(t, err)
		s.Apply(b, func(r catalog.Result, err error) {
			require.NoError(t, err)
			results = append(results, r)
		})
	}
	sim.RunFor(time.Second)
	require.Equal(t, []catalog.Result{{OK: true}, {OK: false}}, results)
	readDone := false
	s.ConsistentRead(func(err error) {
		require.NoError(t, err)
		readDone = true
	})
	sim.RunFor(time.Second)
	require.True(t, readDone)
	_, pair := s.Catalog().KVGet(nil, "k")
	require.Equal(t, "v", string(pair.Value))
}

// TestUnbootstrappedServerRefusesWrites checks that a server without a
// configuration knows no leader and fails writes with raft.ErrNotLeader.
func TestUnbootstrappedServerRefusesWrites(t *testing.T) {
	sim, srv := simServer(t, 3, false)
	sim.RunFor(10 * time.Second)
	s := *srv
	meta := s.QueryMeta()
	require.False(t, meta.KnownLeader)
	require.Positive(t, meta.LastContact)
	require.Equal(t, "", s.Leader())
	b, err := catalog.Encode(&catalog.KVSetRequest{Key: "k"})
	require.NoError(t, err)
	var got error
	s.Apply(b, func(_ catalog.Result, err error) { got = err })
	require.True(t, errors.Is(got, raft.ErrNotLeader), "got %v", got)
	s.Stop()
	s.Apply(b, func(_ catalog.Result, err error) { got = err })
	require.ErrorIs(t, got, ErrStopped)
}
