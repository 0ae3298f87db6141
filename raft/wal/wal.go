package wal

import (
	"errors"
	"fmt"
	"path"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
)

// Names inside a WAL's directory.
const (
	logDirName      = "log"
	snapshotDirName = "snapshots"
)

// Defaults for the options.
const (
	// DefaultSegmentBytes is the size past which a new segment is started.
	DefaultSegmentBytes = 64 << 20
	// DefaultTrailingEntries is how many entries Compact keeps behind a
	// snapshot, so that a follower lagging by fewer entries can be caught
	// up from the log instead of by a whole snapshot.
	DefaultTrailingEntries = 10240
	// DefaultSnapshotsRetained is how many snapshots the store keeps.
	DefaultSnapshotsRetained = 2
)

// Errors returned at the WAL's edges, besides ErrCorrupt.
var (
	// ErrGap reports entries handed to Append that do not continue the log:
	// a batch whose indexes are not consecutive, one that starts beyond the
	// next index, or one that starts before the first index still stored.
	ErrGap = errors.New("wal: entries do not continue the log")
	// ErrFailed is returned by every call after a write, truncate or sync
	// failed: the files' state is then unknown, and the only safe way on is
	// to reopen, which runs recovery.
	ErrFailed = errors.New("wal: an earlier write failed")
)

// Option changes a WAL setting from its default.
type Option func(*options)

type options struct {
	segmentBytes      int64
	trailingEntries   uint64
	snapshotsRetained int
}

// WithSegmentBytes sets the size past which a new segment is started.
func WithSegmentBytes(n int64) Option { return func(o *options) { o.segmentBytes = max(n, 1) } }

// WithTrailingEntries sets how many entries Compact keeps behind the index
// it is given.
func WithTrailingEntries(n uint64) Option { return func(o *options) { o.trailingEntries = n } }

// WithSnapshotsRetained sets how many snapshots are kept (at least 1).
func WithSnapshotsRetained(n int) Option {
	return func(o *options) { o.snapshotsRetained = max(n, 1) }
}

// State is what Open recovers: everything the Raft core is built from.
type State struct {
	// HardState is the last durable term and vote. Commit is a lower bound
	// of the true commit index (see doc.go), raised to Snapshot.Index.
	HardState raft.HardState
	// Snapshot describes the newest valid snapshot; Index 0 means none.
	Snapshot raft.SnapshotMeta
	// Entries are the log entries after Snapshot.Index, consecutive.
	Entries []raft.Entry
}

// Stats counts the WAL's work since Open, for benchmarks and metrics.
type Stats struct {
	EntriesAppended uint64 // records written
	BytesAppended   uint64 // bytes of records written
	Syncs           uint64 // fsyncs of log segments
	HardStateWrites uint64 // atomic replacements of the hard state file
	SegmentsCreated uint64 // segment files started
}

// segment is what the WAL remembers of one segment file: where each of its
// records starts, so that a conflicting suffix can be cut at any index.
type segment struct {
	first   uint64
	offsets []int64
	size    int64
}

// next is the index that would follow the segment's last entry.
func (s *segment) next() uint64 { return s.first + uint64(len(s.offsets)) }

// WAL is the durable storage of one Raft server: a segmented log, the hard
// state and a snapshot store, all in one directory of a netsim.Disk. It is
// not safe for concurrent use; the node driver calls it from its one loop.
type WAL struct {
	disk   netsim.Disk
	dir    string
	logDir string
	logger *zap.Logger
	opts   options

	segs  []*segment  // in index order; never empty; the last is open
	cur   netsim.File // the last segment's file
	dirty bool        // cur has writes not yet synced
	buf   []byte      // encoding buffer reused across Appends
	err   error       // sticky failure, see ErrFailed

	hs        raft.HardState // newest hard state handed in
	hsDurable raft.HardState // what the hard state file holds

	snaps *SnapshotStore
	stats Stats
}

// Open opens, or creates, the WAL in dir and recovers its state: the hard
// state, the newest valid snapshot's meta and the entries after it. A torn
// tail of the last segment is cut off (and logged); damage to anything that
// was durable stops Open with an error wrapping ErrCorrupt that names the
// file and offset. logger may be nil.
func Open(disk netsim.Disk, dir string, logger *zap.Logger, opts ...Option) (*WAL, State, error) {
	if logger == nil {
		logger = zap.NewNop()
	}
	o := options{
		segmentBytes:      DefaultSegmentBytes,
		trailingEntries:   DefaultTrailingEntries,
		snapshotsRetained: DefaultSnapshotsRetained,
	}
	for _, opt := range opts {
		opt(&o)
	}
	w := &WAL{
		disk:   disk,
		dir:    dir,
		logDir: path.Join(dir, logDirName),
		logger: logger,
		opts:   o,
	}
	for _, d := range []string{dir, w.logDir} {
		if err := makeDirDurable(disk, d); err != nil {
			return nil, State{}, err
		}
	}
	snaps, err := OpenSnapshotStore(disk, path.Join(dir, snapshotDirName), logger, o.snapshotsRetained)
	if err != nil {
		return nil, State{}, err
	}
	w.snaps = snaps
	st, err := w.recover()
	if err != nil {
		if w.cur != nil {
			w.cur.Close()
		}
		return nil, State{}, err
	}
	return w, st, nil
}

// Snapshots is the WAL's snapshot store.
func (w *WAL) Snapshots() *SnapshotStore { return w.snaps }

// Stats returns the counters since Open.
func (w *WAL) Stats() Stats { return w.stats }

// FirstIndex is the index of the oldest entry still stored (entries before
// it were compacted away); the log is empty when FirstIndex == NextIndex.
func (w *WAL) FirstIndex() uint64 { return w.segs[0].first }

// NextIndex is the index the next appended entry must have.
func (w *WAL) NextIndex() uint64 { return w.segs[len(w.segs)-1].next() }

// Close persists the latest commit index and closes the open segment.
func (w *WAL) Close() error {
	if w.err == nil {
		err := w.Sync()
		if err == nil {
			err = w.persistHardState()
		}
		if err != nil {
			w.cur.Close()
			return err
		}
	}
	if w.cur == nil {
		return nil
	}
	if err := w.cur.Close(); err != nil {
		return fmt.Errorf("wal: close segment: %w", err)
	}
	return nil
}

// fail records a failed write, so that every later call refuses to go on.
func (w *WAL) fail(err error) error {
	w.err = err
	return err
}

// checkFailed returns the sticky error, if any.
func (w *WAL) checkFailed() error {
	if w.err != nil {
		return fmt.Errorf("%w: %w", ErrFailed, w.err)
	}
	return nil
}
