package raft

import "io"

// StateMachine is what a Raft group replicates: the driver applies every
// committed command to it, in log order, exactly once, on every server. It
// must be deterministic: the same commands from the same state give the same
// state and results everywhere, so it reads no clock and draws no randomness;
// whatever a command needs (IDs, secrets, timestamps) travels inside it.
type StateMachine interface {
	// Apply applies the command committed at index and returns its result,
	// which is handed to the proposer on the server that proposed it.
	Apply(index uint64, cmd []byte) any
	// Snapshot captures the state as of the last applied index. It must be
	// quick: the returned SnapshotWriter serialises the captured state
	// later, possibly while Apply goes on.
	Snapshot() (SnapshotWriter, error)
	// Restore replaces the whole state with one read from r, as written by
	// a SnapshotWriter.
	Restore(r io.Reader) error
}

// SnapshotWriter serialises a captured point-in-time state.
type SnapshotWriter interface {
	WriteTo(w io.Writer) (int64, error)
}
