package acl

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func mustParse(t testing.TB, text string) *Ruleset {
	t.Helper()
	rs, err := ParseRules(text)
	require.NoError(t, err)
	return rs
}

func TestAuthorizerPrecedence(t *testing.T) {
	cases := []struct {
		name     string
		policies []string
		fallback DefaultPolicy
		check    func(*Authorizer) Decision
		want     Decision
	}{
		{"exact beats a longer-matching prefix", []string{`key "app/x" { policy = "deny" } key_prefix "app/x" { policy = "write" }`},
			DefaultDeny, func(a *Authorizer) Decision { return a.KeyRead("app/x") }, Deny},
		{"exact applies only to its own name", []string{`key "app/x" { policy = "deny" } key_prefix "app/" { policy = "write" }`},
			DefaultDeny, func(a *Authorizer) Decision { return a.KeyWrite("app/xy") }, Allow},
		{"exact write beats prefix deny", []string{`key "app/x" { policy = "write" } key_prefix "" { policy = "deny" }`},
			DefaultDeny, func(a *Authorizer) Decision { return a.KeyWrite("app/x") }, Allow},
		{"longest prefix wins (deny under write)", []string{`key_prefix "app/" { policy = "write" } key_prefix "app/secret/" { policy = "deny" }`},
			DefaultAllow, func(a *Authorizer) Decision { return a.KeyRead("app/secret/pw") }, Deny},
		{"longest prefix wins (write under deny)", []string{`key_prefix "" { policy = "deny" } key_prefix "app/" { policy = "write" }`},
			DefaultAllow, func(a *Authorizer) Decision { return a.KeyWrite("app/a") }, Allow},
		{"empty prefix matches everything", []string{`service_prefix "" { policy = "read" }`},
			DefaultDeny, func(a *Authorizer) Decision { return a.ServiceRead("anything") }, Allow},
		{"empty prefix matches the empty name", []string{`node_prefix "" { policy = "read" }`},
			DefaultDeny, func(a *Authorizer) Decision { return a.NodeRead("") }, Allow},
		{"deny beats write across policies", []string{`key "k" { policy = "write" }`, `key "k" { policy = "deny" }`},
			DefaultAllow, func(a *Authorizer) Decision { return a.KeyRead("k") }, Deny},
		{"write beats read across policies", []string{`service "s" { policy = "read" }`, `service "s" { policy = "write" }`},
			DefaultDeny, func(a *Authorizer) Decision { return a.ServiceWrite("s") }, Allow},
		{"write beats list across policies", []string{`key_prefix "p" { policy = "list" }`, `key_prefix "p" { policy = "write" }`},
			DefaultDeny, func(a *Authorizer) Decision { return a.KeyWrite("px") }, Allow},
		{"a deny prefix in one policy loses to an exact write in another", []string{`key_prefix "" { policy = "deny" }`, `key "k" { policy = "write" }`},
			DefaultDeny, func(a *Authorizer) Decision { return a.KeyWrite("k") }, Allow},
		{"a shorter deny prefix loses to a longer read prefix in another policy", []string{`key_prefix "a" { policy = "deny" }`, `key_prefix "ab" { policy = "read" }`},
			DefaultDeny, func(a *Authorizer) Decision { return a.KeyRead("abc") }, Allow},
		{"write implies read", []string{`node "n" { policy = "write" }`},
			DefaultDeny, func(a *Authorizer) Decision { return a.NodeRead("n") }, Allow},
		{"write implies list", []string{`key_prefix "p/" { policy = "write" }`},
			DefaultDeny, func(a *Authorizer) Decision { return a.KeyList("p/") }, Allow},
		{"read does not imply write", []string{`node "n" { policy = "read" }`},
			DefaultAllow, func(a *Authorizer) Decision { return a.NodeWrite("n") }, Deny},
		{"read does not imply list", []string{`key_prefix "p/" { policy = "read" }`},
			DefaultAllow, func(a *Authorizer) Decision { return a.KeyList("p/") }, Deny},
		{"list implies read", []string{`key_prefix "p/" { policy = "list" }`},
			DefaultDeny, func(a *Authorizer) Decision { return a.KeyRead("p/x") }, Allow},
		{"list does not imply write", []string{`key_prefix "p/" { policy = "list" }`},
			DefaultAllow, func(a *Authorizer) Decision { return a.KeyWrite("p/x") }, Deny},
		{"deny denies read", []string{`event "e" { policy = "deny" }`},
			DefaultAllow, func(a *Authorizer) Decision { return a.EventRead("e") }, Deny},
		{"default allow when nothing matches", []string{`key "k" { policy = "deny" }`},
			DefaultAllow, func(a *Authorizer) Decision { return a.KeyWrite("other") }, Allow},
		{"default deny when nothing matches", []string{`key "k" { policy = "write" }`},
			DefaultDeny, func(a *Authorizer) Decision { return a.KeyRead("other") }, Deny},
		{"rules of one resource do not leak into another", []string{`service_prefix "" { policy = "write" }`},
			DefaultDeny, func(a *Authorizer) Decision { return a.NodeRead("web") }, Deny},
		{"scalar rule applies", []string{`operator = "read"`},
			DefaultDeny, func(a *Authorizer) Decision { return a.OperatorRead() }, Allow},
		{"scalar read does not imply write", []string{`keyring = "read"`},
			DefaultAllow, func(a *Authorizer) Decision { return a.KeyringWrite() }, Deny},
		{"scalar deny beats write across policies", []string{`operator = "write"`, `operator = "deny"`},
			DefaultAllow, func(a *Authorizer) Decision { return a.OperatorRead() }, Deny},
		{"scalar falls back to default", nil,
			DefaultAllow, func(a *Authorizer) Decision { return a.KeyringRead() }, Allow},
		{"acl does not fall back to default allow", nil,
			DefaultAllow, func(a *Authorizer) Decision { return a.ACLRead() }, Deny},
		{"acl rule grants acl", []string{`acl = "read"`},
			DefaultDeny, func(a *Authorizer) Decision { return a.ACLRead() }, Allow},
		{"mesh falls back to operator", []string{`operator = "write"`},
			DefaultDeny, func(a *Authorizer) Decision { return a.MeshWrite() }, Allow},
		{"mesh rule beats operator", []string{`operator = "write" mesh = "read"`},
			DefaultDeny, func(a *Authorizer) Decision { return a.MeshWrite() }, Deny},
		{"peering falls back to operator", []string{`operator = "read"`},
			DefaultDeny, func(a *Authorizer) Decision { return a.PeeringRead() }, Allow},
		{"agent by node", []string{`agent_prefix "n" { policy = "read" }`},
			DefaultDeny, func(a *Authorizer) Decision { return a.AgentRead("n1") }, Allow},
		{"session by node", []string{`session "n1" { policy = "write" }`},
			DefaultDeny, func(a *Authorizer) Decision { return a.SessionWrite("n1") }, Allow},
		{"query prefix", []string{`query_prefix "geo-" { policy = "write" }`},
			DefaultDeny, func(a *Authorizer) Decision { return a.QueryWrite("geo-db") }, Allow},
		{"query exact read", []string{`query "q" { policy = "read" }`},
			DefaultDeny, func(a *Authorizer) Decision { return a.QueryRead("q") }, Allow},
		{"event write", []string{`event_prefix "" { policy = "write" }`},
			DefaultDeny, func(a *Authorizer) Decision { return a.EventWrite("deploy") }, Allow},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var rulesets []*Ruleset
			for _, p := range c.policies {
				rulesets = append(rulesets, mustParse(t, p))
			}
			require.Equal(t, c.want, c.check(NewAuthorizer(c.fallback, rulesets...)))
		})
	}
}

func TestKeyWritePrefixNeedsWriteOnTheWholeSubtree(t *testing.T) {
	cases := []struct {
		name     string
		rules    string
		fallback DefaultPolicy
		prefix   string
		want     Decision
	}{
		{"covering write prefix, nothing under", `key_prefix "app/" { policy = "write" }`, DefaultDeny, "app/", Allow},
		{"covering write prefix from above", `key_prefix "" { policy = "write" }`, DefaultDeny, "app/", Allow},
		{"a read exact rule under the prefix denies", `key_prefix "app/" { policy = "write" } key "app/x" { policy = "read" }`, DefaultDeny, "app/", Deny},
		{"a deny prefix rule under the prefix denies", `key_prefix "" { policy = "write" } key_prefix "app/sec" { policy = "deny" }`, DefaultAllow, "app/", Deny},
		{"a rule that ends inside the prefix edge counts", `key_prefix "" { policy = "write" } key "app/s" { policy = "read" }`, DefaultAllow, "app/", Deny},
		{"a read rule outside the prefix does not matter", `key_prefix "app/" { policy = "write" } key "other" { policy = "read" }`, DefaultDeny, "app/", Allow},
		{"a read rule on a sibling sharing bytes does not matter", `key_prefix "" { policy = "write" } key "apq" { policy = "read" }`, DefaultDeny, "app/", Allow},
		{"covering read prefix denies", `key_prefix "app/" { policy = "read" }`, DefaultAllow, "app/x/", Deny},
		{"write rules only under the prefix: default decides (deny)", `key "app/x" { policy = "write" }`, DefaultDeny, "app/", Deny},
		{"write rules only under the prefix: default decides (allow)", `key "app/x" { policy = "write" }`, DefaultAllow, "app/", Allow},
		{"an exact rule at the prefix itself counts", `key_prefix "app/" { policy = "write" } key "app/" { policy = "read" }`, DefaultAllow, "app/", Deny},
		{"no rules: default allow", ``, DefaultAllow, "x", Allow},
		{"no rules: default deny", ``, DefaultDeny, "x", Deny},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := NewAuthorizer(c.fallback, mustParse(t, c.rules))
			require.Equal(t, c.want, a.KeyWritePrefix(c.prefix))
		})
	}
}

func TestBuiltInAuthorizers(t *testing.T) {
	manage, deny, allow := ManageAll(), DenyAll(), AllowAll()
	require.True(t, manage.IsManagement())
	require.False(t, allow.IsManagement())
	for _, q := range []func(*Authorizer) Decision{
		func(a *Authorizer) Decision { return a.KeyWritePrefix("") },
		func(a *Authorizer) Decision { return a.ServiceWrite("s") },
		func(a *Authorizer) Decision { return a.OperatorWrite() },
		func(a *Authorizer) Decision { return a.MeshWrite() },
	} {
		require.Equal(t, Allow, q(manage))
		require.Equal(t, Deny, q(deny))
		require.Equal(t, Allow, q(allow))
	}
	require.Equal(t, Allow, manage.ACLWrite())
	require.Equal(t, Deny, deny.ACLRead())
	require.Equal(t, Deny, allow.ACLRead())
}

func TestDecisionErrIsPermissionDenied(t *testing.T) {
	require.NoError(t, Allow.Err())
	require.ErrorIs(t, Deny.Err(), ErrPermissionDenied)
	require.Equal(t, "Permission denied", Deny.Err().Error())
	require.Equal(t, Deny, Decision(0))
}

func TestParseSettings(t *testing.T) {
	p, err := ParseDefaultPolicy("allow")
	require.NoError(t, err)
	require.Equal(t, DefaultAllow, p)
	_, err = ParseDefaultPolicy("maybe")
	require.Error(t, err)
	for _, s := range []string{"allow", "deny", "extend-cache", "async-cache"} {
		d, err := ParseDownPolicy(s)
		require.NoError(t, err)
		require.Equal(t, s, d.String())
	}
	_, err = ParseDownPolicy("")
	require.Error(t, err)
}
