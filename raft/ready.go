package raft

import "fmt"

// SoftState is volatile state worth telling the driver about: who leads and
// what this server is. It need not be persisted.
type SoftState struct {
	Lead ServerID
	Role Role
}

// DroppedProposal is a proposal of this server that failed, identified by
// the index and term Propose or ProposeConfig returned.
type DroppedProposal struct {
	Index uint64
	Term  uint64
	Err   error
}

// Ready is a batch of work for the driver. Handle it in this order (see the
// package documentation): send EarlyMessages (any time, even before or while
// persisting); persist Snapshot, HardState and Entries, syncing them; send
// Messages; apply CommittedEntries; answer ReadStates, DroppedProposals and
// DroppedReads; then call Advance with this Ready. Applying may come before
// persisting (see the package documentation). All slices are read-only.
type Ready struct {
	// SoftState is set when the leader or role changed.
	SoftState *SoftState
	// HardState is set when term, vote or commit changed.
	HardState *HardState
	// Snapshot is set when this server installed a snapshot from the
	// leader: persist the received snapshot data as the current snapshot,
	// drop the whole log, and restore the state machine from it.
	Snapshot *SnapshotMeta
	// Entries must be appended to the durable log. An entry whose index
	// is at or below the last persisted index replaces it and everything
	// after it.
	Entries []Entry
	// EarlyMessages are a leader's appends and heartbeats, which depend on
	// nothing unpersisted: the leader writes its own log in parallel with
	// sending it (thesis §10.2.1). They may be sent before persisting.
	EarlyMessages []Message
	// Messages must be sent only after the above is persisted.
	Messages []Message
	// CommittedEntries are to be applied to the state machine, in order.
	// EntryNoop and EntryConfig entries carry nothing for it.
	CommittedEntries []Entry
	// ReadStates answer ReadIndex requests.
	ReadStates []ReadState
	// DroppedProposals are this server's proposals that will not be
	// reported as committed by this leader (see ErrLeadershipLost).
	DroppedProposals []DroppedProposal
	// DroppedReads are ReadIndex requests that failed.
	DroppedReads []DroppedRead
}

// HasReady reports whether Ready has anything to hand out. It is false while
// an earlier Ready awaits Advance.
func (n *Node) HasReady() bool {
	if n.readyOutstanding {
		return false
	}
	return n.appendPending || n.softState() != n.prevSoft || n.hardState() != n.prevHard || n.installed != nil ||
		len(n.log.unstable()) > 0 || len(n.msgs) > 0 || len(n.earlyMsgs) > 0 ||
		len(n.log.toApply()) > 0 || len(n.readStates) > 0 || len(n.dropped) > 0 ||
		len(n.droppedRead) > 0
}

// Ready returns the pending work and clears the outgoing queues. The driver
// must call Advance with it before asking for the next one.
func (n *Node) Ready() Ready {
	if n.readyOutstanding {
		panic("raft: Ready called again before Advance")
	}
	n.flushAppends()
	n.readyOutstanding = true
	rd := Ready{
		Snapshot:         n.installed,
		Entries:          n.log.unstable(),
		Messages:         n.msgs,
		CommittedEntries: n.log.toApply(),
		ReadStates:       n.readStates,
		DroppedProposals: n.dropped,
		DroppedReads:     n.droppedRead,
	}
	if soft := n.softState(); soft != n.prevSoft {
		rd.SoftState = &soft
		n.prevSoft = soft
	}
	hard := n.hardState()
	if hard != n.prevHard {
		rd.HardState = &hard
	}
	if hard.Term == n.prevHard.Term && hard.Vote == n.prevHard.Vote {
		rd.EarlyMessages = n.earlyMsgs
	} else {
		// A term or vote not yet on disk: nothing may leave before it.
		rd.Messages = append(n.earlyMsgs, n.msgs...)
	}
	n.prevHard = hard
	n.log.applying = n.log.committed
	n.msgs, n.earlyMsgs, n.readStates, n.dropped, n.droppedRead, n.installed = nil, nil, nil, nil, nil, nil
	return rd
}

// Advance tells the core that the driver finished rd: persisted it, sent its
// messages and applied its committed entries.
func (n *Node) Advance(rd Ready) {
	if !n.readyOutstanding {
		panic("raft: Advance without Ready")
	}
	n.readyOutstanding = false
	if len(rd.Entries) > 0 {
		last := rd.Entries[len(rd.Entries)-1]
		n.log.stableTo(last.Index, last.Term)
	}
	if len(rd.CommittedEntries) > 0 {
		if last := rd.CommittedEntries[len(rd.CommittedEntries)-1].Index; last > n.log.applying {
			panic(fmt.Sprintf("raft: applied %d beyond handed out %d", last, n.log.applying))
		}
	}
	n.log.applied = n.log.applying
	if n.role == Leader {
		if pr, ok := n.progress[n.id]; ok && pr.maybeUpdate(n.log.persisted) && n.maybeCommit() {
			n.bcastAppend()
		}
	}
}
