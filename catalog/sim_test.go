package catalog

import (
	"io"
	"testing"
	"time"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/netsim/simtest"
	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/raft/simcluster"
)

// The catalog replicated by Raft in netsim: three servers apply a random
// stream of catalog and KV writes under the seed's faults; afterwards every
// running server must hold a byte-identical catalog, besides the Raft
// checks of simcluster and the lock invariants of LockChecker on every
// server after every Apply.
func TestSimulationCatalogOnRaft(t *testing.T) {
	simtest.Seeds(t, 1, 100, func(t *testing.T, seed uint64) {
		sim := simtest.New(t, seed, netsim.Options{})
		var lockErr error
		c := simcluster.New(t, sim, 3, func() raft.StateMachine {
			return &lockCheckedState{State: New(nil), failed: &lockErr}
		})
		const faultPhase = 20 * time.Second
		c.ApplySeedFaults(t, time.Second, faultPhase)
		writes := 0
		var write func()
		write = func() {
			if sim.Now() >= faultPhase {
				return
			}
			if leader := c.LeaderName(); leader != "" {
				cmd, err := Encode(randomCommand(sim.Workload(), uint64(writes)))
				if err != nil {
					t.Fatalf("encode: %v", err)
				}
				c.Server(leader).Propose(cmd, func(any, error) {})
				writes++
			}
			sim.After(time.Duration(5+sim.Workload().IntN(20))*time.Millisecond, write)
		}
		sim.After(0, write)
		sim.RunUntil(faultPhase)
		last, err := Encode(&KVSetRequest{Key: "liveness", Value: []byte("ok")})
		if err != nil {
			t.Fatal(err)
		}
		c.AwaitWrite(last, 10*time.Second)
		sim.RunFor(2 * time.Second)
		if c.Violation() == nil {
			c.CheckConverged()
			c.CheckLogMatching()
		}
		t.Logf("writes=%d applied=%d trace=%s", writes, c.AppliedEntries(), sim.TraceHash())
		if err := c.Violation(); err != nil {
			t.Fatal(err)
		}
		if lockErr != nil {
			t.Fatal(lockErr)
		}
	})
}

// lockCheckedState runs a LockChecker after every Apply of a server's
// catalog and keeps the first violation. A Restore starts the checker over:
// a server may restore a snapshot older than what it applied (at a restart)
// and replay the log from there.
type lockCheckedState struct {
	*State
	checker LockChecker
	failed  *error
}

func (l *lockCheckedState) Apply(index uint64, cmd []byte) any {
	res := l.State.Apply(index, cmd)
	if err := l.checker.Check(l.State); err != nil && *l.failed == nil {
		*l.failed = err
	}
	return res
}

func (l *lockCheckedState) Restore(r io.Reader) error {
	l.checker = LockChecker{}
	return l.State.Restore(r)
}
