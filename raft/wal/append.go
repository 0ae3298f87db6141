package wal

import (
	"fmt"
	"path"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/raft"
)

// Save records a Ready's hard state and appends its entries. Nothing is
// durable until Sync returns: the driver calls Save, then Sync, and only
// then sends the Ready's messages. A zero hs means "unchanged".
func (w *WAL) Save(hs raft.HardState, entries []raft.Entry) error {
	if err := w.Append(entries); err != nil {
		return err
	}
	if hs != (raft.HardState{}) {
		w.hs = hs
	}
	return nil
}

// Append writes entries to the log. If the first entry's index is already
// stored, the stored entries from that index on are discarded first (the
// Raft core replaces a conflicting suffix that way, §5.3), possibly across
// segments. The entries must be consecutive and must start at or before
// NextIndex, and not before FirstIndex; otherwise Append returns ErrGap.
// The records are durable only after Sync.
func (w *WAL) Append(entries []raft.Entry) error {
	if err := w.checkFailed(); err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	if err := w.checkContinues(entries); err != nil {
		return err
	}
	if first := entries[0].Index; first < w.NextIndex() {
		if err := w.truncateFrom(first); err != nil {
			return w.fail(err)
		}
	}
	w.buf = w.buf[:0]
	for _, e := range entries {
		seg := w.segs[len(w.segs)-1]
		if len(seg.offsets) > 0 && seg.size+int64(len(w.buf)) >= w.opts.segmentBytes {
			if err := w.flush(); err != nil {
				return w.fail(err)
			}
			if err := w.roll(e.Index); err != nil {
				return w.fail(err)
			}
			seg = w.segs[len(w.segs)-1]
		}
		seg.offsets = append(seg.offsets, seg.size+int64(len(w.buf)))
		w.buf = appendRecord(w.buf, e)
		w.stats.EntriesAppended++
	}
	if err := w.flush(); err != nil {
		return w.fail(err)
	}
	return nil
}

// checkContinues checks that entries are consecutive and that they can
// follow, or replace part of, the stored log, and that each fits a record.
func (w *WAL) checkContinues(entries []raft.Entry) error {
	for i, e := range entries {
		if i > 0 && e.Index != entries[i-1].Index+1 {
			return fmt.Errorf("%w: entry %d follows entry %d in one batch", ErrGap, e.Index, entries[i-1].Index)
		}
		if len(e.Data) > MaxEntryDataBytes {
			return fmt.Errorf("wal: entry %d holds %d bytes, more than %d", e.Index, len(e.Data), MaxEntryDataBytes)
		}
	}
	first := entries[0].Index
	if first > w.NextIndex() {
		return fmt.Errorf("%w: batch starts at %d, the next index is %d", ErrGap, first, w.NextIndex())
	}
	if first < w.FirstIndex() {
		return fmt.Errorf("%w: batch starts at %d, before the first stored index %d", ErrGap, first, w.FirstIndex())
	}
	return nil
}

// flush writes the encoded records in w.buf to the open segment.
func (w *WAL) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	seg := w.segs[len(w.segs)-1]
	if _, err := w.cur.Write(w.buf); err != nil {
		return fmt.Errorf("wal: append to segment %d: %w", seg.first, err)
	}
	seg.size += int64(len(w.buf))
	w.stats.BytesAppended += uint64(len(w.buf))
	w.dirty = true
	w.buf = w.buf[:0]
	return nil
}

// Sync makes every record appended since the last Sync durable with one
// fsync (group commit), then, if the term or vote changed, replaces the
// hard state file. The log goes first so that a durable commit index never
// points past the durable log.
func (w *WAL) Sync() error {
	if err := w.checkFailed(); err != nil {
		return err
	}
	if w.dirty {
		if err := w.cur.Sync(); err != nil {
			return w.fail(fmt.Errorf("wal: sync segment %d: %w", w.segs[len(w.segs)-1].first, err))
		}
		w.stats.Syncs++
		w.dirty = false
	}
	if w.hs.Term != w.hsDurable.Term || w.hs.Vote != w.hsDurable.Vote {
		return w.persistHardState()
	}
	return nil
}

// SyncAsync is Sync without the wait, for the common case of a group
// commit in which only log records are unsynced: it starts their fsync and
// returns true; done is called on the node's loop when it has ended. The
// caller must not append until then. It returns false, and starts nothing,
// when Sync must be used instead: the term or vote changed (their file is
// replaced after the log's fsync), nothing is unsynced, or the WAL failed.
func (w *WAL) SyncAsync(done func(error)) bool {
	if w.err != nil || !w.dirty || w.hs.Term != w.hsDurable.Term || w.hs.Vote != w.hsDurable.Vote {
		return false
	}
	first := w.segs[len(w.segs)-1].first
	w.dirty = false
	w.cur.SyncAsync(func(err error) {
		if err != nil {
			done(w.fail(fmt.Errorf("wal: sync segment %d: %w", first, err)))
			return
		}
		w.stats.Syncs++
		done(nil)
	})
	return true
}

// persistHardState replaces the hard state file if it differs from the
// newest hard state, commit index included.
func (w *WAL) persistHardState() error {
	if w.hs == w.hsDurable {
		return nil
	}
	if err := writeHardState(w.disk, w.dir, w.hs); err != nil {
		return w.fail(err)
	}
	w.hsDurable = w.hs
	w.stats.HardStateWrites++
	return nil
}

// roll syncs and closes the open segment and starts a new one whose first
// entry will be first. The old segment is synced first so that only the
// last segment can ever have a torn tail.
func (w *WAL) roll(first uint64) error {
	old := w.segs[len(w.segs)-1]
	if err := w.cur.Sync(); err != nil {
		return fmt.Errorf("wal: sync segment %d: %w", old.first, err)
	}
	w.stats.Syncs++
	w.dirty = false
	if err := w.cur.Close(); err != nil {
		return fmt.Errorf("wal: close segment %d: %w", old.first, err)
	}
	w.cur = nil
	return w.startSegment(first)
}

// startSegment creates the segment file for entries from first on, writes
// its header, and makes both the header and the new name durable before
// any record goes in, so that a segment with records always has a good
// header.
func (w *WAL) startSegment(first uint64) error {
	name := path.Join(w.logDir, segmentName(first))
	f, err := w.disk.Create(name)
	if err != nil {
		return fmt.Errorf("wal: create %s: %w", name, err)
	}
	if _, err := f.Write(appendSegmentHeader(nil, first)); err != nil {
		f.Close()
		return fmt.Errorf("wal: write header of %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("wal: sync %s: %w", name, err)
	}
	if err := w.disk.SyncDir(w.logDir); err != nil {
		f.Close()
		return fmt.Errorf("wal: sync dir %s: %w", w.logDir, err)
	}
	w.cur = f
	w.segs = append(w.segs, &segment{first: first, size: segmentHeaderBytes})
	w.stats.SegmentsCreated++
	w.logger.Debug("wal: started segment", zap.String("file", name))
	return nil
}

// truncateFrom discards the stored entries from index on. Whole later
// segments are removed and the removal made durable before anything else,
// so that recovery never finds a stale segment after a rewritten one; the
// cut in the segment holding index becomes durable with the next Sync.
func (w *WAL) truncateFrom(index uint64) error {
	k := len(w.segs) - 1
	for w.segs[k].first > index {
		k--
	}
	if k < len(w.segs)-1 {
		if err := w.cur.Close(); err != nil {
			return fmt.Errorf("wal: close segment: %w", err)
		}
		w.cur = nil
		if err := w.removeSegments(w.segs[k+1:]); err != nil {
			return err
		}
		w.segs = w.segs[:k+1]
		name := path.Join(w.logDir, segmentName(w.segs[k].first))
		f, err := w.disk.Open(name)
		if err != nil {
			return fmt.Errorf("wal: reopen %s: %w", name, err)
		}
		w.cur = f
	}
	seg := w.segs[k]
	cut := seg.offsets[index-seg.first]
	if err := w.cur.Truncate(cut); err != nil {
		return fmt.Errorf("wal: truncate segment %d at offset %d: %w", seg.first, cut, err)
	}
	seg.offsets = seg.offsets[:index-seg.first]
	seg.size = cut
	w.dirty = true
	w.logger.Info("wal: discarded conflicting entries", zap.Uint64("from", index))
	return nil
}

// removeSegments deletes the files of segs and syncs the log directory.
func (w *WAL) removeSegments(segs []*segment) error {
	for _, s := range segs {
		name := path.Join(w.logDir, segmentName(s.first))
		if err := w.disk.Remove(name); err != nil {
			return fmt.Errorf("wal: remove %s: %w", name, err)
		}
	}
	if err := w.disk.SyncDir(w.logDir); err != nil {
		return fmt.Errorf("wal: sync dir %s: %w", w.logDir, err)
	}
	return nil
}
