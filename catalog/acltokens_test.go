package catalog

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/acl"
)

func TestACLTokenSetResolvesLinksByIDOrName(t *testing.T) {
	a := aclApplier(t)
	a.policy(appPolicyID, "app", appRules)
	a.policy(dbPolicyID, "db", `service "db" { policy = "read" }`)
	a.token(opsAccessor, opsSecret, acl.PolicyLink{Name: "db"}, acl.PolicyLink{ID: appPolicyID},
		acl.PolicyLink{ID: dbPolicyID, Name: "stale name"})
	idx, tok := a.s.ACLTokenGet(nil, opsAccessor)
	require.Equal(t, a.idx, idx)
	require.Equal(t, []acl.PolicyLink{{ID: dbPolicyID, Name: "db"}, {ID: appPolicyID, Name: "app"}}, tok.Policies,
		"both halves filled in, the repeat dropped, the order kept")
	require.Equal(t, opsSecret, tok.SecretID)
	require.Equal(t, (Timestamp(a.idx) * Timestamp(time.Second)).Time(), tok.CreateTime)
	require.Equal(t, a.idx, tok.CreateIndex)
	_, bySecret := a.s.ACLTokenBySecret(nil, opsSecret)
	require.Same(t, tok, bySecret)
}

func TestACLTokenUpdateKeepsSecretCreateTimeAndCreateIndex(t *testing.T) {
	a := aclApplier(t)
	a.policy(appPolicyID, "app", appRules)
	a.token(opsAccessor, opsSecret)
	_, created := a.s.ACLTokenGet(nil, opsAccessor)
	a.ok(&ACLTokenSetRequest{Token: acl.Token{AccessorID: opsAccessor, Description: "ops",
		Policies: []acl.PolicyLink{{Name: "app"}}}, Now: 99_000})
	_, tok := a.s.ACLTokenGet(nil, opsAccessor)
	require.Equal(t, opsSecret, tok.SecretID, "an empty SecretID keeps the stored one")
	require.Equal(t, created.CreateTime, tok.CreateTime)
	require.Equal(t, created.CreateIndex, tok.CreateIndex)
	require.Equal(t, a.idx, tok.ModifyIndex)
	require.Equal(t, "ops", tok.Description)
	a.ok(&ACLTokenSetRequest{Token: acl.Token{AccessorID: opsAccessor, SecretID: opsSecret}})
	_, tok = a.s.ACLTokenBySecret(nil, opsSecret)
	require.Empty(t, tok.Policies, "repeating the secret is allowed; the links are replaced")
}

func TestACLTokenSetRefusals(t *testing.T) {
	a := aclApplier(t)
	a.token(opsAccessor, opsSecret)
	a.ok(&ACLTokenSetRequest{Token: acl.Token{AccessorID: "local", SecretID: "secret-local", Local: true}})
	badTime := time.Date(1, 1, 1, 0, 30, 0, 0, time.FixedZone("east", 3600))
	cases := map[string]struct {
		tok    acl.Token
		target error
	}{
		"no accessor":              {acl.Token{SecretID: bootSecret}, ErrMissingACLAccessorID},
		"new token without secret": {acl.Token{AccessorID: bootAccessor}, ErrMissingACLSecretID},
		"secret in use":            {acl.Token{AccessorID: bootAccessor, SecretID: opsSecret}, ErrACLSecretInUse},
		"anonymous's secret":       {acl.Token{AccessorID: bootAccessor, SecretID: acl.AnonymousTokenSecret}, ErrACLSecretInUse},
		"changed secret":           {acl.Token{AccessorID: opsAccessor, SecretID: bootSecret}, ErrACLSecretImmutable},
		"toggled local":            {acl.Token{AccessorID: "local"}, ErrACLLocalImmutable},
		"unknown policy ID":        {acl.Token{AccessorID: opsAccessor, Policies: []acl.PolicyLink{{ID: "nope"}}}, ErrACLPolicyNotFound},
		"unknown policy name":      {acl.Token{AccessorID: opsAccessor, Policies: []acl.PolicyLink{{Name: "nope"}}}, ErrACLPolicyNotFound},
		"empty link":               {acl.Token{AccessorID: opsAccessor, Policies: []acl.PolicyLink{{}}}, ErrACLPolicyNotFound},
		"time before year 1":       {acl.Token{AccessorID: bootAccessor, SecretID: bootSecret, ExpirationTime: &badTime}, ErrInvalidACLToken},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := a.refused(&ACLTokenSetRequest{Token: tc.tok}, tc.target)
			require.NotContains(t, err.Error(), opsSecret, "errors never carry a secret")
			require.NotContains(t, err.Error(), bootSecret, "errors never carry a secret")
		})
	}
}

func TestACLTokenSetKeepsTheAnonymousSecret(t *testing.T) {
	a := newApplier(t)
	a.refused(&ACLTokenSetRequest{Token: acl.Token{AccessorID: acl.AnonymousTokenID, SecretID: "secret-x"}},
		ErrInvalidACLToken)
	a.ok(&ACLInitRequest{})
	a.refused(&ACLTokenSetRequest{Token: acl.Token{AccessorID: acl.AnonymousTokenID, SecretID: "secret-x"}},
		ErrACLSecretImmutable)
	a.policy(appPolicyID, "app", appRules)
	a.ok(&ACLTokenSetRequest{Token: acl.Token{AccessorID: acl.AnonymousTokenID, Policies: []acl.PolicyLink{{Name: "app"}}}})
	_, anon := a.s.ACLTokenBySecret(nil, acl.AnonymousTokenSecret)
	require.Equal(t, []acl.PolicyLink{{ID: appPolicyID, Name: "app"}}, anon.Policies, "the anonymous token may get policies")
}

func TestACLTokenSetStoresTimesInUTC(t *testing.T) {
	a := aclApplier(t)
	east := time.FixedZone("east", 2*3600)
	created := time.Date(2026, 5, 1, 12, 0, 0, 0, east)
	exp := created.Add(time.Hour)
	a.ok(&ACLTokenSetRequest{Token: acl.Token{AccessorID: opsAccessor, SecretID: opsSecret,
		CreateTime: created, ExpirationTime: &exp}})
	_, tok := a.s.ACLTokenGet(nil, opsAccessor)
	require.Equal(t, time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC), tok.CreateTime, "a replicated CreateTime is kept")
	require.Equal(t, time.Date(2026, 5, 1, 11, 0, 0, 0, time.UTC), *tok.ExpirationTime)
}

func TestACLTokenDelete(t *testing.T) {
	a := aclApplier(t)
	a.token(opsAccessor, opsSecret)
	a.ok(&ACLTokenDeleteRequest{AccessorID: opsAccessor})
	_, tok := a.s.ACLTokenGet(nil, opsAccessor)
	require.Nil(t, tok)
	_, tok = a.s.ACLTokenBySecret(nil, opsSecret)
	require.Nil(t, tok, "the secret no longer resolves")
	a.token(bootAccessor, opsSecret)
	_, tok = a.s.ACLTokenBySecret(nil, opsSecret)
	require.Equal(t, bootAccessor, tok.AccessorID, "a deleted token's secret is free again")

	a.refused(&ACLTokenDeleteRequest{AccessorID: acl.AnonymousTokenID}, ErrACLAnonymousToken)
	before := contentBytes(t, a.s)
	a.ok(&ACLTokenDeleteRequest{AccessorID: "no-such-token"})
	require.Equal(t, before, contentBytes(t, a.s))
	_, list := a.s.ACLTokenList(nil)
	require.Len(t, list, 2)
	require.Equal(t, acl.AnonymousTokenID, list[0].AccessorID)
	require.Equal(t, bootAccessor, list[1].AccessorID)
}
