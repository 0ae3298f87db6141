package swim

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Vivaldi network coordinates (Dabek, Cox, Kaashoek, Morris 2004), in the
// variant Serf uses: a point in an 8-dimensional Euclidean space plus a
// non-negative "height" that models the access link every packet crosses,
// plus an adjustment term that absorbs what the space cannot represent. The
// estimated round-trip time between two nodes is the distance between their
// coordinates. Every successful direct probe yields one RTT sample, and the
// prober moves its own coordinate a little toward or away from the target's,
// which the target carries on its ack.

// Vivaldi tuning, as Serf's defaults.
const (
	// coordDimensions is the dimensionality of the Euclidean part.
	coordDimensions = 8
	// vivaldiErrorMax is the error estimate of a fresh coordinate and the
	// ceiling of every later estimate.
	vivaldiErrorMax = 1.5
	// vivaldiCE is the weight of a new sample in the error estimate.
	vivaldiCE = 0.25
	// vivaldiCC is the step size of the coordinate update.
	vivaldiCC = 0.25
	// adjustmentWindow is the number of recent samples averaged into the
	// adjustment term.
	adjustmentWindow = 20
	// heightMinSeconds is the smallest height a coordinate may have.
	heightMinSeconds = 10.0e-6
	// latencyFilterSamples is the number of RTT samples per peer whose median
	// feeds the update, which filters out single outliers.
	latencyFilterSamples = 3
	// gravityRhoSeconds scales the weak pull toward the origin that keeps
	// the whole coordinate system from drifting away.
	gravityRhoSeconds = 150.0
	// zeroThreshold treats smaller magnitudes as zero.
	zeroThreshold = 1.0e-6
	// rttMaxSeconds rejects RTT samples that cannot be real.
	rttMaxSeconds = 10.0
)

// Coordinate is a node's position in the Vivaldi space. Units are seconds.
type Coordinate struct {
	// Vec is the Euclidean part, coordDimensions long.
	Vec []float64
	// Error is the node's confidence in its own position (lower is better).
	Error float64
	// Adjustment is added to every distance from this node.
	Adjustment float64
	// Height is the distance from the node to the Euclidean space.
	Height float64
}

// NewCoordinate returns the coordinate of a node that has no samples yet: the
// origin, with the largest error.
func NewCoordinate() Coordinate {
	return Coordinate{Vec: make([]float64, coordDimensions), Error: vivaldiErrorMax, Height: heightMinSeconds}
}

// Clone returns a deep copy of c.
func (c Coordinate) Clone() Coordinate {
	c.Vec = slices.Clone(c.Vec)
	return c
}

// Valid reports whether c has the right dimensionality and only finite
// components, so that it is safe to compute with. Coordinates from the network
// are checked before use.
func (c Coordinate) Valid() bool {
	if len(c.Vec) != coordDimensions {
		return false
	}
	for _, v := range c.Vec {
		if !finite(v) {
			return false
		}
	}
	return finite(c.Error) && finite(c.Adjustment) && finite(c.Height)
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// DistanceTo returns the estimated round-trip time from c to other.
func (c Coordinate) DistanceTo(other Coordinate) time.Duration {
	dist := c.rawDistanceTo(other)
	if adjusted := dist + c.Adjustment + other.Adjustment; adjusted > 0 {
		dist = adjusted
	}
	return time.Duration(dist * float64(time.Second))
}

func (c Coordinate) rawDistanceTo(other Coordinate) float64 {
	return magnitude(diff(c.Vec, other.Vec)) + c.Height + other.Height
}

// applyForce moves c by force seconds along the line from other to c (away
// from other for a positive force), and grows or shrinks the height in
// proportion.
func (c Coordinate) applyForce(rnd *rand.Rand, force float64, other Coordinate) Coordinate {
	unit, mag := unitVectorAt(rnd, c.Vec, other.Vec)
	out := c.Clone()
	for i := range out.Vec {
		out.Vec[i] += unit[i] * force
	}
	if mag > zeroThreshold {
		out.Height = (out.Height+other.Height)*force/mag + out.Height
		out.Height = max(out.Height, heightMinSeconds)
	}
	return out
}

// unitVectorAt returns the unit vector from b to a and the distance between
// them. Two nodes at the same point are pushed apart in a random direction.
func unitVectorAt(rnd *rand.Rand, a, b []float64) ([]float64, float64) {
	d := diff(a, b)
	if mag := magnitude(d); mag > zeroThreshold {
		for i := range d {
			d[i] /= mag
		}
		return d, mag
	}
	for i := range d {
		d[i] = rnd.Float64() - 0.5
	}
	if mag := magnitude(d); mag > zeroThreshold {
		for i := range d {
			d[i] /= mag
		}
		return d, 0
	}
	d = make([]float64, len(a))
	d[0] = 1
	return d, 0
}

func diff(a, b []float64) []float64 {
	d := make([]float64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	return d
}

func magnitude(v []float64) float64 {
	sum := 0.0
	for _, x := range v {
		sum += x * x
	}
	return math.Sqrt(sum)
}

// peerCoordinate is what a member keeps about a peer whose acks it heard:
// the peer's last coordinate and the peer's latency filter. It hangs off the
// peer's row, and a member may hold one for every other member, so it is one
// allocation of fixed size.
type peerCoordinate struct {
	vec                     [coordDimensions]float64
	err, adjustment, height float64
	filter                  latencyFilter
}

// set records a peer's coordinate, which must be Valid.
func (p *peerCoordinate) set(c Coordinate) {
	copy(p.vec[:], c.Vec)
	p.err, p.adjustment, p.height = c.Error, c.Adjustment, c.Height
}

// coordinate returns the peer's coordinate as a Coordinate the caller owns.
func (p *peerCoordinate) coordinate() Coordinate {
	return Coordinate{Vec: slices.Clone(p.vec[:]), Error: p.err, Adjustment: p.adjustment, Height: p.height}
}

// latencyFilter holds a peer's most recent RTT samples, oldest first.
type latencyFilter struct {
	samples [latencyFilterSamples]float64
	count   int
}

// add records a sample and returns the median of the peer's recent ones.
func (f *latencyFilter) add(seconds float64) float64 {
	if f.count == latencyFilterSamples {
		copy(f.samples[:], f.samples[1:])
		f.count--
	}
	f.samples[f.count] = seconds
	f.count++
	sorted := f.samples
	slices.Sort(sorted[:f.count])
	return sorted[f.count/2]
}

// vivaldi is one node's coordinate client: its own coordinate and the
// recent samples behind the adjustment term. The latency filter of each
// peer sits with the peer's coordinate (peerCoordinate).
type vivaldi struct {
	coord       Coordinate
	origin      Coordinate
	adjustments [adjustmentWindow]float64
	adjustIndex int
}

func newVivaldi() *vivaldi {
	return &vivaldi{coord: NewCoordinate(), origin: NewCoordinate()}
}

// observe feeds one RTT sample from a peer whose coordinate is other and
// whose latency filter is filter, and moves the local coordinate. It ignores
// invalid input.
func (v *vivaldi) observe(rnd *rand.Rand, filter *latencyFilter, other Coordinate, rtt time.Duration) {
	seconds := rtt.Seconds()
	if !other.Valid() || seconds < 0 || seconds > rttMaxSeconds {
		return
	}
	seconds = filter.add(seconds)
	v.updateVivaldi(rnd, other, seconds)
	v.updateAdjustment(other, seconds)
	v.updateGravity(rnd)
	if !v.coord.Valid() {
		v.coord = NewCoordinate()
	}
}

func (v *vivaldi) updateVivaldi(rnd *rand.Rand, other Coordinate, rttSeconds float64) {
	rttSeconds = max(rttSeconds, zeroThreshold)
	dist := v.coord.DistanceTo(other).Seconds()
	wrongness := math.Abs(dist-rttSeconds) / rttSeconds
	totalError := max(v.coord.Error+other.Error, zeroThreshold)
	weight := v.coord.Error / totalError
	v.coord.Error = vivaldiCE*weight*wrongness + v.coord.Error*(1-vivaldiCE*weight)
	v.coord.Error = min(v.coord.Error, vivaldiErrorMax)
	force := vivaldiCC * weight * (rttSeconds - dist)
	v.coord = v.coord.applyForce(rnd, force, other)
}

func (v *vivaldi) updateAdjustment(other Coordinate, rttSeconds float64) {
	v.adjustments[v.adjustIndex] = rttSeconds - v.coord.rawDistanceTo(other)
	v.adjustIndex = (v.adjustIndex + 1) % adjustmentWindow
	sum := 0.0
	for _, a := range v.adjustments {
		sum += a
	}
	v.coord.Adjustment = sum / (2 * adjustmentWindow)
}

func (v *vivaldi) updateGravity(rnd *rand.Rand) {
	dist := v.origin.DistanceTo(v.coord).Seconds()
	force := -1 * math.Pow(dist/gravityRhoSeconds, 2)
	v.coord = v.coord.applyForce(rnd, force, v.origin)
}
