package swim

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"go.uber.org/zap"
)

// Config holds a member's identity, its injected sources and its timing
// knobs. Start from LANConfig, WANConfig or LocalConfig and set Name, Addr,
// Tags and Rand.
type Config struct {
	// Name identifies the member in the pool; it must be unique.
	Name string
	// Addr is the "host:port" other members send packets and streams to.
	Addr string
	// Tags are the member's metadata (role, dc, port, build, ...), carried
	// on its alive messages; at most MaxTagsBytes encoded.
	Tags Tags

	// Rand is the member's only source of randomness (probe order, gossip
	// targets, indirect probers). Required.
	Rand *rand.Rand
	// Keyring, if set, encrypts every packet and stream message; a member
	// with a keyring drops anything it cannot decrypt. Nil means plaintext.
	Keyring *Keyring
	// Entropy supplies AES-GCM nonces; required with Keyring.
	Entropy io.Reader
	// Logger receives the member's logs; nil discards them.
	Logger *zap.Logger

	// ProbeInterval is the time between failure-detection probes (SWIM's
	// protocol period T'). Lifeguard multiplies it by the local health score
	// plus one.
	ProbeInterval time.Duration
	// ProbeTimeout is how long to wait for a direct ack before asking
	// IndirectChecks other members; it should be about the 99th-percentile
	// RTT. Scaled by health like ProbeInterval.
	ProbeTimeout time.Duration
	// IndirectChecks is k, the number of members asked to ping-req a target
	// that did not answer directly.
	IndirectChecks int
	// DisableTCPPings turns off the stream fallback probe that runs beside
	// the indirect probes.
	DisableTCPPings bool

	// SuspicionMult sets the minimum suspicion timeout:
	// min = SuspicionMult · max(1, log10(max(1, n))) · ProbeInterval, where n is
	// the number of members. With Lifeguard, SuspicionMult-2 independent
	// confirmations are expected before the timeout shrinks to min.
	SuspicionMult int
	// SuspicionMaxTimeoutMult sets the Lifeguard maximum suspicion timeout:
	// max = SuspicionMaxTimeoutMult · min. A fresh suspicion starts at max and
	// shrinks toward min as log(c+1)/log(k+1) of the way for c confirmations.
	SuspicionMaxTimeoutMult int

	// RetransmitMult sets how many times a broadcast is sent:
	// limit = RetransmitMult · ceil(log10(n+1)).
	RetransmitMult int
	// GossipInterval is the time between gossip rounds.
	GossipInterval time.Duration
	// GossipNodes is the number of random members each gossip round sends to.
	GossipNodes int
	// GossipToTheDeadTime is how long dead members still receive gossip, so
	// that a falsely declared member learns of it and refutes.
	GossipToTheDeadTime time.Duration
	// PacketSize bounds a packet's plaintext size, including piggybacked
	// gossip; 1400 bytes fits an Ethernet MTU with headers.
	PacketSize int

	// PushPullInterval is the time between full state exchanges with one
	// random member at up to 32 members; above that it is multiplied by
	// ceil(log2(n)) - 4, so that the bandwidth per member stays flat.
	PushPullInterval time.Duration

	// ReconnectInterval is how often the member tries to push-pull with a
	// random failed member, which is how partitions heal (Serf's reconnect).
	// Each attempt happens with probability failed/(failed+alive).
	ReconnectInterval time.Duration
	// ReconnectTimeout is how long a failed member is remembered before it
	// is reaped.
	ReconnectTimeout time.Duration
	// TombstoneTimeout is how long a member that left is remembered before
	// it is reaped.
	TombstoneTimeout time.Duration

	// EventBuffer is the number of recent Lamport times whose user events
	// are remembered for de-duplication; older events are ignored.
	EventBuffer int
	// MaxBroadcasts bounds the broadcast queue; beyond it the most
	// transmitted broadcasts are dropped first.
	MaxBroadcasts int

	// Lifeguard refinements; each can be turned off to measure plain SWIM.

	// DisableAwareness turns off local health awareness (Lifeguard §IV-A):
	// the probe interval and timeout stay fixed.
	DisableAwareness bool
	// AwarenessMax is the health score ceiling S; intervals scale by up to
	// AwarenessMax.
	AwarenessMax int
	// DisableDynamicSuspicion turns off Lifeguard's dynamic suspicion
	// (§IV-B): every suspicion lasts the minimum timeout regardless of
	// confirmations.
	DisableDynamicSuspicion bool
	// DisableBuddy turns off the buddy system (§IV-C): a ping to a suspect
	// no longer carries the suspicion.
	DisableBuddy bool
	// DisableNacks turns off nacks from indirect probers.
	DisableNacks bool
}

// LANConfig returns memberlist's and Serf's defaults for a datacenter pool.
func LANConfig() Config {
	return Config{
		ProbeInterval:           time.Second,
		ProbeTimeout:            500 * time.Millisecond,
		IndirectChecks:          3,
		SuspicionMult:           4,
		SuspicionMaxTimeoutMult: 6,
		RetransmitMult:          4,
		GossipInterval:          200 * time.Millisecond,
		GossipNodes:             3,
		GossipToTheDeadTime:     30 * time.Second,
		PacketSize:              1400,
		PushPullInterval:        30 * time.Second,
		ReconnectInterval:       30 * time.Second,
		ReconnectTimeout:        72 * time.Hour,
		TombstoneTimeout:        24 * time.Hour,
		EventBuffer:             512,
		MaxBroadcasts:           4096,
		AwarenessMax:            8,
	}
}

// WANConfig returns the defaults for the pool of servers across datacenters:
// slower probes and more patience, since WAN links are slow and lossy.
func WANConfig() Config {
	c := LANConfig()
	c.ProbeInterval = 5 * time.Second
	c.ProbeTimeout = 3 * time.Second
	c.SuspicionMult = 6
	c.GossipInterval = 500 * time.Millisecond
	c.GossipNodes = 4
	c.GossipToTheDeadTime = 60 * time.Second
	c.PushPullInterval = 60 * time.Second
	return c
}

// LocalConfig returns fast settings for tests on one host or a simulator
// with sub-millisecond links.
func LocalConfig() Config {
	c := LANConfig()
	c.ProbeInterval = 200 * time.Millisecond
	c.ProbeTimeout = 50 * time.Millisecond
	c.SuspicionMult = 3
	c.GossipInterval = 50 * time.Millisecond
	c.GossipToTheDeadTime = 15 * time.Second
	c.PushPullInterval = 15 * time.Second
	c.ReconnectInterval = 5 * time.Second
	c.ReconnectTimeout = 5 * time.Minute
	c.TombstoneTimeout = 5 * time.Minute
	return c
}

// ErrConfig reports an invalid Config.
var ErrConfig = errors.New("swim: invalid config")

func (c *Config) validate() error {
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrConfig, what) }
	switch {
	case c.Name == "":
		return bad("Name is empty")
	case c.Addr == "":
		return bad("Addr is empty")
	case c.Rand == nil:
		return bad("Rand is nil")
	case c.Keyring != nil && c.Entropy == nil:
		return bad("Keyring set without Entropy")
	case c.ProbeInterval <= 0 || c.ProbeTimeout <= 0 || c.ProbeTimeout > c.ProbeInterval:
		return bad("need 0 < ProbeTimeout <= ProbeInterval")
	case c.GossipInterval <= 0 || c.PushPullInterval <= 0 || c.ReconnectInterval <= 0:
		return bad("intervals must be positive")
	case c.SuspicionMult < 1 || c.SuspicionMaxTimeoutMult < 1 || c.RetransmitMult < 1:
		return bad("multipliers must be at least 1")
	case c.AwarenessMax < 1 || c.EventBuffer < 1 || c.MaxBroadcasts < 1:
		return bad("AwarenessMax, EventBuffer and MaxBroadcasts must be at least 1")
	case c.PacketSize < 256 || c.PacketSize > 60000:
		return bad("PacketSize must be between 256 and 60000 bytes")
	case tagsSize(c.Tags) > MaxTagsBytes:
		return bad(fmt.Sprintf("Tags encode to more than %d bytes", MaxTagsBytes))
	}
	return nil
}

// suspicionMinTimeout is SuspicionMult · max(1, log10(max(1, n))) · interval.
func suspicionMinTimeout(mult, n int, interval time.Duration) time.Duration {
	scale := max(1, math.Log10(float64(max(1, n))))
	return time.Duration(float64(mult) * scale * float64(interval))
}

// retransmitLimit is mult · ceil(log10(n+1)), in integer arithmetic.
func retransmitLimit(mult, n int) int {
	digits := 0
	for p := 1; p < n+1; p *= 10 {
		digits++
	}
	return mult * digits
}

// pushPullScale multiplies interval by ceil(log2(n)) - 4 above 32 members.
func pushPullScale(interval time.Duration, n int) time.Duration {
	const threshold = 32
	if n <= threshold {
		return interval
	}
	ceilLog2 := 0
	for p := 1; p < n; p *= 2 {
		ceilLog2++
	}
	return time.Duration(ceilLog2-4) * interval
}
