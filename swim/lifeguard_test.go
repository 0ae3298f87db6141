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
	h.run(d)
	for _, e := range h.events {
		switch e.Kind {
		case EventFailed:
			failed++
		case EventSuspect:
			suspected++
		}
	}
	return failed, suspected
}

func TestLifeguardHasNoMoreFalsePositivesThanSWIMUnderLoss(t *testing.T) {
	seeds, d := 4, 5*time.Minute
	if testing.Short() {
		seeds, d = 1, time.Minute
	}
	swimFP, lifeguardFP := 0, 0
	for seed := range seeds {
		s, ss := falsePositives(t, uint64(100+seed), 100, 0.10, d, plainSWIM)
		l, ls := falsePositives(t, uint64(100+seed), 100, 0.10, d, nil)
		t.Logf("seed %d: 100 members, 10%% loss, %v: false failure events SWIM=%d Lifeguard=%d; "+
			"suspect events SWIM=%d Lifeguard=%d", 100+seed, d, s, l, ss, ls)
		swimFP += s
		lifeguardFP += l
	}
	t.Logf("total false failure events: SWIM=%d Lifeguard=%d", swimFP, lifeguardFP)
	require.LessOrEqual(t, lifeguardFP, swimFP)
}
