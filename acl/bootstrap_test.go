package acl

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBootstrapIsAllowedOnceThenOncePerReset(t *testing.T) {
	var state BootstrapState
	require.NoError(t, CheckBootstrap(state, ""), "the first bootstrap is always allowed")
	state = state.Bootstrapped(7)

	err := CheckBootstrap(state, "")
	require.ErrorIs(t, err, ErrBootstrapNotAllowed)
	require.Equal(t, "ACL bootstrap no longer allowed (reset index: 7)", err.Error())

	err = CheckBootstrap(state, "6\n")
	require.ErrorIs(t, err, ErrBootstrapResetMismatch)
	require.Equal(t, "Invalid bootstrap reset index (specified 6, reset index: 7)", err.Error())

	require.NoError(t, CheckBootstrap(state, " 7\n"), "the operator wrote the current reset index")
	state = state.Bootstrapped(12)

	err = CheckBootstrap(state, "7")
	require.ErrorIs(t, err, ErrBootstrapResetMismatch, "the same reset file works only once")
	require.NoError(t, CheckBootstrap(state, "12"))
}

func TestBootstrapResetFileThatIsNotANumberCountsAsAbsent(t *testing.T) {
	state := BootstrapState{Done: true, ResetIndex: 3}
	for _, content := range []string{"three", "-3", "0", "3.0", "99999999999999999999999"} {
		err := CheckBootstrap(state, content)
		require.ErrorIs(t, err, ErrBootstrapNotAllowed, content)
	}
}
