package simcluster

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/netsim/simtest"
	"github.com/cairn-sd/cairn/raft"
)

// Simulation settings: a safety phase of faultPhase with the seed's faults,
// then a liveness phase in which a healed cluster must commit a write
// within livenessBound.
const (
	faultPhase    = 30 * time.Second
	livenessBound = 10 * time.Second
	clientTimeout = 2 * time.Second
	simClients    = 5
	simKeys       = 4
	simOpsMax     = 2000
)

// workload is simClients clients doing puts and linearizable gets (through
// ReadIndex) against random servers, recording a History.
type workload struct {
	c    *Cluster
	sim  *netsim.Sim
	hist History
	ops  int
}

func (w *workload) start(until time.Duration) {
	for id := range simClients {
		w.sim.After(time.Duration(id)*time.Millisecond, func() { w.op(id, until) })
	}
}

// op issues one random operation against a random server, or the leader,
// and schedules the client's next operation when it ends or times out.
func (w *workload) op(id int, until time.Duration) {
	if w.ops >= simOpsMax || w.sim.Now() >= until {
		return
	}
	w.ops++
	r := w.sim.Workload()
	in := Op{Put: r.IntN(2) == 0, Key: fmt.Sprintf("k%d", r.IntN(simKeys))}
	if in.Put {
		in.Value = fmt.Sprintf("c%d-%d", id, w.ops)
	}
	target := w.c.LeaderName()
	if target == "" || r.IntN(4) == 0 {
		target = w.c.Names()[r.IntN(len(w.c.Names()))]
	}
	call := w.sim.Now()
	ended := false
	next := func() {
		ended = true
		w.sim.After(time.Duration(1+r.IntN(20))*time.Millisecond, func() { w.op(id, until) })
	}
	w.sim.After(clientTimeout, func() {
		if !ended {
			if in.Put {
				w.hist.Indeterminate(id, in, call)
			}
			next()
		}
	})
	srv := w.c.Server(target)
	if srv == nil {
		return // the timeout ends the operation
	}
	if in.Put {
		srv.Propose(PutCommand(in.Key, in.Value), func(_ any, err error) {
			if ended {
				return
			}
			switch {
			case err == nil:
				w.hist.Ok(id, in, "", call, w.sim.Now())
			case errors.Is(err, raft.ErrNotLeader):
			default:
				w.hist.Indeterminate(id, in, call)
			}
			next()
		})
		return
	}
	kv := w.c.FSM(target).(*KV)
	srv.ReadIndex(func(err error) {
		if ended {
			return
		}
		if err == nil {
			w.hist.Ok(id, in, kv.Get(in.Key), call, w.sim.Now())
		}
		next()
	})
}

// runSimulation is one seed: the seed's faults for faultPhase while the
// clients run, then healing, liveness and convergence checks, then the
// linearizability check of the whole history. It returns the first
// violated invariant.
func runSimulation(t *testing.T, seed uint64, servers int) error {
	sim := simtest.New(t, seed, netsim.Options{})
	c := New(t, sim, servers, func() raft.StateMachine { return NewKV() })
	c.ApplySeedFaults(t, time.Second, faultPhase)
	w := &workload{c: c, sim: sim}
	w.start(faultPhase)
	sim.RunUntil(faultPhase)
	c.finish(t, w)
	return c.Violation()
}

// finish is the end of every run: once the faults are over a write must
// commit within livenessBound; then the servers must have converged with
// matching logs, and the clients' history must be linearizable.
func (c *Cluster) finish(t *testing.T, w *workload) {
	c.AwaitWrite(PutCommand("liveness", "ok"), livenessBound)
	c.sim.RunFor(3 * time.Second)
	if c.Violation() == nil {
		c.CheckConverged()
		c.CheckLogMatching()
	}
	if c.Violation() == nil {
		if err := w.hist.Check(); err != nil {
			c.Fail("%v", err)
		}
	}
	t.Logf("ops=%d history=%d terms=%d applied=%d config=%v trace=%s",
		w.ops, w.hist.Len(), c.Terms(), c.AppliedEntries(), c.memberNames(), c.sim.TraceHash())
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

// Membership changes under faults: a 3-server group with two spare hosts
// keeps adding, promoting and removing servers (removed ones come back on
// wiped disks as new members) while clients run, and must stay safe,
// linearizable and live.
func TestSimulationMembershipChanges(t *testing.T) {
	simtest.Seeds(t, 1, 100, func(t *testing.T, seed uint64) {
		sim := simtest.New(t, seed, netsim.Options{})
		c := New(t, sim, 3, func() raft.StateMachine { return NewKV() })
		c.AddSpare("s4")
		c.AddSpare("s5")
		c.ApplySeedFaults(t, time.Second, faultPhase)
		c.ChurnMembership(sim.Rand("churn"), 2*time.Second, faultPhase, 1500*time.Millisecond, 3)
		w := &workload{c: c, sim: sim}
		w.start(faultPhase)
		sim.RunUntil(faultPhase)
		c.finish(t, w)
		if err := c.Violation(); err != nil {
			t.Fatal(err)
		}
	})
}
