package core

import (
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

// aclTokenTTL is the short token TTL of the resolution tests.
const aclTokenTTL = 2 * time.Second

// newACLCluster is three servers with ACLs on (rootSecret is their
// management token) and one client, c1, in one datacenter.
func newACLCluster(t *testing.T, seed uint64) (*cluster, **Client) {
	c := &cluster{sim: simtest.New(t, seed, netsim.Options{}), servers: map[string]*Server{}}
	join := []string{"s1:8301", "s2:8301", "s3:8301"}
	for _, name := range []string{"s1", "s2", "s3"} {
		c.names = append(c.names, name)
		c.sim.AddHost(name, "dc1", func(env netsim.Env) {
			srv, err := NewServer(env, Config{
				ID: raft.ServerID("id-" + name), NodeName: name, NodeAddress: env.Host(), Datacenter: "dc1",
				Port: 8300, AdvertiseHost: env.Host(), Dir: "raft", BootstrapExpect: 3,
				Gossip:     &GossipConfig{Port: 8301, RetryJoin: join, Swim: swim.LocalConfig()},
				ACLEnabled: true, ACLInitialManagement: rootSecret,
			})
			require.NoError(t, err)
			c.servers[name] = srv
		})
	}
	var cl *Client
	c.sim.AddHost("c1", "dc1", func(env netsim.Env) {
		var err error
		cl, err = NewClient(env, ClientConfig{NodeID: "id-c1", NodeName: "c1", Datacenter: "dc1",
			Gossip: GossipConfig{Port: 8301, RetryJoin: join, Swim: swim.LocalConfig()}})
		require.NoError(t, err)
	})
	return c, &cl
}

// authorizeVia resolves secret through r.
func authorizeVia(t *testing.T, c *cluster, r *ACLResolver, secret string) (*acl.Authorizer, error) {
	t.Helper()
	return await(t, c.sim, func(done func(*acl.Authorizer, error)) { r.Authorize(secret, done) })
}

// writeVia applies cmd through the cluster's leader.
func writeVia(t *testing.T, c *cluster, cmd catalog.Command) {
	t.Helper()
	require.NoError(t, write(t, c.sim, c.servers[c.leader()], cmd))
}

// newACLClusterWithToken is newACLCluster once it has elected a leader,
// with appPolicy and the app token accessor created.
func newACLClusterWithToken(t *testing.T, seed uint64, accessor string) (*cluster, **Client) {
	c, cl := newACLCluster(t, seed)
	c.sim.RunFor(20 * time.Second)
	writeVia(t, c, &catalog.ACLPolicySetRequest{Policy: appPolicy})
	writeVia(t, c, &catalog.ACLTokenSetRequest{Token: appToken(accessor)})
	return c, cl
}

func TestDownPolicyDecidesWhatAPartitionedClientAllows(t *testing.T) {
	simtest.Seeds(t, 1, 10, func(t *testing.T, seed uint64) {
		c, cl := newACLClusterWithToken(t, seed, "known")
		policies := []acl.DownPolicy{acl.DownAllow, acl.DownDeny, acl.DownExtendCache, acl.DownAsyncCache}
		resolvers := map[acl.DownPolicy]*ACLResolver{}
		for _, down := range policies {
			resolvers[down] = (*cl).NewACLResolver(ACLResolverConfig{Datacenter: "dc1", DefaultPolicy: acl.DefaultDeny,
				DownPolicy: down, TokenTTL: aclTokenTTL, PolicyTTL: time.Minute})
			az, err := authorizeVia(t, c, resolvers[down], "secret-known")
			require.NoError(t, err)
			require.Equal(t, acl.Allow, az.KeyWrite("app/x"), "%s: resolved before the cut", down)
		}
		writeVia(t, c, &catalog.ACLTokenSetRequest{Token: appToken("unseen")})

		c.sim.Isolate("c1")
		c.sim.RunFor(2 * aclTokenTTL)
		want := map[acl.DownPolicy]struct{ app, other acl.Decision }{
			acl.DownAllow:       {acl.Allow, acl.Allow},
			acl.DownDeny:        {acl.Deny, acl.Deny},
			acl.DownExtendCache: {acl.Allow, acl.Deny},
			acl.DownAsyncCache:  {acl.Allow, acl.Deny},
		}
		for _, down := range policies {
			az, err := authorizeVia(t, c, resolvers[down], "secret-known")
			require.NoError(t, err, "%s", down)
			w := want[down]
			require.Equal(t, w.app, az.KeyWrite("app/x"), "%s: app/ write during the cut", down)
			require.Equal(t, w.other, az.KeyWrite("other"), "%s: other write during the cut", down)
			require.Equal(t, w.other, az.NodeRead("s1"), "%s: node read during the cut", down)
			unseen, err := authorizeVia(t, c, resolvers[down], "secret-unseen")
			require.NoError(t, err, "%s", down)
			require.Equal(t, w.other, unseen.KeyWrite("app/x"), "%s: a token never cached during the cut", down)
		}
		answered := false
		resolvers[acl.DownAsyncCache].Authorize("secret-known", func(*acl.Authorizer, error) { answered = true })
		require.True(t, answered, "async-cache answers from its stale entry without waiting for the servers")

		c.sim.Heal()
		c.sim.RunFor(20 * time.Second)
		for _, down := range policies {
			az, err := authorizeVia(t, c, resolvers[down], "secret-known")
			require.NoError(t, err)
			if down == acl.DownAsyncCache {
				az, err = authorizeVia(t, c, resolvers[down], "secret-known")
				require.NoError(t, err)
			}
			require.Equal(t, acl.Deny, az.KeyWrite("other"), "%s: after the heal the token's own rules decide again", down)
			require.Equal(t, acl.Allow, az.KeyWrite("app/x"), "%s", down)
		}
	})
}

func TestAPolicyChangeReachesAClientWithinTheTokenTTL(t *testing.T) {
	simtest.Seeds(t, 1, 10, func(t *testing.T, seed uint64) {
		c, cl := newACLClusterWithToken(t, seed, "t")
		r := (*cl).NewACLResolver(ACLResolverConfig{Datacenter: "dc1", DefaultPolicy: acl.DefaultDeny,
			DownPolicy: acl.DownExtendCache, TokenTTL: time.Minute, PolicyTTL: aclTokenTTL})
		az, err := authorizeVia(t, c, r, "secret-t")
		require.NoError(t, err)
		require.Equal(t, acl.Allow, az.KeyWrite("app/x"))

		readOnly := appPolicy
		readOnly.Rules = `key_prefix "app/" { policy = "read" }`
		writeVia(t, c, &catalog.ACLPolicySetRequest{Policy: readOnly})
		changedAt := c.sim.Now()
		answered := false
		r.Authorize("secret-t", func(az *acl.Authorizer, err error) {
			require.NoError(t, err)
			require.Equal(t, acl.Allow, az.KeyWrite("app/x"), "within the TTL the cached decision stands")
			answered = true
		})
		require.True(t, answered, "a fresh entry answers at once, without asking a server")
		for {
			az, err = authorizeVia(t, c, r, "secret-t")
			require.NoError(t, err)
			if az.KeyWrite("app/x") == acl.Deny {
				break
			}
			require.Less(t, c.sim.Now()-changedAt, aclTokenTTL+time.Second,
				"the client still uses the old policy a TTL (and a round trip) after the change")
			c.sim.RunFor(100 * time.Millisecond)
		}
		require.Equal(t, acl.Allow, az.KeyRead("app/x"), "the new policy decides")
	})
}
