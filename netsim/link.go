package netsim

import (
	"math/bits"
	"math/rand/v2"
	"time"
)

// LinkProfile describes the links between two hosts: their one-way latency
// and, for datagrams only, how often the network loses, duplicates or
// reorders a packet. Streams see the latency but never loss, duplication
// or reordering: they model TCP, which hides those.
type LinkProfile struct {
	// LatencyMin and LatencyMax bound the one-way delay. The delay is
	// Min + (Max-Min)·u1·u2 for two independent uniform draws u1, u2 in
	// [0, 1]: most packets arrive near Min and a long tail reaches Max
	// (the mean is Min + (Max-Min)/4).
	LatencyMin time.Duration
	LatencyMax time.Duration
	// Loss is the probability that a datagram is dropped.
	Loss float64
	// Duplicate is the probability that a datagram is delivered twice
	// (the copy takes its own delay).
	Duplicate float64
	// Reorder is the probability that a datagram is held back by an extra
	// delay of up to LatencyMax, so that later datagrams overtake it.
	// Without it datagrams can still overtake each other when their
	// delays differ by more than the gap between their sends.
	Reorder float64
}

// LANProfile is a link inside one datacenter: 100 µs to 2 ms, no faults.
func LANProfile() LinkProfile {
	return LinkProfile{LatencyMin: 100 * time.Microsecond, LatencyMax: 2 * time.Millisecond}
}

// WANProfile is a link between datacenters: 20 ms to 150 ms, no faults.
func WANProfile() LinkProfile {
	return LinkProfile{LatencyMin: 20 * time.Millisecond, LatencyMax: 150 * time.Millisecond}
}

// profile is the link profile from host a to host b.
func (s *Sim) profile(a, b *host) *LinkProfile {
	if a.zone == b.zone {
		return &s.opts.LAN
	}
	return &s.opts.WAN
}

// latency draws one one-way delay from p.
func (p *LinkProfile) latency(r *rand.Rand) int64 {
	lo, hi := int64(p.LatencyMin), int64(p.LatencyMax)
	if hi <= lo {
		return lo
	}
	span := uint64(hi - lo)
	u1, u2 := r.Uint64N(span+1), r.Uint64N(span+1)
	// u1·u2/span is at most span; the 128-bit product cannot overflow,
	// and its high word is below span, as Div64 requires.
	hi128, lo128 := bits.Mul64(u1, u2)
	q, _ := bits.Div64(hi128, lo128, span)
	return lo + int64(q)
}

// partition is the network's reachability: which hosts can send to which.
// The host-level parts (group, isolated, bridge) live on each host.
type partition struct {
	// active is false when no fault is in force, so the common case is
	// one branch.
	active bool
	// cuts holds one-way cuts, keyed by from.index<<32 | to.index.
	cuts map[uint64]struct{}
	// zoneCuts holds cut zone pairs, both orders.
	zoneCuts map[[2]string]struct{}
}

// reachable reports whether a packet from a can reach b right now.
func (s *Sim) reachable(a, b *host) bool {
	p := &s.partition
	if !p.active || a == b {
		return true
	}
	if a.isolated || b.isolated {
		return false
	}
	if a.group != b.group && !a.bridge && !b.bridge {
		return false
	}
	if _, cut := p.cuts[uint64(a.index)<<32|uint64(b.index)]; cut {
		return false
	}
	if _, cut := p.zoneCuts[[2]string{a.zone, b.zone}]; cut {
		return false
	}
	return true
}
