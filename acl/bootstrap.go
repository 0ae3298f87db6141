package acl

import (
	"fmt"
	"strconv"
	"strings"
)

// BootstrapResetFile is the name, inside the server's data_dir, of the file
// an operator writes the reset index into to allow one more bootstrap.
const BootstrapResetFile = "acl-bootstrap-reset"

// BootstrapState is the replicated record of ACL bootstrapping. Done is set
// by the first successful bootstrap; ResetIndex is the Raft index at which
// the last bootstrap was applied, the number an operator must write into
// [BootstrapResetFile] to bootstrap again.
type BootstrapState struct {
	Done       bool
	ResetIndex uint64
}

// CheckBootstrap decides whether a bootstrap request may proceed. Before the
// first bootstrap it always may. Afterwards it may only if resetFile (the
// content of [BootstrapResetFile], empty when the file is absent) holds the
// current reset index; because a successful bootstrap moves the reset index
// (see [BootstrapState.Bootstrapped]), the same file allows exactly one more
// bootstrap.
//
// The errors carry Consul's texts: "ACL bootstrap no longer allowed (reset
// index: N)" (wrapping [ErrBootstrapNotAllowed]) when no usable index was
// given, and "Invalid bootstrap reset index (specified M, reset index: N)"
// (wrapping [ErrBootstrapResetMismatch]) when another one was.
func CheckBootstrap(state BootstrapState, resetFile string) error {
	if !state.Done {
		return nil
	}
	specified := parseResetIndex(resetFile)
	if specified == 0 {
		return fmt.Errorf("%w (reset index: %d)", ErrBootstrapNotAllowed, state.ResetIndex)
	}
	if specified != state.ResetIndex {
		return fmt.Errorf("%w (specified %d, reset index: %d)", ErrBootstrapResetMismatch, specified, state.ResetIndex)
	}
	return nil
}

// parseResetIndex reads the reset file's content: a decimal index with
// optional surrounding whitespace. Like Consul, content that is not such a
// number counts as no index at all.
func parseResetIndex(content string) uint64 {
	n, err := strconv.ParseUint(strings.TrimSpace(content), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// Bootstrapped returns the state after a bootstrap applied at Raft index
// index: done, with index as the new reset index. The server removes the
// reset file once the bootstrap has been applied.
func (s BootstrapState) Bootstrapped(index uint64) BootstrapState {
	return BootstrapState{Done: true, ResetIndex: index}
}
