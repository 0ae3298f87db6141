package lincheck

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// ms is a virtual time for hand-written histories.
func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// record adds an answered operation to h.
func record(h *History, client int, op Op, call, ret int, out Outcome) {
	h.Invoke(client, op, ms(call)).Return(out, ms(ret))
}

func found(value string, index uint64) Outcome {
	return Outcome{Entry: Entry{Found: true, Value: value, Index: index}}
}

// casHistory is a put, a read of it, and a CAS on the index read; what
// the last read returns is up to the test.
func casHistory(lastRead Outcome) *History {
	h := &History{}
	record(h, 0, Op{Kind: Put, Key: "k", Value: "a"}, 0, 10, Outcome{OK: true})
	record(h, 0, Op{Kind: Get, Key: "k"}, 20, 30, found("a", 5))
	record(h, 1, Op{Kind: CAS, Key: "k", Value: "b", Index: 5}, 40, 50, Outcome{OK: true})
	record(h, 0, Op{Kind: Get, Key: "k"}, 60, 70, lastRead)
	return h
}

// requireRejected checks that err is a Failure for ErrNotLinearizable
// and that the visualization it names exists, then removes it.
func requireRejected(t *testing.T, err error) {
	t.Helper()
	require.ErrorIs(t, err, ErrNotLinearizable)
	var f *Failure
	require.ErrorAs(t, err, &f)
	require.Contains(t, err.Error(), f.Visualization)
	info, statErr := os.Stat(f.Visualization)
	require.NoError(t, statErr)
	require.Positive(t, info.Size())
	require.NoError(t, os.Remove(f.Visualization))
}

func TestAReadAfterACASSeesTheCASValue(t *testing.T) {
	require.NoError(t, casHistory(found("b", 9)).Check(time.Minute))
}

func TestAStaleReadAfterACASIsRejected(t *testing.T) {
	requireRejected(t, casHistory(found("a", 5)).Check(time.Minute))
}

func TestACASOnAStaleIndexMustFail(t *testing.T) {
	h := &History{}
	record(h, 0, Op{Kind: Put, Key: "k", Value: "a"}, 0, 10, Outcome{OK: true})
	record(h, 0, Op{Kind: Get, Key: "k"}, 20, 30, found("a", 5))
	record(h, 1, Op{Kind: Put, Key: "k", Value: "b"}, 40, 50, Outcome{OK: true})
	stale := Op{Kind: CAS, Key: "k", Value: "c", Index: 5}
	ok := &History{calls: append([]*Call(nil), h.calls...)}
	record(ok, 0, stale, 60, 70, Outcome{OK: false})
	require.NoError(t, ok.Check(time.Minute))

	record(h, 0, stale, 60, 70, Outcome{OK: true})
	requireRejected(t, h.Check(time.Minute))
}

func TestConcurrentOperationsMayTakeEitherOrder(t *testing.T) {
	h := &History{}
	record(h, 0, Op{Kind: Put, Key: "k", Value: "a"}, 0, 100, Outcome{OK: true})
	record(h, 1, Op{Kind: Get, Key: "k"}, 10, 20, Outcome{})
	record(h, 2, Op{Kind: Get, Key: "k"}, 30, 40, found("a", 3))
	require.NoError(t, h.Check(time.Minute), "a put overlapping both reads may fall between them")
	record(h, 1, Op{Kind: Get, Key: "k"}, 50, 60, Outcome{})
	requireRejected(t, h.Check(time.Minute))
}

// failingTxn sets k, then checks an index that cannot hold (the set just
// moved it), then sets k again: it must roll back entirely.
func failingTxn() Op {
	return Op{Kind: Txn, Ops: []TxnOp{
		{Verb: VerbSet, Key: "k", Value: "x"},
		{Verb: VerbCheckIndex, Key: "k", Index: 5},
		{Verb: VerbSet, Key: "j", Value: "y"},
	}}
}

func TestATransactionWithAFailingOperationAppliesNothing(t *testing.T) {
	base := func() *History {
		h := &History{}
		record(h, 0, Op{Kind: Put, Key: "k", Value: "a"}, 0, 5, Outcome{OK: true})
		record(h, 0, Op{Kind: Get, Key: "k"}, 6, 10, found("a", 5))
		record(h, 0, failingTxn(), 20, 30, Outcome{OK: false})
		return h
	}
	h := base()
	record(h, 0, Op{Kind: Get, Key: "k"}, 40, 50, found("a", 5))
	record(h, 0, Op{Kind: Get, Key: "j"}, 40, 50, Outcome{})
	require.NoError(t, h.Check(time.Minute))

	h = base()
	record(h, 0, Op{Kind: Get, Key: "j"}, 40, 50, found("y", 7))
	requireRejected(t, h.Check(time.Minute))

	h = base()
	h.calls[2].out = Outcome{OK: true, Entries: []Entry{{Index: 9}, {Index: 9}, {Index: 9}}}
	requireRejected(t, h.Check(time.Minute))
}

func TestATransactionChecksAnIndexThenSetsAtomically(t *testing.T) {
	txn := Op{Kind: Txn, Ops: []TxnOp{
		{Verb: VerbCheckIndex, Key: "k", Index: 5},
		{Verb: VerbSet, Key: "k", Value: "b"},
		{Verb: VerbGet, Key: "k"},
	}}
	h := &History{}
	record(h, 0, Op{Kind: Put, Key: "k", Value: "a"}, 0, 5, Outcome{OK: true})
	record(h, 0, Op{Kind: Get, Key: "k"}, 6, 10, found("a", 5))
	record(h, 0, txn, 20, 30, Outcome{OK: true, Entries: []Entry{{Index: 5}, {Index: 8}, {Found: true, Value: "b", Index: 8}}})
	record(h, 1, Op{Kind: CAS, Key: "k", Value: "c", Index: 8}, 40, 50, Outcome{OK: true})
	require.NoError(t, h.Check(time.Minute))
	record(h, 1, Op{Kind: Get, Key: "k"}, 60, 70, found("b", 8))
	requireRejected(t, h.Check(time.Minute))
}

func TestAnUnansweredWriteMayApplyLateOrNever(t *testing.T) {
	h := &History{}
	record(h, 0, Op{Kind: Put, Key: "k", Value: "a"}, 0, 10, Outcome{OK: true})
	h.Invoke(1, Op{Kind: Put, Key: "k", Value: "b"}, ms(20))
	h.Invoke(2, Op{Kind: Get, Key: "k"}, ms(20))
	record(h, 0, Op{Kind: Get, Key: "k"}, 30, 40, found("a", 2))
	record(h, 0, Op{Kind: Get, Key: "k"}, 50, 60, found("b", 4))
	require.NoError(t, h.Check(time.Minute))
	answered, refused, unknown := h.Counts()
	require.Equal(t, 3, answered)
	require.Equal(t, 0, refused)
	require.Equal(t, 2, unknown)

	record(h, 0, Op{Kind: Get, Key: "k"}, 70, 80, found("a", 2))
	requireRejected(t, h.Check(time.Minute))
}

func TestARefusedWriteMustNotBeSeen(t *testing.T) {
	h := &History{}
	record(h, 0, Op{Kind: Put, Key: "k", Value: "a"}, 0, 10, Outcome{OK: true})
	h.Invoke(1, Op{Kind: Put, Key: "k", Value: "b"}, ms(20)).Refused()
	record(h, 0, Op{Kind: Get, Key: "k"}, 30, 40, found("a", 2))
	require.NoError(t, h.Check(time.Minute))
	record(h, 0, Op{Kind: Get, Key: "k"}, 50, 60, found("b", 4))
	requireRejected(t, h.Check(time.Minute))
}

func TestIndexesThatContradictEachOtherAreRejected(t *testing.T) {
	h := &History{}
	record(h, 0, Op{Kind: Put, Key: "k", Value: "a"}, 0, 10, Outcome{OK: true})
	record(h, 0, Op{Kind: Get, Key: "k"}, 20, 30, found("a", 5))
	record(h, 0, Op{Kind: Get, Key: "k"}, 40, 50, found("a", 6))
	require.ErrorIs(t, h.Check(time.Minute), ErrInconsistentIndex)
}

func TestMalformedHistoriesAreReported(t *testing.T) {
	h := &History{}
	record(h, 0, Op{Kind: Put, Key: "k", Value: "a"}, 0, 10, Outcome{OK: true})
	record(h, 0, Op{Kind: Put, Key: "k", Value: "a"}, 20, 30, Outcome{OK: true})
	require.ErrorIs(t, h.Check(time.Minute), ErrBadHistory, "a value written twice")

	h = &History{}
	record(h, 0, Op{Kind: CAS, Key: "k", Value: "a", Index: 7}, 0, 10, Outcome{OK: false})
	require.ErrorIs(t, h.Check(time.Minute), ErrBadHistory, "a CAS on an index never seen")
}

func TestKeysJoinedByATransactionArePartitionedTogether(t *testing.T) {
	h := &History{}
	record(h, 0, Op{Kind: Put, Key: "a", Value: "1"}, 0, 10, Outcome{OK: true})
	record(h, 0, Op{Kind: Txn, Ops: []TxnOp{{Verb: VerbSet, Key: "b", Value: "2"}, {Verb: VerbSet, Key: "c", Value: "3"}}}, 0, 10,
		Outcome{OK: true, Entries: []Entry{{Index: 4}, {Index: 4}}})
	record(h, 0, Op{Kind: Get, Key: "c"}, 20, 30, found("3", 4))
	record(h, 0, Op{Kind: Get, Key: "d"}, 20, 30, Outcome{})
	parts := partitionByKeys(h.operations())
	require.Len(t, parts, 3)
	require.Len(t, parts[0], 1)
	require.Len(t, parts[1], 2, "b and c form one group")
	require.Len(t, parts[2], 1)
}
