package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// randomCommand draws a write over small name spaces, so that writes
// collide, overwrite and delete each other often.
func randomCommand(r *rand.Rand, idx uint64) Command {
	node := fmt.Sprintf("n%d", r.IntN(4))
	svcName := []string{"web", "api", "db"}[r.IntN(3)]
	svcID := fmt.Sprintf("s%d", r.IntN(3)) // an ID may change service name
	key := []string{"a", "a/x", "a/b/y", "a/b/z", "ab", "c/x", "c/y/z"}[r.IntN(7)]
	status := []string{HealthPassing, HealthWarning, HealthCritical}[r.IntN(3)]
	tags := [][]string{nil, {"v1"}, {"v2", "primary"}}[r.IntN(3)]
	now := Timestamp(idx) * Timestamp(time.Second)
	switch r.IntN(18) {
	case 12, 13:
		return randomSessionCommand(r, node, now)
	case 14, 15:
		return randomLockCommand(r, now)
	case 16:
		ops := make([]TxnOp, 1+r.IntN(4))
		for i := range ops {
			ops[i] = randomTxnOp(r, idx)
		}
		return &TxnRequest{Ops: ops, Now: now}
	case 0:
		return &RegisterRequest{Node: node, Address: fmt.Sprintf("10.0.0.%d", r.IntN(3)),
			NodeMeta: map[string]string{"rack": []string{"a", "b"}[r.IntN(2)]}}
	case 1:
		return &RegisterRequest{Node: node, SkipNodeUpdate: r.IntN(2) == 0, Address: "10.1.0.1",
			Service: &Service{ID: svcID, Service: svcName, Tags: tags, Port: r.IntN(3)}}
	case 2:
		sid := ""
		if r.IntN(2) == 0 {
			sid = svcID
		}
		return &RegisterRequest{Node: node, SkipNodeUpdate: true, Now: now,
			Check: &HealthCheck{CheckID: fmt.Sprintf("c%d", r.IntN(3)), ServiceID: sid, Status: status}}
	case 3, 17:
		return &UpdateCheckRequest{Node: node, CheckID: fmt.Sprintf("c%d", r.IntN(3)), Status: status,
			Output: fmt.Sprint(r.IntN(2)), Now: now}
	case 4:
		switch r.IntN(3) {
		case 0:
			return &DeregisterRequest{Node: node, Now: now}
		case 1:
			return &DeregisterRequest{Node: node, ServiceID: svcID, Now: now}
		}
		return &DeregisterRequest{Node: node, CheckID: fmt.Sprintf("c%d", r.IntN(3)), Now: now}
	case 5, 6:
		return &KVSetRequest{Key: key, Value: []byte{byte(r.IntN(256))}, Flags: uint64(r.IntN(2))}
	case 7:
		return &KVCASRequest{Key: key, Value: []byte("cas"), Index: uint64(r.IntN(int(idx) + 1))}
	case 8:
		return &KVDeleteRequest{Key: key}
	case 9:
		return &KVDeleteCASRequest{Key: key, Index: uint64(r.IntN(int(idx) + 1))}
	case 10:
		return &KVDeleteTreeRequest{Prefix: key[:1+r.IntN(len(key))]}
	}
	return &ReapRequest{Index: uint64(r.IntN(int(idx) + 1))}
}

// randomSessionCommand creates or destroys one of two sessions. A session
// depends on at most one of the checks c0..c2 (often missing or critical, so
// some creates are refused) and has a lock-delay of 0 or 3 s, which at one
// second per index outlasts a few commands.
func randomSessionCommand(r *rand.Rand, node string, now Timestamp) Command {
	id := fmt.Sprintf("sess%d", r.IntN(2))
	if r.IntN(4) == 0 {
		return &SessionDestroyRequest{ID: id, Now: now}
	}
	sess := Session{ID: id, Node: node, Behavior: []string{"", SessionRelease, SessionDelete}[r.IntN(3)],
		LockDelay: []time.Duration{0, 3 * time.Second}[r.IntN(2)], NodeChecks: []string{}}
	for range r.IntN(3) / 2 {
		check := fmt.Sprintf("c%d", r.IntN(3))
		if r.IntN(2) == 0 {
			sess.NodeChecks = append(sess.NodeChecks, check)
		} else {
			sess.ServiceChecks = append(sess.ServiceChecks, ServiceCheck{ID: check})
		}
	}
	return &SessionCreateRequest{Session: sess, DisableLockDelay: r.IntN(4) == 0}
}

// randomLockCommand acquires or releases one of two keys for one of two
// sessions, so that a release often names the holder.
func randomLockCommand(r *rand.Rand, now Timestamp) Command {
	key := []string{"a/x", "c/x"}[r.IntN(2)]
	sess := fmt.Sprintf("sess%d", r.IntN(2))
	if r.IntN(3) == 0 {
		return &KVUnlockRequest{Key: key, Value: []byte("released"), Session: sess}
	}
	return &KVLockRequest{Key: key, Value: []byte(sess), Session: sess, Now: now}
}

// randomTxnOp draws one transaction operation over the same keys and
// sessions, with every verb.
func randomTxnOp(r *rand.Rand, idx uint64) TxnOp {
	verbs := []string{TxnKVSet, TxnKVCAS, TxnKVLock, TxnKVUnlock, TxnKVGet, TxnKVGetTree, TxnKVCheckIndex,
		TxnKVCheckSession, TxnKVCheckNotExists, TxnKVDelete, TxnKVDeleteTree, TxnKVDeleteCAS}
	key := []string{"a", "a/x", "a/b/y", "c/x"}[r.IntN(4)]
	op := &TxnKVOp{Verb: verbs[r.IntN(len(verbs))], Key: key, Value: []byte{byte(r.IntN(256))},
		Index: uint64(r.IntN(int(idx) + 1)), Session: fmt.Sprintf("sess%d", r.IntN(2))}
	if op.Verb == TxnKVGetTree || op.Verb == TxnKVDeleteTree {
		op.Key = key[:r.IntN(len(key)+1)]
	}
	return TxnOp{KV: op}
}

// resultString renders a Result for comparison between two states: the
// rows of a transaction's results by value, not by pointer.
func resultString(t testing.TB, res Result) string {
	return fmt.Sprint(res.OK, res.Err, jsonOf(t, res.TxnResults), jsonOf(t, res.TxnErrors))
}

// probe is one read whose index and result the property tests follow.
type probe struct {
	name string
	read func(s *State, ws *WatchSet) (uint64, any)
}

func probes() []probe {
	var ps []probe
	add := func(name string, read func(s *State, ws *WatchSet) (uint64, any)) {
		ps = append(ps, probe{name: name, read: read})
	}
	for _, p := range []string{"", "a", "a/", "a/b/", "ab", "c/", "zz"} {
		add("kvlist "+p, func(s *State, ws *WatchSet) (uint64, any) { return wrap2(s.KVList(ws, p)) })
		add("kvkeys "+p, func(s *State, ws *WatchSet) (uint64, any) { return wrap2(s.KVKeys(ws, p, "/")) })
	}
	for _, k := range []string{"a", "a/x", "c/y/z", "missing"} {
		add("kvget "+k, func(s *State, ws *WatchSet) (uint64, any) { return wrap2(s.KVGet(ws, k)) })
	}
	for _, name := range []string{"web", "api", "db", "none"} {
		add("health "+name, func(s *State, ws *WatchSet) (uint64, any) {
			return wrap3(s.CheckServiceNodes(ws, name, Query{}))
		})
		add("catalog "+name, func(s *State, ws *WatchSet) (uint64, any) {
			return wrap3(s.ServiceNodes(ws, name, Query{}))
		})
		add("checks "+name, func(s *State, ws *WatchSet) (uint64, any) {
			return wrap3(s.ServiceChecks(ws, name, Query{}))
		})
	}
	for _, n := range []string{"n0", "n1", "n2", "n3"} {
		add("node "+n, func(s *State, ws *WatchSet) (uint64, any) { return wrap2(s.GetNode(ws, n)) })
		add("nodechecks "+n, func(s *State, ws *WatchSet) (uint64, any) {
			return wrap3(s.NodeChecks(ws, n, Query{}))
		})
	}
	for _, id := range []string{"sess0", "sess1", "none"} {
		add("session "+id, func(s *State, ws *WatchSet) (uint64, any) { return wrap2(s.SessionGet(ws, id)) })
	}
	for _, n := range []string{"n0", "n1", "n2", "n3"} {
		add("nodesessions "+n, func(s *State, ws *WatchSet) (uint64, any) { return wrap2(s.NodeSessions(ws, n)) })
	}
	add("sessions", func(s *State, ws *WatchSet) (uint64, any) { return wrap2(s.SessionList(ws)) })
	add("nodes", func(s *State, ws *WatchSet) (uint64, any) { return wrap3(s.ListNodes(ws, Query{})) })
	add("services", func(s *State, ws *WatchSet) (uint64, any) { return wrap3(s.ListServices(ws, Query{})) })
	add("critical", func(s *State, ws *WatchSet) (uint64, any) {
		return wrap3(s.ChecksInState(ws, HealthCritical, Query{}))
	})
	return ps
}

func wrap2[T any](idx uint64, v T) (uint64, any) { return idx, v }

func wrap3[T any](idx uint64, v T, err error) (uint64, any) {
	if err != nil {
		panic(err)
	}
	return idx, v
}

func jsonOf(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func seedCount(t *testing.T) int {
	if testing.Short() {
		return 3
	}
	return 40
}

// TestRestoredCopyTracksOriginal applies a random history, restores a copy
// from a snapshot taken midway, applies the rest to both, and requires the
// same results and byte-identical snapshots; every snapshot also survives
// snapshot → restore → snapshot unchanged.
func TestRestoredCopyTracksOriginal(t *testing.T) {
	for seed := range seedCount(t) {
		r := rand.New(rand.NewPCG(uint64(seed), 1))
		orig := New(nil)
		var cp *State
		var origLocks, cpLocks LockChecker
		const steps = 300
		for idx := uint64(1); idx <= steps; idx++ {
			cmd := randomCommand(r, idx)
			b, err := Encode(cmd)
			require.NoError(t, err)
			kvIndex := orig.db.tableIndex[tableKVs]
			res := orig.Apply(idx, b).(Result)
			require.NoError(t, origLocks.Check(orig), "seed %d", seed)
			if _, txn := cmd.(*TxnRequest); txn && res.Err != nil {
				require.Equal(t, kvIndex, orig.db.tableIndex[tableKVs], "seed %d index %d: a refused txn moved the KV index", seed, idx)
			}
			if cp != nil {
				res2 := cp.Apply(idx, b).(Result)
				require.NoError(t, cpLocks.Check(cp), "seed %d", seed)
				require.Equal(t, resultString(t, res), resultString(t, res2), "seed %d index %d", seed, idx)
			}
			if idx%50 == 0 {
				snap := snapshotBytes(t, orig)
				again := snapshotBytes(t, restored(t, orig))
				require.True(t, bytes.Equal(snap, again), "seed %d index %d: snapshot → restore → snapshot differs", seed, idx)
				if cp == nil {
					cp = restored(t, orig)
				}
			}
		}
		require.Equal(t, snapshotBytes(t, orig), snapshotBytes(t, cp), "seed %d", seed)
		for _, p := range probes() {
			i1, v1 := p.read(orig, nil)
			i2, v2 := p.read(cp, nil)
			require.Equal(t, i1, i2, "seed %d %s", seed, p.name)
			require.Equal(t, jsonOf(t, v1), jsonOf(t, v2), "seed %d %s", seed, p.name)
		}
	}
}

// TestIndexesNeverMoveBackAndChangesAlwaysWake follows every probe through
// a random history with deletes, reaps, restores of older snapshots and
// restarts: a probe's index is never 0 and never decreases (except across a
// restart, where the new state's answers start over), and whenever a
// probe's result changes, its watch fired.
func TestIndexesNeverMoveBackAndChangesAlwaysWake(t *testing.T) {
	ps := probes()
	for seed := range seedCount(t) {
		r := rand.New(rand.NewPCG(uint64(seed), 2))
		s := New(nil)
		last := make([]uint64, len(ps))
		results := make([]string, len(ps))
		watches := make([]*WatchSet, len(ps))
		var old []byte
		// Raft's first entry is a leader's no-op or configuration, never a
		// command, so commands start at index 2 and the clamp to 1 hides
		// no change.
		for idx := uint64(2); idx <= 300; idx++ {
			for i, p := range ps {
				watches[i] = &WatchSet{}
				var v any
				last[i], v = p.read(s, watches[i])
				results[i] = jsonOf(t, v)
			}
			switch {
			case idx%97 == 0 && old != nil:
				require.NoError(t, s.Restore(bytes.NewReader(old)), "seed %d", seed)
			default:
				b, err := Encode(randomCommand(r, idx))
				require.NoError(t, err)
				s.Apply(idx, b)
			}
			if idx%40 == 0 {
				old = snapshotBytes(t, s)
			}
			for i, p := range ps {
				got, v := p.read(s, nil)
				require.NotZero(t, got)
				require.GreaterOrEqual(t, got, last[i], "seed %d index %d: %s moved back", seed, idx, p.name)
				if jsonOf(t, v) != results[i] {
					require.True(t, watches[i].Fired(), "seed %d index %d: %s changed without waking its watch", seed, idx, p.name)
					require.Greater(t, got, last[i], "seed %d index %d: %s changed but its index did not", seed, idx, p.name)
				}
			}
		}
	}
}
