package catalog

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/acl"
)

func TestACLPolicySetCreatesAndUpdatesByID(t *testing.T) {
	a := aclApplier(t)
	a.policy(appPolicyID, "app", appRules)
	created := a.idx
	a.ok(&ACLPolicySetRequest{Policy: acl.Policy{ID: appPolicyID, Name: "app-writers", Description: "d",
		Rules: appRules, Datacenters: []string{"dc1"}}})
	idx, p := a.s.ACLPolicyGet(nil, appPolicyID)
	require.Equal(t, a.idx, idx)
	require.Equal(t, &acl.Policy{ID: appPolicyID, Name: "app-writers", Description: "d", Rules: appRules,
		Datacenters: []string{"dc1"}, CreateIndex: created, ModifyIndex: a.idx}, p)
	_, byName := a.s.ACLPolicyByName(nil, "app-writers")
	require.Same(t, p, byName)
	_, old := a.s.ACLPolicyByName(nil, "app")
	require.Nil(t, old, "the old name is free again")
	a.policy(dbPolicyID, "app", `node_prefix "" { policy = "read" }`)
	_, list := a.s.ACLPolicyList(nil)
	require.Equal(t, []string{acl.GlobalManagementPolicyID, appPolicyID, dbPolicyID}, policyIDs(list))
}

func policyIDs(ps []*acl.Policy) []string {
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	return ids
}

func TestACLPolicySetRefusesInvalidPolicies(t *testing.T) {
	a := aclApplier(t)
	a.policy(appPolicyID, "app", appRules)
	builtin := acl.GlobalManagementPolicy()
	renamed, rerules, limited := builtin, builtin, builtin
	renamed.Name = "all-powerful"
	rerules.Rules = `acl = "read"`
	limited.Datacenters = []string{"dc2"}
	cases := map[string]struct {
		p      acl.Policy
		target error
	}{
		"no ID":               {acl.Policy{Name: "x", Rules: appRules}, ErrMissingACLPolicyID},
		"bad name":            {acl.Policy{ID: dbPolicyID, Name: "has space", Rules: appRules}, ErrInvalidACLPolicy},
		"rules do not parse":  {acl.Policy{ID: dbPolicyID, Name: "db", Rules: `key_prefix "" { policy = "sudo" }`}, acl.ErrInvalidRules},
		"name taken":          {acl.Policy{ID: dbPolicyID, Name: "app", Rules: appRules}, ErrACLPolicyNameExists},
		"builtin name":        {acl.Policy{ID: dbPolicyID, Name: acl.GlobalManagementPolicyName}, ErrACLPolicyNameExists},
		"builtin renamed":     {renamed, ErrACLBuiltinPolicy},
		"builtin new rules":   {rerules, ErrACLBuiltinPolicy},
		"builtin elsewhere":   {limited, ErrACLBuiltinPolicy},
		"builtin loses rules": {acl.Policy{ID: acl.GlobalManagementPolicyID, Name: acl.GlobalManagementPolicyName}, ErrACLBuiltinPolicy},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := a.refused(&ACLPolicySetRequest{Policy: tc.p}, tc.target)
			if tc.target == acl.ErrInvalidRules {
				require.ErrorIs(t, err, ErrInvalidACLPolicy)
			}
		})
	}
}

func TestACLPolicySetMayRedescribeTheBuiltinPolicy(t *testing.T) {
	a := aclApplier(t)
	p := acl.GlobalManagementPolicy()
	p.Description = "root"
	a.ok(&ACLPolicySetRequest{Policy: p})
	_, got := a.s.ACLPolicyGet(nil, acl.GlobalManagementPolicyID)
	require.Equal(t, "root", got.Description)
	require.Equal(t, uint64(1), got.CreateIndex)
}

func TestACLPolicyDeleteLeavesDanglingLinksThatReadsOmit(t *testing.T) {
	a := aclApplier(t)
	a.policy(appPolicyID, "app", appRules)
	a.policy(dbPolicyID, "db", `service "db" { policy = "read" }`)
	a.token(opsAccessor, opsSecret, acl.PolicyLink{ID: appPolicyID}, acl.PolicyLink{ID: dbPolicyID})
	a.ok(&ACLPolicyDeleteRequest{ID: dbPolicyID})
	_, p := a.s.ACLPolicyGet(nil, dbPolicyID)
	require.Nil(t, p)
	_, p = a.s.ACLPolicyByName(nil, "db")
	require.Nil(t, p)
	_, tok := a.s.ACLTokenGet(nil, opsAccessor)
	require.Equal(t, []acl.PolicyLink{{ID: appPolicyID, Name: "app"}}, tok.Policies, "the dangling link is left out")
	stored := a.s.db.aclTokens.at(opsAccessor)
	require.Len(t, stored.Policies, 2, "the stored row keeps the link")

	a.policy(dbPolicyID, "db-again", `service "db" { policy = "write" }`)
	_, tok = a.s.ACLTokenBySecret(nil, opsSecret)
	require.Equal(t, []acl.PolicyLink{{ID: appPolicyID, Name: "app"}, {ID: dbPolicyID, Name: "db-again"}},
		tok.Policies, "a policy created again under its ID is linked again, under its new name")
}

func TestACLPolicyDeleteRefusesTheBuiltinAndIgnoresUnknownIDs(t *testing.T) {
	a := aclApplier(t)
	a.refused(&ACLPolicyDeleteRequest{ID: acl.GlobalManagementPolicyID}, ErrACLBuiltinPolicy)
	before := contentBytes(t, a.s)
	a.ok(&ACLPolicyDeleteRequest{ID: "no-such-policy"})
	require.Equal(t, before, contentBytes(t, a.s))
}

// The resolver runs on the catalog's lookups: a management token may do
// anything, a token's policies decide for it, and a deleted policy is
// skipped.
func TestACLResolverResolvesThroughTheCatalog(t *testing.T) {
	a := aclApplier(t)
	a.ok(&ACLBootstrapRequest{AccessorID: bootAccessor, SecretID: bootSecret})
	a.policy(appPolicyID, "app", appRules)
	a.policy(dbPolicyID, "db", `key_prefix "db/" { policy = "write" }`)
	a.token(opsAccessor, opsSecret, acl.PolicyLink{Name: "app"}, acl.PolicyLink{Name: "db"})
	a.ok(&ACLPolicyDeleteRequest{ID: dbPolicyID})
	tokens := func(secret string) (*acl.Token, error) {
		_, tok := a.s.ACLTokenBySecret(nil, secret)
		return tok, nil
	}
	policies := func(id string) (*acl.Policy, error) {
		_, p := a.s.ACLPolicyGet(nil, id)
		return p, nil
	}
	r := acl.NewResolver(acl.ResolverConfig{Datacenter: "dc1", DefaultPolicy: acl.DefaultDeny})
	now := Timestamp(0).Time()
	mgmt, err := r.Resolve(bootSecret, now, tokens, policies)
	require.NoError(t, err)
	require.Equal(t, acl.Allow, mgmt.KeyWrite("anything"))
	ops, err := r.Resolve(opsSecret, now, tokens, policies)
	require.NoError(t, err)
	require.Equal(t, acl.Allow, ops.KeyWrite("app/x"))
	require.Equal(t, acl.Deny, ops.KeyWrite("db/x"), "the deleted policy no longer grants")
	_, err = r.Resolve("secret-unknown", now, tokens, policies)
	require.ErrorIs(t, err, acl.ErrNotFound)
}
