package raft

import "errors"

// Errors returned at the edges of the core's API. Callers compare with
// errors.Is; the core never wraps them in a way that hides them.
var (
	// ErrNotLeader is returned by Propose, ProposeConfig, ReadIndex and
	// TransferLeadership on a server that is not the leader. Leader()
	// names the server to forward to, if one is known.
	ErrNotLeader = errors.New("raft: not the leader")
	// ErrTransferInProgress is returned by Propose and ProposeConfig while
	// the leader is handing leadership to another server (thesis §3.10).
	ErrTransferInProgress = errors.New("raft: leadership transfer in progress")
	// ErrConfigChangeInProgress is returned by ProposeConfig while an
	// earlier change is uncommitted, or before the leader has committed an
	// entry of its own term (thesis §4.1 and its 2015 erratum).
	ErrConfigChangeInProgress = errors.New("raft: configuration change in progress")
	// ErrInvalidConfigChange is returned by ProposeConfig for a change
	// that does not fit the current configuration.
	ErrInvalidConfigChange = errors.New("raft: invalid configuration change")
	// ErrUnknownServer is returned when an operation names a server that
	// is not in the configuration.
	ErrUnknownServer = errors.New("raft: unknown server")
	// ErrLeadershipLost is the reason attached to a dropped proposal or
	// read when its leader stepped down before the entry committed. The
	// outcome of such a proposal is unknown: the entry may still be
	// committed by a later leader, and is then applied as usual.
	ErrLeadershipLost = errors.New("raft: leadership lost before commit")
	// ErrAlreadyBootstrapped is returned by Bootstrap on a server that
	// already has state.
	ErrAlreadyBootstrapped = errors.New("raft: server already has state")
	// ErrInvalidConfig is returned by New for a Config it cannot use.
	ErrInvalidConfig = errors.New("raft: invalid config")
	// ErrInvalidMessage is returned by Step for a message that breaks the
	// protocol's rules, and by the decoders for malformed bytes.
	ErrInvalidMessage = errors.New("raft: invalid message")
	// ErrInvalidConfiguration is returned when an encoded Configuration
	// cannot be decoded.
	ErrInvalidConfiguration = errors.New("raft: invalid configuration")
)
