package acl

import (
	"testing"

	"github.com/stretchr/testify/require"
)

const sampleHCL = `
key_prefix "app/" {
  policy = "write"
}
key "app/secret" {
  policy = "deny"
}
key_prefix "" {
  policy = "list"
}
service "web" {
  policy = "write"
  intentions = "write"
}
service_prefix "" {
  policy = "read"
}
node_prefix "" { policy = "read" }
agent "n1" { policy = "write" }
event_prefix "deploy-" { policy = "write" }
session "n1" { policy = "write" }
query_prefix "" { policy = "read" }
operator = "read"
acl = "deny"
keyring = "write"
mesh = "read"
`

const sampleJSON = `{
  "key_prefix": {"app/": {"policy": "write"}, "": {"policy": "list"}},
  "key": {"app/secret": {"policy": "deny"}},
  "service": {"web": {"policy": "write", "intentions": "write"}},
  "service_prefix": {"": {"policy": "read"}},
  "node_prefix": {"": {"policy": "read"}},
  "agent": {"n1": {"policy": "write"}},
  "event_prefix": {"deploy-": {"policy": "write"}},
  "session": {"n1": {"policy": "write"}},
  "query_prefix": {"": {"policy": "read"}},
  "operator": "read",
  "acl": "deny",
  "keyring": "write",
  "mesh": "read"
}`

func TestParseRulesHCLAndJSONGiveIdenticalRulesets(t *testing.T) {
	fromHCL, err := ParseRules(sampleHCL)
	require.NoError(t, err)
	fromJSON, err := ParseRules(sampleJSON)
	require.NoError(t, err)
	require.Equal(t, fromHCL, fromJSON)
	require.Len(t, fromHCL.Rules, 12)
	require.Equal(t, AccessRead, fromHCL.Scalar(ScalarOperator))
	require.Equal(t, AccessDeny, fromHCL.Scalar(ScalarACL))
	require.Equal(t, AccessUnset, fromHCL.Scalar(ScalarPeering))
}

func TestParseRulesTypedResult(t *testing.T) {
	rs, err := ParseRules(`key_prefix "app/" { policy = "write" }` + "\n" + `key "app/x" { policy = "read" }`)
	require.NoError(t, err)
	require.Equal(t, []Rule{
		{Resource: ResourceKey, Name: "app/x", Access: AccessRead},
		{Resource: ResourceKey, Name: "app/", Prefix: true, Access: AccessWrite},
	}, rs.Rules)
}

func TestParseRulesMergesDuplicatesByPrecedence(t *testing.T) {
	rs, err := ParseRules(`
key "a" { policy = "read" }
key "a" { policy = "write" }
key "b" { policy = "write" }
key "b" { policy = "deny" }
operator = "read"
operator = "write"`)
	require.NoError(t, err)
	require.Equal(t, []Rule{
		{Resource: ResourceKey, Name: "a", Access: AccessWrite},
		{Resource: ResourceKey, Name: "b", Access: AccessDeny},
	}, rs.Rules)
	require.Equal(t, AccessWrite, rs.Scalar(ScalarOperator))
}

func TestParseRulesIntentionsDefaultFromServicePolicy(t *testing.T) {
	rs, err := ParseRules(`
service "r" { policy = "read" }
service "w" { policy = "write" }
service "d" { policy = "deny" }
service_prefix "x" { policy = "read" intentions = "deny" }`)
	require.NoError(t, err)
	a := NewAuthorizer(DefaultAllow, rs)
	require.Equal(t, Allow, a.IntentionRead("r"))
	require.Equal(t, Deny, a.IntentionWrite("r"))
	require.Equal(t, Allow, a.IntentionRead("w"))
	require.Equal(t, Deny, a.IntentionWrite("w"))
	require.Equal(t, Deny, a.IntentionRead("d"))
	require.Equal(t, Deny, a.IntentionRead("xyz"))
	require.Equal(t, Allow, a.ServiceRead("xyz"))
}

func TestParseRulesEmptyTextIsAnEmptyRuleset(t *testing.T) {
	for _, text := range []string{"", "  \n", "{}", "# only a comment\n"} {
		rs, err := ParseRules(text)
		require.NoError(t, err, text)
		require.Empty(t, rs.Rules, text)
	}
}

func TestParseRulesRejectsBadInputWithClearErrors(t *testing.T) {
	cases := []struct {
		name, text, want string
	}{
		{"unknown resource", "\n\nkeys \"a\" { policy = \"read\" }", `line 3: unknown resource "keys"`},
		{"bad policy", `key "a" { policy = "admin" }`, `invalid key "a" policy: "admin" is not one of read, write, deny, list`},
		{"list on service", `service "a" { policy = "list" }`, `invalid service "a" policy: "list" is allowed only for key and key_prefix rules`},
		{"list on scalar", `operator = "list"`, `invalid operator policy: "list" is allowed only for key`},
		{"missing policy", `node "a" { }`, `invalid node "a" policy: missing policy`},
		{"unknown field", `node "a" { policy = "read" extra = "x" }`, `node "a": unknown field "extra"`},
		{"intentions on key", `key "a" { policy = "read" intentions = "read" }`, `unknown field "intentions"`},
		{"bad intentions", `service "a" { policy = "read" intentions = "list" }`, `invalid service "a" intentions`},
		{"scalar as block", `operator "x" { policy = "read" }`, `operator takes a policy, not a block`},
		{"block as scalar", `key = "read"`, `key: expected a block`},
		{"number policy", `operator = 3`, `expected a string`},
		{"syntax", `key "a" { policy = `, `invalid rules`},
		{"json unknown", `{"nodes": {"a": {"policy": "read"}}}`, `unknown resource "nodes"`},
		{"json bad policy", `{"key_prefix": {"a": {"policy": "all"}}}`, `invalid key_prefix "a" policy`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseRules(c.text)
			require.ErrorIs(t, err, ErrInvalidRules)
			require.ErrorContains(t, err, c.want)
		})
	}
}

func TestGlobalManagementRulesParse(t *testing.T) {
	rs, err := ParseRules(GlobalManagementPolicy().Rules)
	require.NoError(t, err)
	a := NewAuthorizer(DefaultDeny, rs)
	require.Equal(t, Allow, a.KeyWritePrefix(""))
	require.Equal(t, Allow, a.ACLWrite())
	require.Equal(t, Allow, a.IntentionWrite("any"))
}
