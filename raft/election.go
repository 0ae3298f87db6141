package raft

import (
	"slices"

	"go.uber.org/zap"
)

// tickElection counts towards the election timeout of a follower or
// candidate, and campaigns when it expires (Raft §5.2).
func (n *Node) tickElection() {
	n.electionElapsed++
	n.leaderElapsed++
	if n.promotable() && n.electionElapsed >= n.electionTicks {
		n.electionElapsed = 0
		n.campaign(false)
	}
}

// Campaign starts an election now, as an expired election timeout would.
// Tests and tools use it; a server that may not campaign ignores it.
func (n *Node) Campaign() { n.campaign(false) }

// campaign starts a pre-vote round, or with transfer (or without PreVote) a
// real election.
func (n *Node) campaign(transfer bool) {
	if n.role == Leader || !n.promotable() {
		return
	}
	if n.cfg.PreVote && !transfer {
		n.becomePreCandidate()
	} else {
		n.becomeCandidate()
	}
	n.requestVotes(transfer)
}

func (n *Node) becomePreCandidate() {
	// Neither term nor vote changes: a pre-vote that fails leaves no trace.
	n.role = PreCandidate
	n.lead = ""
	n.votes = map[ServerID]bool{}
	n.resetTimers()
	n.logger.Debug("became pre-candidate", zap.Uint64("term", n.term))
}

func (n *Node) becomeCandidate() {
	n.reset(n.term + 1)
	n.role = Candidate
	n.vote = n.id
	n.votes = map[ServerID]bool{}
	n.logger.Debug("became candidate", zap.Uint64("term", n.term))
}

// requestVotes votes for itself and asks every other voter (Raft §5.2).
func (n *Node) requestVotes(transfer bool) {
	typ, term := MsgVote, n.term
	if n.role == PreCandidate {
		typ, term = MsgPreVote, n.term+1
	}
	if n.poll(n.id, true) {
		return
	}
	for _, id := range voters(n.conf) {
		if id == n.id {
			continue
		}
		n.send(Message{Type: typ, To: id, Term: term, Index: n.log.lastIndex(),
			LogTerm: n.log.lastTerm(), Transfer: transfer})
	}
}

// poll records a vote and acts on the outcome; it reports whether the round
// is over.
func (n *Node) poll(from ServerID, granted bool) bool {
	n.votes[from] = granted
	switch tallyVotes(voters(n.conf), n.votes) {
	case voteWon:
		if n.role == PreCandidate {
			n.becomeCandidate()
			n.requestVotes(false)
		} else {
			n.becomeLeader()
		}
		return true
	case voteLost:
		n.becomeFollower(n.term, "")
		return true
	}
	return false
}

// handleVoteRequest answers MsgVote and MsgPreVote (Raft §5.2 and §5.4.1:
// grant at most one vote per term, and only to a candidate whose log is at
// least as up-to-date).
func (n *Node) handleVoteRequest(m *Message) {
	canVote := n.vote == m.From ||
		(n.vote == "" && n.lead == "") ||
		(m.Type == MsgPreVote && m.Term > n.term)
	if canVote && n.log.isUpToDate(m.Index, m.LogTerm) {
		n.send(Message{Type: voteResponseType(m.Type), To: m.From, Term: m.Term})
		switch {
		case m.Type == MsgVote:
			n.electionElapsed = 0
			n.vote = m.From
		case n.role == Follower:
			// A follower that endorses a pre-candidate waits a full timeout
			// before campaigning itself, so as not to split the vote that
			// follows (two followers timing out within a round trip of each
			// other). Only the timer changes: no term, no vote.
			n.electionElapsed = 0
		}
		return
	}
	n.send(Message{Type: voteResponseType(m.Type), To: m.From, Reject: true})
}

// stepCandidate handles messages while campaigning.
func (n *Node) stepCandidate(m *Message) {
	switch m.Type {
	case MsgApp, MsgHeartbeat, MsgSnap:
		// Another server won this term (Raft §5.2).
		n.becomeFollower(m.Term, m.From)
		n.stepFollower(m)
	case MsgVoteResp:
		if n.role == Candidate {
			n.poll(m.From, !m.Reject)
		}
	case MsgPreVoteResp:
		if n.role == PreCandidate {
			n.poll(m.From, !m.Reject)
		}
	}
}

// becomeLeader takes office: every follower starts in probe state just
// after the leader's last entry, and an empty entry of the new term is
// appended so that earlier entries can commit (Raft §5.4.2, §8).
func (n *Node) becomeLeader() {
	n.reset(n.term)
	n.role = Leader
	n.lead = n.id
	n.progress = map[ServerID]*progress{}
	for _, s := range n.conf.Servers {
		n.progress[s.ID] = n.newProgress()
	}
	if pr, ok := n.progress[n.id]; ok {
		pr.match = n.log.persisted
		pr.becomeReplicate()
	}
	n.logger.Info("became leader", zap.Uint64("term", n.term))
	n.appendLocal(Entry{Type: EntryNoop})
	n.bcastAppend()
}

func (n *Node) newProgress() *progress {
	return &progress{next: n.log.lastIndex() + 1, recentActive: true,
		inflight: make([]uint64, 0, min(n.cfg.MaxInflightMsgs, 16))}
}

// sortedProgressIDs lists the servers the leader tracks, in ID order, so
// that the messages it sends come out in a deterministic order.
func (n *Node) sortedProgressIDs() []ServerID {
	ids := make([]ServerID, 0, len(n.progress))
	for id := range n.progress {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
