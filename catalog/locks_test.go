package catalog

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// lock applies a lock of key by session at now and returns its answer.
func (a *applier) lock(key, session string, now Timestamp) bool {
	a.t.Helper()
	res := a.do(&KVLockRequest{Key: key, Value: []byte(session), Session: session, Now: now})
	require.NoError(a.t, res.Err)
	return res.OK
}

func (a *applier) unlock(key, session string) bool {
	a.t.Helper()
	res := a.do(&KVUnlockRequest{Key: key, Session: session})
	require.NoError(a.t, res.Err)
	return res.OK
}

func (a *applier) kv(key string) *KVPair {
	_, e := a.s.KVGet(nil, key)
	return e
}

func TestLockIsExclusiveBetweenTwoSessions(t *testing.T) {
	a := sessionCluster(t)
	a.session("s1", "n1", "")
	a.session("s2", "n2", "")
	require.True(t, a.lock("k", "s1", 0))
	e := a.kv("k")
	require.Equal(t, "s1", e.Session)
	require.Equal(t, uint64(1), e.LockIndex)
	require.Equal(t, a.idx, e.CreateIndex)
	require.False(t, a.lock("k", "s2", 0), "a held key refuses another session")
	require.Equal(t, e, a.kv("k"), "a refused lock changes nothing")
}

func TestReacquireByHolderKeepsLockIndexAndWritesValue(t *testing.T) {
	a := sessionCluster(t)
	a.session("s1", "n1", "")
	require.True(t, a.lock("k", "s1", 0))
	first := a.kv("k")
	a.ok(&KVLockRequest{Key: "k", Value: []byte("new"), Flags: 3, Session: "s1"})
	e := a.kv("k")
	require.Equal(t, first.LockIndex, e.LockIndex)
	require.Equal(t, first.CreateIndex, e.CreateIndex)
	require.Equal(t, a.idx, e.ModifyIndex)
	require.Equal(t, []byte("new"), e.Value)
	require.Equal(t, uint64(3), e.Flags)
}

func TestLockIndexStrictlyIncreasesWithEachNewHolder(t *testing.T) {
	a := sessionCluster(t)
	a.session("s1", "n1", "")
	a.session("s2", "n2", "")
	a.ok(&KVSetRequest{Key: "k", Value: []byte("plain")})
	require.Zero(t, a.kv("k").LockIndex)
	var seen []uint64
	for _, holder := range []string{"s1", "s2", "s1", "s1", "s2"} {
		require.True(t, a.lock("k", holder, 0))
		seen = append(seen, a.kv("k").LockIndex)
		require.True(t, a.unlock("k", holder))
		require.Equal(t, seen[len(seen)-1], a.kv("k").LockIndex, "a release keeps LockIndex")
	}
	require.Equal(t, []uint64{1, 2, 3, 4, 5}, seen)
}

func TestReleaseOnlyByHolder(t *testing.T) {
	a := sessionCluster(t)
	a.session("s1", "n1", "")
	a.session("s2", "n2", "")
	require.False(t, a.unlock("missing", "s1"), "an absent key is not held")
	require.True(t, a.lock("k", "s1", 0))
	require.False(t, a.unlock("k", "s2"), "a non-holder cannot release")
	require.Equal(t, "s1", a.kv("k").Session)
	a.ok(&KVUnlockRequest{Key: "k", Value: []byte("done"), Session: "s1"})
	e := a.kv("k")
	require.Empty(t, e.Session)
	require.Equal(t, []byte("done"), e.Value, "a release writes its value")
	require.False(t, a.unlock("k", "s1"), "a released key cannot be released again")
}

func TestLockNeedsAnExistingSession(t *testing.T) {
	a := sessionCluster(t)
	res := a.do(&KVLockRequest{Key: "k", Session: "ghost"})
	require.ErrorIs(t, res.Err, ErrSessionNotFound)
	res = a.do(&KVLockRequest{Key: "k"})
	require.ErrorIs(t, res.Err, ErrMissingSession)
	res = a.do(&KVUnlockRequest{Key: "k"})
	require.ErrorIs(t, res.Err, ErrMissingSession)
	require.Nil(t, a.kv("k"))
}

func TestLockDelayRefusesAcquisitionUntilItPasses(t *testing.T) {
	a := sessionCluster(t)
	a.ok(&SessionCreateRequest{Session: Session{ID: "s1", Node: "n1", LockDelay: 10 * time.Second}})
	a.session("s2", "n2", "")
	const t0 = Timestamp(1_000_000_000)
	require.True(t, a.lock("k", "s1", t0))
	require.True(t, a.lock("other", "s2", t0))
	a.ok(&SessionDestroyRequest{ID: "s1", Now: t0})
	require.Empty(t, a.kv("k").Session)
	require.False(t, a.lock("k", "s2", t0.add(9*time.Second)), "refused inside the lock-delay")
	res := a.do(&TxnRequest{Now: t0.add(9 * time.Second), Ops: []TxnOp{{KV: &TxnKVOp{Verb: TxnKVLock, Key: "k", Session: "s2"}}}})
	require.ErrorIs(t, res.Err, ErrTxnFailed, "a transaction's lock obeys the lock-delay too")
	require.Contains(t, res.TxnErrors[0].What, "lock-delay")
	require.True(t, a.lock("k", "s2", t0.add(10*time.Second)), "accepted once it passed")
	require.Equal(t, uint64(2), a.kv("k").LockIndex)
	a.ok(&KVSetRequest{Key: "k", Value: []byte("written")})
	require.Equal(t, "s2", a.kv("k").Session, "a plain write keeps the holder, as in Consul")
}

func TestLockDelayOfZeroAllowsImmediateReacquire(t *testing.T) {
	a := sessionCluster(t)
	a.ok(&SessionCreateRequest{Session: Session{ID: "s1", Node: "n1"}, DisableLockDelay: true})
	a.session("s2", "n2", "")
	require.True(t, a.lock("k", "s1", 5))
	a.ok(&SessionDestroyRequest{ID: "s1", Now: 5})
	require.True(t, a.lock("k", "s2", 5))
	require.Zero(t, a.s.db.lockDelays.len())
}

func TestExpiredLockDelaysArePrunedByLaterDestroys(t *testing.T) {
	a := sessionCluster(t)
	for _, id := range []string{"s1", "s2"} {
		a.ok(&SessionCreateRequest{Session: Session{ID: id, Node: "n1", LockDelay: time.Second}})
		require.True(t, a.lock("k/"+id, id, 0))
	}
	a.ok(&SessionDestroyRequest{ID: "s1", Now: 0})
	require.Equal(t, 1, a.s.db.lockDelays.len())
	a.ok(&SessionDestroyRequest{ID: "s2", Now: Timestamp(2 * time.Second)})
	require.Equal(t, []string{"k/s2"}, slices.Collect(a.s.db.lockDelays.all()), "k/s1's delay ended before this destroy")
}

func TestDeleteOfHeldKeyIsAllowedAndForgetsTheHold(t *testing.T) {
	for name, del := range map[string]Command{
		"delete":      &KVDeleteRequest{Key: "k"},
		"delete-tree": &KVDeleteTreeRequest{Prefix: "k"},
	} {
		t.Run(name, func(t *testing.T) {
			a := sessionCluster(t)
			a.session("s1", "n1", SessionDelete)
			require.True(t, a.lock("k", "s1", 0))
			a.ok(del)
			require.Nil(t, a.kv("k"))
			require.NoError(t, checkHeldIndex(&a.s.db))
			a.ok(&KVSetRequest{Key: "k", Value: []byte("new")})
			a.ok(&SessionDestroyRequest{ID: "s1"})
			require.NotNil(t, a.kv("k"), "the destroyed session no longer owns the recreated key")
		})
	}
}

func TestCASOnHeldKeyKeepsTheHolder(t *testing.T) {
	a := sessionCluster(t)
	a.session("s1", "n1", "")
	require.True(t, a.lock("k", "s1", 0))
	res := a.do(&KVCASRequest{Key: "k", Value: []byte("x"), Index: a.kv("k").ModifyIndex})
	require.True(t, res.OK)
	require.Equal(t, "s1", a.kv("k").Session)
	require.Equal(t, []byte("x"), a.kv("k").Value)
}

func TestLockCheckerCatchesBrokenInvariants(t *testing.T) {
	a := sessionCluster(t)
	a.session("s1", "n1", "")
	a.session("s2", "n2", "")
	var c LockChecker
	require.True(t, a.lock("k", "s1", 0))
	require.NoError(t, c.Check(a.s))
	require.True(t, a.unlock("k", "s1"))
	require.True(t, a.lock("k", "s2", 0))
	require.NoError(t, c.Check(a.s))

	forged := *a.kv("k")
	forged.Session = "s1"
	a.s.kvPut(a.idx, &forged)
	require.ErrorContains(t, c.Check(a.s), "LockIndex stayed")

	forged.Session = "ghost"
	a.s.db.kvs.put("k", &forged)
	require.ErrorContains(t, (&LockChecker{}).Check(a.s), "does not exist")
}
