package wal

import (
	"bytes"
	"errors"
	"hash/crc32"
	"io"
	"path"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/raft"
)

// snapData is a state machine's serialised state for the tests.
type snapData []byte

func (d snapData) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(d)
	return int64(n), err
}

// failingData fails halfway through serialising.
type failingData struct{}

func (failingData) WriteTo(w io.Writer) (int64, error) {
	n, _ := w.Write([]byte("partial"))
	return int64(n), errors.New("state machine failed")
}

func meta(index, term uint64) raft.SnapshotMeta {
	return raft.SnapshotMeta{Index: index, Term: term, Config: raft.Configuration{Servers: []raft.Server{
		{ID: "s1", Address: "10.0.0.1:8300"},
		{ID: "s2", Address: "10.0.0.2:8300", Suffrage: raft.Learner},
	}}}
}

func openStore(t *testing.T, retain int) *SnapshotStore {
	t.Helper()
	s, err := OpenSnapshotStore(newDisk(t), "snaps", nil, retain)
	require.NoError(t, err)
	return s
}

func TestSnapshotRoundTripStreamsDataBack(t *testing.T) {
	s := openStore(t, 2)
	data := bytes.Repeat([]byte("state "), 50000)
	require.NoError(t, s.Create(meta(10, 2), snapData(data)))
	snap, err := s.OpenLatest()
	require.NoError(t, err)
	defer snap.Close()
	require.Equal(t, meta(10, 2), snap.Meta)
	got, err := io.ReadAll(snap.Data())
	require.NoError(t, err)
	require.Equal(t, data, got)
}

func TestSnapshotStoreKeepsTheNewestN(t *testing.T) {
	s := openStore(t, 2)
	for i := uint64(1); i <= 4; i++ {
		require.NoError(t, s.Create(meta(i*10, 1), snapData{byte(i)}))
	}
	names, err := s.names()
	require.NoError(t, err)
	require.Equal(t, []string{snapshotName(meta(40, 1)), snapshotName(meta(30, 1))}, names)
}

func TestSnapshotChecksumFailureFallsBackToTheOlderOne(t *testing.T) {
	s := openStore(t, 2)
	require.NoError(t, s.Create(meta(10, 1), snapData("old state")))
	require.NoError(t, s.Create(meta(20, 1), snapData("new state")))
	name := path.Join("snaps", snapshotName(meta(20, 1)))
	b := readFile(t, s.disk, name)
	i := bytes.Index(b, []byte("new state"))
	b[i] ^= 0x01
	writeFile(t, s.disk, name, b)

	_, err := s.open(snapshotName(meta(20, 1)))
	require.ErrorIs(t, err, ErrCorrupt)
	require.ErrorContains(t, err, "data crc")
	snap, err := s.OpenLatest()
	require.NoError(t, err)
	defer snap.Close()
	require.Equal(t, uint64(10), snap.Meta.Index)
}

func TestSnapshotDetectsEveryFlippedBit(t *testing.T) {
	s := openStore(t, 1)
	require.NoError(t, s.Create(meta(5, 1), snapData("abc")))
	name := path.Join("snaps", snapshotName(meta(5, 1)))
	good := readFile(t, s.disk, name)
	forEachBitFlip(good, func(i int, b []byte) {
		_, err := verifySnapshot(bytes.NewReader(b), int64(len(b)))
		require.ErrorIs(t, err, errBadSnapshot, "bit %d", i)
	})
}

func TestFailedSnapshotWriteLeavesNoSnapshot(t *testing.T) {
	s := openStore(t, 2)
	require.Error(t, s.Create(meta(5, 1), failingData{}))
	_, err := s.OpenLatest()
	require.ErrorIs(t, err, ErrNoSnapshot)
	// The temporary file is gone once the store is reopened.
	s2, err := OpenSnapshotStore(s.disk, "snaps", nil, 2)
	require.NoError(t, err)
	names, err := s2.disk.ReadDir("snaps")
	require.NoError(t, err)
	require.Empty(t, names)
}

func TestInstallVerifiesTheReceivedStream(t *testing.T) {
	snap := leaderSnapshot(t, meta(30, 4), "the state")
	raw, err := io.ReadAll(snap.Raw())
	require.NoError(t, err)
	require.Len(t, raw, int(snap.Size()))

	follower := openStore(t, 2)
	bad := bytes.Clone(raw)
	bad[len(bad)-20] ^= 0x01
	_, err = follower.Install(bytes.NewReader(bad))
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = follower.Install(bytes.NewReader(raw[:len(raw)-1]))
	require.ErrorIs(t, err, ErrCorrupt)
	names, err := follower.disk.ReadDir("snaps")
	require.NoError(t, err)
	require.Empty(t, names, "a rejected stream leaves nothing behind")

	m, err := follower.Install(bytes.NewReader(raw))
	require.NoError(t, err)
	require.Equal(t, meta(30, 4), m)
	got, err := follower.OpenLatest()
	require.NoError(t, err)
	defer got.Close()
	data, err := io.ReadAll(got.Data())
	require.NoError(t, err)
	require.Equal(t, "the state", string(data))
}

func TestCompactRemovesOnlyWholeSegmentsBehindTheTrailingEntries(t *testing.T) {
	disk := newDisk(t)
	opts := []Option{WithSegmentBytes(300), WithTrailingEntries(10)}
	w, _ := mustOpen(t, disk, opts...)
	require.NoError(t, w.Append(entries(1, 100, 1)))
	require.NoError(t, w.SaveSnapshot(meta(60, 1), snapData("s")))
	require.LessOrEqual(t, w.FirstIndex(), uint64(51), "entries 51..60 are kept")
	require.Greater(t, w.FirstIndex(), uint64(1), "segments before index 50 went")
	require.NoError(t, w.Close())

	w, st := mustOpen(t, disk, opts...)
	require.Equal(t, uint64(60), st.Snapshot.Index)
	require.Equal(t, entries(61, 100, 1), st.Entries)
	require.Equal(t, uint64(60), st.HardState.Commit)

	// Compacting at the end of the log still keeps the trailing entries.
	require.NoError(t, w.Compact(100))
	require.LessOrEqual(t, w.FirstIndex(), uint64(91))
	require.Greater(t, w.FirstIndex(), uint64(61))
	require.NoError(t, w.Close())
}

// leaderSnapshot writes a snapshot of m in a store of its own, as a
// leader would, and opens it for sending.
func leaderSnapshot(t *testing.T, m raft.SnapshotMeta, data string) *Snapshot {
	t.Helper()
	leader := openStore(t, 1)
	require.NoError(t, leader.Create(m, snapData(data)))
	snap, err := leader.OpenLatest()
	require.NoError(t, err)
	t.Cleanup(func() { snap.Close() })
	return snap
}

func TestInstallSnapshotKeepsAMatchingLogSuffix(t *testing.T) {
	snap := leaderSnapshot(t, meta(20, 1), "s")

	disk := newDisk(t)
	w, _ := mustOpen(t, disk, WithTrailingEntries(0))
	require.NoError(t, w.Append(entries(1, 30, 1)))
	m, err := w.InstallSnapshot(snap.Raw())
	require.NoError(t, err)
	require.Equal(t, uint64(20), m.Index)
	require.Equal(t, uint64(31), w.NextIndex())
	require.NoError(t, w.Close())

	_, st := mustOpen(t, disk)
	require.Equal(t, entries(21, 30, 1), st.Entries)
}

func TestInstallSnapshotDiscardsAConflictingLog(t *testing.T) {
	snap := leaderSnapshot(t, meta(20, 5), "s")

	disk := newDisk(t)
	w, _ := mustOpen(t, disk, WithSegmentBytes(300))
	require.NoError(t, w.Append(entries(1, 30, 1)))
	_, err := w.InstallSnapshot(snap.Raw())
	require.NoError(t, err)
	require.Equal(t, uint64(21), w.FirstIndex())
	require.Equal(t, uint64(21), w.NextIndex())
	require.NoError(t, w.Append(entries(21, 22, 5)))
	require.NoError(t, w.Close())

	_, st := mustOpen(t, disk)
	require.Equal(t, uint64(20), st.Snapshot.Index)
	require.Equal(t, entries(21, 22, 5), st.Entries)
}

func TestRecoveryDiscardsALogThatConflictsWithTheSnapshot(t *testing.T) {
	// A crash after the snapshot was installed but before the old log was
	// discarded leaves both; recovery applies Raft §7 itself.
	disk := newDisk(t)
	writeLog(t, disk, entries(1, 30, 1))
	s, err := OpenSnapshotStore(disk, "raft/snapshots", nil, 2)
	require.NoError(t, err)
	require.NoError(t, s.Create(meta(20, 5), snapData("s")))

	w, st := mustOpen(t, disk)
	require.Empty(t, st.Entries)
	require.Equal(t, uint64(21), w.NextIndex())
	require.NoError(t, w.Close())
}

func TestLogStartingAfterTheSnapshotIsErrCorrupt(t *testing.T) {
	disk := newDisk(t)
	w, _ := mustOpen(t, disk, WithSegmentBytes(300), WithTrailingEntries(0))
	require.NoError(t, w.Append(entries(1, 60, 1)))
	require.NoError(t, w.SaveSnapshot(meta(50, 1), snapData("s")))
	require.NoError(t, w.Close())
	// Only the snapshot at 50 covered the compacted entries; without it
	// the log has lost its beginning.
	require.NoError(t, disk.Remove("raft/snapshots/"+snapshotName(meta(50, 1))))
	_, _, err := Open(disk, "raft", nil, WithSegmentBytes(300))
	require.ErrorIs(t, err, ErrCorrupt)
	require.ErrorContains(t, err, "log starts at index")
}

// FuzzDecodeSnapshotHeader checks that the header decoder never panics and
// that whatever it accepts re-encodes to the same bytes.
func FuzzDecodeSnapshotHeader(f *testing.F) {
	h, err := appendSnapshotHeader(nil, meta(7, 3))
	require.NoError(f, err)
	f.Add(h)
	h, err = appendSnapshotHeader(nil, raft.SnapshotMeta{Index: 1, Term: 1})
	require.NoError(f, err)
	f.Add(h)
	f.Add([]byte("CAIRNSNP\x01\x00\x00\x00\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeSnapshotHeader(b)
		if err != nil {
			return
		}
		again, err := appendSnapshotHeader(nil, m)
		require.NoError(t, err)
		require.Equal(t, b, again)
	})
}

func TestInstallSnapshotDataFromBareBytes(t *testing.T) {
	disk := newDisk(t)
	w, _ := mustOpen(t, disk)
	require.NoError(t, w.Append(entries(1, 5, 1)))
	require.NoError(t, w.InstallSnapshotData(meta(9, 2), bytes.NewReader([]byte("state at 9"))))
	require.Equal(t, uint64(10), w.NextIndex())
	require.NoError(t, w.Close())

	w, st := mustOpen(t, disk)
	require.Equal(t, meta(9, 2), st.Snapshot)
	require.Empty(t, st.Entries)
	snap, err := w.Snapshots().OpenLatest()
	require.NoError(t, err)
	defer snap.Close()
	data, err := io.ReadAll(snap.Data())
	require.NoError(t, err)
	require.Equal(t, "state at 9", string(data))
	require.NoError(t, w.Close())
}

// FuzzVerifySnapshot feeds arbitrary bytes to the snapshot file check: it
// must not panic, and a file it accepts must be exactly header, data and
// trailer as the writer makes them.
func FuzzVerifySnapshot(f *testing.F) {
	h, err := appendSnapshotHeader(nil, meta(7, 3))
	require.NoError(f, err)
	data := []byte("some state")
	good := append(append(append([]byte(nil), h...), data...), appendSnapshotTrailer(nil, uint64(len(data)), crc32.Checksum(data, castagnoli))...)
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add(h)
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := verifySnapshot(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			require.ErrorIs(t, err, errBadSnapshot)
			return
		}
		header, err := appendSnapshotHeader(nil, l.meta)
		require.NoError(t, err)
		body := b[l.dataOff : l.dataOff+l.dataLen]
		want := append(append(header, body...), appendSnapshotTrailer(nil, uint64(len(body)), crc32.Checksum(body, castagnoli))...)
		require.Equal(t, want, b)
	})
}
