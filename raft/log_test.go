package raft

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// logOf builds a log holding entries offset+1.. with the given terms, after
// a snapshot at offset of term snapTerm.
func logOf(offset, snapTerm uint64, terms ...uint64) raftLog {
	l := raftLog{snap: SnapshotMeta{Index: offset, Term: snapTerm}, offset: offset,
		committed: offset, applied: offset, applying: offset}
	for i, t := range terms {
		l.entries = append(l.entries, Entry{Index: offset + uint64(i) + 1, Term: t})
	}
	l.persisted = l.lastIndex()
	return l
}

func TestLogTermKnowsSnapshotAndHeldEntriesOnly(t *testing.T) {
	l := logOf(5, 2, 3, 3, 4) // entries 6..8
	for _, tt := range []struct {
		i    uint64
		term uint64
		ok   bool
	}{{4, 0, false}, {5, 2, true}, {6, 3, true}, {8, 4, true}, {9, 0, false}} {
		term, ok := l.term(tt.i)
		require.Equal(t, tt.ok, ok, "index %d", tt.i)
		require.Equal(t, tt.term, term, "index %d", tt.i)
	}
}

func TestLogFirstAndLastIndexOfTerm(t *testing.T) {
	l := logOf(0, 0, 1, 1, 2, 2, 2, 4)
	for _, tt := range []struct{ i, first uint64 }{{1, 1}, {2, 1}, {3, 3}, {5, 3}, {6, 6}, {0, 0}} {
		require.Equal(t, tt.first, l.firstIndexOfTerm(tt.i), "first of term at %d", tt.i)
	}
	for _, tt := range []struct {
		term, upTo, want uint64
		ok               bool
	}{{2, 6, 5, true}, {2, 4, 4, true}, {1, 6, 2, true}, {3, 6, 0, false}, {4, 5, 0, false}, {9, 6, 0, false}} {
		got, ok := l.lastIndexOfTerm(tt.term, tt.upTo)
		require.Equal(t, tt.ok, ok, "term %d up to %d", tt.term, tt.upTo)
		require.Equal(t, tt.want, got, "term %d up to %d", tt.term, tt.upTo)
	}
}

func TestLogSliceRespectsLimitsAndCompaction(t *testing.T) {
	l := logOf(2, 1, 1, 1, 1, 1)
	for i := range l.entries {
		l.entries[i].Data = make([]byte, 10)
	}
	_, ok := l.slice(2, 10, 100)
	require.False(t, ok, "index 2 is compacted")
	ents, ok := l.slice(3, 10, 100)
	require.True(t, ok)
	require.Len(t, ents, 4)
	ents, _ = l.slice(3, 2, 100)
	require.Len(t, ents, 2, "count limit")
	ents, _ = l.slice(3, 10, 25)
	require.Len(t, ents, 2, "byte limit")
	ents, _ = l.slice(3, 10, 1)
	require.Len(t, ents, 1, "one entry even if larger than the byte limit")
	ents, ok = l.slice(7, 10, 100)
	require.True(t, ok)
	require.Empty(t, ents)
}

func TestLogTruncateLowersPersistedIndex(t *testing.T) {
	l := logOf(0, 0, 1, 1, 1, 1)
	l.truncateAndAppend([]Entry{{Index: 3, Term: 2}})
	require.Equal(t, uint64(2), l.persisted)
	require.Equal(t, []Entry{{Index: 3, Term: 2}}, l.unstable())
	l.stableTo(3, 1)
	require.Equal(t, uint64(2), l.persisted, "a report for a replaced entry is ignored")
	l.stableTo(3, 2)
	require.Equal(t, uint64(3), l.persisted)
}

func TestLogTruncatingCommittedEntryPanics(t *testing.T) {
	l := logOf(0, 0, 1, 1, 1)
	l.committed = 2
	require.Panics(t, func() { l.truncateAndAppend([]Entry{{Index: 2, Term: 2}}) })
}

func TestLogCompactKeepsTrailingEntries(t *testing.T) {
	l := logOf(0, 0, 1, 1, 2, 2, 2)
	l.committed, l.applied = 5, 5
	l.compact(2, SnapshotMeta{Index: 4, Term: 2})
	require.Equal(t, uint64(3), l.firstIndex())
	require.Equal(t, uint64(5), l.lastIndex())
	term, ok := l.term(4)
	require.True(t, ok)
	require.Equal(t, uint64(2), term)
	_, ok = l.term(2)
	require.False(t, ok, "compacted and not the snapshot index")
}
