package netsim_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/netsim/simtest"
)

// TestPingNodesKeepStreamOrderUnderFaultsAndRecoverAfter is the shape of a
// simulation test: each seed draws its fault plan, a safety phase runs
// with the faults (streams must stay in order whatever happens), then a
// liveness phase on a healed network must show progress on every node.
// Replay one seed with -seed=N; soak with -seeds=A-B.
func TestPingNodesKeepStreamOrderUnderFaultsAndRecoverAfter(t *testing.T) {
	simtest.Seeds(t, 1, 40, func(t *testing.T, seed uint64) {
		sim := simtest.New(t, seed, netsim.Options{})
		plan := sim.DrawFaults()
		t.Logf("seed=%d faults: %s", seed, plan)
		names := hostNames(5)
		nodes := make(map[string]*pingNode)
		for i, name := range names {
			zone := "dc1"
			if i >= 3 {
				zone = "dc2"
			}
			sim.AddHost(name, zone, bootPing(names, 50*time.Millisecond, nodes))
		}
		sim.ApplyFaults(plan, time.Second, 20*time.Second)
		sim.RunUntil(20 * time.Second)
		for _, name := range names {
			require.Zero(t, nodes[name].outOfOrder, "%s saw a stream out of order", name)
		}
		sim.RunFor(time.Second) // every host is up again
		before := make(map[string][2]int)
		for _, name := range names {
			require.True(t, sim.Up(name))
			before[name] = [2]int{nodes[name].received, nodes[name].pongs}
		}
		sim.RunFor(10 * time.Second)
		for _, name := range names {
			n := nodes[name]
			require.Zero(t, n.outOfOrder, "%s saw a stream out of order", name)
			require.Greater(t, n.received, before[name][0], "%s receives on its stream again", name)
			require.Greater(t, n.pongs, before[name][1], "%s gets pongs again", name)
		}
	})
}
