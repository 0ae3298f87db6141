package swim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
	"unique"

	"go.uber.org/zap"
)

// Member is one participant of a SWIM pool: a deterministic state machine
// driven by Tick, Step and the stream callbacks, whose outputs are collected
// with Ready. A Member is not safe for concurrent use; its driver calls it
// from one goroutine (or one simulator thread). See the package documentation
// for the driver's contract.
type Member struct {
	cfg Config
	log *zap.Logger
	rnd *rand.Rand
	now time.Duration

	incarnation uint32
	leaving     bool

	// nodes is the member table (table.go), including the local member;
	// its order is the probe order of the current round. index maps a name
	// to its slot; self is the local member's name.
	nodes      []*nodeState
	index      map[unique.Handle[string]]int
	self       unique.Handle[string]
	probeIndex int
	// conflicts maps a name to the last conflicting claimant reported for
	// it, so that a repeated claim is reported once; only lookups read it.
	// Few rows ever have one, so it is kept out of the rows.
	conflicts map[string]string

	seq        uint32
	probe      probeState
	relays     []relay
	suspicions []*suspicion
	awareness  awareness
	broadcasts broadcastQueue
	vivaldi    *vivaldi
	events     eventLog
	queries    keyQueries

	streams      map[uint64]pendingStream
	nextStreamID uint64

	nextProbe     time.Duration
	nextGossip    time.Duration
	nextPushPull  time.Duration
	nextReconnect time.Duration

	ready Ready
	stats Stats
}

// pendingStream remembers what an outgoing stream exchange was for.
type pendingStream struct {
	kind StreamKind
	to   string
	seq  uint32
}

// New returns a member that knows only itself, at time now. Its first
// outputs (its own alive broadcast) wait in the broadcast queue until it
// joins a pool.
func New(cfg Config, now time.Duration) (*Member, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg.Tags = cloneTags(cfg.Tags)
	m := &Member{
		cfg:       cfg,
		log:       cfg.Logger,
		rnd:       cfg.Rand,
		now:       now,
		index:     make(map[unique.Handle[string]]int),
		self:      intern(cfg.Name),
		conflicts: make(map[string]string),
		vivaldi:   newVivaldi(),
		events:    newEventLog(cfg.EventBuffer),
		queries:   keyQueries{log: newEventLog(cfg.EventBuffer)},
		streams:   make(map[uint64]pendingStream),
	}
	if m.log == nil {
		m.log = zap.NewNop()
	}
	m.awareness = newAwareness(cfg.AwarenessMax, !cfg.DisableAwareness)
	m.broadcasts = newBroadcastQueue(cfg.MaxBroadcasts)
	m.aliveNode(alive{Incarnation: 0, Node: cfg.Name, Addr: cfg.Addr, Tags: cfg.Tags}, true)
	m.nextProbe = now + m.jitter(cfg.ProbeInterval)
	m.nextGossip = now + m.jitter(cfg.GossipInterval)
	m.nextPushPull = now + m.jitter(cfg.PushPullInterval)
	m.nextReconnect = now + m.jitter(cfg.ReconnectInterval)
	return m, nil
}

// jitter returns a random duration in [d, 2d), so that members started
// together do not act in lockstep.
func (m *Member) jitter(d time.Duration) time.Duration {
	return d + time.Duration(m.rnd.Int64N(int64(d)))
}

// advance moves the member's clock forward; time never goes back.
func (m *Member) advance(now time.Duration) {
	if now > m.now {
		m.now = now
	}
}

// Name returns the local member's name.
func (m *Member) Name() string { return m.cfg.Name }

// Incarnation returns the local member's current incarnation number.
func (m *Member) Incarnation() uint32 { return m.incarnation }

// Stats returns the member's counters.
func (m *Member) Stats() Stats { return m.stats }

// HealthScore returns the Lifeguard local health multiplier minus one
// (0 is healthy).
func (m *Member) HealthScore() int { return m.awareness.score }

// Coordinate returns the local member's Vivaldi coordinate.
func (m *Member) Coordinate() Coordinate { return m.vivaldi.coord.Clone() }

// NodeCoordinate returns the last coordinate heard from node.
func (m *Member) NodeCoordinate(node string) (Coordinate, bool) {
	if node == m.cfg.Name {
		return m.Coordinate(), true
	}
	n := m.lookup(node)
	if n == nil || n.coord == nil {
		return Coordinate{}, false
	}
	return n.coord.coordinate(), true
}

// DistanceTo estimates the round-trip time between nodes a and b from their
// coordinates, or reports false if either is unknown.
func (m *Member) DistanceTo(a, b string) (time.Duration, bool) {
	ca, ok := m.NodeCoordinate(a)
	if !ok {
		return 0, false
	}
	cb, ok := m.NodeCoordinate(b)
	if !ok {
		return 0, false
	}
	return ca.DistanceTo(cb), true
}

// Members returns every known member, the local one included, sorted by name.
func (m *Member) Members() []NodeInfo {
	out := make([]NodeInfo, 0, len(m.nodes))
	for _, n := range m.nodes {
		out = append(out, n.info())
	}
	slices.SortFunc(out, func(a, b NodeInfo) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

// Node returns what the member knows about one node.
func (m *Member) Node(name string) (NodeInfo, bool) {
	n := m.lookup(name)
	if n == nil {
		return NodeInfo{}, false
	}
	return n.info(), true
}

// NumAlive returns the number of members (the local one included) believed
// alive or suspect.
func (m *Member) NumAlive() int {
	count := 0
	for _, n := range m.nodes {
		if n.state <= StateSuspect {
			count++
		}
	}
	return count
}

func (m *Member) lookup(name string) *nodeState {
	i, ok := m.index[intern(name)]
	if !ok {
		return nil
	}
	return m.nodes[i]
}

func (m *Member) selfRow() *nodeState { return m.nodes[m.index[m.self]] }

// Ready returns and clears everything produced since the last call.
func (m *Member) Ready() Ready {
	r := m.ready
	m.ready = Ready{}
	return r
}

// NextDeadline returns the time at which the member next needs Tick. The
// driver keeps one timer per member, set to this deadline after every call
// into the member.
func (m *Member) NextDeadline() time.Duration {
	d := min(m.nextProbe, m.nextPushPull, m.nextReconnect)
	if m.broadcasts.len() > 0 {
		d = min(d, m.nextGossip)
	}
	if m.probe.active {
		d = min(d, m.probe.endAt)
		if !m.probe.indirect {
			d = min(d, m.probe.timeoutAt)
		}
	}
	for _, r := range m.relays {
		d = min(d, r.deadline)
	}
	for _, s := range m.suspicions {
		d = min(d, s.deadline)
	}
	return m.nextKeyQueryDeadline(d)
}

// Tick runs every timer that is due at now.
func (m *Member) Tick(now time.Duration) {
	m.advance(now)
	m.tickProbe()
	m.tickRelays()
	m.tickSuspicions()
	m.tickKeyQueries()
	if m.now >= m.nextGossip {
		m.gossip()
		m.nextGossip = m.now + m.cfg.GossipInterval
	}
	if m.now >= m.nextPushPull {
		m.periodicPushPull()
		m.nextPushPull = m.now + pushPullScale(m.cfg.PushPullInterval, len(m.nodes))
	}
	if m.now >= m.nextReconnect {
		m.reconnect()
		m.nextReconnect = m.now + m.cfg.ReconnectInterval
	}
}

// Join starts a push-pull exchange with each of addrs; the state they return
// makes this member part of their pool. Joining the own address is harmless.
// Join does not retry: an exchange that fails is only logged by the driver.
// A caller that must keep trying (retry_join) checks NumAlive, which exceeds
// one once some exchange succeeded, and calls Join again.
func (m *Member) Join(now time.Duration, addrs []string) {
	m.advance(now)
	for _, addr := range addrs {
		if addr == m.cfg.Addr {
			continue
		}
		m.startPushPull(addr, true)
	}
}

// Leave announces a graceful departure: the member broadcasts that it left,
// which others record as StateLeft rather than failed. The driver should
// keep the member running for a few gossip intervals so the news spreads,
// then stop it.
func (m *Member) Leave(now time.Duration) {
	m.advance(now)
	if m.leaving {
		return
	}
	m.leaving = true
	m.deadNode(dead{Incarnation: m.incarnation, Node: m.cfg.Name, From: m.cfg.Name})
}

// emit records a membership event.
func (m *Member) emit(kind EventKind, n *nodeState, conflictAddr string) {
	info := n.info()
	m.ready.Events = append(m.ready.Events, Event{Kind: kind, Node: info, ConflictAddr: conflictAddr, At: m.now})
	m.log.Debug("swim: membership event", zap.String("kind", kind.String()),
		zap.String("node", info.Name), zap.Uint32("incarnation", info.Incarnation))
}

// nextSeq returns a fresh probe sequence number.
func (m *Member) nextSeq() uint32 {
	m.seq++
	return m.seq
}

// String describes the member for logs.
func (m *Member) String() string {
	return fmt.Sprintf("swim member %s@%s inc=%d", m.cfg.Name, m.cfg.Addr, m.incarnation)
}

// SetTags replaces the local member's tags and gossips them with a new
// incarnation, so that every member applies the change.
func (m *Member) SetTags(now time.Duration, tags Tags) error {
	m.advance(now)
	if size := tagsSize(tags); size > MaxTagsBytes {
		return fmt.Errorf("%w: tags encode to %d bytes, limit %d", ErrConfig, size, MaxTagsBytes)
	}
	m.cfg.Tags = cloneTags(tags)
	m.incarnation++
	self := m.selfRow()
	self.incarnation, self.tags = m.incarnation, internTags(tags)
	m.queueAlive(self, alive{Incarnation: m.incarnation, Node: m.cfg.Name, Addr: m.cfg.Addr, Tags: m.cfg.Tags})
	return nil
}
