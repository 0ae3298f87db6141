package swim

import "time"

// awareness is Lifeguard's local health multiplier (§IV-A, "Local Health
// Aware Probe"). A member that misses acks and nacks, or has to refute
// suspicions about itself, is probably the slow one: it may be overloaded or
// its network degraded. Rather than accuse healthy peers, it raises its score
// and stretches its own probe interval and timeout by (score+1), up to
// AwarenessMax times. Every successful probe lowers the score again.
type awareness struct {
	score   int
	max     int
	enabled bool
}

func newAwareness(maxScore int, enabled bool) awareness {
	return awareness{max: maxScore, enabled: enabled}
}

// apply adds delta to the score, clamped to [0, max-1].
func (a *awareness) apply(delta int) {
	if !a.enabled {
		return
	}
	a.score = min(max(a.score+delta, 0), a.max-1)
}

// scale stretches a timeout by the current health multiplier.
func (a *awareness) scale(d time.Duration) time.Duration {
	return d * time.Duration(a.score+1)
}
