package raft

import (
	"fmt"
	"math/rand/v2"

	"go.uber.org/zap"
)

// Role is a server's part in the protocol (Raft §5.1, plus the pre-vote
// stage of thesis §9.6).
type Role uint8

const (
	// Follower answers leaders and candidates.
	Follower Role = iota
	// PreCandidate asks whether it could win an election, without
	// raising its term.
	PreCandidate
	// Candidate runs an election in a new term.
	Candidate
	// Leader replicates its log to the others.
	Leader
)

// String names the role.
func (r Role) String() string {
	switch r {
	case Follower:
		return "follower"
	case PreCandidate:
		return "pre-candidate"
	case Candidate:
		return "candidate"
	case Leader:
		return "leader"
	}
	return fmt.Sprintf("Role(%d)", uint8(r))
}

// Node is one server's Raft core: a deterministic state machine without
// clock, goroutines or I/O. It is not safe for concurrent use; the driver
// calls it from one place. See the package documentation for the contract.
type Node struct {
	id     ServerID
	cfg    Config
	logger *zap.Logger
	rand   *rand.Rand

	term uint64
	vote ServerID
	lead ServerID
	role Role

	log raftLog
	// conf is the latest configuration in the log, committed or not
	// (thesis §4.1); confIndex is the index of its entry, or the snapshot
	// index if it came from the snapshot.
	conf      Configuration
	confIndex uint64

	// Leader state: one progress per server of conf, and own proposals
	// not yet committed (to report them if leadership is lost).
	progress  map[ServerID]*progress
	proposals []DroppedProposal
	// Candidate state: the votes received.
	votes map[ServerID]bool

	electionElapsed int
	// leaderElapsed counts the ticks since a follower last heard from a
	// leader. Leader stickiness is keyed on it rather than on the election
	// timer, so that the timer can restart (on a granted pre-vote) without
	// making the server sticky to a leader that has gone silent.
	leaderElapsed    int
	heartbeatElapsed int
	electionTicks    int // randomized timeout of the current term

	leadTransferee ServerID
	reads          readIndexState

	// appendPending is set when the leader proposed entries since it
	// last told its followers: proposals are broadcast once per Ready,
	// not once each (replication.go).
	appendPending bool

	// Output waiting for the next Ready.
	msgs        []Message
	earlyMsgs   []Message
	readStates  []ReadState
	dropped     []DroppedProposal
	droppedRead []DroppedRead
	installed   *SnapshotMeta

	prevHard         HardState
	prevSoft         SoftState
	readyOutstanding bool
}

// New builds a core from a Config holding the recovered state. A fresh server
// (no log, no snapshot) has no configuration and stays passive until
// Bootstrap is called or a leader contacts it.
func New(c Config) (*Node, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	logger := c.Logger
	if logger == nil {
		logger = zap.NewNop()
	}
	n := &Node{
		id:     c.ID,
		cfg:    c,
		logger: logger.With(zap.String("raft_id", string(c.ID))),
		rand:   c.Rand,
		term:   c.HardState.Term,
		vote:   c.HardState.Vote,
		log:    newLog(&c),
	}
	n.cfg.Entries = nil
	n.reloadConfiguration()
	n.prevHard = n.hardState()
	n.prevSoft = n.softState()
	n.resetTimers()
	return n, nil
}

// Bootstrap gives a fresh server its first configuration, as entry 1 of term
// 1, with the servers sorted by ID. Every server bootstrapped for the same
// group must be given the same configuration, so that their first entries are
// identical.
func (n *Node) Bootstrap(c Configuration) error {
	if n.term != 0 || n.log.lastIndex() != 0 {
		return ErrAlreadyBootstrapped
	}
	c, err := normalizeConfiguration(c)
	if err != nil {
		return fmt.Errorf("raft: bootstrap: %w", err)
	}
	n.term = 1
	n.appendConfigEntry(Entry{Index: 1, Term: 1, Type: EntryConfig, Data: EncodeConfiguration(c)})
	n.resetTimers()
	return nil
}

func (n *Node) hardState() HardState {
	return HardState{Term: n.term, Vote: n.vote, Commit: n.log.committed}
}

func (n *Node) softState() SoftState { return SoftState{Lead: n.lead, Role: n.role} }

// Tick advances logical time by one tick.
func (n *Node) Tick() {
	if n.role == Leader {
		n.tickHeartbeat()
	} else {
		n.tickElection()
	}
}

// Step feeds the core one message from another server. It returns an error
// wrapping ErrInvalidMessage for a message that breaks the protocol's rules;
// a stale or unneeded message is silently ignored.
func (n *Node) Step(m Message) error {
	if err := validateMessage(&m, n.id); err != nil {
		return err
	}
	switch {
	case m.Term > n.term:
		if !n.acceptHigherTerm(&m) {
			return nil
		}
	case m.Term < n.term:
		n.answerStaleTerm(&m)
		return nil
	}
	switch m.Type {
	case MsgVote, MsgPreVote:
		n.handleVoteRequest(&m)
		return nil
	}
	switch n.role {
	case Leader:
		n.stepLeader(&m)
	case Candidate, PreCandidate:
		n.stepCandidate(&m)
	default:
		n.stepFollower(&m)
	}
	return nil
}

// acceptHigherTerm handles a message of a later term (Raft Figure 2, "if RPC
// request or response contains term T > currentTerm: set currentTerm = T,
// convert to follower"), with the exceptions of pre-vote and leader
// stickiness. It reports whether the message should be processed further.
func (n *Node) acceptHigherTerm(m *Message) bool {
	if (m.Type == MsgVote || m.Type == MsgPreVote) && !m.Transfer && n.inLease() {
		n.logger.Debug("ignoring vote request during leader lease",
			zap.String("from", string(m.From)), zap.Uint64("term", m.Term))
		return false
	}
	switch {
	case m.Type == MsgPreVote:
		// A pre-vote never changes the receiver's term.
	case m.Type == MsgPreVoteResp && !m.Reject:
		// A granted pre-vote carries the term we are about to campaign in.
	case m.Type == MsgApp || m.Type == MsgHeartbeat || m.Type == MsgSnap:
		n.becomeFollower(m.Term, m.From)
	default:
		n.becomeFollower(m.Term, "")
	}
	return true
}

// inLease reports whether this server heard from a live leader within the
// last election timeout, in which case it refuses to help depose it (thesis
// §4.2.3).
func (n *Node) inLease() bool {
	if !n.cfg.CheckQuorum || n.lead == "" {
		return false
	}
	if n.role == Leader {
		return n.electionElapsed < n.cfg.ElectionTicks
	}
	return n.leaderElapsed < n.cfg.ElectionTicks
}

// answerStaleTerm answers a message of an earlier term where silence could
// leave the sender stuck: a leader cut off by check-quorum learns of the new
// term, and a pre-candidate learns its trial failed.
func (n *Node) answerStaleTerm(m *Message) {
	switch {
	case (n.cfg.CheckQuorum || n.cfg.PreVote) && (m.Type == MsgApp || m.Type == MsgHeartbeat):
		n.send(Message{Type: MsgAppResp, To: m.From})
	case m.Type == MsgPreVote:
		n.send(Message{Type: MsgPreVoteResp, To: m.From, Reject: true})
	}
}

// send queues a message, filling in the sender and, unless set, the term.
func (n *Node) send(m Message) {
	m.From = n.id
	if m.Term == 0 {
		m.Term = n.term
	}
	if n.role == Leader {
		n.earlyMsgs = append(n.earlyMsgs, m)
		return
	}
	n.msgs = append(n.msgs, m)
}

// resetTimers restarts the election clock with a fresh randomized timeout in
// [ElectionTicks, 2*ElectionTicks) (Raft §5.2).
func (n *Node) resetTimers() {
	n.electionElapsed = 0
	n.heartbeatElapsed = 0
	n.electionTicks = n.cfg.ElectionTicks + n.rand.IntN(n.cfg.ElectionTicks)
}

// reset prepares the server for a new term or role.
func (n *Node) reset(term uint64) {
	if n.term != term {
		n.term = term
		n.vote = ""
	}
	n.lead = ""
	n.votes = nil
	n.resetTimers()
	n.abortTransfer()
}

func (n *Node) becomeFollower(term uint64, lead ServerID) {
	wasLeader := n.role == Leader
	n.reset(term)
	n.role = Follower
	n.lead = lead
	if wasLeader {
		n.stepDown()
	}
}

// stepDown releases what only a leader holds, reporting its uncommitted
// proposals and pending reads as failed with ErrLeadershipLost.
func (n *Node) stepDown() {
	for _, p := range n.proposals {
		if p.Index > n.log.committed {
			p.Err = ErrLeadershipLost
			n.dropped = append(n.dropped, p)
		}
	}
	n.proposals = nil
	n.progress = nil
	n.dropPendingReads()
	n.logger.Info("stepped down", zap.Uint64("term", n.term))
}

// Leader returns the current leader's ID and address, both empty if no
// leader is known. The address comes from the configuration and is empty if
// the leader is not (yet) in this server's copy of it.
func (n *Node) Leader() (ServerID, string) {
	if n.lead == "" {
		return "", ""
	}
	if s, ok := n.server(n.lead); ok {
		return n.lead, s.Address
	}
	return n.lead, ""
}

// server looks up id in the current configuration.
func (n *Node) server(id ServerID) (Server, bool) {
	for _, s := range n.conf.Servers {
		if s.ID == id {
			return s, true
		}
	}
	return Server{}, false
}

// promotable reports whether this server may campaign: only voters of its
// latest configuration may (thesis §4.2.1).
func (n *Node) promotable() bool {
	s, ok := n.server(n.id)
	return ok && s.Suffrage == Voter
}
