package catalog

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/acl"
)

func TestACLInitCreatesTheBuiltinsOnce(t *testing.T) {
	a := aclApplier(t)
	_, p := a.s.ACLPolicyGet(nil, acl.GlobalManagementPolicyID)
	require.NotNil(t, p)
	want := acl.GlobalManagementPolicy()
	want.CreateIndex, want.ModifyIndex = 1, 1
	require.Equal(t, &want, p, "the builtin policy carries the acl package's rules")
	_, anon := a.s.ACLTokenBySecret(nil, acl.AnonymousTokenSecret)
	require.NotNil(t, anon)
	require.Equal(t, acl.AnonymousTokenID, anon.AccessorID)
	require.Equal(t, Timestamp(1_000).Time(), anon.CreateTime)
	_, boot := a.s.ACLBootstrapState(nil)
	require.False(t, boot.Done, "init without an initial management token does not bootstrap")

	before := contentBytes(t, a.s)
	a.ok(&ACLInitRequest{Now: 5_000})
	require.Equal(t, before, contentBytes(t, a.s), "a second init changes nothing")
}

func TestACLInitWithInitialManagementTokenBootstraps(t *testing.T) {
	a := newApplier(t)
	a.ok(&ACLInitRequest{InitialManagementAccessorID: opsAccessor, InitialManagementSecretID: opsSecret, Now: 7})
	_, tok := a.s.ACLTokenBySecret(nil, opsSecret)
	require.NotNil(t, tok)
	require.Equal(t, opsAccessor, tok.AccessorID)
	require.Equal(t, InitialManagementTokenDescription, tok.Description)
	require.Equal(t, []acl.PolicyLink{{ID: acl.GlobalManagementPolicyID, Name: acl.GlobalManagementPolicyName}}, tok.Policies)
	_, boot := a.s.ACLBootstrapState(nil)
	require.Equal(t, acl.BootstrapState{Done: true, ResetIndex: 1}, boot)

	before := contentBytes(t, a.s)
	a.ok(&ACLInitRequest{InitialManagementAccessorID: "other-accessor", InitialManagementSecretID: opsSecret, Now: 9})
	require.Equal(t, before, contentBytes(t, a.s), "the secret already has a token: nothing to do")

	a.refused(&ACLBootstrapRequest{AccessorID: bootAccessor, SecretID: bootSecret}, acl.ErrBootstrapNotAllowed)
}

func TestACLInitRefusesABadInitialManagementToken(t *testing.T) {
	a := aclApplier(t)
	a.token(bootAccessor, bootSecret)
	cases := map[string]struct {
		req    ACLInitRequest
		target error
	}{
		"no accessor":        {ACLInitRequest{InitialManagementSecretID: opsSecret}, ErrMissingACLAccessorID},
		"no secret":          {ACLInitRequest{InitialManagementAccessorID: opsAccessor}, ErrMissingACLSecretID},
		"accessor taken":     {ACLInitRequest{InitialManagementAccessorID: bootAccessor, InitialManagementSecretID: opsSecret}, ErrACLTokenExists},
		"anonymous accessor": {ACLInitRequest{InitialManagementAccessorID: acl.AnonymousTokenID, InitialManagementSecretID: opsSecret}, ErrACLTokenExists},
		"anonymous's secret": {ACLInitRequest{InitialManagementAccessorID: opsAccessor, InitialManagementSecretID: acl.AnonymousTokenSecret}, nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if tc.target == nil {
				before := contentBytes(t, a.s)
				a.ok(&tc.req)
				require.Equal(t, before, contentBytes(t, a.s), "the anonymous token already has that secret")
				return
			}
			err := a.refused(&tc.req, tc.target)
			require.NotContains(t, err.Error(), opsSecret)
		})
	}
}

// The bootstrap story of the seed walkthrough: once, then refused with the
// reset index, then the index from acl-bootstrap-reset allows exactly one
// more, and every token made along the way stays valid.
func TestACLBootstrapOnceThenOnlyWithTheResetIndex(t *testing.T) {
	a := aclApplier(t)
	a.ok(&ACLBootstrapRequest{AccessorID: bootAccessor, SecretID: bootSecret, Now: 2_000})
	first := a.idx
	_, tok := a.s.ACLTokenGet(nil, bootAccessor)
	require.Equal(t, acl.BootstrapTokenDescription, tok.Description)
	require.Equal(t, bootSecret, tok.SecretID)
	require.Equal(t, Timestamp(2_000).Time(), tok.CreateTime)
	require.Equal(t, []acl.PolicyLink{{ID: acl.GlobalManagementPolicyID, Name: acl.GlobalManagementPolicyName}}, tok.Policies)
	idx, boot := a.s.ACLBootstrapState(nil)
	require.Equal(t, acl.BootstrapState{Done: true, ResetIndex: first}, boot)
	require.Equal(t, first, idx)

	err := a.refused(&ACLBootstrapRequest{AccessorID: opsAccessor, SecretID: opsSecret}, acl.ErrBootstrapNotAllowed)
	require.Equal(t, fmt.Sprintf("ACL bootstrap no longer allowed (reset index: %d)", first), err.Error())
	require.NotContains(t, err.Error(), opsSecret)
	err = a.refused(&ACLBootstrapRequest{AccessorID: opsAccessor, SecretID: opsSecret, ResetIndex: first + 1},
		acl.ErrBootstrapResetMismatch)
	require.Equal(t, fmt.Sprintf("Invalid bootstrap reset index (specified %d, reset index: %d)", first+1, first), err.Error())

	a.ok(&ACLBootstrapRequest{AccessorID: opsAccessor, SecretID: opsSecret, ResetIndex: first})
	second := a.idx
	_, boot = a.s.ACLBootstrapState(nil)
	require.Equal(t, acl.BootstrapState{Done: true, ResetIndex: second}, boot, "the reset index moved")
	a.refused(&ACLBootstrapRequest{AccessorID: "third", SecretID: "secret-third", ResetIndex: first},
		acl.ErrBootstrapResetMismatch)
	for _, secret := range []string{bootSecret, opsSecret} {
		_, tok := a.s.ACLTokenBySecret(nil, secret)
		require.NotNil(t, tok, "earlier tokens stay valid")
	}
}

func TestACLBootstrapCreatesTheBuiltinsIfInitHasNotRun(t *testing.T) {
	a := newApplier(t)
	a.ok(&ACLBootstrapRequest{AccessorID: bootAccessor, SecretID: bootSecret})
	_, p := a.s.ACLPolicyGet(nil, acl.GlobalManagementPolicyID)
	require.NotNil(t, p)
	_, anon := a.s.ACLTokenGet(nil, acl.AnonymousTokenID)
	require.NotNil(t, anon)
}

func TestACLBootstrapRefusesTakenOrMissingIDs(t *testing.T) {
	a := aclApplier(t)
	a.token(opsAccessor, opsSecret)
	cases := map[string]struct {
		req    ACLBootstrapRequest
		target error
	}{
		"no accessor":        {ACLBootstrapRequest{SecretID: bootSecret}, ErrMissingACLAccessorID},
		"no secret":          {ACLBootstrapRequest{AccessorID: bootAccessor}, ErrMissingACLSecretID},
		"accessor taken":     {ACLBootstrapRequest{AccessorID: opsAccessor, SecretID: bootSecret}, ErrACLTokenExists},
		"secret taken":       {ACLBootstrapRequest{AccessorID: bootAccessor, SecretID: opsSecret}, ErrACLSecretInUse},
		"anonymous's secret": {ACLBootstrapRequest{AccessorID: bootAccessor, SecretID: acl.AnonymousTokenSecret}, ErrACLSecretInUse},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := a.refused(&tc.req, tc.target)
			require.NotContains(t, err.Error(), opsSecret)
			require.NotContains(t, err.Error(), bootSecret)
			_, boot := a.s.ACLBootstrapState(nil)
			require.False(t, boot.Done, "a refused bootstrap does not count")
		})
	}
}
