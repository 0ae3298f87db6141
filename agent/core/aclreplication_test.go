package core

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/netsim/simtest"
	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/swim"
)

// rootSecret is the initial management token of the ACL tests' primary,
// which the secondary also presents as its replication token.
const rootSecret = "root-secret-5d1c"

// aclFederation is two datacenters with ACLs on and default deny: dc1
// (the primary) and dc2, three servers each, and one client in dc2.
type aclFederation struct {
	sim     *netsim.Sim
	servers map[string]map[string]*Server
	client  *Client
}

// federationACL is what the secondary's servers are configured with.
type federationACL struct {
	tokenReplication bool
	replicationToken string
}

// fullReplication replicates tokens with the primary's management token.
var fullReplication = federationACL{tokenReplication: true, replicationToken: rootSecret}

func newACLFederation(t *testing.T, seed uint64, opts federationACL) *aclFederation {
	f := &aclFederation{sim: simtest.New(t, seed, netsim.Options{}), servers: map[string]map[string]*Server{}}
	var wanJoin []string
	for _, dc := range []string{"dc1", "dc2"} {
		for i := 1; i <= 3; i++ {
			wanJoin = append(wanJoin, fmt.Sprintf("%s-s%d:8302", dc, i))
		}
	}
	for _, dc := range []string{"dc1", "dc2"} {
		f.servers[dc] = map[string]*Server{}
		lanJoin := []string{dc + "-s1:8301", dc + "-s2:8301", dc + "-s3:8301"}
		for i := 1; i <= 3; i++ {
			name := fmt.Sprintf("%s-s%d", dc, i)
			f.sim.AddHost(name, dc, func(env netsim.Env) {
				srv, err := NewServer(env, Config{
					ID: raft.ServerID("id-" + name), NodeName: name, NodeAddress: env.Host(), Datacenter: dc,
					Port: 8300, AdvertiseHost: env.Host(), Dir: "raft", BootstrapExpect: 3,
					Gossip:     &GossipConfig{Port: 8301, RetryJoin: lanJoin, Swim: swim.LocalConfig()},
					WANGossip:  &GossipConfig{Port: 8302, RetryJoin: wanJoin},
					ACLEnabled: true, ACLInitialManagement: rootSecret, PrimaryDatacenter: "dc1",
					ACLTokenReplication: opts.tokenReplication, ACLReplicationToken: opts.replicationToken,
					ACLTokenTTL: aclTokenTTL,
				})
				require.NoError(t, err)
				f.servers[dc][name] = srv
			})
		}
	}
	f.sim.AddHost("dc2-c1", "dc2", func(env netsim.Env) {
		cl, err := NewClient(env, ClientConfig{NodeID: "id-dc2-c1", NodeName: "dc2-c1", Datacenter: "dc2",
			Gossip: GossipConfig{Port: 8301, RetryJoin: []string{"dc2-s1:8301", "dc2-s2:8301", "dc2-s3:8301"}, Swim: swim.LocalConfig()}})
		require.NoError(t, err)
		f.client = cl
	})
	return f
}

// leader returns the server leading dc; the test fails without one.
func (f *aclFederation) leader(t *testing.T, dc string) *Server {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(f.servers[dc])) {
		if f.sim.Up(name) && f.servers[dc][name].isLeader() {
			return f.servers[dc][name]
		}
	}
	require.FailNow(t, "no leader", "datacenter %s", dc)
	return nil
}

// follower returns a server of dc that does not lead.
func (f *aclFederation) follower(t *testing.T, dc string) *Server {
	t.Helper()
	lead := f.leader(t, dc)
	for _, name := range slices.Sorted(maps.Keys(f.servers[dc])) {
		if s := f.servers[dc][name]; f.sim.Up(name) && s != lead {
			return s
		}
	}
	require.FailNow(t, "no follower", "datacenter %s", dc)
	return nil
}

// await runs the simulation until call's callback has run, for at most a
// minute of virtual time, and fails the test if it never does.
func await[T any](t *testing.T, sim *netsim.Sim, call func(done func(T, error))) (T, error) {
	t.Helper()
	var out T
	var outErr error
	answered := false
	call(func(v T, err error) { out, outErr, answered = v, err, true })
	for i := 0; i < 240 && !answered; i++ {
		sim.RunFor(250 * time.Millisecond)
	}
	require.True(t, answered, "the call is answered")
	return out, outErr
}

// write applies cmd through srv and returns the catalog's refusal or the
// transport's error.
func write(t *testing.T, sim *netsim.Sim, srv *Server, cmd catalog.Command) error {
	t.Helper()
	b, err := catalog.Encode(cmd)
	require.NoError(t, err)
	r, err := await(t, sim, func(done func(catalog.Result, error)) { srv.ApplyFor(rootSecret, b, done) })
	if err != nil {
		return err
	}
	return r.Err
}

// appPolicy and appToken are what the tests create in the primary.
var appPolicy = acl.Policy{ID: "pol-app", Name: "app", Rules: `key_prefix "app/" { policy = "write" }`}

func appToken(accessor string) acl.Token {
	return acl.Token{AccessorID: accessor, SecretID: "secret-" + accessor, Policies: []acl.PolicyLink{{ID: appPolicy.ID}}}
}

// hasToken reports whether every live server of dc holds the token.
func (f *aclFederation) hasToken(dc, accessor string) bool {
	for name, s := range f.servers[dc] {
		if !f.sim.Up(name) {
			continue
		}
		if _, tok := s.Catalog().ACLTokenGet(nil, accessor); tok == nil {
			return false
		}
	}
	return true
}

// lacksToken reports whether no live server of dc holds the token.
func (f *aclFederation) lacksToken(dc, accessor string) bool {
	for name, s := range f.servers[dc] {
		if _, tok := s.Catalog().ACLTokenGet(nil, accessor); f.sim.Up(name) && tok != nil {
			return false
		}
	}
	return true
}

// authorize resolves secret through dc2's client.
func (f *aclFederation) authorize(t *testing.T, r *ACLResolver, secret string) (*acl.Authorizer, error) {
	t.Helper()
	return await(t, f.sim, func(done func(*acl.Authorizer, error)) { r.Authorize(secret, done) })
}

func TestSecondaryReplicatesACLsAndAuthorisesFromItsReplicaThroughAWANCut(t *testing.T) {
	simtest.Seeds(t, 1, 8, func(t *testing.T, seed uint64) {
		f := newACLFederation(t, seed, fullReplication)
		f.sim.RunFor(30 * time.Second)
		dc1 := f.leader(t, "dc1")
		require.NoError(t, write(t, f.sim, dc1, &catalog.ACLPolicySetRequest{Policy: appPolicy}))
		require.NoError(t, write(t, f.sim, dc1, &catalog.ACLTokenSetRequest{Token: appToken("t1")}))
		f.sim.RunFor(10 * time.Second)

		require.True(t, f.hasToken("dc2", "t1"), "a token made in the primary reaches every server of the secondary")
		_, p := f.follower(t, "dc2").Catalog().ACLPolicyGet(nil, appPolicy.ID)
		require.NotNil(t, p, "and so does its policy")
		resolver := f.client.NewACLResolver(ACLResolverConfig{Datacenter: "dc2", DefaultPolicy: acl.DefaultDeny,
			DownPolicy: acl.DownExtendCache, TokenTTL: 2 * time.Second})
		az, err := f.authorize(t, resolver, "secret-t1")
		require.NoError(t, err)
		require.Equal(t, acl.Allow, az.KeyWrite("app/config"), "the token is authorised in dc2")
		require.Equal(t, acl.Deny, az.KeyWrite("other"), "for what its policy grants only")
		st, err := await(t, f.sim, f.follower(t, "dc2").ACLReplicationStatus)
		require.NoError(t, err)
		require.True(t, st.Enabled && st.Running, "a follower reports its leader's running routine: %+v", st)
		require.Equal(t, "dc1", st.SourceDatacenter)
		require.Equal(t, ReplicationTokens, st.ReplicationType)
		require.NotZero(t, st.ReplicatedIndex)
		require.NotZero(t, st.ReplicatedTokenIndex)
		require.False(t, st.LastSuccess.IsZero())

		// The WAN is cut: dc2 keeps authorising from its replica, and its
		// status records the failures.
		f.sim.CutZones("dc1", "dc2")
		f.sim.RunFor(15 * time.Second)
		rt, err := await(t, f.sim, func(done func(ResolvedToken, error)) { f.follower(t, "dc2").ResolveToken("secret-t1", done) })
		require.NoError(t, err, "a dc2 server resolves the token from its replica")
		require.Equal(t, "t1", rt.Token.AccessorID)
		az, err = f.authorize(t, resolver, "secret-t1")
		require.NoError(t, err)
		require.Equal(t, acl.Allow, az.KeyWrite("app/config"), "a client in dc2 is still authorised")
		st, err = await(t, f.sim, f.leader(t, "dc2").ACLReplicationStatus)
		require.NoError(t, err)
		require.True(t, st.LastError.After(st.LastSuccess), "the status shows the failing rounds: %+v", st)
		require.NotEmpty(t, st.LastErrorMessage)

		require.NoError(t, write(t, f.sim, f.leader(t, "dc1"), &catalog.ACLTokenSetRequest{Token: appToken("t2")}))
		require.Error(t, write(t, f.sim, f.leader(t, "dc2"), &catalog.ACLTokenSetRequest{Token: appToken("g-cut")}),
			"a global token cannot be made in dc2 while the primary is cut off")
		local := appToken("local-dc2")
		local.Local = true
		require.NoError(t, write(t, f.sim, f.follower(t, "dc2"), &catalog.ACLTokenSetRequest{Token: local}),
			"a Local token is made in dc2 itself")
		f.sim.RunFor(5 * time.Second)
		require.True(t, f.lacksToken("dc2", "t2"), "nothing crosses the cut")

		f.sim.Heal()
		f.sim.RunFor(60 * time.Second)
		require.True(t, f.hasToken("dc2", "t2"), "a token made during the cut reaches dc2 after the heal")
		st, err = await(t, f.sim, f.leader(t, "dc2").ACLReplicationStatus)
		require.NoError(t, err)
		require.True(t, st.LastSuccess.After(st.LastError), "replication recovered: %+v", st)

		require.NoError(t, write(t, f.sim, f.follower(t, "dc2"), &catalog.ACLTokenSetRequest{Token: appToken("from-dc2")}),
			"a global token written in dc2 is forwarded to the primary")
		require.True(t, f.hasToken("dc1", "from-dc2"), "and made there")
		require.NoError(t, write(t, f.sim, f.leader(t, "dc1"), &catalog.ACLTokenDeleteRequest{AccessorID: "t1"}))
		f.sim.RunFor(10 * time.Second)
		require.True(t, f.hasToken("dc2", "from-dc2"), "it comes back to dc2 by replication")
		require.True(t, f.lacksToken("dc2", "t1"), "a token deleted in the primary disappears from dc2")
		require.True(t, f.hasToken("dc2", "local-dc2"), "dc2's Local token stays")
		require.True(t, f.lacksToken("dc1", "local-dc2"), "and never reaches the primary")
		_, err = f.authorize(t, resolver, "secret-t1")
		require.ErrorIs(t, err, acl.ErrNotFound, "the deleted token no longer resolves in dc2")
	})
}

func TestANewSecondaryLeaderTakesOverReplication(t *testing.T) {
	simtest.Seeds(t, 1, 4, func(t *testing.T, seed uint64) {
		f := newACLFederation(t, seed, fullReplication)
		f.sim.RunFor(30 * time.Second)
		old := f.leader(t, "dc2")
		for name, s := range f.servers["dc2"] {
			if s == old {
				f.sim.Crash(name)
			}
		}
		require.NoError(t, write(t, f.sim, f.leader(t, "dc1"), &catalog.ACLPolicySetRequest{Policy: appPolicy}))
		require.NoError(t, write(t, f.sim, f.leader(t, "dc1"), &catalog.ACLTokenSetRequest{Token: appToken("after-crash")}))
		f.sim.RunFor(20 * time.Second)
		require.True(t, f.hasToken("dc2", "after-crash"), "the new leader of dc2 replicates")
		st, err := await(t, f.sim, f.leader(t, "dc2").ACLReplicationStatus)
		require.NoError(t, err)
		require.True(t, st.Running)
		require.NotZero(t, st.ReplicatedTokenIndex)
	})
}

func TestWithoutTokenReplicationASecondaryAsksThePrimaryForTokens(t *testing.T) {
	simtest.Seeds(t, 1, 4, func(t *testing.T, seed uint64) {
		f := newACLFederation(t, seed, federationACL{replicationToken: rootSecret})
		f.sim.RunFor(30 * time.Second)
		dc1 := f.leader(t, "dc1")
		require.NoError(t, write(t, f.sim, dc1, &catalog.ACLPolicySetRequest{Policy: appPolicy}))
		require.NoError(t, write(t, f.sim, dc1, &catalog.ACLTokenSetRequest{Token: appToken("t1")}))
		f.sim.RunFor(10 * time.Second)
		dc2 := f.follower(t, "dc2")
		_, p := dc2.Catalog().ACLPolicyGet(nil, appPolicy.ID)
		require.NotNil(t, p, "policies are replicated")
		require.True(t, f.lacksToken("dc2", "t1"), "tokens are not")
		st, err := await(t, f.sim, dc2.ACLReplicationStatus)
		require.NoError(t, err)
		require.Equal(t, ReplicationPolicies, st.ReplicationType)
		require.Zero(t, st.ReplicatedTokenIndex)

		rt, err := await(t, f.sim, func(done func(ResolvedToken, error)) { dc2.ResolveToken("secret-t1", done) })
		require.NoError(t, err, "a token the replica lacks is asked of the primary")
		require.Equal(t, "t1", rt.Token.AccessorID)
		require.Len(t, rt.Policies, 1, "with its policies")
		_, err = await(t, f.sim, func(done func(ResolvedToken, error)) { dc2.ResolveToken("secret-nobody", done) })
		require.ErrorIs(t, err, acl.ErrNotFound)

		require.NoError(t, write(t, f.sim, dc1, &catalog.ACLTokenSetRequest{Token: appToken("unseen")}))
		f.sim.CutZones("dc1", "dc2")
		f.sim.RunFor(5 * aclTokenTTL)
		rt, err = await(t, f.sim, func(done func(ResolvedToken, error)) { dc2.ResolveToken("secret-t1", done) })
		require.NoError(t, err, "past its TTL, a token resolved before the cut is used as cached (extend-cache)")
		require.Equal(t, "t1", rt.Token.AccessorID)
		_, err = await(t, f.sim, func(done func(ResolvedToken, error)) { dc2.ResolveToken("secret-unseen", done) })
		require.Error(t, err, "a token never resolved cannot be while the primary is cut off")
		require.NotErrorIs(t, err, acl.ErrNotFound, "which is not the same as a token that does not exist")
		_, err = await(t, f.sim, func(done func(ResolvedToken, error)) { dc2.ResolveToken("", done) })
		require.NoError(t, err, "the anonymous token always resolves locally")
	})
}

func TestASecondaryForwardsBootstrapAndRefusesAReplicationTokenWithoutRights(t *testing.T) {
	simtest.Seeds(t, 1, 2, func(t *testing.T, seed uint64) {
		f := newACLFederation(t, seed, federationACL{tokenReplication: true, replicationToken: "not-a-token"})
		f.sim.RunFor(30 * time.Second)
		_, state := f.leader(t, "dc2").Catalog().ACLBootstrapState(nil)
		require.False(t, state.Done, "dc2 made no management token of its own")
		r, err := await(t, f.sim, func(done func(catalog.Result, error)) {
			f.follower(t, "dc2").ACLBootstrap("boot-2", "secret-boot-2", done)
		})
		require.NoError(t, err)
		require.ErrorIs(t, r.Err, acl.ErrBootstrapNotAllowed, "a bootstrap in dc2 is decided by the primary, which has its management token")

		st, err := await(t, f.sim, f.leader(t, "dc2").ACLReplicationStatus)
		require.NoError(t, err)
		require.Contains(t, st.LastErrorMessage, acl.ErrNotFound.Error(), "the primary refuses an unknown replication token")
		require.True(t, st.LastSuccess.IsZero())
		require.True(t, f.lacksToken("dc2", f.rootAccessor(t)), "and nothing is replicated")
	})
}

// rootAccessor is the AccessorID of the primary's management token.
func (f *aclFederation) rootAccessor(t *testing.T) string {
	_, tok := f.leader(t, "dc1").Catalog().ACLTokenBySecret(nil, rootSecret)
	require.NotNil(t, tok)
	return tok.AccessorID
}

func TestDiffTouchesOnlyWhatDiffers(t *testing.T) {
	same := &acl.Policy{ID: "a", Name: "a", Rules: appPolicy.Rules}
	changed := &acl.Policy{ID: "b", Name: "b", Rules: appPolicy.Rules}
	require.Nil(t, diffPolicies([]*acl.Policy{same}, []*acl.Policy{{ID: "a", Name: "a", Rules: appPolicy.Rules, ModifyIndex: 9}}),
		"indexes are this datacenter's own and do not count")
	req := diffPolicies([]*acl.Policy{same, changed}, []*acl.Policy{same, {ID: "b", Name: "old"}, {ID: "c", Name: "c"}})
	require.Equal(t, []string{"b"}, []string{req.PolicyUpserts[0].ID})
	require.Equal(t, []string{"c"}, req.PolicyDeletes)

	global := &acl.Token{AccessorID: "g", SecretID: "s"}
	local := &acl.Token{AccessorID: "l", SecretID: "sl", Local: true}
	require.Nil(t, diffTokens([]*acl.Token{global}, []*acl.Token{global, local}), "Local tokens are not the primary's to delete")
	treq := diffTokens(nil, []*acl.Token{global, local})
	require.Equal(t, []string{"g"}, treq.TokenDeletes)
}
