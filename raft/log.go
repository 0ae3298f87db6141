package raft

import "fmt"

// raftLog is a server's log (Raft §5.3): the entries since the last
// compaction point, kept in memory, plus the indexes that say how far they
// are committed, persisted and applied.
//
// Invariants: offset <= snap.Index <= applied <= applying <= committed <=
// lastIndex(), and offset <= persisted <= lastIndex(). Entries up to
// persisted are on the driver's disk; later ones are handed out in Ready.
type raftLog struct {
	// snap is the latest snapshot; the log needs its term to check
	// appends that follow it.
	snap SnapshotMeta
	// offset is the index of the entry just before entries[0]. It equals
	// snap.Index unless Compact kept some entries behind the snapshot.
	offset  uint64
	entries []Entry

	committed uint64
	applying  uint64 // handed out for applying, not yet confirmed
	applied   uint64
	persisted uint64
}

// newLog builds the log from recovered state already checked by
// Config.validate.
func newLog(c *Config) raftLog {
	l := raftLog{snap: c.Snapshot, offset: c.Snapshot.Index}
	for _, e := range c.Entries {
		if e.Index > c.Snapshot.Index {
			l.entries = append(l.entries, e)
		}
	}
	l.persisted = l.lastIndex()
	l.committed = max(c.HardState.Commit, c.Snapshot.Index)
	l.applied = max(c.Applied, c.Snapshot.Index)
	l.applying = l.applied
	return l
}

func (l *raftLog) firstIndex() uint64 { return l.offset + 1 }

func (l *raftLog) lastIndex() uint64 { return l.offset + uint64(len(l.entries)) }

// term returns the term of the entry at index i, and false if the log no
// longer (or does not yet) hold it.
func (l *raftLog) term(i uint64) (uint64, bool) {
	switch {
	case i == l.snap.Index:
		return l.snap.Term, true
	case i > l.offset && i <= l.lastIndex():
		return l.entries[i-l.offset-1].Term, true
	}
	return 0, false
}

// lastTerm is the term of the last entry, which the log always knows.
func (l *raftLog) lastTerm() uint64 {
	t, ok := l.term(l.lastIndex())
	if !ok {
		panic(fmt.Sprintf("raft: term of last index %d unknown (offset %d, snapshot %d)",
			l.lastIndex(), l.offset, l.snap.Index))
	}
	return t
}

func (l *raftLog) matchTerm(i, t uint64) bool {
	lt, ok := l.term(i)
	return ok && lt == t
}

// isUpToDate reports whether a log ending at (index, term) is at least as
// up-to-date as this one (Raft §5.4.1).
func (l *raftLog) isUpToDate(index, term uint64) bool {
	lt := l.lastTerm()
	return term > lt || (term == lt && index >= l.lastIndex())
}

// entry returns the entry at index i, which must be held.
func (l *raftLog) entry(i uint64) Entry {
	if i <= l.offset || i > l.lastIndex() {
		panic(fmt.Sprintf("raft: entry %d outside log (%d, %d]", i, l.offset, l.lastIndex()))
	}
	return l.entries[i-l.offset-1]
}

// slice returns entries from lo on, at most maxCount of them and at most
// maxBytes of data (but always one if any exist), and false if lo has been
// compacted away.
func (l *raftLog) slice(lo uint64, maxCount int, maxBytes uint64) ([]Entry, bool) {
	if lo <= l.offset {
		return nil, false
	}
	if lo > l.lastIndex() {
		return nil, true
	}
	ents := l.entries[lo-l.offset-1:]
	var n int
	var size uint64
	for n < len(ents) && n < maxCount {
		size += uint64(len(ents[n].Data))
		if n > 0 && size > maxBytes {
			break
		}
		n++
	}
	return ents[:n:n], true
}

// append adds entries that follow the last one, as the leader does.
func (l *raftLog) append(ents ...Entry) {
	for _, e := range ents {
		if e.Index != l.lastIndex()+1 {
			panic(fmt.Sprintf("raft: appending entry %d after %d", e.Index, l.lastIndex()))
		}
		l.entries = append(l.entries, e)
	}
}

// findConflict returns the index of the first entry of ents that the log
// does not hold (absent or of another term), or 0 if it holds them all.
func (l *raftLog) findConflict(ents []Entry) uint64 {
	for _, e := range ents {
		if !l.matchTerm(e.Index, e.Term) {
			return e.Index
		}
	}
	return 0
}

// truncateAndAppend replaces the log from ents[0].Index on with ents. It
// never touches a committed entry: that would break Leader Completeness.
func (l *raftLog) truncateAndAppend(ents []Entry) {
	at := ents[0].Index
	if at <= l.committed || at <= l.offset || at > l.lastIndex()+1 {
		panic(fmt.Sprintf("raft: truncating at %d (committed %d, log (%d, %d])",
			at, l.committed, l.offset, l.lastIndex()))
	}
	keep := at - l.offset - 1
	if keep == uint64(len(l.entries)) {
		// A plain append: slices handed out earlier end at len, so
		// writing past it cannot change what they see.
		l.entries = append(l.entries, ents...)
		return
	}
	// A truncation copies, so that entries handed out earlier (in a Ready
	// not yet advanced) are not overwritten in place.
	l.entries = append(l.entries[:keep:keep], ents...)
	l.persisted = min(l.persisted, at-1)
}

// firstIndexOfTerm returns the first index at or below i that holds the same
// term as i, stopping at the oldest held entry.
func (l *raftLog) firstIndexOfTerm(i uint64) uint64 {
	t, _ := l.term(i)
	for i > l.offset+1 {
		if pt, _ := l.term(i - 1); pt != t {
			break
		}
		i--
	}
	return i
}

// lastIndexOfTerm returns the last index at or below upTo that holds term t,
// and false if the held log has no entry of that term there.
func (l *raftLog) lastIndexOfTerm(t, upTo uint64) (uint64, bool) {
	for i := min(upTo, l.lastIndex()); i > l.offset; i-- {
		it := l.entries[i-l.offset-1].Term
		if it == t {
			return i, true
		}
		if it < t {
			break
		}
	}
	return 0, false
}

// commitTo raises the commit index; it never lowers it.
func (l *raftLog) commitTo(i uint64) bool {
	if i <= l.committed {
		return false
	}
	if i > l.lastIndex() {
		panic(fmt.Sprintf("raft: commit %d beyond last index %d", i, l.lastIndex()))
	}
	l.committed = i
	return true
}

// unstable returns the entries not yet persisted.
func (l *raftLog) unstable() []Entry {
	return l.entries[l.persisted-l.offset:]
}

// stableTo records that the driver persisted entries up to (i, t). It
// ignores the report if the entry was replaced meanwhile.
func (l *raftLog) stableTo(i, t uint64) {
	if l.matchTerm(i, t) && i > l.persisted {
		l.persisted = i
	}
}

// toApply returns the committed entries not yet handed out for applying.
func (l *raftLog) toApply() []Entry {
	if l.committed <= l.applying {
		return nil
	}
	lo := l.applying - l.offset
	return l.entries[lo : l.committed-l.offset : l.committed-l.offset]
}

// restore replaces the whole log with a snapshot (Raft §7).
func (l *raftLog) restore(meta SnapshotMeta) {
	l.snap = meta
	l.offset = meta.Index
	l.entries = nil
	l.committed, l.applying, l.applied, l.persisted = meta.Index, meta.Index, meta.Index, meta.Index
}

// compact forgets the entries up to index, remembering snap as the latest
// snapshot.
func (l *raftLog) compact(index uint64, snap SnapshotMeta) {
	if snap.Index > l.snap.Index {
		l.snap = snap
	}
	if index <= l.offset {
		return
	}
	drop := index - l.offset
	l.entries = append([]Entry(nil), l.entries[drop:]...)
	l.offset = index
}
