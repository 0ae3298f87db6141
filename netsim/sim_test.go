package netsim_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/netsim"
)

// runScenario runs five ping nodes in two zones under the seed's own fault
// plan for ten virtual seconds, then five seconds of liveness phase, and
// returns the trace hash and the number of events.
func runScenario(t testing.TB, seed uint64) (string, uint64) {
	t.Helper()
	sim := netsim.New(seed, netsim.Options{})
	names := hostNames(5)
	for i, name := range names {
		zone := "dc1"
		if i >= 3 {
			zone = "dc2"
		}
		sim.AddHost(name, zone, bootPing(names, 50*time.Millisecond, nil))
	}
	sim.ApplyFaults(sim.DrawFaults(), time.Second, 10*time.Second)
	sim.RunFor(15 * time.Second)
	return sim.TraceHash(), sim.Events()
}

func TestSameSeedGivesSameTraceHashUnderAnyGOMAXPROCS(t *testing.T) {
	prev := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
	for seed := uint64(1); seed <= 4; seed++ {
		runtime.GOMAXPROCS(1)
		h1, n1 := runScenario(t, seed)
		h2, n2 := runScenario(t, seed)
		runtime.GOMAXPROCS(8)
		h3, n3 := runScenario(t, seed)
		require.Equal(t, h1, h2, "seed %d", seed)
		require.Equal(t, h1, h3, "seed %d", seed)
		require.Equal(t, n1, n2)
		require.Equal(t, n1, n3)
		require.Greater(t, n1, uint64(1000), "the scenario must do real work")
	}
}

func TestDifferentSeedsGiveDifferentTraces(t *testing.T) {
	seen := make(map[string]uint64)
	for seed := uint64(1); seed <= 8; seed++ {
		h, _ := runScenario(t, seed)
		prev, dup := seen[h]
		require.False(t, dup, "seeds %d and %d share trace %s", prev, seed, h)
		seen[h] = seed
	}
}

func TestFaultPlansDifferAcrossSeedsAndPrint(t *testing.T) {
	plans := make(map[string]bool)
	for seed := uint64(1); seed <= 20; seed++ {
		plans[netsim.New(seed, netsim.Options{}).DrawFaults().String()] = true
	}
	require.Greater(t, len(plans), 10)
	require.Equal(t, "no faults", netsim.FaultPlan{}.String())
	require.Contains(t, netsim.FaultPlan{Loss: 0.1}.String(), "loss=0.1")
}

func TestRunUntilLeavesClockAtTarget(t *testing.T) {
	sim := netsim.New(1, netsim.Options{})
	var ran []time.Duration
	sim.At(2*time.Second, func() { ran = append(ran, sim.Now()) })
	sim.At(time.Second, func() {
		ran = append(ran, sim.Now())
		sim.After(500*time.Millisecond, func() { ran = append(ran, sim.Now()) })
	})
	sim.RunUntil(1750 * time.Millisecond)
	require.Equal(t, []time.Duration{time.Second, 1500 * time.Millisecond}, ran)
	require.Equal(t, 1750*time.Millisecond, sim.Now())
	require.True(t, sim.Step())
	require.Equal(t, 2*time.Second, sim.Now())
	require.False(t, sim.Step())
}

func TestApplyFaultsInjectsThePlannedKindsThenHeals(t *testing.T) {
	var trace strings.Builder
	sim := netsim.New(3, netsim.Options{TraceWriter: &trace})
	names := hostNames(4)
	for i, name := range names {
		sim.AddHost(name, []string{"dc1", "dc2"}[i%2], bootPing(names, 50*time.Millisecond, nil))
	}
	plan := netsim.FaultPlan{
		Loss: 0.1, Duplicate: 0.1, Reorder: 0.1,
		PartitionEvery: 500 * time.Millisecond, PartitionFor: 300 * time.Millisecond,
		CrashEvery: time.Second, DownFor: 500 * time.Millisecond, WipeDisk: 0.5,
		TornWrite: 1, FsyncMax: 5 * time.Millisecond, FlipBitEvery: time.Second,
		ClockSkewMax: time.Second, DriftPPMMax: 100,
		PauseEvery: time.Second, PauseFor: 100 * time.Millisecond,
	}
	sim.ApplyFaults(plan, time.Second, 20*time.Second)
	sim.RunFor(25 * time.Second)
	out := trace.String()
	for _, want := range []string{"fault", "heal", "crash", "restart", "clock skew=", "disk faults",
		"flip bit", "slow", "torn write", "loss", "duplicate", "pause"} {
		require.True(t, strings.Contains(out, want), "the trace has no %q", want)
	}
	for _, name := range names {
		require.True(t, sim.Up(name), "%s is up in the liveness phase", name)
	}
}

// pinnedTrace is the trace hash of runScenario with seed 1. It pins the
// run across build modes (-race, other GOARCHes): a binary that replays a
// seed differently from another fails here. Update it only when the
// simulator's behaviour (or the scenario) changes on purpose.
const pinnedTrace = "36f00a27dd6ddcac9383de72c0fd9d2ecfef689d8e31a41c3fbca89699907401"

func TestTraceHashOfSeedOneIsPinnedAcrossBuilds(t *testing.T) {
	h, _ := runScenario(t, 1)
	require.Equal(t, pinnedTrace, h)
}
