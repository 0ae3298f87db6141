package runtime

import (
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	mdns "github.com/miekg/dns"
	"github.com/stretchr/testify/require"
)

// aclConfig turns ACLs on with default deny, as the seed's cluster does.
const aclConfig = `, "acl": {"enabled": true, "default_policy": "deny", "down_policy": "extend-cache"}`

// startACLAgent starts a dev agent with ACLs on; the leader has
// initialised the ACL tables once it returns.
func startACLAgent(t *testing.T) (*Agent, *api.Client) {
	t.Helper()
	a, err := New(devConfig(t, aclConfig), Options{Version: "test"})
	require.NoError(t, err)
	t.Cleanup(func() { a.Shutdown(t.Context()) })
	c, err := api.NewClient(&api.Config{Address: a.HTTPAddr()})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, _, err := c.ACL().Bootstrap()
		return err == nil
	}, testWait, 20*time.Millisecond, "bootstrap succeeds once a leader exists")
	return a, c
}

func TestACLsDenyByDefaultAndTokensGrantWhatTheirPoliciesSay(t *testing.T) {
	a, anon := startACLAgent(t)
	_, _, err := anon.ACL().Bootstrap()
	require.ErrorContains(t, err, "ACL bootstrap no longer allowed (reset index:")

	_, err = anon.KV().Put(kvPair("app/x", "1"), nil)
	require.ErrorContains(t, err, "403", "no token, default deny: no write")
	_, _, err = anon.KV().Get("app/x", nil)
	require.ErrorContains(t, err, "403")
	bogus, err := api.NewClient(&api.Config{Address: a.HTTPAddr(), Token: "not-a-token"})
	require.NoError(t, err)
	_, _, err = bogus.KV().Get("app/x", nil)
	require.ErrorContains(t, err, "ACL not found")
	require.NotContains(t, err.Error(), "not-a-token", "a secret never appears in an error")
}

func TestAManagementTokenCreatesPoliciesAndScopedTokens(t *testing.T) {
	a, anon := startACLAgent(t)
	_ = anon
	root := bootstrapToken(t, a)
	policy, _, err := root.ACL().PolicyCreate(&api.ACLPolicy{Name: "app-rw",
		Rules: `key_prefix "app/" { policy = "write" }
service_prefix "" { policy = "read" }`}, nil)
	require.NoError(t, err)
	tok, _, err := root.ACL().TokenCreate(&api.ACLToken{Description: "app", Policies: []*api.ACLTokenPolicyLink{{Name: "app-rw"}}}, nil)
	require.NoError(t, err)
	require.Equal(t, policy.ID, tok.Policies[0].ID, "a link by name is stored with the ID")
	app, err := api.NewClient(&api.Config{Address: a.HTTPAddr(), Token: tok.SecretID})
	require.NoError(t, err)

	_, err = app.KV().Put(kvPair("app/x", "1"), nil)
	require.NoError(t, err)
	_, err = app.KV().Put(kvPair("other/x", "1"), nil)
	require.ErrorContains(t, err, "Permission denied")
	_, err = root.KV().Put(kvPair("other/y", "1"), nil)
	require.NoError(t, err)
	keys, _, err := app.KV().Keys("", "", nil)
	require.NoError(t, err)
	require.Equal(t, []string{"app/x"}, keys, "a list shows only what the token may read")

	self, _, err := app.ACL().TokenReadSelf(nil)
	require.NoError(t, err)
	require.Equal(t, tok.AccessorID, self.AccessorID)
	_, _, err = app.ACL().TokenList(nil)
	require.ErrorContains(t, err, "Permission denied", "reading the ACL system needs acl read")

	err = app.Agent().Leave()
	require.ErrorContains(t, err, "Permission denied", "agent write is not granted")
	nodes, _, err := app.Catalog().Nodes(nil)
	require.NoError(t, err)
	require.Empty(t, nodes, "node read is not granted: the list is filtered")
}

// bootstrapToken returns a client with the management token the agent's
// bootstrap created (startACLAgent bootstrapped already; a reset allows
// one more).
func bootstrapToken(t *testing.T, a *Agent) *api.Client {
	c, _ := bootstrapSecret(t, a)
	return c
}

// bootstrapSecret is bootstrapToken with the secret itself.
func bootstrapSecret(t *testing.T, a *Agent) (*api.Client, string) {
	t.Helper()
	var secret string
	st := a.server.Catalog()
	_, toks := st.ACLTokenList(nil)
	for _, tok := range toks {
		if tok.Description == "Bootstrap Token (Global Management)" {
			secret = tok.SecretID
		}
	}
	require.NotEmpty(t, secret)
	c, err := api.NewClient(&api.Config{Address: a.HTTPAddr(), Token: secret})
	require.NoError(t, err)
	return c, secret
}

func TestAClientAgentEnforcesACLsOnItsOwnEndpointsAndRelaysTokens(t *testing.T) {
	srv, _ := startACLAgent(t)
	_, rootSecret := bootstrapSecret(t, srv)
	var serf string
	srv.env.Do(func() { serf = srv.member.GossipAddr() })
	doc := `{"node_name": "client1", "server": false, "data_dir": "` + t.TempDir() + `",
		"bind_addr": "127.0.0.1", "client_addr": "127.0.0.1", "retry_join": ["` + serf + `"],
		"ports": {"http": 0, "serf_lan": 0, "serf_wan": -1, "dns": -1}` + aclConfig + `}`
	cl := startConfiguredAgent(t, doc)
	viaClient, err := api.NewClient(&api.Config{Address: cl.HTTPAddr(), Token: rootSecret})
	require.NoError(t, err)
	anon, err := api.NewClient(&api.Config{Address: cl.HTTPAddr()})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		nodes, _, err := viaClient.Catalog().Nodes(nil)
		return err == nil && len(nodes) == 2
	}, testWait, 20*time.Millisecond, "the management token reads the catalog through the client")

	reg := &api.AgentServiceRegistration{Name: "web", Check: &api.AgentServiceCheck{TTL: "30s"}}
	require.ErrorContains(t, anon.Agent().ServiceRegister(reg), "Permission denied", "the client checks its own endpoints")
	require.NoError(t, viaClient.Agent().ServiceRegister(reg))
	_, err = anon.KV().Put(kvPair("k", "v"), nil)
	require.ErrorContains(t, err, "Permission denied", "the server checks what the client relays")
	_, err = viaClient.KV().Put(kvPair("k", "v"), nil)
	require.NoError(t, err)
}

func TestDNSAnswersOnlyWhatTheDefaultTokenMayRead(t *testing.T) {
	a, _ := startACLAgent(t)
	root := bootstrapToken(t, a)
	_, err := root.Catalog().Register(&api.CatalogRegistration{Node: "web-1", Address: "10.0.0.7",
		Service: &api.AgentService{Service: "web", Port: 80}}, nil)
	require.NoError(t, err)
	r := dnsQuery(t, a.DNSAddr(), "web.service.consul.", mdns.TypeSRV)
	require.Empty(t, r.Answer, "the anonymous token may not read web")

	_, _, err = root.ACL().PolicyUpdate(&api.ACLPolicy{ID: "00000000-0000-0000-0000-000000000002"}, nil)
	require.Error(t, err, "no such policy")
	p, _, err := root.ACL().PolicyCreate(&api.ACLPolicy{Name: "dns", Rules: `service_prefix "" { policy = "read" }
node_prefix "" { policy = "read" }`}, nil)
	require.NoError(t, err)
	_, _, err = root.ACL().TokenUpdate(&api.ACLToken{AccessorID: "00000000-0000-0000-0000-000000000002",
		Policies: []*api.ACLTokenPolicyLink{{ID: p.ID}}}, nil)
	require.NoError(t, err)
	r = dnsQuery(t, a.DNSAddr(), "web.service.consul.", mdns.TypeSRV)
	require.Len(t, r.Answer, 1, "once the anonymous token may read services and nodes, DNS answers")
}

func TestSettingTheDefaultTokenChangesWhatAnonymousRequestsMay(t *testing.T) {
	a, anon := startACLAgent(t)
	root, rootSecret := bootstrapSecret(t, a)
	_, _, err := anon.KV().Get("k", nil)
	require.ErrorContains(t, err, "403")
	_, err = anon.Agent().UpdateDefaultACLToken(rootSecret, nil)
	require.ErrorContains(t, err, "Permission denied", "setting a token needs agent write")
	_, err = root.Agent().UpdateDefaultACLToken(rootSecret, nil)
	require.NoError(t, err)
	_, _, err = anon.KV().Get("k", nil)
	require.NoError(t, err, "a request without a token now acts with the default token")
}
