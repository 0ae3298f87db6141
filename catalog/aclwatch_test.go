package catalog

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/acl"
)

// TestACLChangesWakeOnlyTheirWatchers sets up a blocking read on each ACL
// table, and on a KV key, applies one change, and requires exactly the
// watches that depend on it to fire.
func TestACLChangesWakeOnlyTheirWatchers(t *testing.T) {
	watchNames := []string{"tokens", "token by secret", "policies", "policy by name", "bootstrap", "kv"}
	cases := []struct {
		name  string
		write func(a *applier)
		wake  []string
	}{
		{"token created", func(a *applier) { a.token(bootAccessor, bootSecret) },
			[]string{"tokens", "token by secret"}},
		{"token deleted", func(a *applier) { a.ok(&ACLTokenDeleteRequest{AccessorID: opsAccessor}) },
			[]string{"tokens", "token by secret"}},
		{"policy rules changed", func(a *applier) { a.policy(appPolicyID, "app", `key "x" { policy = "read" }`) },
			[]string{"policies", "policy by name"}},
		{"policy renamed: tokens read the new name", func(a *applier) { a.policy(appPolicyID, "apps", appRules) },
			[]string{"policies", "policy by name", "tokens", "token by secret"}},
		{"policy created: a dangling link may show again", func(a *applier) { a.policy(dbPolicyID, "db", appRules) },
			[]string{"policies", "policy by name", "tokens", "token by secret"}},
		{"policy deleted: tokens drop the link", func(a *applier) { a.ok(&ACLPolicyDeleteRequest{ID: appPolicyID}) },
			[]string{"policies", "policy by name", "tokens", "token by secret"}},
		{"bootstrap", func(a *applier) { a.ok(&ACLBootstrapRequest{AccessorID: bootAccessor, SecretID: bootSecret}) },
			[]string{"tokens", "token by secret", "bootstrap"}},
		{"KV write", func(a *applier) { a.ok(&KVSetRequest{Key: "k"}) }, []string{"kv"}},
		{"refused token write", func(a *applier) {
			a.refused(&ACLTokenSetRequest{Token: acl.Token{AccessorID: opsAccessor, SecretID: bootSecret}}, ErrACLSecretImmutable)
		}, nil},
		{"init again", func(a *applier) { a.ok(&ACLInitRequest{}) }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := aclApplier(t)
			a.policy(appPolicyID, "app", appRules)
			a.token(opsAccessor, opsSecret, acl.PolicyLink{ID: appPolicyID})
			ws := map[string]*WatchSet{}
			for _, n := range watchNames {
				ws[n] = &WatchSet{}
			}
			a.s.ACLTokenList(ws["tokens"])
			a.s.ACLTokenBySecret(ws["token by secret"], opsSecret)
			a.s.ACLPolicyList(ws["policies"])
			a.s.ACLPolicyByName(ws["policy by name"], "app")
			a.s.ACLBootstrapState(ws["bootstrap"])
			a.s.KVGet(ws["kv"], "k")
			tc.write(a)
			for _, n := range watchNames {
				requireFired(t, ws[n], slices.Contains(tc.wake, n), n)
			}
		})
	}
}

// A blocking list of tokens waits past the index it was answered; the
// answer after a token write is that write's index, and a KV write leaves
// it where it was.
func TestACLTokenListIndexMovesWithTokenWritesOnly(t *testing.T) {
	a := aclApplier(t)
	a.token(opsAccessor, opsSecret)
	idx, _ := a.s.ACLTokenList(nil)
	require.Equal(t, a.idx, idx)
	a.ok(&KVSetRequest{Key: "k"})
	after, _ := a.s.ACLTokenList(nil)
	require.Equal(t, idx, after)
	a.ok(&ACLTokenDeleteRequest{AccessorID: opsAccessor})
	after, _ = a.s.ACLTokenList(nil)
	require.Equal(t, a.idx, after)
	empty, _ := New(nil).ACLPolicyList(nil)
	require.Equal(t, uint64(1), empty, "never 0")
}
