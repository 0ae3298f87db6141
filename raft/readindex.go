package raft

import "encoding/binary"

// ReadState is the answer to a ReadIndex request: once the driver has
// applied up to Index, a read of the state machine reflects every write
// committed before the request (thesis §6.4).
type ReadState struct {
	Index   uint64
	Context []byte
}

// DroppedRead is a ReadIndex request that failed, with the reason.
type DroppedRead struct {
	Context []byte
	Err     error
}

// readRequest is a read waiting for a quorum to confirm the leadership.
type readRequest struct {
	seq   uint64
	index uint64
	ctx   []byte
	acks  map[ServerID]bool
}

// readIndexState holds the reads a leader has not answered yet.
type readIndexState struct {
	seq     uint64
	pending []readRequest
	// waiting holds reads that arrived before the leader committed an
	// entry of its term: until then its commit index may be behind.
	waiting [][]byte
}

// latestContext is the heartbeat context that confirms every pending read,
// or nil if none is pending.
func (s *readIndexState) latestContext() []byte {
	if len(s.pending) == 0 {
		return nil
	}
	return binary.BigEndian.AppendUint64(nil, s.pending[len(s.pending)-1].seq)
}

// ReadIndex asks for a linearizable read point (thesis §6.4). The leader
// records its commit index, confirms with a round of heartbeats that a quorum
// still follows it, and then hands out a ReadState carrying ctx in Ready. A
// leader that has not yet committed an entry of its term waits for that
// first. On a non-leader it returns ErrNotLeader. If leadership is lost
// first, the read comes back in Ready.DroppedReads.
func (n *Node) ReadIndex(ctx []byte) error {
	if n.role != Leader {
		return ErrNotLeader
	}
	if t, _ := n.log.term(n.log.committed); t != n.term {
		n.reads.waiting = append(n.reads.waiting, ctx)
		return nil
	}
	n.startReads([][]byte{ctx})
	return nil
}

// startReads registers reads at the current commit index and sends one
// heartbeat round to confirm them all.
func (n *Node) startReads(ctxs [][]byte) {
	for _, ctx := range ctxs {
		n.reads.seq++
		n.reads.pending = append(n.reads.pending, readRequest{seq: n.reads.seq,
			index: n.log.committed, ctx: ctx, acks: map[ServerID]bool{n.id: true}})
	}
	if !n.releaseConfirmedReads() {
		n.bcastHeartbeat(n.reads.latestContext())
	}
}

// releaseWaitingReads starts the reads that waited for the first commit of
// the leader's term.
func (n *Node) releaseWaitingReads() {
	if len(n.reads.waiting) == 0 {
		return
	}
	if t, _ := n.log.term(n.log.committed); t != n.term {
		return
	}
	waiting := n.reads.waiting
	n.reads.waiting = nil
	n.startReads(waiting)
}

// handleReadAck counts a heartbeat answer towards every read registered
// before the heartbeat was sent, that is every read up to its sequence.
func (n *Node) handleReadAck(m *Message) {
	if len(m.Context) != 8 || len(n.reads.pending) == 0 {
		return
	}
	seq := binary.BigEndian.Uint64(m.Context)
	for _, r := range n.reads.pending {
		if r.seq <= seq {
			r.acks[m.From] = true
		}
	}
	n.releaseConfirmedReads()
}

// releaseConfirmedReads answers every read up to the latest one a quorum
// has confirmed, and reports whether none is left pending.
func (n *Node) releaseConfirmedReads() bool {
	ids := voters(n.conf)
	last := -1
	for i, r := range n.reads.pending {
		if tallyVotes(ids, r.acks) == voteWon {
			last = i
		}
	}
	for _, r := range n.reads.pending[:last+1] {
		n.readStates = append(n.readStates, ReadState{Index: r.index, Context: r.ctx})
	}
	n.reads.pending = n.reads.pending[last+1:]
	return len(n.reads.pending) == 0
}

// dropPendingReads fails every unanswered read when leadership is lost.
func (n *Node) dropPendingReads() {
	for _, r := range n.reads.pending {
		n.droppedRead = append(n.droppedRead, DroppedRead{Context: r.ctx, Err: ErrLeadershipLost})
	}
	for _, ctx := range n.reads.waiting {
		n.droppedRead = append(n.droppedRead, DroppedRead{Context: ctx, Err: ErrLeadershipLost})
	}
	n.reads = readIndexState{seq: n.reads.seq}
}
