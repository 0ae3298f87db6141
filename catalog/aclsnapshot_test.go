package catalog

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/acl"
)

// aclReads returns every ACL read of s, for comparing two states.
func aclReads(t *testing.T, s *State) []any {
	var out []any
	add := func(idx uint64, v any) { out = append(out, idx, jsonOf(t, v)) }
	add(s.ACLTokenList(nil))
	add(s.ACLPolicyList(nil))
	add(s.ACLBootstrapState(nil))
	for _, secret := range []string{bootSecret, opsSecret, acl.AnonymousTokenSecret, "secret-gone"} {
		add(s.ACLTokenBySecret(nil, secret))
	}
	for _, name := range []string{"app", "app-writers", "db", acl.GlobalManagementPolicyName} {
		add(s.ACLPolicyByName(nil, name))
	}
	return out
}

func TestSnapshotRoundTripKeepsTheACLTables(t *testing.T) {
	a := cluster(t)
	aclHistory(a)
	c := restored(t, a.s)
	require.Equal(t, aclReads(t, a.s), aclReads(t, c))
	require.Equal(t, snapshotBytes(t, a.s), snapshotBytes(t, c))
	_, tok := c.ACLTokenBySecret(nil, opsSecret)
	require.NotNil(t, tok, "the by-secret index is rebuilt")
	require.Equal(t, opsAccessor, tok.AccessorID)
	_, p := c.ACLPolicyByName(nil, "app-writers")
	require.NotNil(t, p, "the by-name index is rebuilt")
	_, boot := c.ACLBootstrapState(nil)
	require.True(t, boot.Done)

	ca := &applier{t: t, s: c, idx: a.idx}
	ca.refused(&ACLBootstrapRequest{AccessorID: "x", SecretID: "secret-x"}, acl.ErrBootstrapNotAllowed)
	ca.refused(&ACLPolicySetRequest{Policy: acl.Policy{ID: "other", Name: "app-writers"}}, ErrACLPolicyNameExists)
	ca.refused(&ACLTokenSetRequest{Token: acl.Token{AccessorID: "y", SecretID: opsSecret}}, ErrACLSecretInUse)
}

// Servers that apply the same log write the same snapshot bytes.
func TestACLCommandsAreDeterministic(t *testing.T) {
	one, two := newApplier(t), newApplier(t)
	aclHistory(one)
	aclHistory(two)
	require.Equal(t, snapshotBytes(t, one.s), snapshotBytes(t, two.s))
	require.Equal(t, aclReads(t, one.s), aclReads(t, two.s))
}

func TestRestoreRefusesBrokenACLTables(t *testing.T) {
	a := aclApplier(t)
	a.policy(appPolicyID, "app", appRules)
	a.policy(dbPolicyID, "db", appRules)
	a.token(bootAccessor, bootSecret)
	a.token(opsAccessor, opsSecret)
	good := snapshotBytes(t, a.s)
	cases := map[string][]byte{
		"repeated policy name": reseal(bytes.Replace(good, []byte(`"Name":"db"`), []byte(`"Name":"app"`), 1)),
		"repeated secret":      reseal(bytes.Replace(good, []byte(opsSecret), []byte(bootSecret), 1)),
		"rules do not parse":   reseal(bytes.Replace(good, []byte(`\"write\"`), []byte(`\"sudo!\"`), 1)),
		"empty secret":         reseal(bytes.Replace(good, []byte(`"`+opsSecret+`"`), []byte(`""`), 1)),
		"unknown token field":  reseal(bytes.Replace(good, []byte(`"Local"`), []byte(`"Lokal"`), 1)),
		"no bootstrap record":  reseal(bytes.Replace(good, []byte("acl_bootstrap\x01"), []byte("acl_bootstrap\x00"), 1)),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			require.NotEqual(t, good, b)
			err := New(nil).Restore(bytes.NewReader(b))
			require.ErrorIs(t, err, ErrBadSnapshot)
			require.NotContains(t, err.Error(), opsSecret)
			require.NotContains(t, err.Error(), bootSecret)
		})
	}
}

// goldenStateV3 adds to goldenStateV2 what version 3 added: the ACL
// tables.
func goldenStateV3(t *testing.T) *State {
	s := goldenStateV2(t)
	aclHistory(&applier{t: t, s: s, idx: s.LastIndex()})
	return s
}

func TestGoldenSnapshotV3StillRestores(t *testing.T) {
	path := filepath.Join("testdata", "snapshot-v3.bin")
	golden, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, []byte{0, 3}, golden[len(snapshotMagic):len(snapshotMagic)+2])
	s := New(nil)
	require.NoError(t, s.Restore(bytes.NewReader(golden)))
	require.Equal(t, snapshotBytes(t, goldenStateV3(t)), snapshotBytes(t, s),
		"version 3 restores to the state its history builds today")
	_, tok := s.ACLTokenBySecret(nil, opsSecret)
	require.Equal(t, "ops team", tok.Description)
	_, sess := s.SessionGet(nil, "a3c1")
	require.NotNil(t, sess, "the tables of version 2 are still there")
}

// aclSampleCommands are the ACL commands, pinned in
// testdata/commands-v1-acl.txt.
func aclSampleCommands() []Command {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	return []Command{
		&ACLInitRequest{},
		&ACLInitRequest{InitialManagementAccessorID: opsAccessor, InitialManagementSecretID: opsSecret, Now: 1_700_000_000_000_000_000},
		&ACLBootstrapRequest{AccessorID: bootAccessor, SecretID: bootSecret, Now: 5, ResetIndex: 12},
		&ACLPolicySetRequest{Policy: acl.Policy{ID: appPolicyID, Name: "app", Description: "apps", Rules: appRules,
			Datacenters: []string{"dc1"}}},
		&ACLPolicyDeleteRequest{ID: appPolicyID},
		&ACLTokenSetRequest{Token: acl.Token{AccessorID: opsAccessor, SecretID: opsSecret, Description: "ops",
			Policies: []acl.PolicyLink{{ID: appPolicyID}, {Name: "db"}}, Local: true, ExpirationTime: &exp}, Now: 9},
		&ACLTokenDeleteRequest{AccessorID: opsAccessor},
	}
}

func TestGoldenACLCommandsStillDecode(t *testing.T) {
	checkGoldenCommands(t, filepath.Join("testdata", "commands-v1-acl.txt"), aclSampleCommands())
}
