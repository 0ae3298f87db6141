package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/internal/lincheck"
	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/netsim/simtest"
	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/swim"
)

// The KV paths under faults, checked for linearizability: client agents
// run workers that issue consistent gets, puts, CAS and transactions
// against three servers while a nemesis isolates and crashes leaders,
// splits the network and loses gossip datagrams. Every operation is
// recorded with the virtual times of its invocation and answer; a write
// whose answer never came is indeterminate. The history is then checked
// by porcupine against a model of a KV map (internal/lincheck).

// methodLinGet is the test's consistent read: the server confirms its
// read index (Consul's ?consistent) and answers from its catalog, as the
// HTTP layer does for a relayed GET.
const methodLinGet = "Test.LinGet"

// linKeys are the keys the workers use, in groups of two: a transaction
// touches the keys of one group only, so each group is checked on its own.
var linKeys = [][]string{{"lin/0/a", "lin/0/b"}, {"lin/1/a", "lin/1/b"}, {"lin/2/a", "lin/2/b"}, {"lin/3/a", "lin/3/b"}}

// Timeline of a run: the cluster forms, the workers run with faults,
// then on a healed network until stopWork, and late answers arrive until
// checkAt.
const (
	workFrom   = 20 * time.Second
	faultsFrom = 21 * time.Second
	faultsTo   = 40 * time.Second
	stopWork   = 45 * time.Second
	checkAt    = 60 * time.Second
)

// linGetAnswer is the answer of methodLinGet.
type linGetAnswer struct {
	Found       bool
	Value       string
	ModifyIndex uint64
}

// serveLinGet registers methodLinGet on s. With stale set it skips the
// read index and answers from whatever s has applied: a broken read path,
// to show that the check catches it.
func serveLinGet(s *Server, stale bool) {
	s.RegisterRPC(methodLinGet, func(body []byte, reply func([]byte, error)) {
		read := s.ConsistentRead
		if stale {
			read = func(done func(error)) { done(nil) }
		}
		read(func(err error) {
			if err != nil {
				reply(nil, noLeaderOr(err))
				return
			}
			var a linGetAnswer
			if _, kv := s.Catalog().KVGet(nil, string(body)); kv != nil {
				a = linGetAnswer{Found: true, Value: string(kv.Value), ModifyIndex: kv.ModifyIndex}
			}
			reply(json.Marshal(a))
		})
	})
}

// newLinCluster is three servers that serve methodLinGet and three
// client agents, with datagram loss, duplication and reordering drawn
// for the seed in force during the fault phase.
func newLinCluster(t *testing.T, seed uint64, staleReads bool) (*cluster, map[string]*Client) {
	c := &cluster{sim: simtest.New(t, seed, netsim.Options{}), servers: map[string]*Server{}}
	join := []string{"s1:8301", "s2:8301", "s3:8301"}
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("s%d", i)
		c.names = append(c.names, name)
		c.sim.AddHost(name, "dc1", func(env netsim.Env) {
			srv, err := NewServer(env, Config{
				ID: raft.ServerID("id-" + name), NodeName: name, NodeAddress: env.Host(), Datacenter: "dc1",
				Port: 8300, AdvertiseHost: env.Host(), Dir: "raft", BootstrapExpect: 3,
				Gossip: &GossipConfig{Port: 8301, RetryJoin: join, Swim: swim.LocalConfig()},
			})
			require.NoError(t, err)
			serveLinGet(srv, staleReads)
			c.servers[name] = srv
		})
	}
	clients := c.addClients(t, 3)
	r := c.sim.Rand("datagram-faults")
	plan := netsim.FaultPlan{Loss: float64(r.IntN(20)) / 100, Duplicate: float64(r.IntN(10)) / 100, Reorder: float64(r.IntN(20)) / 100}
	t.Logf("datagram faults: %s", plan)
	c.sim.ApplyFaults(plan, faultsFrom, faultsTo)
	return c, clients
}

// nemesis strikes every few seconds from faultsFrom to faultsTo, one
// fault at a time, each lasting up to three seconds: the leader isolated,
// the leader crashed and restarted, a server and a client split from the
// rest, or any server crashed and restarted.
func nemesis(c *cluster, r *rand.Rand) {
	var strike func()
	strike = func() {
		if c.sim.Now() >= faultsTo {
			return
		}
		d := time.Duration(500+r.IntN(2500)) * time.Millisecond
		leader := c.leader()
		server := c.names[r.IntN(len(c.names))]
		switch k := r.IntN(4); {
		case k == 0 && leader != "":
			c.sim.Isolate(leader)
			c.sim.After(d, c.sim.Heal)
		case k == 1 && leader != "":
			crashFor(c, leader, d)
		case k == 2:
			client := fmt.Sprintf("c%d", 1+r.IntN(3))
			c.sim.Partition([]string{server, client}, without(c.sim.Hosts(), server, client))
			c.sim.After(d, c.sim.Heal)
		default:
			crashFor(c, server, d)
		}
		c.sim.After(d+time.Duration(r.IntN(1000))*time.Millisecond, strike)
	}
	c.sim.At(faultsFrom, strike)
}

// crashFor crashes host and restarts it on its disk after d.
func crashFor(c *cluster, host string, d time.Duration) {
	c.sim.Crash(host)
	c.sim.After(d, func() {
		if !c.sim.Up(host) {
			c.sim.Restart(host, true)
		}
	})
}

// without returns hosts minus the excluded ones.
func without(hosts []string, excluded ...string) []string {
	var out []string
	for _, h := range hosts {
		if !slices.Contains(excluded, h) {
			out = append(out, h)
		}
	}
	return out
}

func TestKVGetPutCASAndTxnHistoriesAreLinearizableUnderFaults(t *testing.T) {
	simtest.Seeds(t, 1, 20, func(t *testing.T, seed uint64) {
		require.NoError(t, runKVWorkload(t, seed, false).Check(2*time.Minute))
	})
}

// The check has teeth: with reads served from any server's applied state,
// without the read index, some seeds of the same range must fail it.
func TestStaleReadsFailTheLinearizabilityCheck(t *testing.T) {
	first, last, err := simtest.Range(1, 5)
	require.NoError(t, err)
	caught := 0
	for seed := first; seed <= last; seed++ {
		err := runKVWorkload(t, seed, true).Check(2 * time.Minute)
		if err != nil {
			var f *lincheck.Failure
			require.ErrorAs(t, err, &f)
			require.ErrorIs(t, err, lincheck.ErrNotLinearizable)
			t.Logf("seed=%d: %v", seed, err)
			require.NoError(t, os.Remove(f.Visualization))
			caught++
		}
	}
	require.Positive(t, caught, "stale reads in seeds %d-%d went unnoticed", first, last)
}

// runKVWorkload runs six workers on three client agents through the
// nemesis and returns their history.
func runKVWorkload(t *testing.T, seed uint64, staleReads bool) *lincheck.History {
	c, clients := newLinCluster(t, seed, staleReads)
	c.sim.RunUntil(workFrom)
	require.NotEmpty(t, c.leader(), "the servers elect a leader before the workload")
	hist := &lincheck.History{}
	for id := range 6 {
		w := &linWorker{t: t, id: id, client: fmt.Sprintf("c%d", 1+id%3), c: c, clients: clients, hist: hist,
			r: c.sim.Rand(fmt.Sprintf("worker-%d", id)), seen: map[string][]uint64{}}
		c.sim.At(workFrom, w.next)
	}
	nemesis(c, c.sim.Rand("nemesis"))
	c.sim.RunUntil(checkAt)
	answered, refused, unknown := hist.Counts()
	t.Logf("operations: %d answered, %d refused, %d without an answer; trace=%s", answered, refused, unknown, c.sim.TraceHash())
	require.Greater(t, answered, 100, "the workload made progress")
	return hist
}

// linWorker is one client process: it issues one operation at a time
// through its client agent and records it.
type linWorker struct {
	t       *testing.T
	id      int
	client  string
	c       *cluster
	clients map[string]*Client
	hist    *lincheck.History
	r       *rand.Rand
	// seen lists the ModifyIndexes this worker read per key, 0 for a read
	// that found no key; CAS and check-index draw from it.
	seen    map[string][]uint64
	written int
}

// next issues the worker's next operation, if the work phase lasts.
// Conditional writes use either the index of a read made just before
// (read-modify-write, which mostly succeeds) or one read earlier (which
// mostly fails).
func (w *linWorker) next() {
	if w.c.sim.Now() >= stopWork {
		return
	}
	group := linKeys[w.r.IntN(len(linKeys))]
	key, other := group[0], group[1]
	if w.r.IntN(2) == 0 {
		key, other = other, key
	}
	index, known := w.index(key)
	conditional := func(index uint64) lincheck.Op {
		return lincheck.Op{Kind: lincheck.CAS, Key: key, Value: w.value(), Index: index}
	}
	if w.r.IntN(2) == 0 {
		conditional = func(index uint64) lincheck.Op {
			return lincheck.Op{Kind: lincheck.Txn, Ops: []lincheck.TxnOp{
				{Verb: lincheck.VerbCheckIndex, Key: key, Index: index},
				{Verb: lincheck.VerbSet, Key: key, Value: w.value()},
				{Verb: lincheck.VerbSet, Key: other, Value: w.value()},
				{Verb: lincheck.VerbGet, Key: key},
			}}
		}
	}
	switch k := w.r.IntN(10); {
	case k < 3 || !known:
		w.get(key, nil)
	case k < 4:
		w.write(lincheck.Op{Kind: lincheck.Put, Key: key, Value: w.value()})
	case k < 6:
		w.get(key, func(fresh uint64) { w.write(conditional(fresh)) })
	case k < 8:
		w.write(conditional(index))
	case index != 0:
		// The check-index follows a set of the same key, which moved its
		// ModifyIndex: it fails, and the transaction must apply nothing.
		w.write(lincheck.Op{Kind: lincheck.Txn, Ops: []lincheck.TxnOp{
			{Verb: lincheck.VerbSet, Key: other, Value: w.value()},
			{Verb: lincheck.VerbSet, Key: key, Value: w.value()},
			{Verb: lincheck.VerbCheckIndex, Key: key, Index: index},
			{Verb: lincheck.VerbSet, Key: other, Value: w.value()},
		}})
	default:
		w.write(conditional(0))
	}
}

// index draws a ModifyIndex this worker read for key: mostly the latest,
// sometimes an older one, so that some conditionals fail.
func (w *linWorker) index(key string) (uint64, bool) {
	seen := w.seen[key]
	if len(seen) == 0 {
		return 0, false
	}
	if w.r.IntN(4) == 0 {
		return seen[w.r.IntN(len(seen))], true
	}
	return seen[len(seen)-1], true
}

// value returns a value never written before.
func (w *linWorker) value() string {
	w.written++
	return fmt.Sprintf("w%d.%d", w.id, w.written)
}

// pause schedules the next operation after a short think time.
func (w *linWorker) pause() {
	w.c.sim.After(time.Duration(w.r.IntN(50))*time.Millisecond, w.next)
}

// get reads key consistently and, if then is set and the read was
// answered, calls it with the ModifyIndex read (0: no key). A read
// without an answer is left unanswered: it tells nothing.
func (w *linWorker) get(key string, then func(index uint64)) {
	call := w.hist.Invoke(w.id, lincheck.Op{Kind: lincheck.Get, Key: key}, w.c.sim.Now())
	w.clients[w.client].Call(methodLinGet, []byte(key), forwardTimeout, true, func(resp []byte, err error) {
		var a linGetAnswer
		if err != nil || json.Unmarshal(resp, &a) != nil {
			w.pause()
			return
		}
		call.Return(lincheck.Outcome{Entry: lincheck.Entry{Found: a.Found, Value: a.Value, Index: a.ModifyIndex}}, w.c.sim.Now())
		w.seen[key] = append(w.seen[key], a.ModifyIndex)
		if then == nil {
			w.pause()
			return
		}
		then(a.ModifyIndex)
	})
}

// write sends a put, CAS or transaction. A write whose answer is lost or
// says nothing of its fate stays unanswered: indeterminate.
func (w *linWorker) write(op lincheck.Op) {
	cmd, err := catalog.Encode(linCommand(op))
	require.NoError(w.t, err)
	call := w.hist.Invoke(w.id, op, w.c.sim.Now())
	w.clients[w.client].ApplyAs("", cmd, func(r catalog.Result, err error) {
		switch out, ok := linOutcome(op, r, err); {
		case ok:
			call.Return(out, w.c.sim.Now())
		case refused(err):
			call.Refused()
		}
		w.pause()
	})
}

// refused reports whether err says that no server applied a write: no
// leader took it (a server answered ErrNoLeader, itself or as the leader
// it forwarded to), or no server could be reached. The check holds the
// system to it: the write's value must never be read.
func refused(err error) bool {
	return err != nil && (errors.Is(err, ErrNoServers) || strings.HasSuffix(err.Error(), ErrNoLeader.Error()))
}

// linCommand is the catalog command an operation is sent as: what the
// HTTP layer makes of PUT /v1/kv/<key>[?cas=] and PUT /v1/txn.
func linCommand(op lincheck.Op) catalog.Command {
	switch op.Kind {
	case lincheck.Put:
		return &catalog.KVSetRequest{Key: op.Key, Value: []byte(op.Value)}
	case lincheck.CAS:
		return &catalog.KVCASRequest{Key: op.Key, Value: []byte(op.Value), Index: op.Index}
	}
	ops := make([]catalog.TxnOp, len(op.Ops))
	for i, t := range op.Ops {
		ops[i] = catalog.TxnOp{KV: &catalog.TxnKVOp{Verb: t.Verb, Key: t.Key, Value: []byte(t.Value), Index: t.Index}}
	}
	return &catalog.TxnRequest{Ops: ops}
}

// linOutcome reads a write's answer; ok is false when the answer does not
// say whether the write applied.
func linOutcome(op lincheck.Op, r catalog.Result, err error) (lincheck.Outcome, bool) {
	switch {
	case err != nil:
		return lincheck.Outcome{}, false
	case op.Kind == lincheck.Txn && errors.Is(r.Err, catalog.ErrTxnFailed):
		return lincheck.Outcome{OK: false}, true
	case r.Err != nil:
		return lincheck.Outcome{}, false
	case op.Kind != lincheck.Txn:
		return lincheck.Outcome{OK: r.OK}, true
	}
	out := lincheck.Outcome{OK: true}
	for _, res := range r.TxnResults {
		e := lincheck.Entry{Found: res.KV != nil}
		if res.KV != nil {
			e.Value, e.Index = string(res.KV.Value), res.KV.ModifyIndex
		}
		out.Entries = append(out.Entries, e)
	}
	return out, true
}
