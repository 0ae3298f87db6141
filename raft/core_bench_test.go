package raft

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// This file measures the core's own CPU cost of replicating and committing
// entries: three cores wired in memory, every Ready handled at once (its
// entries count as persisted the moment Advance is called, its messages are
// delivered straight to Step), no disk, no sockets, no serialisation. What is
// left is the work of the algorithm itself: appending to the log, building
// MsgApp, matching and acknowledging on the followers, tracking progress and
// advancing the commit index on the leader.

// benchEntryBytes is the size of each proposed command.
const benchEntryBytes = 128

// benchCompactEvery is how many applied entries a core keeps before the
// bench driver compacts its log, as a real driver's snapshots would, so that
// memory stays flat however large b.N grows.
const benchCompactEvery = 4096

// benchCluster is a minimal in-memory driver for a few cores: no safety
// bookkeeping, so that the measurement is the core's work and not the
// harness's.
type benchCluster struct {
	ids   []ServerID
	nodes map[ServerID]*Node
	queue []Message
	// delivered counts the messages stepped so far.
	delivered int
}

// newBenchCluster builds n voters and elects s1 by real message exchange.
func newBenchCluster(b *testing.B, n int) *benchCluster {
	c := &benchCluster{ids: testIDs(n), nodes: map[ServerID]*Node{}}
	for _, id := range c.ids {
		c.nodes[id] = newTestNode(b, id, c.ids, 0, nil, nil)
	}
	c.nodes[c.ids[0]].Campaign()
	c.settle(b)
	require.Equal(b, Leader, c.leader().role)
	return c
}

func (c *benchCluster) leader() *Node { return c.nodes[c.ids[0]] }

// settle handles every Ready and delivers every message until the cluster
// is quiet.
func (c *benchCluster) settle(b *testing.B) {
	for {
		busy := false
		for _, id := range c.ids {
			n := c.nodes[id]
			for n.HasReady() {
				busy = true
				rd := n.Ready()
				c.queue = append(c.queue, rd.EarlyMessages...)
				c.queue = append(c.queue, rd.Messages...)
				n.Advance(rd)
			}
		}
		if len(c.queue) == 0 && !busy {
			return
		}
		// Step never queues anything itself, so the queue can be reused
		// once its messages are delivered.
		for _, m := range c.queue {
			if err := c.nodes[m.To].Step(m); err != nil {
				b.Fatalf("step %v: %v", m, err)
			}
		}
		c.delivered += len(c.queue)
		c.queue = c.queue[:0]
	}
}

// compact lets every core forget its applied log once it holds more than
// benchCompactEvery applied entries.
func (c *benchCluster) compact() {
	for _, id := range c.ids {
		n := c.nodes[id]
		if n.log.applied-n.log.offset < benchCompactEvery {
			continue
		}
		meta, ok := n.SnapshotMetaAt(n.log.applied)
		if ok {
			n.Compact(n.log.applied, meta)
		}
	}
}

// BenchmarkCoreAppendCommit proposes b.N 128-byte entries on the leader of
// three in-memory cores, batch proposals between two rounds of Ready
// handling, until all of them are committed on the leader. One op is one
// entry; entries/s is the core's throughput on one CPU with free storage
// and network, msgs/entry the messages the cores exchanged per entry.
func BenchmarkCoreAppendCommit(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			benchAppendCommit(b, batch)
		})
	}
}

func benchAppendCommit(b *testing.B, batch int) {
	c := newBenchCluster(b, 3)
	leader := c.leader()
	cmd := make([]byte, benchEntryBytes)
	var last uint64
	before := c.delivered
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		for k := 0; k < batch && done < b.N; k++ {
			index, _, err := leader.Propose(cmd)
			if err != nil {
				b.Fatalf("propose: %v", err)
			}
			last = index
			done++
		}
		c.settle(b)
		c.compact()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	b.ReportMetric(float64(c.delivered-before)/float64(b.N), "msgs/entry")
	require.Equal(b, Leader, leader.role)
	require.Equal(b, uint64(b.N)+1, last, "b.N proposals after the leader's no-op")
	require.Equal(b, last, leader.log.committed, "the leader committed the last proposal")
	require.Equal(b, last, leader.log.applied, "the leader applied the last proposal")
	for _, id := range c.ids[1:] {
		require.Equal(b, last, c.nodes[id].log.lastIndex(), "follower %s holds every entry", id)
	}
}

// benchAppendMessage is a MsgApp of 64 entries of 128 bytes, the shape of a
// busy leader's replication traffic.
func benchAppendMessage() Message {
	m := Message{Type: MsgApp, From: "s1", To: "s2", Term: 7, LogTerm: 7, Index: 1000, Commit: 990}
	for i := range 64 {
		data := make([]byte, benchEntryBytes)
		data[0] = byte(i)
		m.Entries = append(m.Entries, Entry{Index: m.Index + 1 + uint64(i), Term: 7, Type: EntryCommand, Data: data})
	}
	return m
}

// BenchmarkMessageCodecAppend64 encodes and decodes a MsgApp carrying 64
// entries of 128 bytes; one op is one encode plus one decode.
func BenchmarkMessageCodecAppend64(b *testing.B) {
	m := benchAppendMessage()
	enc, err := m.MarshalBinary()
	require.NoError(b, err)
	var got Message
	require.NoError(b, got.UnmarshalBinary(enc))
	require.Equal(b, m, got)
	b.ReportAllocs()
	for b.Loop() {
		enc, err := m.MarshalBinary()
		if err != nil {
			b.Fatal(err)
		}
		var out Message
		if err := out.UnmarshalBinary(enc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(enc)), "bytes/msg")
}
