package raft

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// This file holds a small deterministic in-memory cluster for tests: each
// server's durable state lives in a testServer, messages wait in one FIFO
// queue, and links can be cut or made lossy. It is not netsim: it only knows
// Raft.

// testServer is one server: its core plus what a driver would keep on disk
// and in its state machine.
type testServer struct {
	id   ServerID
	node *Node
	down bool

	hard    HardState
	snap    SnapshotMeta
	snapSM  []Entry // state machine contents as of snap
	entries []Entry // durable log after snap

	// applied is the state machine: every command applied, in order.
	applied      []Entry
	appliedIndex uint64

	reads        []ReadState
	dropped      []DroppedProposal
	droppedReads []DroppedRead
}

// cluster is the harness network.
type cluster struct {
	t       testing.TB
	rand    *rand.Rand
	ids     []ServerID
	servers map[ServerID]*testServer
	queue   []Message
	cut     map[[2]ServerID]bool
	// dropPct is the percentage of messages lost at random.
	dropPct int
	// shuffle delivers queued messages in random order.
	shuffle bool
	// delayPct and dupPct are the percentages of messages held back for
	// later ticks and delivered twice (the copy later).
	delayPct, dupPct int
	delayed          []Message
	// checkCompleteness checks every new leader's log against what has
	// been applied anywhere.
	checkCompleteness bool
	// configure adjusts each server's Config before New.
	configure func(*Config)
	// leaders records who led each term, to check Election Safety.
	leaders map[uint64]ServerID
	// committed records every applied entry by index, to check State
	// Machine Safety across servers.
	committed map[uint64]Entry
	// readFloor maps a ReadIndex context to the highest index applied
	// anywhere when the read was issued.
	readFloor map[string]uint64
	// snapshots maps a snapshot index to the state machine at it, the
	// same on every server (State Machine Safety).
	snapshots map[uint64][]Entry
	// trace, if set, sees every delivered message.
	trace func(Message)
}

func testIDs(n int) []ServerID {
	ids := make([]ServerID, n)
	for i := range ids {
		ids[i] = ServerID(fmt.Sprintf("s%d", i+1))
	}
	return ids
}

func votersConfig(ids ...ServerID) Configuration {
	var c Configuration
	for _, id := range ids {
		c.Servers = append(c.Servers, Server{ID: id, Address: string(id) + ":8300", Suffrage: Voter})
	}
	return c
}

// newCluster starts n bootstrapped voters s1..sn.
func newCluster(t testing.TB, n int, seed uint64, configure func(*Config)) *cluster {
	c := newEmptyCluster(t, seed, configure)
	ids := testIDs(n)
	for _, id := range ids {
		c.addServer(id)
	}
	for _, id := range ids {
		require.NoError(t, c.servers[id].node.Bootstrap(votersConfig(ids...)))
		c.process(id)
	}
	return c
}

func newEmptyCluster(t testing.TB, seed uint64, configure func(*Config)) *cluster {
	return &cluster{t: t, rand: rand.New(rand.NewPCG(seed, 0x5eed)), servers: map[ServerID]*testServer{},
		cut: map[[2]ServerID]bool{}, configure: configure,
		leaders: map[uint64]ServerID{}, committed: map[uint64]Entry{},
		readFloor: map[string]uint64{}, snapshots: map[uint64][]Entry{}}
}

// addServer starts a fresh server with no configuration.
func (c *cluster) addServer(id ServerID) *testServer {
	s := &testServer{id: id}
	c.servers[id] = s
	c.ids = append(c.ids, id)
	slices.Sort(c.ids)
	c.start(s)
	return s
}

// start builds the server's core from its durable state, as after a crash.
func (c *cluster) start(s *testServer) {
	cfg := DefaultConfig(s.id, rand.New(rand.NewPCG(c.rand.Uint64(), uint64(len(s.id)))))
	cfg.HardState, cfg.Snapshot, cfg.Entries = s.hard, s.snap, slices.Clone(s.entries)
	if c.configure != nil {
		c.configure(&cfg)
	}
	n, err := New(cfg)
	require.NoError(c.t, err)
	s.node = n
	s.down = false
	s.applied = slices.Clone(s.snapSM)
	s.appliedIndex = s.snap.Index
}

// crash stops a server; its durable state survives.
func (c *cluster) crash(id ServerID) { c.servers[id].down = true }

// restart boots a crashed server from its durable state.
func (c *cluster) restart(id ServerID) { c.start(c.servers[id]) }

// process runs the driver loop on one server until it has nothing ready.
func (c *cluster) process(id ServerID) {
	s := c.servers[id]
	for !s.down && s.node.HasReady() {
		rd := s.node.Ready()
		c.handleReady(s, rd)
		s.node.Advance(rd)
	}
}

func (c *cluster) handleReady(s *testServer, rd Ready) {
	if rd.SoftState != nil && rd.SoftState.Role == Leader {
		term := s.node.term
		if prev, ok := c.leaders[term]; ok && prev != s.id {
			c.t.Fatalf("election safety: %s and %s both lead term %d", prev, s.id, term)
		}
		c.leaders[term] = s.id
		if c.checkCompleteness {
			c.checkLeaderCompleteness(s)
		}
	}
	c.queue = append(c.queue, rd.EarlyMessages...)
	if rd.Snapshot != nil {
		s.snap = *rd.Snapshot
		// A driver keeps received snapshot data by its meta: several
		// MsgSnap may have been stepped since the last Ready.
		s.snapSM = slices.Clone(c.snapshots[rd.Snapshot.Index])
		s.entries = nil
		s.applied = slices.Clone(s.snapSM)
		s.appliedIndex = rd.Snapshot.Index
	}
	if rd.HardState != nil {
		s.hard = *rd.HardState
	}
	if len(rd.Entries) > 0 {
		first := rd.Entries[0].Index
		keep := 0
		for keep < len(s.entries) && s.entries[keep].Index < first {
			keep++
		}
		s.entries = append(s.entries[:keep:keep], rd.Entries...)
	}
	c.queue = append(c.queue, rd.Messages...)
	for _, e := range rd.CommittedEntries {
		c.apply(s, e)
	}
	for _, rs := range rd.ReadStates {
		if floor, ok := c.readFloor[string(rs.Context)]; ok && rs.Index < floor {
			c.t.Fatalf("read index %d for %q is below applied index %d", rs.Index, rs.Context, floor)
		}
	}
	s.reads = append(s.reads, rd.ReadStates...)
	s.dropped = append(s.dropped, rd.DroppedProposals...)
	s.droppedReads = append(s.droppedReads, rd.DroppedReads...)
}

// apply applies one committed entry and checks State Machine Safety: no two
// servers apply different entries at the same index.
func (c *cluster) apply(s *testServer, e Entry) {
	if e.Index != s.appliedIndex+1 {
		c.t.Fatalf("%s applies %d after %d", s.id, e.Index, s.appliedIndex)
	}
	s.appliedIndex = e.Index
	if prev, ok := c.committed[e.Index]; ok {
		if prev.Term != e.Term || string(prev.Data) != string(e.Data) {
			c.t.Fatalf("state machine safety: index %d applied as %d/%q and %d/%q",
				e.Index, prev.Term, prev.Data, e.Term, e.Data)
		}
	} else {
		c.committed[e.Index] = e
	}
	if e.Type == EntryCommand {
		s.applied = append(s.applied, e)
	}
}

// deliverOne delivers the oldest queued message, unless its link is cut,
// its receiver is down, or it is lost at random.
func (c *cluster) deliverOne() {
	i := 0
	if c.shuffle {
		i = c.rand.IntN(len(c.queue))
	}
	m := c.queue[i]
	c.queue = append(c.queue[:i], c.queue[i+1:]...)
	from, to := c.servers[m.From], c.servers[m.To]
	lost := to == nil || to.down || from.down || c.cut[[2]ServerID{m.From, m.To}] ||
		(c.dropPct > 0 && c.rand.IntN(100) < c.dropPct)
	if lost {
		if m.Type == MsgSnap && !from.down {
			// The sending driver sees its snapshot stream fail.
			from.node.ReportSnapshot(m.To, false)
		}
		return
	}
	if c.delayPct > 0 && c.rand.IntN(100) < c.delayPct {
		c.delayed = append(c.delayed, m)
		return
	}
	if c.dupPct > 0 && c.rand.IntN(100) < c.dupPct && m.Type != MsgSnap {
		c.delayed = append(c.delayed, m)
	}
	if m.Type == MsgSnap {
		from.node.ReportSnapshot(m.To, true)
	}
	// Round-trip through the codec, as a real transport would.
	b, err := m.MarshalBinary()
	require.NoError(c.t, err)
	var got Message
	require.NoError(c.t, got.UnmarshalBinary(b))
	if c.trace != nil {
		c.trace(got)
	}
	require.NoError(c.t, to.node.Step(got))
}

// stabilize processes and delivers until no message is left (bounded).
func (c *cluster) stabilize() {
	for range 100000 {
		for _, id := range c.ids {
			c.process(id)
		}
		if len(c.queue) == 0 {
			return
		}
		for len(c.queue) > 0 {
			c.deliverOne()
		}
	}
	c.t.Fatal("cluster did not stabilize")
}

// tick advances every live server by one tick and stabilizes.
func (c *cluster) tick(n int) {
	for range n {
		c.releaseDelayed()
		for _, id := range c.ids {
			if s := c.servers[id]; !s.down {
				s.node.Tick()
			}
		}
		c.stabilize()
	}
}

// saveSnapshot records a snapshot of server s's state machine.
func (c *cluster) saveSnapshot(s *testServer, meta SnapshotMeta) {
	s.snap, s.snapSM = meta, slices.Clone(s.applied)
	c.snapshots[meta.Index] = s.snapSM
}

// releaseDelayed puts about half of the held-back messages back in the
// queue.
func (c *cluster) releaseDelayed() {
	kept := c.delayed[:0]
	for _, m := range c.delayed {
		if c.rand.IntN(2) == 0 {
			c.queue = append(c.queue, m)
		} else {
			kept = append(kept, m)
		}
	}
	c.delayed = kept
}

// isolate cuts every link to and from id.
func (c *cluster) isolate(id ServerID) {
	for _, other := range c.ids {
		c.cut[[2]ServerID{id, other}] = true
		c.cut[[2]ServerID{other, id}] = true
	}
}

// heal restores every link.
func (c *cluster) heal() { c.cut = map[[2]ServerID]bool{} }

// leader returns the live server that believes it leads the highest term.
func (c *cluster) leader() ServerID {
	var lead ServerID
	var term uint64
	for _, id := range c.ids {
		s := c.servers[id]
		if !s.down && s.node.role == Leader && s.node.term >= term {
			lead, term = id, s.node.term
		}
	}
	return lead
}

// follower returns the first server in ID order other than lead.
func (c *cluster) follower(lead ServerID) ServerID {
	for _, id := range c.ids {
		if id != lead {
			return id
		}
	}
	c.t.Fatal("no follower")
	return ""
}

// elect campaigns on id and stabilizes, requiring it to win.
func (c *cluster) elect(id ServerID) {
	c.servers[id].node.Campaign()
	c.stabilize()
	require.Equal(c.t, Leader, c.servers[id].node.role, "%s should have won", id)
}

// waitLeader ticks until some live server leads, bounded.
func (c *cluster) waitLeader(maxTicks int) ServerID {
	for range maxTicks {
		if l := c.leader(); l != "" && c.servers[l].node.lead == l {
			return l
		}
		c.tick(1)
	}
	return c.leader()
}

// propose proposes cmd on the leader and stabilizes.
func (c *cluster) propose(lead ServerID, cmd string) (uint64, uint64) {
	idx, term, err := c.servers[lead].node.Propose([]byte(cmd))
	require.NoError(c.t, err)
	c.stabilize()
	return idx, term
}

// appliedData lists a server's applied commands.
func (c *cluster) appliedData(id ServerID) []string {
	var out []string
	for _, e := range c.servers[id].applied {
		out = append(out, string(e.Data))
	}
	return out
}

// checkLogMatching verifies the Log Matching property on durable logs: if
// two logs hold an entry with the same index and term, they are identical up
// to it.
func (c *cluster) checkLogMatching() {
	for i, a := range c.ids {
		for _, b := range c.ids[i+1:] {
			la, lb := c.servers[a].entries, c.servers[b].entries
			byIndex := map[uint64]Entry{}
			for _, e := range lb {
				byIndex[e.Index] = e
			}
			matched := false
			for k := len(la) - 1; k >= 0; k-- {
				e := la[k]
				o, ok := byIndex[e.Index]
				if !ok {
					continue
				}
				if o.Term == e.Term {
					matched = true
				}
				if matched && (o.Term != e.Term || string(o.Data) != string(e.Data)) {
					c.t.Fatalf("log matching: %s and %s differ at %d below a matching entry", a, b, e.Index)
				}
			}
		}
	}
}

// checkLeaderCompleteness verifies Raft §5.4's Leader Completeness: a new
// leader's log holds every entry applied anywhere (unless compacted).
func (c *cluster) checkLeaderCompleteness(s *testServer) {
	l := &s.node.log
	for idx, e := range c.committed {
		if idx <= l.offset {
			continue
		}
		if idx > l.lastIndex() || l.entry(idx).Term != e.Term {
			c.t.Fatalf("leader completeness: leader %s of term %d lacks applied entry %d/%d",
				s.id, s.node.term, idx, e.Term)
		}
	}
}
