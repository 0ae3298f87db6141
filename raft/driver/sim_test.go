package driver

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/netsim/simtest"
	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/raft/wal"
)

// Simulation settings: a safety phase of faultPhase with the seed's faults,
// then a liveness phase in which a healed cluster must elect a leader and
// commit a write within livenessBound.
const (
	faultPhase    = 30 * time.Second
	livenessBound = 10 * time.Second
	clientTimeout = 2 * time.Second
	simClients    = 5
	simKeys       = 4
	simOpsMax     = 2000
)

// cluster is a simulated Raft group with its checkers.
type cluster struct {
	t       testing.TB
	sim     *netsim.Sim
	names   []string
	conf    raft.Configuration
	servers map[string]*Server
	fsms    map[string]*kvFSM
	broken  map[string]error // hosts whose storage was found corrupt
	// violation is the first broken invariant; the run stops checking
	// further once it is set.
	violation error

	leaders map[uint64]raft.ServerID // term -> leader (election safety)
	applied map[uint64]raft.Entry    // index -> entry (state machine safety)
	hist    history
	ops     int
}

func newCluster(t testing.TB, sim *netsim.Sim, n int) *cluster {
	c := &cluster{
		t: t, sim: sim,
		servers: map[string]*Server{}, fsms: map[string]*kvFSM{}, broken: map[string]error{},
		leaders: map[uint64]raft.ServerID{}, applied: map[uint64]raft.Entry{},
	}
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("s%d", i)
		c.names = append(c.names, name)
		c.conf.Servers = append(c.conf.Servers, raft.Server{ID: raft.ServerID(name), Address: name + ":8300"})
	}
	for _, name := range c.names {
		sim.AddHost(name, "dc1", func(env netsim.Env) { c.boot(name, env) })
	}
	return c
}

// boot starts a server on a host that (re)started. Storage that fails its
// checks keeps the server down: it must never start on corrupt state.
func (c *cluster) boot(name string, env netsim.Env) {
	delete(c.servers, name)
	fsm := newKVFSM()
	srv, err := Start(env, Config{
		ID: raft.ServerID(name), Address: name + ":8300", Port: 8300, Dir: "raft", FSM: fsm,
		Observer: c, SnapshotThreshold: 200, TrailingEntries: 50,
	})
	if err != nil {
		if !errors.Is(err, wal.ErrCorrupt) {
			c.fail("%s failed to start: %v", name, err)
		}
		c.broken[name] = err
		return
	}
	if err := srv.Bootstrap(c.conf); err != nil && !errors.Is(err, raft.ErrAlreadyBootstrapped) {
		c.fail("%s bootstrap: %v", name, err)
	}
	c.servers[name], c.fsms[name] = srv, fsm
}

// Leader checks election safety: at most one leader per term (Raft §5.2).
func (c *cluster) Leader(id raft.ServerID, term uint64) {
	if prev, ok := c.leaders[term]; ok && prev != id {
		c.fail("election safety: %s and %s both lead term %d", prev, id, term)
	}
	c.leaders[term] = id
}

// Applied checks state machine safety: every server applies the same entry
// at a given index (Raft §5.4.3).
func (c *cluster) Applied(id raft.ServerID, e raft.Entry) {
	prev, ok := c.applied[e.Index]
	if !ok {
		c.applied[e.Index] = raft.Entry{Index: e.Index, Term: e.Term, Type: e.Type, Data: append([]byte(nil), e.Data...)}
		return
	}
	if prev.Term != e.Term || string(prev.Data) != string(e.Data) {
		c.fail("state machine safety: %s applied %d/%d %q, another server applied %d/%d %q",
			id, e.Index, e.Term, e.Data, prev.Index, prev.Term, prev.Data)
	}
}

// fail records the first violated invariant.
func (c *cluster) fail(format string, args ...any) {
	if c.violation == nil {
		c.violation = fmt.Errorf(format, args...)
	}
}

// server returns the running server of a host, or nil.
func (c *cluster) server(name string) *Server {
	if !c.sim.Up(name) {
		return nil
	}
	return c.servers[name]
}

// leader returns the host whose server currently believes it leads.
func (c *cluster) leader() string {
	for _, name := range c.names {
		if s := c.server(name); s != nil && s.Status().Role == raft.Leader {
			return name
		}
	}
	return ""
}

// startClients runs simClients clients, each issuing one operation at a
// time until simOpsMax operations were issued in all.
func (c *cluster) startClients(until time.Duration) {
	for id := range simClients {
		c.sim.After(time.Duration(id)*time.Millisecond, func() { c.clientOp(id, until) })
	}
}

// clientOp issues one random operation against a random server, or the
// leader it was pointed to, and schedules the next when it ends.
func (c *cluster) clientOp(id int, until time.Duration) {
	if c.ops >= simOpsMax || c.sim.Now() >= until {
		return
	}
	c.ops++
	w := c.sim.Workload()
	in := kvInput{put: w.IntN(2) == 0, key: fmt.Sprintf("k%d", w.IntN(simKeys))}
	if in.put {
		in.value = fmt.Sprintf("c%d-%d", id, c.ops)
	}
	target := c.leader()
	if target == "" || w.IntN(4) == 0 {
		target = c.names[w.IntN(len(c.names))]
	}
	call := c.sim.Now()
	ended := false
	next := func() {
		ended = true
		c.sim.After(time.Duration(1+w.IntN(20))*time.Millisecond, func() { c.clientOp(id, until) })
	}
	c.sim.After(clientTimeout, func() {
		if !ended {
			if in.put {
				c.hist.indeterminate(id, in, call)
			}
			next()
		}
	})
	srv := c.server(target)
	if srv == nil {
		return // the timeout ends the operation
	}
	if in.put {
		srv.Propose(putCommand(in.key, in.value), func(_ any, err error) {
			if ended {
				return
			}
			switch {
			case err == nil:
				c.hist.ok(id, in, "", call, c.sim.Now())
			case errors.Is(err, raft.ErrNotLeader):
			default:
				c.hist.indeterminate(id, in, call)
			}
			next()
		})
		return
	}
	fsm := c.fsms[target]
	srv.ReadIndex(func(err error) {
		if ended {
			return
		}
		if err == nil {
			c.hist.ok(id, in, fsm.data[in.key], call, c.sim.Now())
		}
		next()
	})
}

// awaitWrite proposes on the leader until one write commits, or reports a
// liveness failure once the bound passes.
func (c *cluster) awaitWrite(bound time.Duration) {
	deadline := c.sim.Now() + bound
	committed := false
	for !committed && c.violation == nil {
		if c.sim.Now() >= deadline {
			c.fail("liveness: no write committed within %v after the faults ended (leader %q)", bound, c.leader())
			return
		}
		if l := c.leader(); l != "" {
			c.server(l).Propose(putCommand("liveness", "ok"), func(_ any, err error) { committed = err == nil })
		}
		c.sim.RunFor(200 * time.Millisecond)
	}
}

// checkConverged requires every running server to have applied the same
// entries and to hold the same state.
func (c *cluster) checkConverged() {
	var ref *kvFSM
	var refName string
	var refApplied uint64
	for _, name := range c.names {
		srv := c.server(name)
		if srv == nil {
			continue
		}
		if ref == nil {
			ref, refName, refApplied = c.fsms[name], name, srv.Applied()
			continue
		}
		if srv.Applied() != refApplied || !c.fsms[name].equal(ref) {
			c.fail("convergence: %s applied %d, %s applied %d, states equal: %t",
				name, srv.Applied(), refName, refApplied, c.fsms[name].equal(ref))
			return
		}
	}
}

// scheduleBitFlips flips a bit in a random file of one random host, a few
// times during the fault phase.
func (c *cluster) scheduleBitFlips(r *rand.Rand) {
	victim := c.names[r.IntN(len(c.names))]
	for range 1 + r.IntN(3) {
		at := time.Second + time.Duration(r.Int64N(int64(faultPhase-time.Second)))
		pick := r.Uint64()
		c.sim.At(at, func() {
			files := listFiles(c.sim.Disk(victim), "raft")
			if len(files) > 0 {
				if err := c.sim.FlipBit(victim, files[pick%uint64(len(files))]); err != nil {
					c.t.Logf("flip bit in %s: %v", victim, err)
				}
			}
		})
	}
}

// listFiles lists the files below dir, depth first in name order.
func listFiles(d netsim.Disk, dir string) []string {
	names, err := d.ReadDir(dir)
	if err != nil {
		return nil
	}
	var files []string
	for _, n := range names {
		p := dir + "/" + n
		if sub := listFiles(d, p); sub != nil {
			files = append(files, sub...)
		} else if _, err := d.ReadFile(p); err == nil {
			files = append(files, p)
		}
	}
	return files
}

// runSimulation is one seed: faults drawn from the seed for faultPhase
// while clients run, then healing, liveness and convergence checks, then
// the linearizability check of the whole history. It returns the first
// violated invariant.
func runSimulation(t *testing.T, seed uint64, servers int) error {
	sim := simtest.New(t, seed, netsim.Options{})
	plan := sim.DrawFaults()
	// A wiped disk makes a server forget its vote and log; in Raft such a
	// server must rejoin as a new member, which the membership tests cover.
	plan.WipeDisk = 0
	// A flipped bit in the middle of a log stops that server for good (it
	// must not start on corrupt state); flips are limited to one victim so
	// that a quorum always remains for the liveness phase.
	flips := plan.FlipBitEvery > 0
	plan.FlipBitEvery = 0
	t.Logf("faults: %s flip-one-host=%t", plan, flips)
	c := newCluster(t, sim, servers)
	sim.ApplyFaults(plan, time.Second, faultPhase)
	if flips {
		c.scheduleBitFlips(sim.Rand("flips"))
	}
	c.startClients(faultPhase)
	sim.RunUntil(faultPhase)
	c.awaitWrite(livenessBound)
	sim.RunFor(2 * time.Second)
	if c.violation == nil {
		c.checkConverged()
	}
	if c.violation == nil {
		c.violation = c.hist.check()
	}
	t.Logf("ops=%d history=%d leaders=%d applied=%d trace=%s",
		c.ops, len(c.hist.ops), len(c.leaders), len(c.applied), sim.TraceHash())
	return c.violation
}

func TestSimulationThreeServers(t *testing.T) {
	simtest.Seeds(t, 1, 500, func(t *testing.T, seed uint64) {
		if err := runSimulation(t, seed, 3); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSimulationFiveServers(t *testing.T) {
	simtest.Seeds(t, 1, 100, func(t *testing.T, seed uint64) {
		if err := runSimulation(t, seed, 5); err != nil {
			t.Fatal(err)
		}
	})
}
