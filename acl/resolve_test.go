package acl

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// store is an in-memory stand-in for the catalog's ACL tables.
type store struct {
	tokens   map[string]*Token
	policies map[string]*Policy
	fail     error
}

func (s *store) token(secret string) (*Token, error) {
	if s.fail != nil {
		return nil, s.fail
	}
	return s.tokens[secret], nil
}

func (s *store) policy(id string) (*Policy, error) {
	if s.fail != nil {
		return nil, s.fail
	}
	return s.policies[id], nil
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newStore() *store {
	expires := epoch.Add(time.Hour)
	gm := GlobalManagementPolicy()
	s := &store{
		tokens: map[string]*Token{},
		policies: map[string]*Policy{
			gm.ID:  &gm,
			"p-kv": {ID: "p-kv", Name: "kv", Rules: `key_prefix "app/" { policy = "write" }`},
			"p-dc2": {ID: "p-dc2", Name: "dc2-only", Rules: `node_prefix "" { policy = "write" }`,
				Datacenters: []string{"dc2"}},
			"p-bad": {ID: "p-bad", Name: "bad", Rules: `nonsense "x" { policy = "read" }`},
		},
	}
	add := func(tok Token) { s.tokens[tok.SecretID] = &tok }
	add(Token{AccessorID: "a-kv", SecretID: "s3cr3t-kv", Policies: []PolicyLink{{ID: "p-kv"}, {ID: "p-gone"}, {ID: "p-dc2"}}})
	add(Token{AccessorID: "a-mgmt", SecretID: "s3cr3t-mgmt", Policies: []PolicyLink{{ID: GlobalManagementPolicyID}}})
	add(Token{AccessorID: "a-exp", SecretID: "s3cr3t-exp", ExpirationTime: &expires, Policies: []PolicyLink{{ID: "p-kv"}}})
	add(Token{AccessorID: "a-bad", SecretID: "s3cr3t-bad", Policies: []PolicyLink{{ID: "p-bad"}}})
	return s
}

func TestResolveBuildsTheTokensAuthorizer(t *testing.T) {
	s := newStore()
	r := NewResolver(ResolverConfig{Datacenter: "dc1", DefaultPolicy: DefaultDeny})
	a, err := r.Resolve("s3cr3t-kv", epoch, s.token, s.policy)
	require.NoError(t, err)
	require.Equal(t, Allow, a.KeyWrite("app/x"))
	require.Equal(t, Deny, a.KeyRead("other"))
	// p-dc2 is not in force in dc1; a missing policy is skipped.
	require.Equal(t, Deny, a.NodeRead("n1"))

	r2 := NewResolver(ResolverConfig{Datacenter: "dc2", DefaultPolicy: DefaultDeny})
	a, err = r2.Resolve("s3cr3t-kv", epoch, s.token, s.policy)
	require.NoError(t, err)
	require.Equal(t, Allow, a.NodeWrite("n1"))
}

func TestResolveGlobalManagementIsManageAll(t *testing.T) {
	s := newStore()
	a, err := NewResolver(ResolverConfig{}).Resolve("s3cr3t-mgmt", epoch, s.token, s.policy)
	require.NoError(t, err)
	require.True(t, a.IsManagement())
	require.Equal(t, Allow, a.ACLWrite())
}

func TestManagementTokenResolvesToManageAll(t *testing.T) {
	s := newStore()
	tok := ManagementToken("a-boot", "s3cr3t-boot", BootstrapTokenDescription, epoch)
	s.tokens[tok.SecretID] = &tok
	a, err := NewResolver(ResolverConfig{}).Resolve("s3cr3t-boot", epoch.Add(time.Hour), s.token, s.policy)
	require.NoError(t, err)
	require.True(t, a.IsManagement())
	require.Equal(t, epoch, tok.CreateTime)
}

func TestResolveUnknownSecretIsNotFound(t *testing.T) {
	s := newStore()
	_, err := NewResolver(ResolverConfig{}).Resolve("no-such", epoch, s.token, s.policy)
	require.ErrorIs(t, err, ErrNotFound)
	require.Equal(t, "ACL not found", err.Error())
}

func TestResolveTokenExpiry(t *testing.T) {
	s := newStore()
	r := NewResolver(ResolverConfig{})
	for _, c := range []struct {
		at      time.Time
		expired bool
	}{
		{epoch, false},
		{epoch.Add(time.Hour), false}, // valid at the very instant of expiry
		{epoch.Add(time.Hour + time.Nanosecond), true},
		{epoch.Add(48 * time.Hour), true},
	} {
		_, err := r.Resolve("s3cr3t-exp", c.at, s.token, s.policy)
		if c.expired {
			require.ErrorIs(t, err, ErrNotFound, c.at)
		} else {
			require.NoError(t, err, c.at)
		}
	}
}

func TestResolveEmptySecretIsAnonymous(t *testing.T) {
	s := newStore()
	r := NewResolver(ResolverConfig{DefaultPolicy: DefaultAllow})
	// No anonymous token stored yet: the default policy decides.
	tok, err := r.ResolveToken("", epoch, s.token)
	require.NoError(t, err)
	require.Equal(t, AnonymousTokenID, tok.AccessorID)
	a, err := r.Resolve("", epoch, s.token, s.policy)
	require.NoError(t, err)
	require.Equal(t, Allow, a.KeyRead("x"))

	anon := AnonymousToken()
	anon.Policies = []PolicyLink{{ID: "p-kv"}}
	s.tokens[AnonymousTokenSecret] = &anon
	r = NewResolver(ResolverConfig{DefaultPolicy: DefaultDeny})
	for _, secret := range []string{"", AnonymousTokenSecret} {
		a, err = r.Resolve(secret, epoch, s.token, s.policy)
		require.NoError(t, err)
		require.Equal(t, Allow, a.KeyWrite("app/1"))
		require.Equal(t, Deny, a.KeyRead("x"))
	}
}

func TestResolveSurfacesStoreAndRuleErrors(t *testing.T) {
	s := newStore()
	r := NewResolver(ResolverConfig{})
	_, err := r.Resolve("s3cr3t-bad", epoch, s.token, s.policy)
	require.ErrorIs(t, err, ErrInvalidRules)
	require.ErrorContains(t, err, "a-bad")

	s.fail = errors.New("disk on fire")
	_, err = r.Resolve("s3cr3t-kv", epoch, s.token, s.policy)
	require.ErrorContains(t, err, "disk on fire")
	require.NotErrorIs(t, err, ErrNotFound)
}

func TestSecretsNeverAppearInErrorsOrLogs(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	s := newStore()
	s.tokens["s3cr3t-gone"] = &Token{AccessorID: "a-gone", SecretID: "s3cr3t-gone", Policies: []PolicyLink{{ID: "p-gone"}}}
	r := NewResolver(ResolverConfig{Logger: zap.New(core)})
	var texts []string
	for _, secret := range []string{"s3cr3t-kv", "s3cr3t-exp", "s3cr3t-bad", "s3cr3t-unknown", "s3cr3t-gone"} {
		_, err := r.Resolve(secret, epoch.Add(2*time.Hour), s.token, s.policy)
		if err != nil {
			texts = append(texts, err.Error())
		}
	}
	s.fail = errors.New("store down")
	_, err := r.Resolve("s3cr3t-kv", epoch, s.token, s.policy)
	texts = append(texts, err.Error())
	for _, e := range logs.All() {
		texts = append(texts, e.Message, fmt.Sprint(e.ContextMap()))
	}
	tok := *s.tokens["s3cr3t-kv"]
	texts = append(texts, fmt.Sprint(tok), fmt.Sprintf("%+v %#v %v", tok, tok, &tok))
	require.NotEmpty(t, logs.All(), "the test must see some log lines")
	for _, text := range texts {
		require.NotContains(t, text, "s3cr3t")
	}
}

func TestTokenAndPolicyJSONUseConsulFieldNames(t *testing.T) {
	exp := epoch.Add(time.Minute)
	tok := Token{AccessorID: "a", SecretID: "s", Description: "d", Policies: []PolicyLink{{ID: "p", Name: "n"}},
		Local: true, ExpirationTime: &exp, CreateTime: epoch, CreateIndex: 3, ModifyIndex: 4}
	out, err := json.Marshal(tok)
	require.NoError(t, err)
	require.JSONEq(t, `{"AccessorID":"a","SecretID":"s","Description":"d","Policies":[{"ID":"p","Name":"n"}],
		"Local":true,"ExpirationTime":"2026-01-01T00:01:00Z","CreateTime":"2026-01-01T00:00:00Z",
		"CreateIndex":3,"ModifyIndex":4}`, string(out))
	var back Token
	require.NoError(t, json.Unmarshal(out, &back))
	require.Equal(t, tok.SecretID, back.SecretID)
	require.True(t, back.ExpirationTime.Equal(exp))

	p := Policy{ID: "i", Name: "n", Description: "d", Rules: "r", Datacenters: []string{"dc1"}, CreateIndex: 1, ModifyIndex: 2}
	out, err = json.Marshal(p)
	require.NoError(t, err)
	require.JSONEq(t, `{"ID":"i","Name":"n","Description":"d","Rules":"r","Datacenters":["dc1"],"CreateIndex":1,"ModifyIndex":2}`, string(out))
}

func TestTokenRedactedHidesTheSecret(t *testing.T) {
	tok := Token{AccessorID: "a", SecretID: "s", Policies: []PolicyLink{{ID: "p"}}}
	red := tok.Redacted()
	require.Equal(t, RedactedSecret, red.SecretID)
	require.Equal(t, "s", tok.SecretID)
	red.Policies[0].ID = "changed"
	require.Equal(t, "p", tok.Policies[0].ID)
}

func TestPolicyValidate(t *testing.T) {
	good := Policy{Name: "web-ro_1", Rules: `service "web" { policy = "read" }`}
	require.NoError(t, good.Validate())
	bad := good
	bad.Name = "has space"
	require.ErrorContains(t, bad.Validate(), "invalid policy name")
	bad = good
	bad.Rules = `service "web" { policy = "list" }`
	require.ErrorIs(t, bad.Validate(), ErrInvalidRules)
	require.True(t, (&Policy{}).AppliesIn("any"))
}
