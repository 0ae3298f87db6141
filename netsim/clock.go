package netsim

import (
	"math/bits"
	"time"
)

// Epoch is the wall-clock time at virtual time zero: Env.Now returns Epoch
// plus the node's local virtual time.
var Epoch = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// ppmScale is one million: drift is given in parts per million.
const ppmScale = 1_000_000

// maxDriftPPM bounds drift so that a local clock always moves forward.
const maxDriftPPM = 500_000

// clock maps the simulator's true virtual time to one host's local time.
// Since the last SetClock at true time baseGlobal, the local clock reads
// baseLocal plus the elapsed true time scaled by (1 + driftPPM/1e6). All the
// arithmetic is on integers, so every platform computes the same times.
type clock struct {
	baseGlobal int64
	baseLocal  int64
	driftPPM   int64
}

// local is the host's local time when the true time is g.
func (c *clock) local(g int64) int64 {
	elapsed := g - c.baseGlobal
	return c.baseLocal + elapsed + mulDiv(elapsed, c.driftPPM, ppmScale, false)
}

// toGlobal is how much true time passes while the local clock advances by
// d, rounded up so that a timer never fires before its local deadline.
func (c *clock) toGlobal(d int64) int64 {
	if d <= 0 {
		return 0
	}
	return mulDiv(d, ppmScale, ppmScale+c.driftPPM, true)
}

// set steps the clock to read trueTime+skew at true time now, and makes it
// run driftPPM parts per million fast (negative: slow) from then on.
func (c *clock) set(now, skew, driftPPM int64) {
	c.baseGlobal = now
	c.baseLocal = now + skew
	c.driftPPM = driftPPM
}

// mulDiv computes x*m/d with a 128-bit intermediate, for d > 0, m >= 0 or
// m negative with |m| < d. It rounds toward zero, or away from zero when
// roundUp is set.
func mulDiv(x, m, d int64, roundUp bool) int64 {
	neg := (x < 0) != (m < 0)
	ux, um := absU(x), absU(m)
	hi, lo := bits.Mul64(ux, um)
	q, r := bits.Div64(hi, lo, uint64(d))
	if roundUp && r != 0 {
		q++
	}
	if neg {
		return -int64(q)
	}
	return int64(q)
}

func absU(x int64) uint64 {
	if x < 0 {
		return uint64(-x)
	}
	return uint64(x)
}

// zapClock is a zapcore.Clock that reads a node's virtual local clock, so
// that log lines carry simulated time.
type zapClock struct{ env *nodeEnv }

func (c zapClock) Now() time.Time { return c.env.Now() }

// NewTicker returns a ticker that never ticks: there is no wall clock to
// drive it inside a run. zap uses tickers only for buffered writers, which a
// simulation must not use.
func (c zapClock) NewTicker(time.Duration) *time.Ticker { return &time.Ticker{} }
