package catalog

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func kvOp(verb, key string, mod ...func(*TxnKVOp)) TxnOp {
	op := &TxnKVOp{Verb: verb, Key: key}
	for _, m := range mod {
		m(op)
	}
	return TxnOp{KV: op}
}

func withValue(v string) func(*TxnKVOp)   { return func(op *TxnKVOp) { op.Value = []byte(v) } }
func withIndex(i uint64) func(*TxnKVOp)   { return func(op *TxnKVOp) { op.Index = i } }
func withSession(s string) func(*TxnKVOp) { return func(op *TxnKVOp) { op.Session = s } }

func TestTxnAppliesEveryOperationInOrder(t *testing.T) {
	a := sessionCluster(t)
	a.session("s1", "n1", "")
	a.ok(&KVSetRequest{Key: "app/a", Value: []byte("1")})
	a.ok(&KVSetRequest{Key: "app/gone", Value: []byte("x")})
	aIdx := a.kv("app/a").ModifyIndex
	res := a.do(&TxnRequest{Ops: []TxnOp{
		kvOp(TxnKVCheckIndex, "app/a", withIndex(aIdx)),
		kvOp(TxnKVCheckNotExists, "app/b"),
		kvOp(TxnKVSet, "app/b", withValue("2")),
		kvOp(TxnKVCAS, "app/c", withValue("3"), withIndex(0)),
		kvOp(TxnKVLock, "app/lock", withValue("me"), withSession("s1")),
		kvOp(TxnKVCheckSession, "app/lock", withSession("s1")),
		kvOp(TxnKVDelete, "app/gone"),
		kvOp(TxnKVGet, "app/b"),
		kvOp(TxnKVGetTree, "app/"),
	}})
	require.NoError(t, res.Err)
	require.True(t, res.OK)
	require.Empty(t, res.TxnErrors)
	var got []string
	for _, r := range res.TxnResults {
		got = append(got, fmt.Sprintf("%s=%s", r.KV.Key, r.KV.Value))
	}
	require.Equal(t, []string{
		"app/a=", "app/b=", "app/c=", "app/lock=", "app/lock=", // writes and checks: no value
		"app/b=2",                                      // get
		"app/a=1", "app/b=2", "app/c=3", "app/lock=me", // get-tree sees the writes before it, not app/gone
	}, got)
	require.Equal(t, a.idx, a.kv("app/b").ModifyIndex)
	require.Equal(t, "s1", a.kv("app/lock").Session)
	require.Equal(t, uint64(1), a.kv("app/lock").LockIndex)
	require.Nil(t, a.kv("app/gone"))
	idx, _ := a.s.KVGet(nil, "app/gone")
	require.Equal(t, a.idx, idx, "the delete left a tombstone")
	require.NoError(t, checkHeldIndex(&a.s.db))
}

// TestTxnWithAFailingOpChangesNothing puts one failing operation in the
// middle of writes: the whole transaction is refused with that operation's
// index and reason, and the state, its indexes and its watches are as
// before.
func TestTxnWithAFailingOpChangesNothing(t *testing.T) {
	failing := map[string]TxnOp{
		"stale cas":             kvOp(TxnKVCAS, "app/a", withIndex(1)),
		"cas create over key":   kvOp(TxnKVCAS, "app/a", withIndex(0)),
		"check-index":           kvOp(TxnKVCheckIndex, "app/a", withIndex(1)),
		"check-index of absent": kvOp(TxnKVCheckIndex, "app/none", withIndex(1)),
		"check-session":         kvOp(TxnKVCheckSession, "app/a", withSession("s1")),
		"check-not-exists":      kvOp(TxnKVCheckNotExists, "app/a"),
		"get of absent":         kvOp(TxnKVGet, "app/none"),
		"lock held by other":    kvOp(TxnKVLock, "app/held", withSession("s1")),
		"lock by unknown":       kvOp(TxnKVLock, "app/x", withSession("ghost")),
		"unlock by non-holder":  kvOp(TxnKVUnlock, "app/held", withSession("s1")),
		"stale delete-cas":      kvOp(TxnKVDeleteCAS, "app/a", withIndex(1)),
		"unknown verb":          kvOp("frobnicate", "app/a"),
		"not a KV op":           {},
	}
	for name, bad := range failing {
		t.Run(name, func(t *testing.T) {
			a := sessionCluster(t)
			a.session("s1", "n1", "")
			a.session("s2", "n2", "")
			a.ok(&KVSetRequest{Key: "app/a", Value: []byte("1")})
			a.ok(&KVSetRequest{Key: "app/b", Value: []byte("1")})
			require.True(t, a.lock("app/held", "s2", 0))
			before := contentBytes(t, a.s)
			kvIdx, _ := a.s.KVList(nil, "")
			ws := &WatchSet{}
			a.s.KVList(ws, "app/")
			res := a.do(&TxnRequest{Ops: []TxnOp{
				kvOp(TxnKVSet, "app/new", withValue("n")),
				kvOp(TxnKVSet, "app/a", withValue("2")),
				bad,
				kvOp(TxnKVDelete, "app/b"),
				kvOp(TxnKVLock, "app/mine", withSession("s1")),
			}})
			require.ErrorIs(t, res.Err, ErrTxnFailed)
			require.False(t, res.OK)
			require.Len(t, res.TxnErrors, 1)
			require.Equal(t, 2, res.TxnErrors[0].OpIndex)
			require.NotEmpty(t, res.TxnErrors[0].What)
			require.Empty(t, res.TxnResults)
			require.Equal(t, before, contentBytes(t, a.s), "nothing changed")
			idx, _ := a.s.KVList(nil, "")
			require.Equal(t, kvIdx, idx, "no index moved")
			require.False(t, ws.Fired(), "nobody was woken")
		})
	}
}

func TestTxnReportsEveryFailingOp(t *testing.T) {
	a := sessionCluster(t)
	res := a.do(&TxnRequest{Ops: []TxnOp{
		kvOp(TxnKVGet, "a"),
		kvOp(TxnKVSet, "b"),
		kvOp(TxnKVCheckIndex, "c", withIndex(3)),
	}})
	require.Equal(t, []TxnError{
		{OpIndex: 0, What: `key "a" doesn't exist`},
		{OpIndex: 2, What: `key "c" doesn't exist`},
	}, res.TxnErrors)
}

func TestTxnOpsSeeEarlierOpsOfTheSameTxn(t *testing.T) {
	a := sessionCluster(t)
	a.session("s1", "n1", "")
	a.session("s2", "n2", "")
	a.ok(&KVSetRequest{Key: "k", Value: []byte("old")})
	res := a.do(&TxnRequest{Ops: []TxnOp{
		kvOp(TxnKVLock, "k", withSession("s1")),
		kvOp(TxnKVUnlock, "k", withSession("s1")),
		kvOp(TxnKVLock, "k", withSession("s2"), withValue("s2's")),
		kvOp(TxnKVDeleteTree, "k"),
		kvOp(TxnKVCheckNotExists, "k"),
		kvOp(TxnKVLock, "k", withSession("s1")),
	}})
	require.NoError(t, res.Err)
	e := a.kv("k")
	require.Equal(t, "s1", e.Session)
	require.Equal(t, uint64(1), e.LockIndex, "the key was deleted and created again inside the txn")
	require.Equal(t, a.idx, e.CreateIndex)
	require.NoError(t, checkHeldIndex(&a.s.db))
}

func TestTxnRefusesMoreThanMaxOps(t *testing.T) {
	a := sessionCluster(t)
	ops := make([]TxnOp, MaxTxnOps+1)
	for i := range ops {
		ops[i] = kvOp(TxnKVSet, fmt.Sprint(i))
	}
	res := a.do(&TxnRequest{Ops: ops})
	require.ErrorIs(t, res.Err, ErrTxnTooLarge)
	require.Nil(t, a.kv("0"))
	res = a.do(&TxnRequest{Ops: ops[:MaxTxnOps]})
	require.NoError(t, res.Err)
	require.Len(t, res.TxnResults, MaxTxnOps)
}
