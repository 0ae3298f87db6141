package raft

// ServerID names a server in a Raft group. cairn uses the agent's node_id.
type ServerID string

// Suffrage says whether a server votes.
type Suffrage uint8

const (
	// Voter servers vote in elections and count towards the commit quorum.
	Voter Suffrage = iota
	// Learner servers receive the log but neither vote nor count towards
	// the quorum; they are promoted once caught up.
	Learner
)

// Server is one member of a Raft configuration.
type Server struct {
	ID       ServerID
	Address  string // where the driver dials it, "host:port"
	Suffrage Suffrage
}

// Configuration is the membership of the group. Servers are kept sorted by
// ID so that encodings and iterations are deterministic.
type Configuration struct {
	Servers []Server
}

// EntryType says what a log entry carries.
type EntryType uint8

const (
	// EntryCommand carries a command for the StateMachine.
	EntryCommand EntryType = iota
	// EntryNoop is appended by a new leader to commit entries of earlier
	// terms (Raft §5.4.2); it is not given to the StateMachine.
	EntryNoop
	// EntryConfig carries an encoded Configuration (Raft §6).
	EntryConfig
)

// Entry is one record of the replicated log.
type Entry struct {
	Index uint64
	Term  uint64
	Type  EntryType
	Data  []byte
}

// HardState is what a server must persist before it answers any message that
// depends on it (Raft Figure 2, "persistent state on all servers"), plus the
// commit index, which may be persisted lazily.
type HardState struct {
	Term   uint64
	Vote   ServerID
	Commit uint64
}

// SnapshotMeta describes a snapshot: the last log entry it covers and the
// configuration as of that entry.
type SnapshotMeta struct {
	Index  uint64
	Term   uint64
	Config Configuration
}
