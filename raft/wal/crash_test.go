package wal

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
)

// simDisk is one simulated host whose node does nothing: the test drives
// the WAL on the host's disk directly and crashes the host at will.
type simDisk struct {
	sim *netsim.Sim
	env netsim.Env
}

func newSimDisk(seed uint64, torn float64) *simDisk {
	s := &simDisk{sim: netsim.New(seed, netsim.Options{})}
	s.sim.AddHost("a", "dc1", func(e netsim.Env) { s.env = e })
	s.sim.SetDiskFaults("a", netsim.DiskFaults{TornWrite: torn})
	s.sim.RunFor(0)
	return s
}

func (s *simDisk) disk() netsim.Disk { return s.env.Disk() }

// crash crashes and restarts the host on what survived of its disk.
func (s *simDisk) crash() {
	s.sim.Restart("a", true)
	s.sim.RunFor(0)
}

// crashModel is what the test knows the WAL was told: the log as the node
// sees it, every state the log passed through since the last Sync (a
// segment roll syncs on its own, so any of them may be what survives), and
// the hard states and snapshots that may be durable. Several candidates
// exist while an operation is cut short by a crash.
type crashModel struct {
	now      []raft.Entry   // entries by index-1; entries up to snap may be stale
	states   [][]raft.Entry // the log after the last Sync and after each Append since
	hs       raft.HardState
	hsCand   []raft.HardState // hard states that may be the durable one
	snap     uint64
	snapCand []uint64 // snapshot indexes that may be the newest durable one
	term     uint64
}

func newCrashModel() *crashModel {
	m := &crashModel{term: 1, snapCand: []uint64{0}}
	m.synced()
	return m
}

// synced records that everything the node sees is durable.
func (m *crashModel) synced() {
	m.states = [][]raft.Entry{append([]raft.Entry(nil), m.now...)}
	m.hsCand = []raft.HardState{m.hs}
}

// check compares a recovered state with the model: the term, vote and
// snapshot are durable candidates; the recovered log is a prefix of one of
// the states the log passed through since the last Sync; and it keeps every
// entry that was synced and never replaced since.
func (m *crashModel) check(t *testing.T, st State) {
	t.Helper()
	require.True(t, slices.ContainsFunc(m.hsCand, func(hs raft.HardState) bool {
		return hs.Term == st.HardState.Term && hs.Vote == st.HardState.Vote
	}), "recovered term %d vote %q was never durable", st.HardState.Term, st.HardState.Vote)
	require.Contains(t, m.snapCand, st.Snapshot.Index)
	snap := st.Snapshot.Index
	synced := m.states[0]
	required := uint64(len(synced))
	for _, s := range m.states[1:] {
		required = min(required, commonPrefix(synced, s))
	}
	last := snap + uint64(len(st.Entries))
	require.GreaterOrEqual(t, last, required, "synced entries up to %d must survive", required)
	recovered := append(append([]raft.Entry(nil), m.now[:snap]...), st.Entries...)
	for _, s := range m.states {
		if uint64(len(s)) >= last && commonPrefix(recovered, s) == last {
			return
		}
	}
	t.Fatalf("recovered log 1..%d is not a prefix of any state since the last sync", last)
}

// restart makes the model continue from a recovered state, as a node does.
func (m *crashModel) restart(st State) {
	m.snap = st.Snapshot.Index
	m.snapCand = []uint64{m.snap}
	m.now = append(m.now[:m.snap:m.snap], st.Entries...)
	m.hs = raft.HardState{Term: st.HardState.Term, Vote: st.HardState.Vote}
	m.synced()
}

func commonPrefix(a, b []raft.Entry) uint64 {
	n := 0
	for n < min(len(a), len(b)) && entryEqual(a[n], b[n]) {
		n++
	}
	return uint64(n)
}

func entryEqual(a, b raft.Entry) bool {
	return a.Index == b.Index && a.Term == b.Term && a.Type == b.Type && string(a.Data) == string(b.Data)
}

// step performs one random operation of a Raft server's storage: append a
// batch, replace a suffix, sync, change term and vote, or snapshot. It
// returns the WAL's error, which only a crashing disk causes.
func (m *crashModel) step(r *rand.Rand, w *WAL) error {
	switch op := r.IntN(10); {
	case op < 4:
		next := uint64(len(m.now)) + 1
		return m.append(w, entries(next, next+uint64(r.IntN(12)), m.term))
	case op < 5 && uint64(len(m.now)) > m.snap:
		m.term++
		from := m.snap + 1 + uint64(r.IntN(len(m.now)-int(m.snap)))
		return m.append(w, entries(from, from+uint64(r.IntN(5)), m.term))
	case op < 8:
		m.hsCand = append(m.hsCand, m.hs)
		if err := w.Sync(); err != nil {
			return err
		}
		m.synced()
	case op < 9:
		m.term++
		m.hs = raft.HardState{Term: m.term, Vote: raft.ServerID(fmt.Sprintf("s%d", r.IntN(3)))}
		return w.Save(m.hs, nil)
	case len(m.states) == 1 && uint64(len(m.now)) > m.snap:
		// Snapshot at a synced index that every later step leaves alone.
		m.snap = uint64(len(m.now))
		m.snapCand = append(m.snapCand, m.snap)
		m.hsCand = append(m.hsCand, m.hs) // Compact persists the newest hard state
		e := m.now[m.snap-1]
		if err := w.SaveSnapshot(raft.SnapshotMeta{Index: e.Index, Term: e.Term}, snapData("fsm")); err != nil {
			return err
		}
		m.snapCand = []uint64{m.snap}
		m.hsCand = []raft.HardState{m.hs}
	}
	return nil
}

// append appends es; the new state counts as reached even if the WAL
// fails halfway, since part of it may be on disk.
func (m *crashModel) append(w *WAL, es []raft.Entry) error {
	m.now = append(m.now[:es[0].Index-1:es[0].Index-1], es...)
	m.states = append(m.states, m.now)
	return w.Append(es)
}

var crashOpts = []Option{WithSegmentBytes(400), WithTrailingEntries(8)}

func TestCrashesWithTornWritesLoseOnlyUnsyncedData(t *testing.T) {
	seeds := 200
	if testing.Short() {
		seeds = 20
	}
	core, logs := observer.New(zap.WarnLevel)
	logger := zap.New(core)
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		sd := newSimDisk(seed, 0.7)
		r := rand.New(rand.NewPCG(seed, 99))
		m := newCrashModel()
		w, st, err := Open(sd.disk(), "raft", nil, crashOpts...)
		require.NoError(t, err)
		m.check(t, st)
		for crash := 0; crash < 5; crash++ {
			for range 5 + r.IntN(30) {
				require.NoError(t, m.step(r, w))
			}
			sd.crash()
			w, st, err = Open(sd.disk(), "raft", logger, crashOpts...)
			require.NoError(t, err, "seed %d crash %d", seed, crash)
			m.check(t, st)
			m.restart(st)
		}
	}
	// The sweep has teeth only if crashes did tear records.
	require.NotZero(t, logs.FilterMessage("wal: cutting a torn tail off the last segment").Len())
}

func TestCrashAtAnyDiskOperationLosesOnlyUnsyncedData(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 20
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		sd := newSimDisk(seed, 0.5)
		r := rand.New(rand.NewPCG(seed, 7))
		m := newCrashModel()
		for crash := 0; crash < 8; crash++ {
			// The process dies at the opsLeft+1-th mutating disk operation,
			// possibly inside Open itself.
			cd := &crashingDisk{Disk: sd.disk(), opsLeft: r.IntN(80)}
			w, st, err := Open(cd, "raft", nil, crashOpts...)
			if err == nil {
				m.check(t, st)
				m.restart(st)
				for err == nil {
					err = m.step(r, w)
				}
			}
			require.ErrorIs(t, err, errCrashed, "seed %d crash %d", seed, crash)
			sd.crash()
		}
		w, st, err := Open(sd.disk(), "raft", nil, crashOpts...)
		require.NoError(t, err, "seed %d", seed)
		m.check(t, st)
		require.NoError(t, w.Close())
	}
}

func TestFlippedBitInASyncedSegmentIsDetected(t *testing.T) {
	seeds := 100
	if testing.Short() {
		seeds = 10
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		sd := newSimDisk(seed, 0)
		want := entries(1, 30, 1)
		writeLog(t, sd.disk(), want)
		require.NoError(t, sd.sim.FlipBit("a", "raft/log/"+segmentName(1)))
		sd.crash()
		_, st, err := Open(sd.disk(), "raft", nil)
		if err != nil {
			require.ErrorIs(t, err, ErrCorrupt, "seed %d", seed)
			continue
		}
		// The one undetectable case: damage to the very last record looks
		// like a torn write and is cut. Nothing else may change.
		require.Equal(t, want[:29], st.Entries, "seed %d", seed)
	}
}

func TestFlippedBitInTheHardStateStopsOpen(t *testing.T) {
	sd := newSimDisk(1, 0)
	w, _ := mustOpen(t, sd.disk())
	require.NoError(t, w.Save(raft.HardState{Term: 4, Vote: "s1"}, nil))
	require.NoError(t, w.Close())
	require.NoError(t, sd.sim.FlipBit("a", "raft/hardstate"))
	sd.crash()
	_, _, err := Open(sd.disk(), "raft", nil)
	require.ErrorIs(t, err, ErrCorrupt)
}

func TestFlippedBitInTheNewestSnapshotFallsBackToTheOlder(t *testing.T) {
	sd := newSimDisk(3, 0)
	w, _ := mustOpen(t, sd.disk(), WithTrailingEntries(100))
	require.NoError(t, w.Append(entries(1, 20, 1)))
	require.NoError(t, w.Sync())
	require.NoError(t, w.SaveSnapshot(raft.SnapshotMeta{Index: 10, Term: 1}, snapData("at 10")))
	require.NoError(t, w.SaveSnapshot(raft.SnapshotMeta{Index: 15, Term: 1}, snapData("at 15")))
	require.NoError(t, w.Close())
	require.NoError(t, sd.sim.FlipBit("a", "raft/snapshots/"+snapshotName(raft.SnapshotMeta{Index: 15, Term: 1})))
	sd.crash()
	_, st, err := Open(sd.disk(), "raft", nil, WithTrailingEntries(100))
	require.NoError(t, err)
	require.Equal(t, uint64(10), st.Snapshot.Index)
	require.Equal(t, entries(11, 20, 1), st.Entries)
}
