package raft

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// newTestNode builds a single core whose configuration of voters peers
// comes from a zero-index snapshot, with an optional log of the given
// terms, at the given current term. PreVote and CheckQuorum are off unless
// configure turns them on, so each test sees the plain Raft of the paper.
func newTestNode(t testing.TB, id ServerID, peers []ServerID, term uint64, logTerms []uint64,
	configure func(*Config)) *Node {
	cfg := DefaultConfig(id, rand.New(rand.NewPCG(7, uint64(len(id)))))
	cfg.PreVote, cfg.CheckQuorum = false, false
	cfg.Snapshot = SnapshotMeta{Config: votersConfig(peers...)}
	cfg.HardState = HardState{Term: term}
	for i, lt := range logTerms {
		cfg.Entries = append(cfg.Entries, Entry{Index: uint64(i + 1), Term: lt, Data: []byte{byte(i)}})
	}
	if configure != nil {
		configure(&cfg)
	}
	n, err := New(cfg)
	require.NoError(t, err)
	return n
}

// drain takes and completes one Ready round (persisting everything) and
// returns all messages it carried.
func drain(n *Node) []Message {
	var out []Message
	for n.HasReady() {
		rd := n.Ready()
		out = append(out, rd.EarlyMessages...)
		out = append(out, rd.Messages...)
		n.Advance(rd)
	}
	return out
}

// ofType filters messages by type.
func ofType(ms []Message, t MessageType) []Message {
	var out []Message
	for _, m := range ms {
		if m.Type == t {
			out = append(out, m)
		}
	}
	return out
}

// makeLeader elects n (with votes from every peer) and drains its output.
func makeLeader(t testing.TB, n *Node) {
	n.Campaign()
	if n.role == PreCandidate {
		for _, id := range voters(n.conf) {
			if id != n.id {
				require.NoError(t, n.Step(Message{Type: MsgPreVoteResp, From: id, To: n.id, Term: n.term + 1}))
			}
		}
	}
	for _, id := range voters(n.conf) {
		if id != n.id && n.role == Candidate {
			require.NoError(t, n.Step(Message{Type: MsgVoteResp, From: id, To: n.id, Term: n.term}))
		}
	}
	require.Equal(t, Leader, n.role)
	drain(n)
}

// acceptAppend makes follower from acknowledge everything the leader holds.
func acceptAppend(t testing.TB, n *Node, from ServerID) {
	require.NoError(t, n.Step(Message{Type: MsgAppResp, From: from, To: n.id, Term: n.term,
		Index: n.log.lastIndex()}))
}

func entryTerms(n *Node) []uint64 {
	var out []uint64
	for i := n.log.firstIndex(); i <= n.log.lastIndex(); i++ {
		out = append(out, n.log.entry(i).Term)
	}
	return out
}
