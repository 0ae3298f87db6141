package raft

import "fmt"

// MessageType says what a Message asks or answers.
type MessageType uint8

// The message types. Each request has its response; the fields a type uses
// are listed beside it.
const (
	// MsgApp is AppendEntries (Raft §5.3): Index and LogTerm name the entry
	// before Entries, Commit is the leader's commit index.
	MsgApp MessageType = iota + 1
	// MsgAppResp answers MsgApp and MsgSnap. On success Index is the last
	// index known to match the leader. On Reject, Index echoes the
	// rejected MsgApp's Index, LogTerm is the term of the follower's
	// conflicting entry (0 if its log is too short) and RejectHint is the
	// first index the follower holds of that term (or its last index + 1).
	MsgAppResp
	// MsgVote is RequestVote (Raft §5.2): Index and LogTerm describe the
	// candidate's last entry. Transfer marks a campaign started by a
	// leadership transfer, which bypasses leader stickiness.
	MsgVote
	// MsgVoteResp answers MsgVote; Reject is a refusal.
	MsgVoteResp
	// MsgPreVote is a trial vote for Term = the sender's term + 1, which
	// changes no server's term (thesis §9.6).
	MsgPreVote
	// MsgPreVoteResp answers MsgPreVote.
	MsgPreVoteResp
	// MsgHeartbeat asserts leadership and carries Commit (at most what the
	// follower is known to hold) and, for ReadIndex rounds, Context.
	MsgHeartbeat
	// MsgHeartbeatResp answers MsgHeartbeat and echoes its Context.
	MsgHeartbeatResp
	// MsgSnap offers the snapshot described by Snapshot (Raft §7). The
	// leader's core emits it; the drivers carry the snapshot's data
	// themselves and step the message into the follower's core once the
	// follower holds the data. The follower answers with MsgAppResp.
	MsgSnap
	// MsgTimeoutNow tells the transfer target to start an election at
	// once (thesis §3.10).
	MsgTimeoutNow
)

// String names the type for logs and test failures.
func (t MessageType) String() string {
	switch t {
	case MsgApp:
		return "MsgApp"
	case MsgAppResp:
		return "MsgAppResp"
	case MsgVote:
		return "MsgVote"
	case MsgVoteResp:
		return "MsgVoteResp"
	case MsgPreVote:
		return "MsgPreVote"
	case MsgPreVoteResp:
		return "MsgPreVoteResp"
	case MsgHeartbeat:
		return "MsgHeartbeat"
	case MsgHeartbeatResp:
		return "MsgHeartbeatResp"
	case MsgSnap:
		return "MsgSnap"
	case MsgTimeoutNow:
		return "MsgTimeoutNow"
	}
	return fmt.Sprintf("MessageType(%d)", uint8(t))
}

// valid reports whether t is one of the defined types.
func (t MessageType) valid() bool { return t >= MsgApp && t <= MsgTimeoutNow }

// Message is one unit of the Raft protocol between two servers. Fields a
// type does not use are zero.
type Message struct {
	Type MessageType
	From ServerID
	To   ServerID
	// Term is the sender's term, or for MsgPreVote the term it would
	// campaign in.
	Term uint64
	// LogTerm is the term of the entry at Index (see the types above).
	LogTerm uint64
	// Index is an entry index whose meaning depends on Type.
	Index uint64
	// Entries are the entries a MsgApp carries, starting at Index+1.
	Entries []Entry
	// Commit is the sender's commit index (MsgApp, MsgHeartbeat).
	Commit uint64
	// Reject says a request was refused.
	Reject bool
	// RejectHint is a rejecting follower's hint where to retry.
	RejectHint uint64
	// Transfer marks a vote request of a leadership transfer.
	Transfer bool
	// Context is opaque data echoed by the responder (ReadIndex rounds).
	Context []byte
	// Snapshot describes the snapshot a MsgSnap offers.
	Snapshot *SnapshotMeta
}

// String summarises a message for logs and test failures.
func (m Message) String() string {
	return fmt.Sprintf("%s %s->%s term=%d logterm=%d index=%d commit=%d entries=%d reject=%t hint=%d",
		m.Type, m.From, m.To, m.Term, m.LogTerm, m.Index, m.Commit, len(m.Entries), m.Reject, m.RejectHint)
}

// responseType is the type that answers a vote request of type t.
func voteResponseType(t MessageType) MessageType {
	if t == MsgPreVote {
		return MsgPreVoteResp
	}
	return MsgVoteResp
}

// validateMessage checks what the core relies on in a message from the
// network, so that no input can break an invariant.
func validateMessage(m *Message, self ServerID) error {
	switch {
	case !m.Type.valid():
		return fmt.Errorf("%w: unknown type %d", ErrInvalidMessage, m.Type)
	case m.From == "" || m.From == self:
		return fmt.Errorf("%w: bad sender %q", ErrInvalidMessage, m.From)
	case m.To != self:
		return fmt.Errorf("%w: addressed to %q, not %q", ErrInvalidMessage, m.To, self)
	case m.Term == 0:
		return fmt.Errorf("%w: %s with term 0", ErrInvalidMessage, m.Type)
	case m.Type == MsgSnap && (m.Snapshot == nil || m.Snapshot.Index == 0 || m.Snapshot.Term > m.Term):
		return fmt.Errorf("%w: MsgSnap without a usable snapshot", ErrInvalidMessage)
	case len(m.Entries) > 0 && m.Type != MsgApp:
		return fmt.Errorf("%w: %s carries entries", ErrInvalidMessage, m.Type)
	case m.Type == MsgApp && (m.LogTerm > m.Term || (m.Index == 0 && m.LogTerm != 0)):
		return fmt.Errorf("%w: MsgApp log term %d at index %d, term %d",
			ErrInvalidMessage, m.LogTerm, m.Index, m.Term)
	}
	prev := Entry{Index: m.Index, Term: m.LogTerm}
	for _, e := range m.Entries {
		if e.Index != prev.Index+1 || e.Term == 0 || e.Term < prev.Term || e.Term > m.Term || e.Type > EntryConfig {
			return fmt.Errorf("%w: entry %d/%d does not follow %d/%d",
				ErrInvalidMessage, e.Index, e.Term, prev.Index, prev.Term)
		}
		prev = e
	}
	return nil
}
