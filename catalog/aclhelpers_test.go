package catalog

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/acl"
)

// Fixed IDs and secrets of the ACL tests. The secrets are long and
// distinctive so that a test can look for them in error texts.
const (
	bootAccessor = "11111111-aaaa-4bbb-8ccc-000000000001"
	bootSecret   = "secret-bootstrap-7f3e9a1c"
	opsAccessor  = "22222222-aaaa-4bbb-8ccc-000000000002"
	opsSecret    = "secret-ops-0c44d2b8"
	appPolicyID  = "33333333-aaaa-4bbb-8ccc-000000000003"
	dbPolicyID   = "44444444-aaaa-4bbb-8ccc-000000000004"
)

const appRules = `key_prefix "app/" { policy = "write" }`

// aclApplier returns an applier whose ACLs are initialised.
func aclApplier(t testing.TB) *applier {
	a := newApplier(t)
	a.ok(&ACLInitRequest{Now: 1_000})
	return a
}

// policy creates or replaces a policy.
func (a *applier) policy(id, name, rules string) {
	a.t.Helper()
	a.ok(&ACLPolicySetRequest{Policy: acl.Policy{ID: id, Name: name, Rules: rules}})
}

// token creates or updates a token, at a Now that follows the index.
func (a *applier) token(accessor, secret string, links ...acl.PolicyLink) {
	a.t.Helper()
	a.ok(&ACLTokenSetRequest{Token: acl.Token{AccessorID: accessor, SecretID: secret, Policies: links},
		Now: Timestamp(a.idx+1) * Timestamp(time.Second)})
}

// refused applies cmd, requires it to fail with target and to change
// nothing but the applied index, and returns the error.
func (a *applier) refused(cmd Command, target error) error {
	a.t.Helper()
	before := contentBytes(a.t, a.s)
	res := a.do(cmd)
	require.ErrorIs(a.t, res.Err, target)
	require.False(a.t, res.OK)
	require.Equal(a.t, before, contentBytes(a.t, a.s), "a refused command changes nothing")
	return res.Err
}

// aclHistory applies a history that fills every ACL table: builtins, a
// bootstrap, two policies (one renamed), tokens linking them by ID and by
// name, an updated and a deleted token, and a deleted policy that a token
// still links.
func aclHistory(a *applier) {
	a.t.Helper()
	a.ok(&ACLInitRequest{Now: 1_000})
	a.ok(&ACLBootstrapRequest{AccessorID: bootAccessor, SecretID: bootSecret, Now: 2_000})
	a.policy(appPolicyID, "app", appRules)
	a.policy(dbPolicyID, "db", `service "db" { policy = "read" }`)
	a.policy(appPolicyID, "app-writers", appRules)
	a.token(opsAccessor, opsSecret, acl.PolicyLink{Name: "app-writers"}, acl.PolicyLink{ID: dbPolicyID})
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	a.ok(&ACLTokenSetRequest{Token: acl.Token{AccessorID: "gone", SecretID: "secret-gone",
		Description: "temporary", ExpirationTime: &exp}, Now: 3_000})
	a.ok(&ACLTokenSetRequest{Token: acl.Token{AccessorID: opsAccessor, Description: "ops team",
		Policies: []acl.PolicyLink{{ID: appPolicyID}, {ID: dbPolicyID}}}, Now: 4_000})
	a.ok(&ACLTokenDeleteRequest{AccessorID: "gone"})
	a.ok(&ACLPolicyDeleteRequest{ID: dbPolicyID})
	a.ok(&ACLTokenSetRequest{Token: acl.Token{AccessorID: acl.AnonymousTokenID,
		Policies: []acl.PolicyLink{{Name: "app-writers"}}}})
}
