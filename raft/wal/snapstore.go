package wal

import (
	"bufio"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"path"
	"slices"
	"strings"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
)

// ErrNoSnapshot is returned by OpenLatest when no valid snapshot exists.
var ErrNoSnapshot = errors.New("wal: no snapshot")

const snapshotSuffix = ".snap"

// snapshotName is the file name of a snapshot: its index and term as 20
// digits each, so that names sort by index.
func snapshotName(meta raft.SnapshotMeta) string {
	return fmt.Sprintf("%020d-%020d%s", meta.Index, meta.Term, snapshotSuffix)
}

// SnapshotStore keeps the newest snapshots of the state machine in one
// directory. Every snapshot is written to a temporary file, fsynced, renamed
// into place and made durable with a directory fsync, so a crash leaves
// either the whole snapshot or none of it.
type SnapshotStore struct {
	disk   netsim.Disk
	dir    string
	logger *zap.Logger
	retain int
}

// OpenSnapshotStore opens, or creates, the snapshot directory dir, keeping
// the newest retain snapshots, and removes interrupted temporary files.
// logger may be nil.
func OpenSnapshotStore(disk netsim.Disk, dir string, logger *zap.Logger, retain int) (*SnapshotStore, error) {
	if logger == nil {
		logger = zap.NewNop()
	}
	if err := makeDirDurable(disk, dir); err != nil {
		return nil, err
	}
	if err := removeTemps(disk, logger, dir); err != nil {
		return nil, err
	}
	return &SnapshotStore{disk: disk, dir: dir, logger: logger, retain: max(retain, 1)}, nil
}

// Create writes a snapshot of meta whose data comes from data, atomically,
// then removes snapshots beyond the retained count.
func (s *SnapshotStore) Create(meta raft.SnapshotMeta, data io.WriterTo) error {
	if err := s.Write(meta, data); err != nil {
		return err
	}
	return s.prune()
}

// Write writes a snapshot of meta whose data comes from data, atomically,
// and nothing else: it may run beside the store's other calls, provided
// none of them writes a snapshot of the same meta meanwhile.
func (s *SnapshotStore) Write(meta raft.SnapshotMeta, data io.WriterTo) error {
	header, err := appendSnapshotHeader(nil, meta)
	if err != nil {
		return err
	}
	err = writeAtomic(s.disk, s.dir, snapshotName(meta), func(f netsim.File) error {
		bw := bufio.NewWriterSize(f, 64<<10)
		if _, err := bw.Write(header); err != nil {
			return err
		}
		cw := &checksumWriter{w: bw, h: crc32.New(castagnoli)}
		if _, err := data.WriteTo(cw); err != nil {
			return fmt.Errorf("snapshot data: %w", err)
		}
		if _, err := bw.Write(appendSnapshotTrailer(nil, cw.n, cw.h.Sum32())); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return err
	}
	s.logger.Info("wal: snapshot written", zap.Uint64("index", meta.Index), zap.Uint64("term", meta.Term))
	return nil
}

// Install stores a snapshot received as a byte stream in the file format
// (what Snapshot.Raw produces on the sender). The stream is written to a
// temporary file and verified there; only a valid snapshot is renamed into
// place. It returns the snapshot's meta.
func (s *SnapshotStore) Install(r io.Reader) (raft.SnapshotMeta, error) {
	var layout snapshotLayout
	tmp := path.Join(s.dir, "install"+tempSuffix)
	err := writeTemp(s.disk, tmp, func(f netsim.File) error {
		if _, err := io.Copy(f, r); err != nil {
			return fmt.Errorf("receive snapshot: %w", err)
		}
		l, err := verifySnapshot(f, f.Size())
		if err != nil {
			return fmt.Errorf("%w: received snapshot: %w", ErrCorrupt, err)
		}
		layout = l
		return nil
	})
	if err != nil {
		// Best effort: a temporary file left behind is removed at the next open.
		_ = s.disk.Remove(tmp)
		return raft.SnapshotMeta{}, err
	}
	if err := renameDurably(s.disk, s.dir, tmp, path.Join(s.dir, snapshotName(layout.meta))); err != nil {
		return raft.SnapshotMeta{}, err
	}
	s.logger.Info("wal: snapshot installed", zap.Uint64("index", layout.meta.Index), zap.Uint64("term", layout.meta.Term))
	return layout.meta, s.prune()
}

// names lists the snapshot files, newest (highest index) first.
func (s *SnapshotStore) names() ([]string, error) {
	all, err := s.disk.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("wal: list %s: %w", s.dir, err)
	}
	var names []string
	for _, n := range all {
		if strings.HasSuffix(n, snapshotSuffix) {
			names = append(names, n)
		}
	}
	slices.Reverse(names)
	return names, nil
}

// prune removes all but the newest retained snapshots.
func (s *SnapshotStore) prune() error {
	names, err := s.names()
	if err != nil || len(names) <= s.retain {
		return err
	}
	for _, n := range names[s.retain:] {
		if err := s.disk.Remove(path.Join(s.dir, n)); err != nil {
			return fmt.Errorf("wal: remove snapshot %s: %w", n, err)
		}
	}
	if err := s.disk.SyncDir(s.dir); err != nil {
		return fmt.Errorf("wal: sync dir %s: %w", s.dir, err)
	}
	return nil
}

// Snapshot is an open, verified snapshot file. Its readers stream from the
// file; nothing is held in memory.
type Snapshot struct {
	// Meta describes the snapshot.
	Meta   raft.SnapshotMeta
	f      netsim.File
	size   int64
	layout snapshotLayout
}

// Data streams the state machine's data, for StateMachine.Restore.
func (s *Snapshot) Data() io.Reader {
	return io.NewSectionReader(s.f, s.layout.dataOff, s.layout.dataLen)
}

// Raw streams the whole file, header and trailer included, for sending to a
// follower, whose SnapshotStore.Install verifies it end to end.
func (s *Snapshot) Raw() io.Reader { return io.NewSectionReader(s.f, 0, s.size) }

// Size is the length of the whole file, as Raw streams it.
func (s *Snapshot) Size() int64 { return s.size }

// Close closes the file.
func (s *Snapshot) Close() error { return s.f.Close() }

// OpenLatest opens the newest snapshot whose checksums verify. Snapshots
// that fail are logged and skipped. It returns ErrNoSnapshot when none is
// valid.
func (s *SnapshotStore) OpenLatest() (*Snapshot, error) {
	names, err := s.names()
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		snap, err := s.open(n)
		if err == nil {
			return snap, nil
		}
		if !errors.Is(err, ErrCorrupt) {
			return nil, err
		}
		s.logger.Warn("wal: skipping an invalid snapshot", zap.String("file", n), zap.Error(err))
	}
	return nil, ErrNoSnapshot
}

// open opens and verifies one snapshot file.
func (s *SnapshotStore) open(name string) (*Snapshot, error) {
	full := path.Join(s.dir, name)
	f, err := s.disk.Open(full)
	if err != nil {
		return nil, fmt.Errorf("wal: open %s: %w", full, err)
	}
	layout, err := verifySnapshot(f, f.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrCorrupt, full, err)
	}
	return &Snapshot{Meta: layout.meta, f: f, size: f.Size(), layout: layout}, nil
}

// latestMeta returns the meta of the newest valid snapshot, or a zero meta
// when there is none.
func (s *SnapshotStore) latestMeta() (raft.SnapshotMeta, error) {
	snap, err := s.OpenLatest()
	if errors.Is(err, ErrNoSnapshot) {
		return raft.SnapshotMeta{}, nil
	}
	if err != nil {
		return raft.SnapshotMeta{}, err
	}
	meta := snap.Meta
	if err := snap.Close(); err != nil {
		return raft.SnapshotMeta{}, fmt.Errorf("wal: close snapshot: %w", err)
	}
	return meta, nil
}

// checksumWriter counts and checksums what passes through it.
type checksumWriter struct {
	w io.Writer
	h hash.Hash32
	n uint64
}

func (c *checksumWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.h.Write(p[:n])
	c.n += uint64(n)
	return n, err
}
