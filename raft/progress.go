package raft

import "fmt"

// ProgressState is how a leader currently replicates to one follower.
type ProgressState uint8

const (
	// StateProbe: the leader does not know where the follower's log
	// matches its own, so it sends one append at a time and waits for the
	// answer (Raft §5.3, "decrements nextIndex and retries").
	StateProbe ProgressState = iota
	// StateReplicate: the logs match up to Match, so the leader streams
	// appends without waiting, up to MaxInflightMsgs unacknowledged ones.
	StateReplicate
	// StateSnapshot: the follower needs entries the leader has compacted;
	// the leader waits while the drivers transfer a snapshot.
	StateSnapshot
)

// String names the state.
func (s ProgressState) String() string {
	switch s {
	case StateProbe:
		return "probe"
	case StateReplicate:
		return "replicate"
	case StateSnapshot:
		return "snapshot"
	}
	return fmt.Sprintf("ProgressState(%d)", uint8(s))
}

// progress is the leader's view of one server's log (Raft Figure 2,
// "volatile state on leaders": nextIndex and matchIndex), plus the flow
// control of etcd's tracker.Progress. design.md draws its state diagram.
type progress struct {
	match, next uint64
	state       ProgressState
	// pendingSnapshot is the index of the snapshot being sent.
	pendingSnapshot uint64
	// probeSent pauses a probing follower until it answers.
	probeSent bool
	// recentActive says the follower was heard from during the current
	// check-quorum period.
	recentActive bool
	// inflight holds the last index of each unacknowledged append, oldest
	// first, while replicating.
	inflight []uint64
}

func (p *progress) resetState(s ProgressState) {
	p.state = s
	p.probeSent = false
	p.pendingSnapshot = 0
	p.inflight = p.inflight[:0]
}

func (p *progress) becomeProbe() {
	if p.state == StateSnapshot {
		pending := p.pendingSnapshot
		p.resetState(StateProbe)
		p.next = max(p.match+1, pending+1)
		return
	}
	p.resetState(StateProbe)
	p.next = p.match + 1
}

func (p *progress) becomeReplicate() {
	p.resetState(StateReplicate)
	p.next = p.match + 1
}

func (p *progress) becomeSnapshot(index uint64) {
	p.resetState(StateSnapshot)
	p.pendingSnapshot = index
}

// paused reports whether the leader must not send appends now.
func (p *progress) paused(maxInflight int) bool {
	switch p.state {
	case StateProbe:
		return p.probeSent
	case StateReplicate:
		return len(p.inflight) >= maxInflight
	}
	return true
}

// sentEntries records an append whose last entry is last.
func (p *progress) sentEntries(last uint64, count int) {
	switch p.state {
	case StateReplicate:
		if count > 0 {
			p.next = last + 1
			p.inflight = append(p.inflight, last)
		}
	case StateProbe:
		p.probeSent = true
	}
}

// maybeUpdate records an acknowledgement up to index and reports whether it
// told the leader something new.
func (p *progress) maybeUpdate(index uint64) bool {
	updated := index > p.match
	if updated {
		p.match = index
		p.probeSent = false
	}
	p.next = max(p.next, index+1)
	p.freeInflight(index)
	return updated
}

// freeInflight forgets the appends acknowledged by an answer up to index.
func (p *progress) freeInflight(index uint64) {
	n := 0
	for n < len(p.inflight) && p.inflight[n] <= index {
		n++
	}
	p.inflight = append(p.inflight[:0], p.inflight[n:]...)
}

// maybeDecrTo handles a rejection of the append at index rejected, moving
// next back to hint at most, and reports whether the rejection was current
// (not an answer to an append that was superseded).
func (p *progress) maybeDecrTo(rejected, hint uint64) bool {
	if p.state == StateReplicate {
		if rejected <= p.match {
			return false
		}
		p.becomeProbe()
		return true
	}
	if p.next-1 != rejected {
		return false
	}
	p.next = max(min(rejected, hint), p.match+1, 1)
	p.probeSent = false
	return true
}
