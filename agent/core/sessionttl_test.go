package core

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/netsim/simtest"
)

// sessionTTL is the TTL of the test sessions; the leader destroys one
// 2×sessionTTL after its last renewal.
const sessionTTL = 10 * time.Second

// createSession proposes a TTL session on node through srv and runs the
// simulation until it is applied.
func createSession(t *testing.T, sim *netsim.Sim, srv *Server, id, node string) {
	t.Helper()
	b, err := catalog.Encode(&catalog.SessionCreateRequest{Session: catalog.Session{
		ID: id, Node: node, TTL: sessionTTL.String(), NodeChecks: []string{serfHealthCheckID}}})
	require.NoError(t, err)
	applied := false
	srv.Apply(b, func(r catalog.Result, err error) {
		require.NoError(t, err)
		require.NoError(t, r.Err)
		applied = true
	})
	sim.RunFor(time.Second)
	require.True(t, applied, "the session was created")
}

// sessionExists reports whether srv's catalog holds session id.
func sessionExists(srv *Server, id string) bool {
	_, sess := srv.Catalog().SessionGet(nil, id)
	return sess != nil
}

// renewEvery renews id through srv every period for total, and checks
// that every renewal found the session.
func renewEvery(t *testing.T, sim *netsim.Sim, srv *Server, id string, period, total time.Duration) {
	t.Helper()
	for elapsed := time.Duration(0); elapsed < total; elapsed += period {
		sim.RunFor(period)
		found := false
		srv.RenewSession(id, func(ok bool, err error) {
			require.NoError(t, err)
			found = ok
		})
		sim.RunFor(100 * time.Millisecond)
		require.True(t, found, "renewal at %v found the session", elapsed+period)
	}
}

func TestSessionTTLExpiresAfterTwiceTheTTLUnlessRenewed(t *testing.T) {
	sim, srvp := simServer(t, 3, true)
	sim.RunFor(10 * time.Second)
	s := *srvp
	createSession(t, sim, s, "ttl-session", "s1")
	renewEvery(t, sim, s, "ttl-session", sessionTTL/2, 6*sessionTTL)
	require.True(t, sessionExists(s, "ttl-session"), "renewals keep the session alive past its TTL")

	sim.RunFor(2*sessionTTL - 2*time.Second)
	require.True(t, sessionExists(s, "ttl-session"), "a session lives 2×TTL after its last renewal")
	sim.RunFor(3 * time.Second)
	require.False(t, sessionExists(s, "ttl-session"), "the leader destroys a session whose TTL ran out")

	found := true
	s.RenewSession("ttl-session", func(ok bool, err error) {
		require.NoError(t, err)
		found = ok
	})
	require.False(t, found, "renewing a destroyed session finds nothing")
}

func TestSessionTTLSurvivesALeaderChangeAndStillExpires(t *testing.T) {
	simtest.Seeds(t, 1, 6, func(t *testing.T, seed uint64) {
		c := newGossipCluster(t, seed)
		c.sim.RunFor(20 * time.Second)
		leader := c.leader()
		require.NotEmpty(t, leader)
		follower := c.follower()
		createSession(t, c.sim, c.servers[leader], "s", follower)

		renewEvery(t, c.sim, c.servers[follower], "s", sessionTTL/2, 3*sessionTTL)
		require.True(t, sessionExists(c.servers[follower], "s"), "renewals forwarded by a follower keep the session alive")

		c.sim.Crash(leader)
		c.sim.RunFor(2*sessionTTL - 2*time.Second)
		require.True(t, sessionExists(c.servers[follower], "s"), "a leader change does not expire a session early")
		c.sim.RunFor(2*sessionTTL + 10*time.Second)
		newLeader := c.leader()
		require.NotEmpty(t, newLeader)
		require.False(t, sessionExists(c.servers[newLeader], "s"), "the new leader expires the session")
	})
}
