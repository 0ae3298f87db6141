package runtime

import (
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"
)

func TestACLReplicationStatusAnswersInConsulsShapeWithoutAToken(t *testing.T) {
	_, anon := startACLAgent(t)
	st, _, err := anon.ACL().Replication(nil)
	require.NoError(t, err, "the official client reads the status, with no token")
	require.False(t, st.Enabled, "the primary datacenter replicates nothing")
	require.False(t, st.Running)
	require.Equal(t, "dc1", st.SourceDatacenter)
	require.Zero(t, st.ReplicatedIndex)
}

// startACLDatacenter starts a dev server of datacenter dc with ACLs on,
// default deny, and dc1 as the primary, and returns a client holding
// rootSecret, which dc1 creates as its management token.
func startACLDatacenter(t *testing.T, dc string) (*Agent, *api.Client) {
	t.Helper()
	extra := `, "datacenter": "` + dc + `", "primary_datacenter": "dc1", "acl": {"enabled": true, "default_policy": "deny",
		"enable_token_replication": true, "tokens": {"initial_management": "` + rootSecret + `", "replication": "` + rootSecret + `"}}`
	a, err := New(devConfig(t, extra), Options{Version: "test"})
	require.NoError(t, err)
	t.Cleanup(func() { a.Shutdown(t.Context()) })
	c, err := api.NewClient(&api.Config{Address: a.HTTPAddr(), Token: rootSecret})
	require.NoError(t, err)
	return a, c
}

const rootSecret = "root-secret-9b7e"

func TestASecondaryReplicatesFromThePrimaryAndRelaysGlobalACLWritesThere(t *testing.T) {
	_, root1 := startACLDatacenter(t, "dc1")
	a2, root2 := startACLDatacenter(t, "dc2")
	require.Eventually(t, func() bool {
		_, err := root1.KV().Put(kvPair("ready", "1"), nil)
		return err == nil
	}, testWait, 20*time.Millisecond, "dc1 leads and has its management token")
	var wanAddr string
	a2.env.Do(func() { wanAddr = a2.server.WAN().Addr() })
	require.NoError(t, root1.Agent().Join(wanAddr, true))

	anon2, err := api.NewClient(&api.Config{Address: a2.HTTPAddr()})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		st, _, err := anon2.ACL().Replication(nil)
		return err == nil && st.Running && st.ReplicatedTokenIndex > 0
	}, testWait, 50*time.Millisecond, "dc2 replicates tokens from dc1")
	st, _, err := anon2.ACL().Replication(nil)
	require.NoError(t, err)
	require.True(t, st.Enabled)
	require.Equal(t, "dc1", st.SourceDatacenter)
	require.Equal(t, "tokens", st.ReplicationType)
	require.False(t, st.LastSuccess.IsZero())
	_, err = root2.KV().Put(kvPair("ready", "2"), nil)
	require.NoError(t, err, "the primary's management token works in dc2 once replicated")

	policy, _, err := root2.ACL().PolicyCreate(&api.ACLPolicy{Name: "app", Rules: `key_prefix "app/" { policy = "write" }`}, nil)
	require.NoError(t, err, "a policy written through dc2 is made in the primary")
	inPrimary, _, err := root1.ACL().PolicyRead(policy.ID, nil)
	require.NoError(t, err)
	require.Equal(t, "app", inPrimary.Name)
	tok, _, err := root2.ACL().TokenCreate(&api.ACLToken{Policies: []*api.ACLTokenPolicyLink{{ID: policy.ID}}}, nil)
	require.NoError(t, err)
	require.NotEmpty(t, tok.SecretID, "the primary answers with the new token")
	app2, err := api.NewClient(&api.Config{Address: a2.HTTPAddr(), Token: tok.SecretID})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, err := app2.KV().Put(kvPair("app/x", "1"), nil)
		return err == nil
	}, testWait, 50*time.Millisecond, "the new token is authorised in dc2")
	_, err = app2.KV().Put(kvPair("other", "1"), nil)
	require.ErrorContains(t, err, "403", "for what its policy grants only")

	require.Eventually(t, func() bool {
		p, _, err := root2.ACL().PolicyRead(policy.ID, nil)
		return err == nil && p != nil
	}, testWait, 50*time.Millisecond, "the policy comes back to dc2 by replication")
	local, _, err := root2.ACL().TokenCreate(&api.ACLToken{Local: true, Policies: []*api.ACLTokenPolicyLink{{ID: policy.ID}}}, nil)
	require.NoError(t, err, "a Local token is made in dc2 itself")
	_, _, err = root2.ACL().TokenRead(local.AccessorID, nil)
	require.NoError(t, err)
	_, _, err = root1.ACL().TokenRead(local.AccessorID, nil)
	require.Error(t, err, "and the primary never sees it")
}
