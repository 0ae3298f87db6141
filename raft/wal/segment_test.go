package wal

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// segmentBytesOf encodes a segment holding es.
func segmentBytesOf(first uint64, n int) []byte {
	b := appendSegmentHeader(nil, first)
	for _, e := range entries(first, first+uint64(n)-1, 1) {
		b = appendRecord(b, e)
	}
	return b
}

func TestSegmentNameSortsLikeIndex(t *testing.T) {
	require.Equal(t, "00000000000000000001.seg", segmentName(1))
	require.Less(t, segmentName(9), segmentName(10))
	first, ok := parseSegmentName(segmentName(18446744073709551615))
	require.True(t, ok)
	require.Equal(t, uint64(18446744073709551615), first)
	for _, bad := range []string{"1.seg", "00000000000000000001.log", "0000000000000000000x.seg", "99999999999999999999.seg"} {
		_, ok := parseSegmentName(bad)
		require.False(t, ok, bad)
	}
}

func TestSegmentScanReadsAllRecordsOfAGoodSegment(t *testing.T) {
	s, err := scanSegment(segmentBytesOf(10, 5))
	require.NoError(t, err)
	require.NoError(t, s.bad)
	require.Equal(t, entries(10, 14, 1), s.entries)
	require.Len(t, s.offsets, 5)
	require.Equal(t, int64(segmentHeaderBytes), s.offsets[0])
}

func TestSegmentScanTellsATornTailFromDamageBeforeIt(t *testing.T) {
	b := segmentBytesOf(1, 3)
	torn, err := scanSegment(b[:len(b)-3])
	require.NoError(t, err)
	require.Error(t, torn.bad)
	require.False(t, torn.later)
	require.Len(t, torn.entries, 2)

	damaged := append([]byte(nil), b...)
	damaged[segmentHeaderBytes+10] ^= 0x01 // inside the first record
	mid, err := scanSegment(damaged)
	require.NoError(t, err)
	require.Error(t, mid.bad)
	require.True(t, mid.later)
	require.Empty(t, mid.entries)
}

func TestSegmentScanRejectsRecordsOutOfIndexOrder(t *testing.T) {
	b := appendSegmentHeader(nil, 1)
	b = appendRecord(b, entries(1, 1, 1)[0])
	b = appendRecord(b, entries(3, 3, 1)[0])
	s, err := scanSegment(b)
	require.NoError(t, err)
	require.ErrorIs(t, s.bad, errBadRecord)
	require.Len(t, s.entries, 1)
}

func TestSegmentHeaderRejectsNewerVersionAndDamage(t *testing.T) {
	h := appendSegmentHeader(nil, 5)
	first, err := decodeSegmentHeader(h)
	require.NoError(t, err)
	require.Equal(t, uint64(5), first)
	forEachBitFlip(h, func(i int, c []byte) {
		_, err := decodeSegmentHeader(c)
		require.Error(t, err, "bit %d", i)
	})
}

// FuzzScanSegment feeds arbitrary bytes to the segment scanner: it must not
// panic, and every record it returns must be a valid encoding found at the
// offset it reports.
func FuzzScanSegment(f *testing.F) {
	f.Add(segmentBytesOf(1, 3))
	b := segmentBytesOf(7, 2)
	f.Add(b[:len(b)-1])
	f.Add(appendSegmentHeader(nil, 1))
	f.Add([]byte("CAIRNLOG"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := scanSegment(b)
		if err != nil {
			return
		}
		require.Len(t, s.offsets, len(s.entries))
		for i, e := range s.entries {
			rec := appendRecord(nil, e)
			off := s.offsets[i]
			require.Equal(t, rec, b[off:off+int64(len(rec))])
			require.Equal(t, s.first+uint64(i), e.Index)
		}
		require.Equal(t, s.bad == nil, s.end == int64(len(b)))
	})
}
