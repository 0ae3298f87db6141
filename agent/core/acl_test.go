package core

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/netsim"
)

// bootstrapACLs runs one bootstrap and returns its outcome.
func bootstrapACLs(t *testing.T, sim *netsim.Sim, srv *Server, accessor string) catalog.Result {
	var out catalog.Result
	answered := false
	srv.ACLBootstrap(accessor, "secret-"+accessor, func(r catalog.Result, err error) {
		require.NoError(t, err)
		out, answered = r, true
	})
	sim.RunFor(time.Second)
	require.True(t, answered)
	return out
}

func TestTheLeaderInitialisesACLsAndBootstrapsOnceUnlessReset(t *testing.T) {
	sim, srv := simServerWith(t, 1, Config{Bootstrap: true, ACLEnabled: true})
	sim.RunFor(3 * time.Second)
	st := (*srv).Catalog()
	_, anon := st.ACLTokenGet(nil, acl.AnonymousTokenID)
	require.NotNil(t, anon, "the leader created the anonymous token")
	_, gm := st.ACLPolicyGet(nil, acl.GlobalManagementPolicyID)
	require.NotNil(t, gm, "and the global-management policy")

	require.True(t, bootstrapACLs(t, sim, *srv, "a1").OK)
	_, tok := st.ACLTokenBySecret(nil, "secret-a1")
	require.NotNil(t, tok)
	again := bootstrapACLs(t, sim, *srv, "a2")
	require.ErrorIs(t, again.Err, acl.ErrBootstrapNotAllowed)
	require.NotContains(t, again.Err.Error(), "secret-a2", "a refusal never shows the secret")

	_, state := st.ACLBootstrapState(nil)
	f, err := sim.Disk("s1").Create(acl.BootstrapResetFile)
	require.NoError(t, err)
	_, err = f.Write([]byte(uitoa(state.ResetIndex) + "\n"))
	require.NoError(t, err)
	require.NoError(t, f.Sync())
	require.NoError(t, f.Close())
	require.True(t, bootstrapACLs(t, sim, *srv, "a3").OK, "the reset file allows one more")
	_, err = sim.Disk("s1").ReadFile(acl.BootstrapResetFile)
	require.ErrorIs(t, err, netsim.ErrNotExist, "and is removed once used")
	require.ErrorIs(t, bootstrapACLs(t, sim, *srv, "a4").Err, acl.ErrBootstrapNotAllowed)
}

func TestInitialManagementTokenExistsAndForbidsBootstrap(t *testing.T) {
	sim, srv := simServerWith(t, 2, Config{Bootstrap: true, ACLEnabled: true, ACLInitialManagement: "root-secret"})
	sim.RunFor(3 * time.Second)
	_, tok := (*srv).Catalog().ACLTokenBySecret(nil, "root-secret")
	require.NotNil(t, tok)
	require.Equal(t, acl.GlobalManagementPolicyID, tok.Policies[0].ID)
	require.ErrorIs(t, bootstrapACLs(t, sim, *srv, "b1").Err, acl.ErrBootstrapNotAllowed)
}

func TestNewUUIDIsVersion4(t *testing.T) {
	id, err := NewUUID(bytes.NewReader(make([]byte, 16)))
	require.NoError(t, err)
	require.Equal(t, "00000000-0000-4000-8000-000000000000", id)
	_, err = NewUUID(bytes.NewReader(nil))
	require.Error(t, err)
}

func uitoa(n uint64) string { return strconv.FormatUint(n, 10) }
