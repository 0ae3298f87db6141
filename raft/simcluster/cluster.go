// Package simcluster runs a Raft group of raft/driver servers in netsim and
// checks Raft's safety properties on every event, for the simulation tests
// of any package that replicates a state machine (raft/driver's own, the
// catalog's).
//
// The checks, from the Raft paper's Figure 3:
//   - Election safety: at most one leader per term (§5.2).
//   - Leader completeness: a new leader's log holds every entry any server
//     applied (§5.4), checked at each election.
//   - Log matching: two logs that share an entry agree on everything
//     before it (§5.3), checked between every pair at the end.
//   - State machine safety: no two servers apply different entries at the
//     same index (§5.4.3), checked as entries are applied, across restarts.
//   - Liveness: once the faults end, a write commits within a bound.
//   - Convergence: at the end every running server has applied the same
//     index and its state machine's snapshot is byte for byte the same.
//
// A violation is recorded, not raised, so that tests of deliberately broken
// variants can require one.
package simcluster

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/raft/driver"
	"github.com/cairn-sd/cairn/raft/wal"
)

// Cluster is a simulated Raft group of hosts s1..sN in zone dc1.
type Cluster struct {
	t       testing.TB
	sim     *netsim.Sim
	newFSM  func() raft.StateMachine
	names   []string
	conf    raft.Configuration
	servers map[string]*driver.Server
	fsms    map[string]raft.StateMachine
	broken  map[string]error
	// booted is the hosts that booted at least once: a host bootstraps
	// the initial configuration only at its first boot, so one restarted
	// on a wiped disk waits to be added again as a new member.
	booted map[string]bool
	// spares are hosts outside the initial configuration.
	spares []string

	leaders   map[uint64]raft.ServerID
	applied   map[uint64]raft.Entry
	violation error

	// SnapshotThreshold and TrailingEntries are given to every server;
	// small values exercise snapshots and their transfer.
	SnapshotThreshold uint64
	TrailingEntries   uint64
}

// New adds n server hosts to sim; each boots a driver.Server with a fresh
// state machine from newFSM and bootstraps the n-server configuration.
func New(t testing.TB, sim *netsim.Sim, n int, newFSM func() raft.StateMachine) *Cluster {
	c := &Cluster{
		t: t, sim: sim, newFSM: newFSM,
		servers: map[string]*driver.Server{}, fsms: map[string]raft.StateMachine{}, broken: map[string]error{},
		booted:  map[string]bool{},
		leaders: map[uint64]raft.ServerID{}, applied: map[uint64]raft.Entry{},
		SnapshotThreshold: 200, TrailingEntries: 50,
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
func (c *Cluster) boot(name string, env netsim.Env) {
	delete(c.servers, name)
	fsm := c.newFSM()
	srv, err := driver.Start(env, driver.Config{
		ID: raft.ServerID(name), Address: name + ":8300", Port: 8300, Dir: "raft", FSM: fsm,
		Observer: c, SnapshotThreshold: c.SnapshotThreshold, TrailingEntries: c.TrailingEntries,
	})
	if err != nil {
		if !errors.Is(err, wal.ErrCorrupt) {
			c.Fail("%s failed to start: %v", name, err)
		}
		c.broken[name] = err
		return
	}
	if !c.booted[name] && !slices.Contains(c.spares, name) {
		if err := srv.Bootstrap(c.conf); err != nil && !errors.Is(err, raft.ErrAlreadyBootstrapped) {
			c.Fail("%s bootstrap: %v", name, err)
		}
	}
	c.booted[name] = true
	c.servers[name], c.fsms[name] = srv, fsm
}

// AddSpare adds a host outside the initial configuration: its server
// starts empty and waits until a leader adds it.
func (c *Cluster) AddSpare(name string) {
	c.spares = append(c.spares, name)
	c.names = append(c.names, name)
	c.sim.AddHost(name, "dc1", func(env netsim.Env) { c.boot(name, env) })
}

// Names lists the server hosts.
func (c *Cluster) Names() []string { return c.names }

// Violation is the first broken invariant, or nil.
func (c *Cluster) Violation() error { return c.violation }

// Fail records a violated invariant; only the first is kept.
func (c *Cluster) Fail(format string, args ...any) {
	if c.violation == nil {
		c.violation = fmt.Errorf(format, args...)
	}
}

// Leader checks election safety: at most one leader per term (Raft §5.2).
func (c *Cluster) Leader(id raft.ServerID, term uint64) {
	if prev, ok := c.leaders[term]; ok && prev != id {
		c.Fail("election safety: %s and %s both lead term %d", prev, id, term)
	}
	c.leaders[term] = id
	if srv := c.servers[string(id)]; srv != nil {
		c.checkLeaderCompleteness(id, srv)
	}
}

// Applied checks state machine safety: every server applies the same entry
// at a given index (Raft §5.4.3).
func (c *Cluster) Applied(id raft.ServerID, e raft.Entry) {
	prev, ok := c.applied[e.Index]
	if !ok {
		c.applied[e.Index] = raft.Entry{Index: e.Index, Term: e.Term, Type: e.Type, Data: bytes.Clone(e.Data)}
		return
	}
	if prev.Term != e.Term || !bytes.Equal(prev.Data, e.Data) {
		c.Fail("state machine safety: %s applied %d/%d %q, another server applied %d/%d %q",
			id, e.Index, e.Term, e.Data, prev.Index, prev.Term, prev.Data)
	}
}

// Terms and AppliedEntries count what the checkers saw.
func (c *Cluster) Terms() int          { return len(c.leaders) }
func (c *Cluster) AppliedEntries() int { return len(c.applied) }

// Server returns the running server of a host, or nil.
func (c *Cluster) Server(name string) *driver.Server {
	if !c.sim.Up(name) {
		return nil
	}
	return c.servers[name]
}

// FSM returns the state machine of a host's running server.
func (c *Cluster) FSM(name string) raft.StateMachine { return c.fsms[name] }

// LeaderName returns the host whose server believes it leads, or "".
func (c *Cluster) LeaderName() string {
	for _, name := range c.names {
		if s := c.Server(name); s != nil && s.Status().Role == raft.Leader {
			return name
		}
	}
	return ""
}

// AwaitWrite proposes cmd on the leader until it commits, or records a
// liveness failure once bound has passed.
func (c *Cluster) AwaitWrite(cmd []byte, bound time.Duration) {
	deadline := c.sim.Now() + bound
	committed := false
	for !committed && c.violation == nil {
		if c.sim.Now() >= deadline {
			c.Fail("liveness: no write committed within %v after the faults ended (leader %q)", bound, c.LeaderName())
			return
		}
		if l := c.LeaderName(); l != "" {
			c.Server(l).Propose(cmd, func(_ any, err error) { committed = err == nil })
		}
		c.sim.RunFor(200 * time.Millisecond)
	}
}

// CheckConverged requires every running member of the leader's
// configuration to have applied the same index and to hold a
// byte-identical state machine snapshot.
func (c *Cluster) CheckConverged() {
	leader := c.LeaderName()
	if leader == "" {
		c.Fail("convergence: no leader")
		return
	}
	var ref []byte
	var refName string
	var refApplied uint64
	for _, member := range c.Server(leader).Configuration().Servers {
		name := string(member.ID)
		srv := c.Server(name)
		if srv == nil {
			continue
		}
		state, err := snapshotBytes(c.fsms[name])
		if err != nil {
			c.Fail("convergence: snapshot of %s: %v", name, err)
			return
		}
		if ref == nil {
			ref, refName, refApplied = state, name, srv.Applied()
			continue
		}
		if srv.Applied() != refApplied || !bytes.Equal(state, ref) {
			c.Fail("convergence: %s applied %d, %s applied %d, states equal: %t",
				name, srv.Applied(), refName, refApplied, bytes.Equal(state, ref))
			return
		}
	}
}

func snapshotBytes(fsm raft.StateMachine) ([]byte, error) {
	w, err := fsm.Snapshot()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ScheduleBitFlips flips a bit in a random file of one random host, one to
// three times during [start, end). A flip in the middle of a log stops that
// server for good; limiting flips to one victim keeps a quorum for the
// liveness phase.
func (c *Cluster) ScheduleBitFlips(r *rand.Rand, start, end time.Duration) {
	victim := c.names[r.IntN(len(c.names))]
	for range 1 + r.IntN(3) {
		at := start + time.Duration(r.Int64N(int64(end-start)))
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
