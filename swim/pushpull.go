package swim

import (
	"errors"
	"time"
)

// Push-pull anti-entropy (memberlist's addition to SWIM): now and then a
// member opens a stream to one random member and both send their whole
// table. Gossip spreads news fast but can miss a member; the exchange repairs
// whatever gossip lost, and it is also how a new member joins. The interval
// grows with the pool (see Config.PushPullInterval), so the bandwidth each
// member spends on it stays flat.
//
// A stream exchange is always one request and one reply. The member asks its
// driver to run it with a StreamRequest; the driver hands the reply to
// StreamReply or the failure to StreamFailed. An incoming request is given to
// HandleStream, which returns the reply.

// ErrUnexpectedStream rejects a stream request that is neither a push-pull
// nor a ping.
var ErrUnexpectedStream = errors.New("swim: unexpected stream message")

func (m *Member) openStream(to string, kind StreamKind, payload []byte, seq uint32) {
	sealed, ok := m.seal(payload)
	if !ok {
		return
	}
	m.nextStreamID++
	id := m.nextStreamID
	m.streams[id] = pendingStream{kind: kind, to: to, seq: seq}
	m.ready.Streams = append(m.ready.Streams, StreamRequest{ID: id, To: to, Kind: kind, Payload: sealed})
}

func (m *Member) startPushPull(addr string, join bool) {
	m.openStream(addr, StreamPushPull, encodeStream(message{pushPull: m.localState(join)}), 0)
}

// localState is the member's table as sent in a push-pull, sorted by name.
func (m *Member) localState(join bool) *pushPull {
	p := &pushPull{Join: join, EventLTime: m.events.clock}
	for _, n := range m.Members() {
		p.Nodes = append(p.Nodes, pushNode{Name: n.Name, Addr: n.Addr, Tags: n.Tags,
			Incarnation: n.Incarnation, State: n.State})
	}
	return p
}

// periodicPushPull exchanges state with one random live member.
func (m *Member) periodicPushPull() {
	peers := m.randomNodes(1, func(n *nodeState) bool { return n.state == StateAlive })
	if len(peers) == 1 {
		m.startPushPull(peers[0].addr.Value(), false)
	}
}

// reconnect tries to push-pull with a random failed member, with
// probability failed/(failed+alive). This is Serf's reconnect, and how two
// halves of a healed partition find each other again.
func (m *Member) reconnect() {
	failed, live := 0, 0
	for _, n := range m.nodes {
		switch {
		case n.name == m.self:
		case n.state == StateDead:
			failed++
		case n.state <= StateSuspect:
			live++
		}
	}
	if failed == 0 || m.rnd.Float64() >= float64(failed)/float64(failed+live) {
		return
	}
	peers := m.randomNodes(1, func(n *nodeState) bool { return n.state == StateDead })
	if len(peers) == 1 {
		m.startPushPull(peers[0].addr.Value(), false)
	}
}

// mergeState applies a remote table. Remote "failed" and "suspect" become
// only a local suspicion of a member already known: a member must not be
// declared dead on another's word without its own timer, and it gets the
// chance to refute. A failed member not known locally is not learned.
func (m *Member) mergeState(p *pushPull) {
	m.events.witness(p.EventLTime)
	for _, n := range p.Nodes {
		switch n.State {
		case StateAlive:
			m.aliveNode(alive{Incarnation: n.Incarnation, Node: n.Name, Addr: n.Addr, Tags: n.Tags}, false)
		case StateLeft:
			m.deadNode(dead{Incarnation: n.Incarnation, Node: n.Name, From: n.Name})
		default:
			m.suspectNode(suspect{Incarnation: n.Incarnation, Node: n.Name, From: m.cfg.Name})
		}
	}
}

// HandleStream answers an incoming stream request from addr: a push-pull is
// merged and answered with the local table, a fallback ping with an ack.
func (m *Member) HandleStream(now time.Duration, from string, payload []byte) ([]byte, error) {
	m.advance(now)
	msg, err := m.readStream(payload)
	if err != nil {
		why := m.refusalFor(payload)
		if why != 0 && (errors.Is(err, ErrDecrypt) || why == refusedEncrypted) {
			return m.refuse(from, why), nil
		}
		return nil, err
	}
	var reply message
	switch {
	case msg.pushPull != nil:
		m.mergeState(msg.pushPull)
		reply.pushPull = m.localState(false)
	case msg.ping != nil:
		if msg.ping.Target != "" && msg.ping.Target != m.cfg.Name {
			return nil, ErrUnexpectedStream
		}
		reply.ack = m.ackFor(msg.ping.Seq)
	default:
		return nil, ErrUnexpectedStream
	}
	sealed, ok := m.seal(encodeStream(reply))
	if !ok {
		return nil, ErrDecrypt
	}
	return sealed, nil
}

// StreamReply hands the member the reply to its stream request id.
func (m *Member) StreamReply(now time.Duration, id uint64, payload []byte) {
	m.advance(now)
	ps, ok := m.streams[id]
	if !ok {
		return
	}
	delete(m.streams, id)
	if m.refusedBy(ps.to, payload) {
		return
	}
	msg, err := m.readStream(payload)
	if err != nil {
		return
	}
	switch {
	case ps.kind == StreamPushPull && msg.pushPull != nil:
		m.mergeState(msg.pushPull)
	case ps.kind == StreamProbe && msg.ack != nil:
		if m.probe.active && msg.ack.Seq == ps.seq && m.probe.seq == ps.seq {
			m.probeAcked(msg.ack, false)
		}
	}
}

// readStream opens and decodes one stream message, counting failures.
func (m *Member) readStream(payload []byte) (message, error) {
	plain, ok := m.open(payload)
	if !ok {
		return message{}, ErrDecrypt
	}
	msg, err := decodeStream(plain)
	if err != nil {
		m.stats.DecodeFailures++
		return message{}, err
	}
	return msg, nil
}

// StreamFailed tells the member that stream request id could not complete.
func (m *Member) StreamFailed(now time.Duration, id uint64) {
	m.advance(now)
	delete(m.streams, id)
}
