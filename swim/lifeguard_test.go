package swim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// plainSWIM turns off every Lifeguard refinement.
func plainSWIM(c *Config) {
	c.DisableAwareness = true
	c.DisableDynamicSuspicion = true
	c.DisableBuddy = true
	c.DisableNacks = true
}

// noStreams keeps probes on datagrams only, so that loss bites.
func noStreams(c *Config) { c.DisableTCPPings = true }

// falsePositives runs a pool of n members under uniform packet loss for d and
// counts failure declarations about members that never crashed, as events
// summed over all observers.
func falsePositives(t *testing.T, seed uint64, n int, loss float64, d time.Duration,
	tweak func(*Config)) (failed, suspected int) {
	failed, suspected, _ = falsePositivesWithSlow(t, seed, n, loss, 0, 0, d, tweak)
	return failed, suspected
}

// falsePositivesWithSlow is falsePositives with the first slowCount members
// handling packets up to slowBy late. It also reports the failure events
// about healthy (not slow) members.
func falsePositivesWithSlow(t *testing.T, seed uint64, n int, loss float64, slowCount int, slowBy time.Duration,
	d time.Duration, tweak func(*Config)) (failed, suspected, healthyFailed int) {
	h := newHarness(t, seed)
	for i := range n {
		h.add(nodeName(i), func(c *Config) {
			lan := LANConfig()
			lan.Name, lan.Addr, lan.Tags, lan.Rand = c.Name, c.Addr, c.Tags, c.Rand
			*c = lan
			noStreams(c)
			if tweak != nil {
				tweak(c)
			}
		})
	}
	h.joinAll()
	_, ok := h.runUntil(time.Minute, 500*time.Millisecond, h.converged)
	require.True(t, ok)
	h.events = nil
	h.loss = loss
	slow := map[string]bool{}
	for _, addr := range h.order[:slowCount] {
		h.slow[addr] = slowBy
		slow[h.members[addr].m.Name()] = true
	}
	h.run(d)
	for _, e := range h.events {
		switch e.Kind {
		case EventFailed:
			failed++
			if !slow[e.Node.Name] {
				healthyFailed++
			}
		case EventSuspect:
			suspected++
		}
	}
	return failed, suspected, healthyFailed
}

// TestLifeguardRaisesFewerSuspicionsThanSWIMUnderLoss measures plain SWIM
// beside Lifeguard under 10% uniform packet loss. Both rarely reach a false
// verdict (the counts are printed); the claim checked is that Lifeguard's
// local health awareness makes its members raise fewer suspicions, since a
// member that misses nacks probes more slowly instead of accusing.
func TestLifeguardRaisesFewerSuspicionsThanSWIMUnderLoss(t *testing.T) {
	seeds, d := 4, 5*time.Minute
	if testing.Short() {
		seeds, d = 1, time.Minute
	}
	var swimFP, lifeguardFP, swimSuspects, lifeguardSuspects int
	for seed := range seeds {
		s, ss := falsePositives(t, uint64(100+seed), 100, 0.10, d, plainSWIM)
		l, ls := falsePositives(t, uint64(100+seed), 100, 0.10, d, nil)
		t.Logf("seed %d: 100 members, 10%% loss, %v: false failure events SWIM=%d Lifeguard=%d; "+
			"suspect events SWIM=%d Lifeguard=%d", 100+seed, d, s, l, ss, ls)
		swimFP += s
		lifeguardFP += l
		swimSuspects += ss
		lifeguardSuspects += ls
	}
	t.Logf("total: false failure events SWIM=%d Lifeguard=%d; suspect events SWIM=%d Lifeguard=%d",
		swimFP, lifeguardFP, swimSuspects, lifeguardSuspects)
	require.Less(t, lifeguardSuspects, swimSuspects)
}

// TestLifeguardAccusesFewerHealthyMembersBesideSlowOnes reproduces the
// situation Lifeguard was designed for: a few members handle their packets
// late, as CPU-starved processes do, so their probes of healthy members
// time out. Plain SWIM lets their suspicions run to a verdict; Lifeguard's
// health score slows their probing, and its dynamic suspicion waits for
// confirmations that healthy members never give.
func TestLifeguardAccusesFewerHealthyMembersBesideSlowOnes(t *testing.T) {
	seeds, d := 2, 2*time.Minute
	if testing.Short() {
		seeds, d = 1, time.Minute
	}
	swimFP, lifeguardFP, swimSuspects, lifeguardSuspects := 0, 0, 0, 0
	for seed := range seeds {
		_, ss, s := falsePositivesWithSlow(t, uint64(200+seed), 50, 0, 3, 2*time.Second, d, plainSWIM)
		_, ls, l := falsePositivesWithSlow(t, uint64(200+seed), 50, 0, 3, 2*time.Second, d, nil)
		t.Logf("seed %d: 50 members, 3 slow by up to 2s, %v: failure events about healthy members SWIM=%d "+
			"Lifeguard=%d; suspect events SWIM=%d Lifeguard=%d", 200+seed, d, s, l, ss, ls)
		swimFP += s
		lifeguardFP += l
		swimSuspects += ss
		lifeguardSuspects += ls
	}
	t.Logf("total failure events about healthy members: SWIM=%d Lifeguard=%d", swimFP, lifeguardFP)
	require.LessOrEqual(t, lifeguardFP, swimFP)
	require.Less(t, lifeguardSuspects, swimSuspects)
}

// TestFailedProbeOfASuspectConfirmsTheSuspicion checks Lifeguard's dynamic
// suspicion end to end: members whose own probes of an already suspected
// (here crashed) member fail send their independent suspicion too, so the
// others' timers shrink towards the minimum instead of running near the
// maximum. Every member must declare the crashed one failed before the
// timeout that a single confirmation would leave.
func TestFailedProbeOfASuspectConfirmsTheSuspicion(t *testing.T) {
	const n = 20
	for seed := range uint64(5) {
		h := newHarness(t, 300+seed)
		var members []*Member
		for i := range n {
			members = append(members, h.add(nodeName(i), func(c *Config) {
				lan := LANConfig()
				lan.Name, lan.Addr, lan.Tags, lan.Rand = c.Name, c.Addr, c.Tags, c.Rand
				*c = lan
			}))
		}
		h.joinAll()
		_, ok := h.runUntil(time.Minute, 500*time.Millisecond, h.converged)
		require.True(t, ok)
		victim := members[7]
		h.events = nil
		h.crash(victim)
		_, ok = h.runUntil(3*time.Minute, 500*time.Millisecond, func() bool {
			return h.everyoneSees(victim.Name(), StateDead)
		})
		require.True(t, ok)

		minTimeout := suspicionMinTimeout(4, n, time.Second)
		one := (&suspicion{minTimeout: minTimeout, maxTimeout: 6 * minTimeout, k: 2}).timeout(1)
		firstSuspect, lastFailed := time.Duration(-1), time.Duration(0)
		for _, e := range h.events {
			if e.Node.Name != victim.Name() {
				continue
			}
			if e.Kind == EventSuspect && firstSuspect < 0 {
				firstSuspect = e.At
			}
			if e.Kind == EventFailed {
				lastFailed = max(lastFailed, e.At)
			}
		}
		require.GreaterOrEqual(t, firstSuspect, time.Duration(0))
		t.Logf("seed %d: suspected at %v, failed everywhere %v later (timeouts: min %v, one confirmation %v)",
			300+seed, firstSuspect, lastFailed-firstSuspect, minTimeout, one)
		require.Less(t, lastFailed-firstSuspect, one)
	}
}
