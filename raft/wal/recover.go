package wal

import (
	"fmt"
	"path"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/raft"
)

// loadedSegment is one segment as recovery read it.
type loadedSegment struct {
	seg     *segment
	entries []raft.Entry
}

// recover rebuilds the WAL's state from its directory; see doc.go for the
// algorithm.
func (w *WAL) recover() (State, error) {
	if err := removeTemps(w.disk, w.logger, w.dir); err != nil {
		return State{}, err
	}
	hs, err := readHardState(w.disk, w.dir)
	if err != nil {
		return State{}, err
	}
	snap, err := w.snaps.latestMeta()
	if err != nil {
		return State{}, err
	}
	loaded, err := w.loadSegments()
	if err != nil {
		return State{}, err
	}
	kept, stale, err := reconcile(loaded, snap, w.logDir)
	if err != nil {
		return State{}, err
	}
	if len(stale) > 0 {
		w.logger.Warn("wal: removing segments the snapshot makes obsolete",
			zap.Int("segments", len(stale)), zap.Uint64("snapshotIndex", snap.Index))
		if err := w.removeSegments(segmentsOf(stale)); err != nil {
			return State{}, err
		}
	}
	if err := w.openTail(kept, snap.Index+1); err != nil {
		return State{}, err
	}
	var entries []raft.Entry
	for _, l := range kept {
		for _, e := range l.entries {
			if e.Index > snap.Index {
				entries = append(entries, e)
			}
		}
	}
	w.hsDurable = hs
	hs.Commit = max(hs.Commit, snap.Index)
	if last := w.NextIndex() - 1; hs.Commit > last {
		w.logger.Warn("wal: commit index beyond the recovered log, lowered",
			zap.Uint64("commit", hs.Commit), zap.Uint64("lastIndex", last))
		hs.Commit = last
	}
	w.hs = hs
	return State{HardState: hs, Snapshot: snap, Entries: entries}, nil
}

// openTail installs the kept segments and opens the last one for appending,
// or starts an empty segment at next when none is left.
func (w *WAL) openTail(kept []loadedSegment, next uint64) error {
	if len(kept) == 0 {
		return w.startSegment(next)
	}
	w.segs = segmentsOf(kept)
	name := path.Join(w.logDir, segmentName(w.segs[len(w.segs)-1].first))
	f, err := w.disk.Open(name)
	if err != nil {
		return fmt.Errorf("wal: open %s: %w", name, err)
	}
	w.cur = f
	return nil
}

func segmentsOf(ls []loadedSegment) []*segment {
	segs := make([]*segment, len(ls))
	for i, l := range ls {
		segs[i] = l.seg
	}
	return segs
}

// loadSegments reads every segment in index order. A torn tail of the last
// segment is cut off and the cut synced; any other damage is ErrCorrupt.
func (w *WAL) loadSegments() ([]loadedSegment, error) {
	names, err := w.disk.ReadDir(w.logDir)
	if err != nil {
		return nil, fmt.Errorf("wal: list %s: %w", w.logDir, err)
	}
	var firsts []uint64
	for _, n := range names {
		first, ok := parseSegmentName(n)
		if !ok {
			w.logger.Warn("wal: ignoring unknown file in the log directory", zap.String("file", n))
			continue
		}
		firsts = append(firsts, first)
	}
	var loaded []loadedSegment
	for i, first := range firsts {
		l, ok, err := w.loadSegment(first, i == len(firsts)-1)
		if err != nil {
			return nil, err
		}
		if ok {
			loaded = append(loaded, l)
		}
	}
	return loaded, nil
}

// loadSegment reads one segment. For the last segment it repairs a torn
// tail; ok is false when the last segment was only half created and has
// been removed.
func (w *WAL) loadSegment(first uint64, last bool) (loadedSegment, bool, error) {
	name := path.Join(w.logDir, segmentName(first))
	b, err := w.disk.ReadFile(name)
	if err != nil {
		return loadedSegment{}, false, fmt.Errorf("wal: read %s: %w", name, err)
	}
	if last && len(b) < segmentHeaderBytes {
		w.logger.Warn("wal: removing a segment whose creation was cut short",
			zap.String("file", name), zap.Int("bytes", len(b)))
		return loadedSegment{}, false, w.removeSegments([]*segment{{first: first}})
	}
	s, err := scanSegment(b)
	if err != nil {
		return loadedSegment{}, false, fmt.Errorf("%w: %s at offset 0: %v", ErrCorrupt, name, err)
	}
	if s.first != first {
		return loadedSegment{}, false, fmt.Errorf("%w: %s at offset 0: header names first index %d", ErrCorrupt, name, s.first)
	}
	if s.bad != nil {
		switch {
		case s.later:
			return loadedSegment{}, false, fmt.Errorf("%w: %s at offset %d, with valid records after it: %v", ErrCorrupt, name, s.end, s.bad)
		case !last:
			return loadedSegment{}, false, fmt.Errorf("%w: %s at offset %d, in a segment that is not the last: %v", ErrCorrupt, name, s.end, s.bad)
		}
		if err := w.cutTornTail(name, s, int64(len(b))); err != nil {
			return loadedSegment{}, false, err
		}
	}
	seg := &segment{first: first, offsets: s.offsets, size: s.end}
	return loadedSegment{seg: seg, entries: s.entries}, true, nil
}

// cutTornTail truncates the last segment to its last good record and syncs
// the cut, so the same garbage is never read again.
func (w *WAL) cutTornTail(name string, s segmentScan, size int64) error {
	w.logger.Warn("wal: cutting a torn tail off the last segment",
		zap.String("file", name), zap.Int64("offset", s.end),
		zap.Int64("bytesDropped", size-s.end), zap.Int("recordsKept", len(s.entries)),
		zap.String("reason", s.bad.Error()))
	f, err := w.disk.Open(name)
	if err != nil {
		return fmt.Errorf("wal: open %s: %w", name, err)
	}
	defer f.Close()
	if err := f.Truncate(s.end); err != nil {
		return fmt.Errorf("wal: truncate %s at offset %d: %w", name, s.end, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("wal: sync %s: %w", name, err)
	}
	return nil
}

// reconcile checks that the segments form one run of consecutive indexes
// and fits them to the snapshot (Raft §7): when the log holds the
// snapshot's last entry with the same term, the entries after it are kept;
// otherwise the whole log is obsolete. Segments that end before a gap which
// the snapshot covers are leftovers of an interrupted compaction or reset
// and are returned as stale.
func reconcile(ls []loadedSegment, snap raft.SnapshotMeta, logDir string) (kept, stale []loadedSegment, err error) {
	start := 0
	for k := 1; k < len(ls); k++ {
		prevNext, first := ls[k-1].seg.next(), ls[k].seg.first
		name := path.Join(logDir, segmentName(first))
		switch {
		case first == prevNext:
		case first < prevNext:
			return nil, nil, fmt.Errorf("%w: %s at offset 0: starts at index %d, but the previous segment runs to %d", ErrCorrupt, name, first, prevNext-1)
		case first <= snap.Index+1:
			start = k
		default:
			return nil, nil, fmt.Errorf("%w: %s at offset 0: gap, indexes %d to %d are missing", ErrCorrupt, name, prevNext, first-1)
		}
	}
	stale, kept = ls[:start], ls[start:]
	if len(kept) == 0 {
		return nil, stale, nil
	}
	first, next := kept[0].seg.first, kept[len(kept)-1].seg.next()
	if first > snap.Index+1 {
		return nil, nil, fmt.Errorf("%w: %s at offset 0: log starts at index %d but the snapshot ends at %d",
			ErrCorrupt, path.Join(logDir, segmentName(first)), first, snap.Index)
	}
	if snap.Index == 0 || snap.Index < first {
		return kept, stale, nil
	}
	if snap.Index >= next || termAt(kept, snap.Index) != snap.Term {
		return nil, ls, nil
	}
	return kept, stale, nil
}

// termAt returns the term of the entry at index, which must be in ls.
func termAt(ls []loadedSegment, index uint64) uint64 {
	for _, l := range ls {
		if index >= l.seg.first && index < l.seg.next() {
			return l.entries[index-l.seg.first].Term
		}
	}
	panic(fmt.Sprintf("wal: termAt(%d) outside the loaded segments", index))
}
