package netsim

import "math/rand/v2"

// The root seed of a run is split into independent PRNG streams, one per
// purpose, so that a change in how often one part of the simulator draws
// (a new fault kind, a longer workload) does not shift what any other part
// draws. Every stream is a PCG seeded with (root seed, stream ID).
const (
	streamNetwork  uint64 = 1 // latency, loss, duplication, reordering
	streamFaults   uint64 = 2 // fault schedules and fault details
	streamWorkload uint64 = 3 // the workload's default stream
	streamSwarm    uint64 = 4 // the seed's fault plan (Sim.DrawFaults)
)

// Purposes of the per-host streams; mixed with the host name and boot number.
const (
	purposeNode    uint64 = 1 // Env.Rand
	purposeEntropy uint64 = 2 // Env.Entropy
	purposeDisk    uint64 = 3 // torn writes and fsync latency of the host's disk
	purposeNamed   uint64 = 4 // Sim.Rand(name)
)

// newStream returns the PRNG stream id of the run seeded with seed.
func newStream(seed, id uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, id))
}

// namedStreamID derives a stream ID from a name, a boot number and a
// purpose. Names are hashed rather than numbered so that adding a host does
// not change the streams of the hosts already there.
func namedStreamID(purpose uint64, name string, boot uint64) uint64 {
	return mix64(fnv64(name) ^ mix64(purpose<<40|boot))
}

// fnv64 is the 64-bit FNV-1a hash of s.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// mix64 is the SplitMix64 finalizer: it spreads every input bit over the
// whole output.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// chance reports true with probability p, drawn from r. It compares
// r.Float64, which is built exactly from integer bits, so the outcome does
// not depend on the platform's floating-point arithmetic.
func chance(r *rand.Rand, p float64) bool {
	return p > 0 && r.Float64() < p
}

// between draws a duration in [lo, hi] nanoseconds.
func between(r *rand.Rand, lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + r.Int64N(hi-lo+1)
}
