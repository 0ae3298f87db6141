package raft

import (
	"slices"

	"go.uber.org/zap"
)

// Propose appends a command to the leader's log and starts replicating it.
// It returns the index and term the entry will have if it commits; the
// driver matches them against CommittedEntries (success) or
// Ready.DroppedProposals (leadership lost). On a non-leader it returns
// ErrNotLeader, and the caller forwards to Leader().
func (n *Node) Propose(cmd []byte) (index, term uint64, err error) {
	if n.role != Leader {
		return 0, 0, ErrNotLeader
	}
	if n.leadTransferee != "" {
		return 0, 0, ErrTransferInProgress
	}
	e := n.appendLocal(Entry{Type: EntryCommand, Data: cmd})
	n.appendPending = true
	return e.Index, e.Term, nil
}

// appendLocal gives an entry the next index and the current term, appends
// it to the leader's log and remembers it as the leader's own proposal.
func (n *Node) appendLocal(e Entry) Entry {
	e.Index, e.Term = n.log.lastIndex()+1, n.term
	if e.Type == EntryConfig {
		n.appendConfigEntry(e)
	} else {
		n.log.append(e)
	}
	if e.Type != EntryNoop {
		n.proposals = append(n.proposals, DroppedProposal{Index: e.Index, Term: e.Term})
	}
	return e
}

// tickHeartbeat drives a leader's periodic duties: heartbeats every
// HeartbeatTicks, and every ElectionTicks the check-quorum test and the
// leadership transfer timeout.
func (n *Node) tickHeartbeat() {
	n.heartbeatElapsed++
	n.electionElapsed++
	if n.electionElapsed >= n.cfg.ElectionTicks {
		n.electionElapsed = 0
		if n.cfg.CheckQuorum && !n.quorumActive() {
			n.logger.Warn("stepping down: no quorum heard within an election timeout")
			n.becomeFollower(n.term, "")
			return
		}
		n.abortTransfer()
	}
	if n.heartbeatElapsed >= n.cfg.HeartbeatTicks {
		n.heartbeatElapsed = 0
		n.bcastHeartbeat(n.reads.latestContext())
	}
}

// quorumActive reports whether a quorum of voters was heard from since the
// last check, and starts a new check period.
func (n *Node) quorumActive() bool {
	votes := map[ServerID]bool{}
	for _, id := range n.sortedProgressIDs() {
		pr := n.progress[id]
		votes[id] = id == n.id || pr.recentActive
		pr.recentActive = false
	}
	return tallyVotes(voters(n.conf), votes) == voteWon
}

// flushAppends broadcasts the proposals made since the last Ready: they
// share one append per follower, instead of one append each (and an
// acknowledgement each back).
func (n *Node) flushAppends() {
	if n.appendPending {
		n.appendPending = false
		n.bcastAppend()
	}
}

// bcastAppend sends each follower what it is missing, as flow control allows.
// A leader that has just stepped down sends nothing.
func (n *Node) bcastAppend() {
	if n.role != Leader {
		return
	}
	for _, id := range n.sortedProgressIDs() {
		if id != n.id {
			n.sendAppend(id, true)
		}
	}
}

// bcastHeartbeat sends every follower a heartbeat carrying ctx.
func (n *Node) bcastHeartbeat(ctx []byte) {
	for _, id := range n.sortedProgressIDs() {
		if id == n.id {
			continue
		}
		pr := n.progress[id]
		n.send(Message{Type: MsgHeartbeat, To: id, Commit: min(pr.match, n.log.committed), Context: ctx})
	}
}

// sendAppend sends one append (Raft §5.3) to a follower, or a snapshot if
// the entries it needs are compacted. With sendIfEmpty it sends even with no
// entries, to carry the commit index. It reports whether it sent anything.
func (n *Node) sendAppend(to ServerID, sendIfEmpty bool) bool {
	pr := n.progress[to]
	if pr.paused(n.cfg.MaxInflightMsgs) {
		return false
	}
	prevTerm, okTerm := n.log.term(pr.next - 1)
	ents, okEnts := n.log.slice(pr.next, n.cfg.MaxEntriesPerMsg, n.cfg.MaxBytesPerMsg)
	if !okTerm || !okEnts {
		return n.sendSnapshot(to, pr)
	}
	if len(ents) == 0 && !sendIfEmpty {
		return false
	}
	n.send(Message{Type: MsgApp, To: to, Index: pr.next - 1, LogTerm: prevTerm,
		Entries: ents, Commit: n.log.committed})
	pr.sentEntries(pr.next-1+uint64(len(ents)), len(ents))
	return true
}

// stepLeader handles the answers a leader receives.
func (n *Node) stepLeader(m *Message) {
	pr, ok := n.progress[m.From]
	if !ok {
		return
	}
	pr.recentActive = true
	switch m.Type {
	case MsgAppResp:
		if !m.Reject && m.Index > n.log.lastIndex() {
			n.logger.Warn("ignoring acknowledgement beyond the log",
				zap.String("from", string(m.From)), zap.Uint64("index", m.Index))
			return
		}
		n.handleAppendResponse(m, pr)
	case MsgHeartbeatResp:
		// Appends may have been lost. A full window would then stall for
		// ever, so a heartbeat answer frees one slot (as etcd does), and
		// an empty append uncovers the gap: the follower rejects it and
		// the leader goes back to probing.
		pr.probeSent = false
		if pr.state == StateReplicate && pr.paused(n.cfg.MaxInflightMsgs) {
			pr.inflight = pr.inflight[1:]
		}
		if pr.match < n.log.lastIndex() {
			n.sendAppend(m.From, true)
		}
		n.handleReadAck(m)
	}
}

// handleAppendResponse advances or rewinds a follower's progress.
func (n *Node) handleAppendResponse(m *Message, pr *progress) {
	if m.Reject {
		if pr.maybeDecrTo(m.Index, n.nextAfterReject(m)) {
			n.sendAppend(m.From, true)
		}
		return
	}
	wasPaused := pr.paused(n.cfg.MaxInflightMsgs)
	if !pr.maybeUpdate(m.Index) {
		if wasPaused && !pr.paused(n.cfg.MaxInflightMsgs) {
			n.sendAppend(m.From, false)
		}
		return
	}
	switch {
	case pr.state == StateProbe:
		pr.becomeReplicate()
	case pr.state == StateSnapshot && pr.match >= pr.pendingSnapshot:
		pr.becomeProbe()
		pr.becomeReplicate()
	}
	if n.maybeCommit() {
		n.bcastAppend()
	} else if wasPaused {
		// The follower was waiting: tell it the commit index at once.
		n.sendAppend(m.From, true)
	}
	if n.role != Leader {
		return
	}
	for n.sendAppend(m.From, false) {
	}
	if m.From == n.leadTransferee && pr.match == n.log.lastIndex() {
		n.send(Message{Type: MsgTimeoutNow, To: m.From})
	}
}

// nextAfterReject turns a follower's conflict hint into the next index to
// probe (Raft §5.3, "the follower can include the term of the conflicting
// entry and the first index it stores for that term"). If the leader holds
// entries of the conflicting term, it resumes just after its last one;
// otherwise it skips the follower's whole term.
func (n *Node) nextAfterReject(m *Message) uint64 {
	if m.LogTerm == 0 {
		return m.RejectHint
	}
	if i, ok := n.log.lastIndexOfTerm(m.LogTerm, m.Index); ok {
		return i + 1
	}
	return m.RejectHint
}

// maybeCommit advances the commit index to the highest index stored on a
// quorum of voters, but only if that entry is of the current term (Raft
// §5.4.2: earlier terms commit only indirectly). The leader counts itself
// only up to what it has persisted.
func (n *Node) maybeCommit() bool {
	var match []uint64
	for _, id := range voters(n.conf) {
		if pr, ok := n.progress[id]; ok {
			match = append(match, pr.match)
		} else {
			match = append(match, 0)
		}
	}
	idx := quorumIndex(match)
	if teethCommitWithoutQuorum {
		idx = slices.Max(match)
	}
	if t, ok := n.log.term(idx); !ok || t != n.term || !n.log.commitTo(idx) {
		return false
	}
	n.onLeaderCommit()
	return true
}

// onLeaderCommit releases what waited for the commit index to move.
func (n *Node) onLeaderCommit() {
	done := 0 // proposals are in index order
	for done < len(n.proposals) && n.proposals[done].Index <= n.log.committed {
		done++
	}
	n.proposals = n.proposals[done:]
	n.releaseWaitingReads()
	n.maybeStepDownRemoved()
}

// stepFollower handles messages from the leader.
func (n *Node) stepFollower(m *Message) {
	switch m.Type {
	case MsgApp:
		n.electionElapsed, n.leaderElapsed = 0, 0
		n.lead = m.From
		n.handleAppend(m)
	case MsgHeartbeat:
		n.electionElapsed, n.leaderElapsed = 0, 0
		n.lead = m.From
		n.log.commitTo(min(m.Commit, n.log.lastIndex()))
		n.send(Message{Type: MsgHeartbeatResp, To: m.From, Context: m.Context})
	case MsgSnap:
		n.electionElapsed, n.leaderElapsed = 0, 0
		n.lead = m.From
		n.handleSnapshot(m)
	case MsgTimeoutNow:
		n.logger.Info("starting election for leadership transfer", zap.String("from", string(m.From)))
		n.campaign(true)
	}
}

// handleAppend is the receiver side of AppendEntries (Raft Figure 2): reply
// false if the log has no entry at Index of term LogTerm; delete a
// conflicting suffix; append new entries; advance the commit index.
func (n *Node) handleAppend(m *Message) {
	if m.Index < n.log.committed {
		// A late or duplicate append: the committed prefix is known to
		// match, so only the entries after it matter.
		covered := n.log.committed - m.Index
		if uint64(len(m.Entries)) <= covered {
			n.send(Message{Type: MsgAppResp, To: m.From, Index: n.log.committed})
			return
		}
		m.LogTerm = m.Entries[covered-1].Term
		m.Entries = m.Entries[covered:]
		m.Index = n.log.committed
	}
	if !n.log.matchTerm(m.Index, m.LogTerm) {
		n.rejectAppend(m)
		return
	}
	lastNew := m.Index + uint64(len(m.Entries))
	if at := n.log.findConflict(m.Entries); at != 0 {
		n.appendFollower(m.Entries[at-m.Index-1:])
	}
	n.log.commitTo(min(m.Commit, lastNew))
	n.send(Message{Type: MsgAppResp, To: m.From, Index: lastNew})
}

// rejectAppend refuses an append and tells the leader where to retry: the
// term of the conflicting entry and the first index of that term, or the end
// of a log that is too short.
func (n *Node) rejectAppend(m *Message) {
	resp := Message{Type: MsgAppResp, To: m.From, Index: m.Index, Reject: true}
	if m.Index > n.log.lastIndex() {
		resp.RejectHint = n.log.lastIndex() + 1
	} else {
		resp.LogTerm, _ = n.log.term(m.Index)
		resp.RejectHint = n.log.firstIndexOfTerm(m.Index)
	}
	n.send(resp)
}

// appendFollower stores entries from the leader, replacing a conflicting
// suffix, and keeps the configuration in step with the log.
func (n *Node) appendFollower(ents []Entry) {
	truncated := ents[0].Index <= n.log.lastIndex()
	n.log.truncateAndAppend(ents)
	if truncated && n.confIndex >= ents[0].Index {
		n.reloadConfiguration()
	}
	for _, e := range ents {
		if e.Type == EntryConfig {
			n.adoptConfigEntry(e)
		}
	}
}

// ReportUnreachable tells the leader that messages to id may have been lost,
// for example because the stream to it broke. Replication to id falls back
// to probing from the last acknowledged index instead of waiting for a
// heartbeat round to reveal the gap.
func (n *Node) ReportUnreachable(id ServerID) {
	if pr, ok := n.progress[id]; ok && n.role == Leader && pr.state == StateReplicate {
		pr.becomeProbe()
	}
}
