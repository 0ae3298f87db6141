package wal

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
)

func TestFreshWALRecoversEmptyState(t *testing.T) {
	w, st := mustOpen(t, newDisk(t))
	require.Equal(t, State{}, st)
	require.Equal(t, uint64(1), w.FirstIndex())
	require.Equal(t, uint64(1), w.NextIndex())
	require.NoError(t, w.Close())
}

func TestAppendedEntriesSurviveReopen(t *testing.T) {
	disk := newDisk(t)
	w, _ := mustOpen(t, disk)
	hs := raft.HardState{Term: 3, Vote: "s2", Commit: 40}
	require.NoError(t, w.Save(hs, entries(1, 50, 3)))
	require.NoError(t, w.Sync())
	require.NoError(t, w.Close())

	w, st := mustOpen(t, disk)
	require.Equal(t, hs, st.HardState)
	require.Equal(t, entries(1, 50, 3), st.Entries)
	require.Equal(t, uint64(51), w.NextIndex())
	require.NoError(t, w.Append(entries(51, 60, 3)))
	require.NoError(t, w.Close())

	_, st = mustOpen(t, disk)
	require.Equal(t, entries(1, 60, 3), st.Entries)
}

func TestSegmentsRollPastTheSizeLimit(t *testing.T) {
	disk := newDisk(t)
	writeLog(t, disk, entries(1, 100, 1), WithSegmentBytes(500))
	files := segmentFiles(t, disk)
	require.Greater(t, len(files), 5)
	require.Equal(t, "raft/log/00000000000000000001.seg", files[0])

	_, st := mustOpen(t, disk, WithSegmentBytes(500))
	require.Equal(t, entries(1, 100, 1), st.Entries)
}

func TestConflictingSuffixIsReplacedAcrossSegments(t *testing.T) {
	disk := newDisk(t)
	w, _ := mustOpen(t, disk, WithSegmentBytes(300))
	require.NoError(t, w.Append(entries(1, 40, 1)))
	require.NoError(t, w.Sync())
	before := len(segmentFiles(t, disk))
	require.Greater(t, before, 3)

	// The leader of term 2 overwrites everything from index 5 on, which
	// lies in the first segment.
	require.NoError(t, w.Append(entries(5, 7, 2)))
	require.NoError(t, w.Sync())
	require.Equal(t, uint64(8), w.NextIndex())
	require.Len(t, segmentFiles(t, disk), 1)
	require.NoError(t, w.Close())

	_, st := mustOpen(t, disk, WithSegmentBytes(300))
	require.Equal(t, append(entries(1, 4, 1), entries(5, 7, 2)...), st.Entries)
}

func TestConflictAtASegmentsFirstEntryKeepsThatSegment(t *testing.T) {
	disk := newDisk(t)
	w, _ := mustOpen(t, disk, WithSegmentBytes(300))
	require.NoError(t, w.Append(entries(1, 40, 1)))
	second := w.segs[1].first
	require.NoError(t, w.Append(entries(second, second, 2)))
	require.NoError(t, w.Close())

	_, st := mustOpen(t, disk, WithSegmentBytes(300))
	want := append(entries(1, second-1, 1), entries(second, second, 2)...)
	require.Equal(t, want, st.Entries)
	require.Len(t, segmentFiles(t, disk), 2)
}

func TestAppendRejectsGaps(t *testing.T) {
	w, _ := mustOpen(t, newDisk(t))
	require.ErrorIs(t, w.Append(entries(2, 3, 1)), ErrGap)
	require.ErrorIs(t, w.Append([]raft.Entry{{Index: 1, Term: 1}, {Index: 3, Term: 1}}), ErrGap)
	require.NoError(t, w.Append(entries(1, 3, 1)))
	require.ErrorIs(t, w.Append(entries(5, 5, 1)), ErrGap)
	require.NoError(t, w.Close())
}

func TestSyncIsOneFsyncForManyAppends(t *testing.T) {
	w, _ := mustOpen(t, newDisk(t))
	for i := uint64(0); i < 10; i++ {
		require.NoError(t, w.Append(entries(i*16+1, i*16+16, 1)))
	}
	require.NoError(t, w.Sync())
	require.NoError(t, w.Sync()) // nothing new: no fsync
	s := w.Stats()
	require.Equal(t, uint64(160), s.EntriesAppended)
	require.Equal(t, uint64(1), s.Syncs)
	require.Positive(t, s.BytesAppended)
	require.NoError(t, w.Close())
}

func TestTermAndVoteAreDurableAfterSync(t *testing.T) {
	disk := newDisk(t)
	w, _ := mustOpen(t, disk)
	require.NoError(t, w.Save(raft.HardState{Term: 7, Vote: "s3"}, nil))
	require.NoError(t, w.Sync())
	require.Equal(t, uint64(1), w.Stats().HardStateWrites)
	// Reading the file directly, without Close: Sync alone made it durable.
	hs, err := readHardState(disk, "raft")
	require.NoError(t, err)
	require.Equal(t, raft.HardState{Term: 7, Vote: "s3"}, hs)

	// A commit-only change is persisted lazily, at Close.
	require.NoError(t, w.Save(raft.HardState{Term: 7, Vote: "s3", Commit: 0}, entries(1, 2, 7)))
	require.NoError(t, w.Save(raft.HardState{Term: 7, Vote: "s3", Commit: 2}, nil))
	require.NoError(t, w.Sync())
	require.Equal(t, uint64(1), w.Stats().HardStateWrites)
	require.NoError(t, w.Close())
	_, st := mustOpen(t, disk)
	require.Equal(t, raft.HardState{Term: 7, Vote: "s3", Commit: 2}, st.HardState)
}

func TestCorruptHardStateStopsOpen(t *testing.T) {
	disk := newDisk(t)
	w, _ := mustOpen(t, disk)
	require.NoError(t, w.Save(raft.HardState{Term: 7, Vote: "s3"}, nil))
	require.NoError(t, w.Close())
	b := readFile(t, disk, "raft/hardstate")
	b[13] ^= 0x10
	writeFile(t, disk, "raft/hardstate", b)
	_, _, err := Open(disk, "raft", nil)
	require.ErrorIs(t, err, ErrCorrupt)
	require.ErrorContains(t, err, "raft/hardstate")
}

func TestHardStateEncodingRejectsEveryFlippedBit(t *testing.T) {
	b := encodeHardState(raft.HardState{Term: 9, Vote: "node-1", Commit: 4})
	hs, err := decodeHardState(b)
	require.NoError(t, err)
	require.Equal(t, raft.HardState{Term: 9, Vote: "node-1", Commit: 4}, hs)
	forEachBitFlip(b, func(i int, c []byte) {
		_, err := decodeHardState(c)
		require.Error(t, err, "bit %d", i)
	})
}

func TestStrayTemporaryFilesAreRemovedAtOpen(t *testing.T) {
	disk := newDisk(t)
	w, _ := mustOpen(t, disk)
	require.NoError(t, w.Save(raft.HardState{Term: 2}, nil))
	require.NoError(t, w.Close())
	writeFile(t, disk, "raft/hardstate.tmp", []byte("half"))
	_, st := mustOpen(t, disk)
	require.Equal(t, uint64(2), st.HardState.Term)
	_, err := disk.ReadFile("raft/hardstate.tmp")
	require.Error(t, err)
}

// failingDisk makes every file write fail once failWrites is set.
type failingDisk struct {
	netsim.Disk
	failWrites bool
}

func (d *failingDisk) Create(name string) (netsim.File, error) {
	f, err := d.Disk.Create(name)
	return &failingFile{File: f, disk: d}, err
}

func (d *failingDisk) Open(name string) (netsim.File, error) {
	f, err := d.Disk.Open(name)
	return &failingFile{File: f, disk: d}, err
}

type failingFile struct {
	netsim.File
	disk *failingDisk
}

func (f *failingFile) Write(p []byte) (int, error) {
	if f.disk.failWrites {
		return 0, errors.New("disk full")
	}
	return f.File.Write(p)
}

func TestAFailedWriteStopsEveryLaterCall(t *testing.T) {
	disk := &failingDisk{Disk: newDisk(t)}
	w, _ := mustOpen(t, disk)
	require.NoError(t, w.Append(entries(1, 3, 1)))
	disk.failWrites = true
	require.ErrorContains(t, w.Append(entries(4, 4, 1)), "disk full")
	disk.failWrites = false
	require.ErrorIs(t, w.Append(entries(4, 4, 1)), ErrFailed)
	require.ErrorIs(t, w.Sync(), ErrFailed)
	require.NoError(t, w.Close())
	// Reopening runs recovery and goes on from what is on disk.
	w, st := mustOpen(t, disk)
	require.Equal(t, entries(1, 3, 1), st.Entries)
	require.NoError(t, w.Close())
}

// FuzzDecodeHardState checks that the hard state decoder never panics and
// that whatever it accepts re-encodes to the same bytes.
func FuzzDecodeHardState(f *testing.F) {
	f.Add(encodeHardState(raft.HardState{Term: 3, Vote: "s1", Commit: 9}))
	f.Add(encodeHardState(raft.HardState{}))
	f.Add([]byte("CAIRNHST\x01\x00\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		hs, err := decodeHardState(b)
		if err != nil {
			return
		}
		require.Equal(t, b, encodeHardState(hs))
	})
}
