package driver_test

import (
	"testing"
	"time"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/swim"
	"github.com/cairn-sd/cairn/swim/driver"
	"github.com/stretchr/testify/require"
)

// someoneProbesPeriods is the number of protocol periods within which, in
// a healthy pool, some member probes any given member, and within which
// enough others probe it to confirm a suspicion. Each member probes every
// other once per round of its shuffled probe order, at a place independent
// of the other members' orders, so a given member reaches the victim within
// the next k periods with probability about k/n (or surely, within two
// rounds, for small pools). The chance that none of the n-1 live members
// does is about (1-k/n)^(n-1) < e^-k; for k = 20 that is 2·10^-9 per crash.
// Lifeguard needs SuspicionMult-2 confirmations, that many failed probes
// by other members; fewer than 4 of them in 20 periods, when about 20 are
// expected, has a probability under 10^-5. The seeds are fixed, so a bound
// that holds with such odds does not make the tests flaky.
const someoneProbesPeriods = 20

// detectionBound is the time by which every member must have declared a
// crashed member failed, with the configuration cfg in a healthy pool of n
// members, and why:
//
//   - some member probes the victim within someoneProbesPeriods periods,
//     and its probe fails by the end of that period;
//   - its suspect message reaches the others within spread, the time the
//     gossip takes to send a message its transmit limit's worth of times;
//   - each member's suspicion timer then runs for at most the longer of the
//     minimum timeout and the time it takes the confirmations (other
//     members' failed probes, someoneProbesPeriods again) to arrive, which
//     shrink the timer to the minimum; with plain SWIM it is the minimum;
//   - the dead message of the first timer to expire reaches the rest
//     within another spread.
//
// The measured figures (printed by the tests) are well under this bound:
// with the LAN settings and 100 members, about 10 s against 49 s. The slack
// is the allowance for an unlucky probe order and for confirmations that
// come late; without confirmations a suspicion would last up to
// SuspicionMaxTimeoutMult times the minimum (48 s here), which is why
// Lifeguard's confirmations matter for the detection time.
func detectionBound(cfg swim.Config, n int) time.Duration {
	probe := time.Duration(someoneProbesPeriods+1) * cfg.ProbeInterval
	scale := 1.0
	for p := 10; p <= n; p *= 10 {
		scale++
	}
	minSuspicion := time.Duration(float64(cfg.SuspicionMult) * scale * float64(cfg.ProbeInterval))
	limit := 0
	for p := 1; p < n+1; p *= 10 {
		limit += cfg.RetransmitMult
	}
	spread := time.Duration(limit) * cfg.GossipInterval
	suspicion := max(minSuspicion, probe+spread)
	return probe + spread + suspicion + spread
}

func TestSimHundredMembersConvergeAndEveryoneDeclaresACrashedMemberFailed(t *testing.T) {
	const n = 100
	for _, seed := range seeds(t, 10, 1) {
		c := newCluster(t, seed, n, netsim.Options{}, nil)
		took := c.mustConverge(2 * time.Minute)

		victim := c.names[1+int(c.sim.Workload().IntN(n-1))]
		crashedAt := c.sim.Now()
		c.sim.Crash(victim)
		bound := detectionBound(swim.LANConfig(), n)
		_, ok := c.runUntil(bound+10*time.Second, time.Second, func() bool { return c.sees(victim, swim.StateDead) })
		require.True(t, ok, "%s not declared failed by everyone: %s", victim, c.why())

		first, last := time.Duration(-1), time.Duration(0)
		for _, r := range c.events {
			if r.event.Kind == swim.EventFailed && r.event.Node.Name == victim {
				d := r.at - crashedAt
				if first < 0 {
					first = d
				}
				last = max(last, d)
			}
		}
		t.Logf("seed %d: converged in %v; crash of %s: first failure event %v, last %v, bound %v",
			seed, took, victim, first, last, bound)
		require.LessOrEqual(t, last, bound, c.why())
		require.Zero(t, c.count(swim.EventFailed, "", 0)-c.count(swim.EventFailed, victim, 0),
			"no live member may be declared failed without a fault: %s", c.why())
	}
}

// TestSimLifeguardRaisesFewerSuspicionsThanSWIMUnderTenPercentLoss counts,
// for plain SWIM and for Lifeguard, the false failure and suspect events in a
// 100-member pool on links that drop 10% of datagrams (streams, like TCP,
// lose nothing, so the stream fallback probe is off). It prints both and
// checks that Lifeguard suspects less.
func TestSimLifeguardRaisesFewerSuspicionsThanSWIMUnderTenPercentLoss(t *testing.T) {
	const n = 100
	d := 3 * time.Minute
	list := seeds(t, 3, 1)
	if testing.Short() {
		d = time.Minute
	}
	lossy := netsim.Options{LAN: netsim.LANProfile()}
	lossy.LAN.Loss = 0.10
	run := func(seed uint64, plain bool) (failed, suspected int) {
		c := newCluster(t, seed, n, lossy, func(cfg *driver.Config) {
			cfg.Swim.DisableTCPPings = true
			if plain {
				cfg.Swim.DisableAwareness = true
				cfg.Swim.DisableDynamicSuspicion = true
				cfg.Swim.DisableBuddy = true
				cfg.Swim.DisableNacks = true
			}
		})
		c.mustConverge(2 * time.Minute)
		start := c.sim.Now()
		c.sim.RunFor(d)
		return c.count(swim.EventFailed, "", start), c.count(swim.EventSuspect, "", start)
	}
	var swimTotal, lifeguardTotal, swimSuspects, lifeguardSuspects int
	for _, seed := range list {
		sf, ss := run(seed, true)
		lf, ls := run(seed, false)
		t.Logf("seed %d: %d members, 10%% loss, %v: false failure events SWIM=%d Lifeguard=%d; "+
			"suspect events SWIM=%d Lifeguard=%d", seed, n, d, sf, lf, ss, ls)
		swimTotal += sf
		lifeguardTotal += lf
		swimSuspects += ss
		lifeguardSuspects += ls
	}
	t.Logf("total: false failure events SWIM=%d Lifeguard=%d; suspect events SWIM=%d Lifeguard=%d",
		swimTotal, lifeguardTotal, swimSuspects, lifeguardSuspects)
	require.Less(t, lifeguardSuspects, swimSuspects)
}

func TestSimSameSeedReplaysTheSameTrace(t *testing.T) {
	run := func() (string, []swim.NodeInfo) {
		c := newCluster(t, 42, 20, netsim.Options{}, nil)
		c.sim.After(10*time.Second, func() { c.sim.Crash(c.names[3]) })
		c.sim.RunFor(time.Minute)
		return c.sim.TraceHash(), c.nodes[c.names[0]].Member().Members()
	}
	hashA, membersA := run()
	hashB, membersB := run()
	require.Equal(t, hashA, hashB)
	require.Equal(t, membersA, membersB)
	t.Logf("trace hash %s", hashA)
}

func TestSimWANPoolAcrossThreeDatacentersDetectsACrashAndLearnsDistances(t *testing.T) {
	const n = 15
	for _, seed := range seeds(t, 10, 1) {
		c := newZonedCluster(t, seed, n, 3, netsim.Options{}, func(cfg *driver.Config) {
			wan := swim.WANConfig()
			wan.Name, wan.Tags = cfg.Swim.Name, swim.Tags{"role": "server"}
			cfg.Swim = wan
		})
		c.mustConverge(5 * time.Minute)
		victim := c.names[1+int(c.sim.Workload().IntN(n-1))]
		crashedAt := c.sim.Now()
		c.sim.Crash(victim)
		bound := detectionBound(swim.WANConfig(), n)
		took, ok := c.runUntil(bound+10*time.Second, time.Second, func() bool { return c.sees(victim, swim.StateDead) })
		require.True(t, ok, "%s not declared failed by everyone: %s", victim, c.why())
		require.LessOrEqual(t, took, bound+time.Second, c.why())
		require.Zero(t, c.count(swim.EventFailed, "", 0)-c.count(swim.EventFailed, victim, crashedAt), c.why())
		t.Logf("seed %d: WAN pool of %d in 3 datacenters: %s failed everywhere after %v, bound %v",
			seed, n, victim, took, bound)

		// Vivaldi: after some minutes of probes, a server's estimate to a
		// peer in its own datacenter is below its estimate to one across
		// the WAN.
		c.sim.RunFor(10 * time.Minute)
		m := c.nodes[c.names[0]].Member()
		near, far := c.names[3], c.names[1]
		if near == victim {
			near = c.names[6]
		}
		if far == victim {
			far = c.names[4]
		}
		dNear, ok1 := m.DistanceTo(c.names[0], near)
		dFar, ok2 := m.DistanceTo(c.names[0], far)
		require.True(t, ok1 && ok2, c.why())
		require.Less(t, dNear, dFar, c.why())
		t.Logf("seed %d: estimated RTT %s->%s (same dc) %v, %s->%s (other dc) %v",
			seed, c.names[0], near, dNear, c.names[0], far, dFar)
	}
}
