package catalog

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/acl"
)

func TestACLReplicateAppliesUpsertsAndDeletesInOneIndex(t *testing.T) {
	a := aclApplier(t)
	a.policy(appPolicyID, "app", appRules)
	a.token(opsAccessor, opsSecret, acl.PolicyLink{ID: appPolicyID})
	a.ok(&ACLTokenSetRequest{Token: acl.Token{AccessorID: "local-1", SecretID: "secret-local-1", Local: true}})

	a.ok(&ACLReplicateRequest{
		PolicyUpserts: []acl.Policy{{ID: dbPolicyID, Name: "db", Rules: `service "db" { policy = "read" }`}},
		PolicyDeletes: []string{appPolicyID},
		TokenUpserts: []acl.Token{{AccessorID: "global-2", SecretID: "secret-global-2",
			Policies: []acl.PolicyLink{{ID: dbPolicyID, Name: "db"}, {ID: "deleted-in-primary", Name: "old"}}}},
		TokenDeletes: []string{opsAccessor},
	})
	idx, p := a.s.ACLPolicyGet(nil, dbPolicyID)
	require.NotNil(t, p)
	require.Equal(t, a.idx, idx, "one batch, one index")
	_, gone := a.s.ACLPolicyGet(nil, appPolicyID)
	require.Nil(t, gone)
	_, tok := a.s.ACLTokenBySecret(nil, "secret-global-2")
	require.NotNil(t, tok)
	require.Equal(t, []acl.PolicyLink{{ID: dbPolicyID, Name: "db"}}, tok.Policies,
		"a link to a policy the primary deleted is kept but not shown")
	_, old := a.s.ACLTokenBySecret(nil, opsSecret)
	require.Nil(t, old)
	_, local := a.s.ACLTokenGet(nil, "local-1")
	require.NotNil(t, local, "a Local token is left alone")
}

func TestACLReplicateLetsPoliciesSwapNames(t *testing.T) {
	a := aclApplier(t)
	a.policy(appPolicyID, "a", appRules)
	a.policy(dbPolicyID, "b", appRules)
	a.ok(&ACLReplicateRequest{PolicyUpserts: []acl.Policy{
		{ID: appPolicyID, Name: "b", Rules: appRules}, {ID: dbPolicyID, Name: "a", Rules: appRules}}})
	_, p := a.s.ACLPolicyByName(nil, "a")
	require.Equal(t, dbPolicyID, p.ID)
	_, p = a.s.ACLPolicyByName(nil, "b")
	require.Equal(t, appPolicyID, p.ID)
}

func TestACLReplicateRefusesABadBatchWholly(t *testing.T) {
	cases := []struct {
		name   string
		req    *ACLReplicateRequest
		target error
	}{
		{"policy without ID", &ACLReplicateRequest{PolicyUpserts: []acl.Policy{{Name: "x", Rules: appRules}}}, ErrMissingACLPolicyID},
		{"bad rules", &ACLReplicateRequest{PolicyUpserts: []acl.Policy{{ID: "p", Name: "x", Rules: "key {"}}}, ErrInvalidACLPolicy},
		{"name held by a policy that stays", &ACLReplicateRequest{PolicyUpserts: []acl.Policy{{ID: "p", Name: "app", Rules: appRules}}}, ErrACLPolicyNameExists},
		{"two upserts under one name", &ACLReplicateRequest{PolicyUpserts: []acl.Policy{
			{ID: "p", Name: "same", Rules: appRules}, {ID: "q", Name: "same", Rules: appRules}}}, ErrACLPolicyNameExists},
		{"builtin deleted", &ACLReplicateRequest{PolicyDeletes: []string{acl.GlobalManagementPolicyID}}, ErrACLBuiltinPolicy},
		{"builtin rules changed", &ACLReplicateRequest{PolicyUpserts: []acl.Policy{
			{ID: acl.GlobalManagementPolicyID, Name: acl.GlobalManagementPolicyName, Rules: appRules}}}, ErrACLBuiltinPolicy},
		{"anonymous deleted", &ACLReplicateRequest{TokenDeletes: []string{acl.AnonymousTokenID}}, ErrACLAnonymousToken},
		{"Local token upserted", &ACLReplicateRequest{TokenUpserts: []acl.Token{{AccessorID: "t", SecretID: "s", Local: true}}}, ErrInvalidACLToken},
		{"Local token deleted", &ACLReplicateRequest{TokenDeletes: []string{"local-1"}}, ErrInvalidACLToken},
		{"Local token replaced", &ACLReplicateRequest{TokenUpserts: []acl.Token{{AccessorID: "local-1", SecretID: "secret-local-1"}}}, ErrACLLocalImmutable},
		{"token without secret", &ACLReplicateRequest{TokenUpserts: []acl.Token{{AccessorID: "t"}}}, ErrMissingACLSecretID},
		{"secret of another token", &ACLReplicateRequest{TokenUpserts: []acl.Token{{AccessorID: "t", SecretID: opsSecret}}}, ErrACLSecretInUse},
		{"anonymous secret elsewhere", &ACLReplicateRequest{TokenUpserts: []acl.Token{{AccessorID: "t", SecretID: acl.AnonymousTokenSecret}}}, ErrInvalidACLToken},
		{"link without ID", &ACLReplicateRequest{TokenUpserts: []acl.Token{{AccessorID: "t", SecretID: "s",
			Policies: []acl.PolicyLink{{Name: "app"}}}}}, ErrInvalidACLToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := aclApplier(t)
			a.policy(appPolicyID, "app", appRules)
			a.token(opsAccessor, opsSecret, acl.PolicyLink{ID: appPolicyID})
			a.ok(&ACLTokenSetRequest{Token: acl.Token{AccessorID: "local-1", SecretID: "secret-local-1", Local: true}})
			err := a.refused(tc.req, tc.target)
			require.NotContains(t, err.Error(), opsSecret, "an error never shows a secret")
		})
	}
}

func TestACLReplicateFreesTheSecretOfADeletedToken(t *testing.T) {
	a := aclApplier(t)
	a.token(opsAccessor, opsSecret)
	a.ok(&ACLReplicateRequest{TokenDeletes: []string{opsAccessor},
		TokenUpserts: []acl.Token{{AccessorID: "new", SecretID: opsSecret}}})
	_, tok := a.s.ACLTokenBySecret(nil, opsSecret)
	require.Equal(t, "new", tok.AccessorID)
}

func TestACLReplicateRoundTripsThroughEncode(t *testing.T) {
	in := &ACLReplicateRequest{PolicyDeletes: []string{"p"}, TokenUpserts: []acl.Token{{AccessorID: "t", SecretID: "s"}}}
	b, err := Encode(in)
	require.NoError(t, err)
	out, err := Decode(b)
	require.NoError(t, err)
	require.Equal(t, in.PolicyDeletes, out.(*ACLReplicateRequest).PolicyDeletes)
	require.Equal(t, "t", out.(*ACLReplicateRequest).TokenUpserts[0].AccessorID)
}

func TestIsACLWritePicksACLCommandsByOpCode(t *testing.T) {
	for cmd, want := range map[Command]bool{
		&ACLPolicySetRequest{}: true, &ACLTokenDeleteRequest{}: true, &ACLBootstrapRequest{}: true,
		&ACLInitRequest{}: false, &ACLReplicateRequest{}: false, &KVSetRequest{Key: "k"}: false,
	} {
		b, err := Encode(cmd)
		require.NoError(t, err)
		require.Equal(t, want, IsACLWrite(b), "%T", cmd)
	}
	require.False(t, IsACLWrite(nil))
	require.False(t, IsACLWrite([]byte{CommandVersion + 1, 17}))
}
