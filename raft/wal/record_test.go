package wal

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/raft"
)

func TestRecordRoundTripKeepsEveryField(t *testing.T) {
	for _, e := range []raft.Entry{
		{Index: 1, Term: 1, Type: raft.EntryNoop},
		{Index: 7, Term: 3, Type: raft.EntryCommand, Data: []byte("put a=1")},
		{Index: 1 << 60, Term: 1 << 40, Type: raft.EntryConfig, Data: bytes.Repeat([]byte{0xff}, 1000)},
	} {
		b := appendRecord(nil, e)
		require.Len(t, b, recordBytes(e))
		got, n, err := decodeRecord(b)
		require.NoError(t, err)
		require.Equal(t, len(b), n)
		require.Equal(t, e, got)
	}
}

func TestRecordDecodeRejectsEveryFlippedBit(t *testing.T) {
	b := appendRecord(nil, raft.Entry{Index: 5, Term: 2, Data: []byte("hello")})
	forEachBitFlip(b, func(i int, c []byte) {
		_, _, err := decodeRecord(c)
		require.ErrorIs(t, err, errBadRecord, "bit %d", i)
	})
}

func TestRecordDecodeRejectsEveryPrefix(t *testing.T) {
	b := appendRecord(nil, raft.Entry{Index: 5, Term: 2, Data: []byte("hello")})
	for n := range len(b) {
		_, _, err := decodeRecord(b[:n])
		require.ErrorIs(t, err, errBadRecord, "prefix %d", n)
	}
}

// FuzzDecodeRecord checks that the decoder never panics and that whatever
// it accepts is exactly the encoding of the entry it returns, so a record
// whose CRC failed can never come out.
func FuzzDecodeRecord(f *testing.F) {
	f.Add(appendRecord(nil, raft.Entry{Index: 1, Term: 1}))
	f.Add(appendRecord(nil, raft.Entry{Index: 9, Term: 4, Type: raft.EntryConfig, Data: []byte("x")}))
	f.Add([]byte{18, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, n, err := decodeRecord(b)
		if err != nil {
			return
		}
		require.Equal(t, b[:n], appendRecord(nil, e))
	})
}
