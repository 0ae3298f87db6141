package wal

import (
	"encoding/binary"
	"fmt"
	"io"
	"path"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
)

// Compact removes the segments whose entries all lie at or below
// index minus the trailing entries to keep (WithTrailingEntries). The
// caller passes the index of a durable snapshot. The last segment is never
// removed, so the log may hold somewhat more than asked. Compact also
// persists the latest commit index.
func (w *WAL) Compact(index uint64) error {
	if err := w.checkFailed(); err != nil {
		return err
	}
	var through uint64 // entries at or below through may go
	if index > w.opts.trailingEntries {
		through = index - w.opts.trailingEntries
	}
	n := 0
	for n < len(w.segs)-1 && w.segs[n+1].first-1 <= through {
		n++
	}
	if n > 0 {
		if err := w.removeSegments(w.segs[:n]); err != nil {
			return w.fail(err)
		}
		w.logger.Info("wal: compacted", zap.Int("segments", n), zap.Uint64("firstIndex", w.segs[n].first))
		w.segs = w.segs[n:]
	}
	return w.persistHardState()
}

// SaveSnapshot writes a snapshot of the local state machine through the
// snapshot store and then compacts the log behind it.
func (w *WAL) SaveSnapshot(meta raft.SnapshotMeta, data io.WriterTo) error {
	if err := w.checkFailed(); err != nil {
		return err
	}
	if err := w.snaps.Write(meta, data); err != nil {
		return err
	}
	return w.SnapshotWritten(meta)
}

// WriteSnapshot is the first half of SaveSnapshot: it writes the snapshot
// file and touches nothing else of the WAL, so it may run beside the
// WAL's other calls (Env.Background), provided no other snapshot of meta
// is written meanwhile. SnapshotWritten is the second half.
func (w *WAL) WriteSnapshot(meta raft.SnapshotMeta, data io.WriterTo) error {
	return w.snaps.Write(meta, data)
}

// SnapshotWritten removes the snapshots beyond the retained count and
// compacts the log behind meta, once its snapshot is durable.
func (w *WAL) SnapshotWritten(meta raft.SnapshotMeta) error {
	if err := w.checkFailed(); err != nil {
		return err
	}
	if err := w.snaps.prune(); err != nil {
		return err
	}
	return w.Compact(meta.Index)
}

// InstallSnapshot stores a snapshot received from the leader (the stream
// of the file format, as Snapshot.Raw sends it; it is verified before it is
// kept) and fits the log to it, as Raft §7 says: if the log holds the
// snapshot's last entry with the same term, the entries after it are kept
// and the log is compacted behind it; otherwise the whole log is discarded
// and the next entry must be meta.Index+1. It returns the snapshot's meta.
func (w *WAL) InstallSnapshot(r io.Reader) (raft.SnapshotMeta, error) {
	if err := w.checkFailed(); err != nil {
		return raft.SnapshotMeta{}, err
	}
	meta, err := w.snaps.Install(r)
	if err != nil {
		return raft.SnapshotMeta{}, err
	}
	return meta, w.fitToSnapshot(meta)
}

// InstallSnapshotData is InstallSnapshot for a snapshot that arrives as
// meta and bare state machine data (a *bytes.Reader is an io.WriterTo).
func (w *WAL) InstallSnapshotData(meta raft.SnapshotMeta, data io.WriterTo) error {
	if err := w.checkFailed(); err != nil {
		return err
	}
	if err := w.snaps.Create(meta, data); err != nil {
		return err
	}
	return w.fitToSnapshot(meta)
}

// fitToSnapshot keeps the log after a durable snapshot if the log holds
// the snapshot's last entry, and discards it otherwise (Raft §7).
func (w *WAL) fitToSnapshot(meta raft.SnapshotMeta) error {
	if meta.Index >= w.FirstIndex() && meta.Index < w.NextIndex() {
		term, err := w.termAt(meta.Index)
		if err != nil {
			return w.fail(err)
		}
		if term == meta.Term {
			return w.Compact(meta.Index)
		}
	}
	if err := w.reset(meta.Index + 1); err != nil {
		return w.fail(err)
	}
	return nil
}

// reset discards the whole log and starts an empty segment at next. The
// removals are made durable before the new segment is created, so recovery
// never sees the old log and the new one together.
func (w *WAL) reset(next uint64) error {
	if err := w.cur.Close(); err != nil {
		return fmt.Errorf("wal: close segment: %w", err)
	}
	w.cur = nil
	if err := w.removeSegments(w.segs); err != nil {
		return err
	}
	w.segs = nil
	w.dirty = false
	w.logger.Info("wal: log discarded for a snapshot", zap.Uint64("nextIndex", next))
	return w.startSegment(next)
}

// termAt reads the term of the stored entry at index back from its segment,
// checking the record's CRC.
func (w *WAL) termAt(index uint64) (uint64, error) {
	k := len(w.segs) - 1
	for w.segs[k].first > index {
		k--
	}
	seg := w.segs[k]
	off := seg.offsets[index-seg.first]
	f := w.cur
	if k < len(w.segs)-1 {
		name := path.Join(w.logDir, segmentName(seg.first))
		var err error
		if f, err = w.disk.Open(name); err != nil {
			return 0, fmt.Errorf("wal: open %s: %w", name, err)
		}
		defer f.Close()
	}
	e, err := readRecordAt(f, off)
	if err != nil {
		return 0, fmt.Errorf("wal: segment %d at offset %d: %w", seg.first, off, err)
	}
	return e.Term, nil
}

// readRecordAt reads and verifies the record at off in f.
func readRecordAt(f netsim.File, off int64) (raft.Entry, error) {
	head := make([]byte, recordHeaderBytes)
	if err := readAt(f, head, off); err != nil {
		return raft.Entry{}, err
	}
	n := min(int64(binary.LittleEndian.Uint32(head)), maxRecordBodyBytes)
	b := make([]byte, recordHeaderBytes+n)
	if err := readAt(f, b, off); err != nil {
		return raft.Entry{}, err
	}
	e, _, err := decodeRecord(b)
	if err != nil {
		return raft.Entry{}, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return e, nil
}
