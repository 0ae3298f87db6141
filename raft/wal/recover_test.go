package wal

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/raft"
)

// lastRecordStart returns the offset of the last record of a segment.
func lastRecordStart(t *testing.T, b []byte) int {
	t.Helper()
	s, err := scanSegment(b)
	require.NoError(t, err)
	require.NoError(t, s.bad)
	return int(s.offsets[len(s.offsets)-1])
}

func TestTornLastRecordIsCutAtEveryByteOffset(t *testing.T) {
	disk := newDisk(t)
	writeLog(t, disk, entries(1, 5, 1))
	name := segmentFiles(t, disk)[0]
	full := readFile(t, disk, name)
	start := lastRecordStart(t, full)

	for cut := start; cut < len(full); cut++ {
		writeFile(t, disk, name, full[:cut])
		w, st := mustOpen(t, disk)
		require.Equal(t, entries(1, 4, 1), st.Entries, "cut at %d", cut)
		require.Len(t, readFile(t, disk, name), start, "the file is truncated to the last good record")
		// The log goes on from the cut.
		require.NoError(t, w.Append(entries(5, 5, 2)))
		require.NoError(t, w.Close())
		_, st = mustOpen(t, disk)
		require.Equal(t, append(entries(1, 4, 1), entries(5, 5, 2)...), st.Entries)
	}
}

func TestBadCRCOfTheFinalRecordsIsATornTail(t *testing.T) {
	disk := newDisk(t)
	writeLog(t, disk, entries(1, 5, 1))
	name := segmentFiles(t, disk)[0]
	b := readFile(t, disk, name)
	b[len(b)-1] ^= 0x80 // last byte of the last record's data
	writeFile(t, disk, name, b)
	_, st := mustOpen(t, disk)
	require.Equal(t, entries(1, 4, 1), st.Entries)
}

func TestGarbageAfterTheLastRecordIsATornTail(t *testing.T) {
	disk := newDisk(t)
	writeLog(t, disk, entries(1, 3, 1))
	name := segmentFiles(t, disk)[0]
	b := readFile(t, disk, name)
	writeFile(t, disk, name, append(b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
	_, st := mustOpen(t, disk)
	require.Equal(t, entries(1, 3, 1), st.Entries)
}

func TestCorruptionBeforeTheTailIsErrCorrupt(t *testing.T) {
	disk := newDisk(t)
	writeLog(t, disk, entries(1, 5, 1))
	name := segmentFiles(t, disk)[0]
	b := readFile(t, disk, name)
	s, err := scanSegment(b)
	require.NoError(t, err)
	// Flip one bit in the data of the second record, and, separately, in
	// the length field of the third: both are followed by good records.
	for _, off := range []int64{s.offsets[1] + recordHeaderBytes + entryBodyBytes, s.offsets[2]} {
		c := append([]byte(nil), b...)
		c[off] ^= 0x04
		writeFile(t, disk, name, c)
		_, _, err = Open(disk, "raft", nil)
		require.ErrorIs(t, err, ErrCorrupt)
		require.ErrorContains(t, err, name)
		require.ErrorContains(t, err, "valid records after it")
	}
}

func TestDamageInASegmentThatIsNotTheLastIsErrCorrupt(t *testing.T) {
	disk := newDisk(t)
	writeLog(t, disk, entries(1, 40, 1), WithSegmentBytes(300))
	files := segmentFiles(t, disk)
	require.Greater(t, len(files), 2)
	b := readFile(t, disk, files[0])
	writeFile(t, disk, files[0], b[:len(b)-2])
	_, _, err := Open(disk, "raft", nil, WithSegmentBytes(300))
	require.ErrorIs(t, err, ErrCorrupt)
	require.ErrorContains(t, err, "not the last")
	require.ErrorContains(t, err, files[0])
}

func TestBadSegmentHeaderIsErrCorrupt(t *testing.T) {
	disk := newDisk(t)
	writeLog(t, disk, entries(1, 3, 1))
	name := segmentFiles(t, disk)[0]
	b := readFile(t, disk, name)
	b[9] = 7 // format version
	writeFile(t, disk, name, b)
	_, _, err := Open(disk, "raft", nil)
	require.ErrorIs(t, err, ErrCorrupt)
	require.ErrorContains(t, err, "offset 0")
}

func TestMissingMiddleSegmentIsAGap(t *testing.T) {
	disk := newDisk(t)
	writeLog(t, disk, entries(1, 40, 1), WithSegmentBytes(300))
	files := segmentFiles(t, disk)
	require.Greater(t, len(files), 2)
	require.NoError(t, disk.Remove(files[1]))
	_, _, err := Open(disk, "raft", nil, WithSegmentBytes(300))
	require.ErrorIs(t, err, ErrCorrupt)
	require.ErrorContains(t, err, "gap")
}

func TestHalfCreatedLastSegmentIsRemoved(t *testing.T) {
	disk := newDisk(t)
	writeLog(t, disk, entries(1, 3, 1))
	writeFile(t, disk, "raft/log/"+segmentName(4), []byte("CAIRN"))
	w, st := mustOpen(t, disk)
	require.Equal(t, entries(1, 3, 1), st.Entries)
	require.Len(t, segmentFiles(t, disk), 1)
	require.NoError(t, w.Append(entries(4, 4, 1)))
	require.NoError(t, w.Close())
}

func TestCommitIsRaisedToTheSnapshotAndCappedByTheLog(t *testing.T) {
	disk := newDisk(t)
	w, _ := mustOpen(t, disk)
	require.NoError(t, w.Save(raft.HardState{Term: 1, Commit: 3}, entries(1, 3, 1)))
	require.NoError(t, w.Close())
	name := segmentFiles(t, disk)[0]
	b := readFile(t, disk, name)
	writeFile(t, disk, name, b[:lastRecordStart(t, b)])
	_, st := mustOpen(t, disk)
	require.Equal(t, uint64(2), st.HardState.Commit)
}
