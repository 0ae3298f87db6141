package core

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/netsim/simtest"
	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/raft/wal"
)

// The lock paths under faults: workers on client agents create sessions,
// acquire and release lock keys (alone and inside transactions) and
// destroy sessions, while the nemesis of linearizable_test.go strikes the
// servers and client agents crash, so that sessions are invalidated by
// serfHealth. At the end, the leader's committed log is replayed into a
// fresh catalog and catalog.LockChecker runs after every entry: at every
// Raft index a key is held by at most one existing, valid session, and
// its LockIndex grows with every acquisition. Nothing here checks that two workers never
// believe they hold the same lock at once: a lock is a lease, and a
// holder cut off from the servers keeps believing until it hears
// otherwise (README, "Locks and fencing").

// lockKeys are the keys the lock workers contend for.
var lockKeys = []string{"locks/a", "locks/b"}

func TestLockInvariantsHoldAtEveryIndexUnderFaults(t *testing.T) {
	simtest.Seeds(t, 1, 20, func(t *testing.T, seed uint64) {
		c, clients := newLinCluster(t, seed, false)
		c.sim.RunUntil(workFrom)
		require.NotEmpty(t, c.leader(), "the servers elect a leader before the workload")
		var acquired int
		for id := range 6 {
			w := &lockWorker{t: t, id: id, host: fmt.Sprintf("c%d", 1+id%3), c: c, clients: clients,
				r: c.sim.Rand(fmt.Sprintf("lock-worker-%d", id)), acquired: &acquired}
			c.sim.At(workFrom, w.tick)
		}
		nemesis(c, c.sim.Rand("nemesis"))
		crashClients(c, c.sim.Rand("client-crashes"))
		c.sim.RunUntil(checkAt)
		leader := c.leader()
		require.NotEmpty(t, leader, "a leader once the faults are over")
		t.Logf("acquisitions: %d; trace=%s", acquired, c.sim.TraceHash())
		require.Positive(t, acquired, "the workload took locks")
		_, want := c.servers[leader].Catalog().KVList(nil, "")
		_, got := checkLocksAtEveryIndex(t, c, leader).KVList(nil, "")
		require.Equal(t, want, got, "replaying the log gives the leader's KV store")
	})
}

// crashClients crashes a random client agent every few seconds of the
// fault phase and restarts it a few seconds later, long enough for its
// serfHealth to turn critical now and then.
func crashClients(c *cluster, r *rand.Rand) {
	var strike func()
	strike = func() {
		if c.sim.Now() >= faultsTo {
			return
		}
		d := time.Duration(1000+r.IntN(6000)) * time.Millisecond
		crashFor(c, fmt.Sprintf("c%d", 1+r.IntN(3)), d)
		c.sim.After(d+time.Duration(r.IntN(3000))*time.Millisecond, strike)
	}
	c.sim.At(faultsFrom+time.Second, strike)
}

// checkLocksAtEveryIndex replays the log of server name, up to what its
// catalog applied, into a fresh catalog and checks the lock invariants
// after every command, starting from the server's snapshot if the log was
// compacted behind one. It returns the replayed catalog. The simulation
// must not run afterwards: the server's disk is read from outside.
func checkLocksAtEveryIndex(t *testing.T, c *cluster, name string) *catalog.State {
	w, st, err := wal.Open(c.sim.Disk(name), "raft", nil)
	require.NoError(t, err)
	defer w.Close()
	state := catalog.New(nil)
	if st.Snapshot.Index > 0 {
		snap, err := w.Snapshots().OpenLatest()
		require.NoError(t, err)
		require.NoError(t, state.Restore(snap.Data()))
		require.NoError(t, snap.Close())
	}
	var checker catalog.LockChecker
	applied := c.servers[name].Catalog().LastIndex()
	for _, e := range st.Entries {
		if e.Index > applied {
			break
		}
		if e.Type == raft.EntryCommand {
			state.Apply(e.Index, e.Data)
			require.NoError(t, checker.Check(state), "replaying %s's log", name)
		}
	}
	require.Equal(t, applied, state.LastIndex(), "the log of %s holds every entry its catalog applied", name)
	return state
}

// lockWorker is one lock user on a client agent. It acts on a timer, not
// on answers, so that it carries on with the agent's new incarnation when
// its agent crashed with a request in flight.
type lockWorker struct {
	t        *testing.T
	id       int
	host     string
	c        *cluster
	clients  map[string]*Client
	r        *rand.Rand
	acquired *int
	// session is the worker's session, "" when it has none; busyOn is the
	// client a request is in flight on.
	session  string
	sessions int
	busyOn   *Client
}

// tick issues the next request unless one is in flight on a live agent.
func (w *lockWorker) tick() {
	if w.c.sim.Now() >= stopWork {
		return
	}
	w.c.sim.After(time.Duration(50+w.r.IntN(200))*time.Millisecond, w.tick)
	cl := w.clients[w.host]
	if !w.c.sim.Up(w.host) || w.busyOn == cl {
		return
	}
	w.busyOn = cl
	now := catalog.TimestampOf(w.c.sim.LocalTime(w.host))
	key := lockKeys[w.r.IntN(len(lockKeys))]
	var cmd catalog.Command
	acquire := false
	switch k := w.r.IntN(10); {
	case w.session == "":
		w.sessions++
		w.session = fmt.Sprintf("sess-%d-%d", w.id, w.sessions)
		cmd = &catalog.SessionCreateRequest{Session: catalog.Session{ID: w.session, Node: w.host,
			NodeChecks: []string{serfHealthCheckID}, LockDelay: time.Second,
			Behavior: []string{catalog.SessionRelease, catalog.SessionDelete}[w.r.IntN(2)]}}
	case k < 5:
		acquire = true
		cmd = &catalog.KVLockRequest{Key: key, Value: []byte(w.session), Session: w.session, Now: now}
	case k < 6:
		acquire = true
		cmd = &catalog.TxnRequest{Now: now, Ops: []catalog.TxnOp{
			{KV: &catalog.TxnKVOp{Verb: catalog.TxnKVLock, Key: key, Value: []byte(w.session), Session: w.session}},
			{KV: &catalog.TxnKVOp{Verb: catalog.TxnKVCheckSession, Key: key, Session: w.session}},
		}}
	case k < 9:
		cmd = &catalog.KVUnlockRequest{Key: key, Session: w.session}
	default:
		cmd = &catalog.SessionDestroyRequest{ID: w.session, Now: now}
		w.session = ""
	}
	body, err := catalog.Encode(cmd)
	require.NoError(w.t, err)
	cl.ApplyAs("", body, func(r catalog.Result, err error) {
		if w.busyOn == cl {
			w.busyOn = nil
		}
		switch {
		case err == nil && r.Err == nil && r.OK && acquire:
			*w.acquired++
		case err == nil && errors.Is(r.Err, catalog.ErrSessionNotFound):
			w.session = ""
		}
	})
}
