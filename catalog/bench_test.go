package catalog

import (
	"fmt"
	"io"
	"runtime"
	"testing"
)

// encodedCommands pre-encodes n commands so a benchmark times Apply alone.
func encodedCommands(b *testing.B, n int, mk func(i int) Command) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = mustEncode(b, mk(i))
	}
	return out
}

func benchApply(b *testing.B, cmds [][]byte, setup func(s *State)) {
	s := New(nil)
	if setup != nil {
		setup(s)
	}
	start := s.LastIndex()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Apply(start+uint64(i)+1, cmds[i%len(cmds)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkApplyKVSet overwrites 10,000 keys in turn.
func BenchmarkApplyKVSet(b *testing.B) {
	cmds := encodedCommands(b, 10000, func(i int) Command {
		return &KVSetRequest{Key: fmt.Sprintf("app/config/%05d", i), Value: []byte("some value of a few bytes")}
	})
	benchApply(b, cmds, nil)
}

// BenchmarkApplyKVCreateDelete creates and deletes keys, leaving tombstones.
func BenchmarkApplyKVCreateDelete(b *testing.B) {
	cmds := encodedCommands(b, 2000, func(i int) Command {
		key := fmt.Sprintf("locks/%04d", i/2)
		if i%2 == 1 {
			return &KVDeleteRequest{Key: key}
		}
		return &KVCASRequest{Key: key, Value: []byte("holder")}
	})
	benchApply(b, cmds, nil)
}

// BenchmarkApplyRegister re-registers services with a changing check
// status across 1,000 nodes: the anti-entropy and serfHealth load.
func BenchmarkApplyRegister(b *testing.B) {
	status := []string{HealthPassing, HealthWarning}
	cmds := encodedCommands(b, 4000, func(i int) Command {
		node := fmt.Sprintf("node-%04d", i%1000)
		return &RegisterRequest{Node: node, Address: "10.0.0.1", NodeMeta: map[string]string{"rack": "r1"},
			Service: &Service{ID: "web-1", Service: "web", Tags: []string{"v1"}, Port: 80},
			Check:   &HealthCheck{CheckID: "web-http", ServiceID: "web-1", Status: status[(i/1000)%2]}}
	})
	benchApply(b, cmds, nil)
}

// BenchmarkWatchMemory holds 100,000 blocking queries, each on its own KV
// key or each on one shared service, and reports the heap they take.
func BenchmarkWatchMemory(b *testing.B) {
	const watchers = 100000
	for _, shared := range []bool{false, true} {
		b.Run(fmt.Sprintf("shared=%v", shared), func(b *testing.B) {
			var perWatch float64
			for range b.N {
				s := New(nil)
				keys := make([]string, watchers)
				for i := range keys {
					keys[i] = fmt.Sprintf("app/%06d", i)
				}
				sets := make([]*WatchSet, watchers)
				before := heapBytes()
				for i := range sets {
					sets[i] = &WatchSet{}
					if shared {
						_, _, _ = s.CheckServiceNodes(sets[i], "web", Query{})
					} else {
						s.KVGet(sets[i], keys[i])
					}
				}
				after := heapBytes()
				perWatch = float64(after-before) / watchers
				runtime.KeepAlive(sets)
				runtime.KeepAlive(keys)
			}
			b.ReportMetric(perWatch, "bytes/watch")
		})
	}
}

func heapBytes() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkFanOut wakes 10,000 waiters on one service with one write.
func BenchmarkFanOut(b *testing.B) {
	a := newApplier(b)
	a.node("n1", "10.0.0.1", nil)
	a.service("n1", "web", "web-1")
	a.check("n1", "c", "web-1", HealthPassing)
	status := []string{HealthCritical, HealthPassing}
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		sets := make([]*WatchSet, 10000)
		for j := range sets {
			sets[j] = &WatchSet{}
			_, _, _ = a.s.CheckServiceNodes(sets[j], "web", Query{})
		}
		cmd := mustEncode(b, &UpdateCheckRequest{Node: "n1", CheckID: "c", Status: status[i%2]})
		b.StartTimer()
		a.idx++
		a.s.Apply(a.idx, cmd)
		if !sets[0].Fired() {
			b.Fatal("the write did not wake the waiters")
		}
	}
}

// BenchmarkApplyLockUnlock acquires and releases 1,000 keys in turn with
// one session among 10,000 keys: the leader-election load.
func BenchmarkApplyLockUnlock(b *testing.B) {
	cmds := encodedCommands(b, 2000, func(i int) Command {
		key := fmt.Sprintf("locks/%04d", i/2)
		if i%2 == 1 {
			return &KVUnlockRequest{Key: key, Session: "s1"}
		}
		return &KVLockRequest{Key: key, Value: []byte("holder"), Session: "s1", Now: Timestamp(i)}
	})
	benchApply(b, cmds, sessionSetup(b))
}

// BenchmarkApplyTxn applies transactions of 64 operations (check-index,
// set, lock, get-tree) over a table of 10,000 keys.
func BenchmarkApplyTxn(b *testing.B) {
	cmds := encodedCommands(b, 100, func(i int) Command {
		ops := make([]TxnOp, 0, MaxTxnOps)
		for j := range MaxTxnOps / 4 {
			key := fmt.Sprintf("app/%02d/%02d", i, j)
			ops = append(ops,
				TxnOp{KV: &TxnKVOp{Verb: TxnKVSet, Key: key, Value: []byte("v")}},
				TxnOp{KV: &TxnKVOp{Verb: TxnKVLock, Key: key + "/lock", Session: "s1"}},
				TxnOp{KV: &TxnKVOp{Verb: TxnKVGet, Key: key}},
				TxnOp{KV: &TxnKVOp{Verb: TxnKVCheckNotExists, Key: key + "/none"}})
		}
		return &TxnRequest{Ops: ops}
	})
	benchApply(b, cmds, sessionSetup(b))
}

// sessionSetup registers a node with a session s1 and 10,000 keys.
func sessionSetup(b *testing.B) func(s *State) {
	return func(s *State) {
		a := &applier{t: b, s: s}
		a.ok(&RegisterRequest{Node: "n1", Address: "10.0.0.1"})
		a.ok(&SessionCreateRequest{Session: Session{ID: "s1", Node: "n1"}})
		for i := range 10000 {
			a.ok(&KVSetRequest{Key: fmt.Sprintf("data/%05d", i), Value: []byte("v")})
		}
	}
}

// BenchmarkApplyKVSetNewKeys inserts keys that do not exist yet, spread
// over a table of 100,000 keys: the cost of keeping the keys in order.
func BenchmarkApplyKVSetNewKeys(b *testing.B) {
	const tableKeys = 100000
	cmds := encodedCommands(b, b.N, func(i int) Command {
		return &KVSetRequest{Key: fmt.Sprintf("data/%06d/%d", (i*7919)%tableKeys, i), Value: []byte("v")}
	})
	benchApply(b, cmds, func(s *State) {
		a := &applier{t: b, s: s}
		for i := range tableKeys {
			a.ok(&KVSetRequest{Key: fmt.Sprintf("data/%06d", i), Value: []byte("v")})
		}
	})
}

// BenchmarkDecodeKVSet decodes the command of one KV write, which every
// server does for every write it applies.
func BenchmarkDecodeKVSet(b *testing.B) {
	cmd := mustEncode(b, &KVSetRequest{Key: "app/config/00042", Value: []byte("some value of a few bytes"), Flags: 3})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(cmd); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeKVSet encodes the command of one KV write, which the
// server that proposes it does once.
func BenchmarkEncodeKVSet(b *testing.B) {
	cmd := &KVSetRequest{Key: "app/config/00042", Value: []byte("some value of a few bytes"), Flags: 3}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(cmd); err != nil {
			b.Fatal(err)
		}
	}
}

// kv100k is a catalog holding 100,000 KV pairs of 128 bytes.
func kv100k(b *testing.B) *State {
	s := New(nil)
	value := make([]byte, 128)
	for i := range 100000 {
		s.Apply(uint64(i+1), mustEncode(b, &KVSetRequest{Key: fmt.Sprintf("bench/put/%d/%d", i/1000, i%1000), Value: value}))
	}
	return s
}

// BenchmarkSnapshotKV100k writes a snapshot of 100,000 KV pairs of 128
// bytes, as raft/driver does in the background.
func BenchmarkSnapshotKV100k(b *testing.B) {
	s := kv100k(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		sw, err := s.Snapshot()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := sw.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFirstWriteAfterSnapshotKV100k captures a snapshot of 100,000
// KV pairs and applies one write: the write copies the KV table
// (copy-on-write), on the Raft loop.
func BenchmarkFirstWriteAfterSnapshotKV100k(b *testing.B) {
	s := kv100k(b)
	cmd := mustEncode(b, &KVSetRequest{Key: "bench/put/0/0", Value: []byte("v")})
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.Snapshot(); err != nil {
			b.Fatal(err)
		}
		s.Apply(s.LastIndex()+uint64(i)+1, cmd)
	}
}
