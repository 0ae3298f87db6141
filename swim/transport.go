package swim

import (
	"time"

	"go.uber.org/zap"
)

// sealOverhead is what sealing adds to a packet: version, nonce, GCM tag.
const sealOverhead = 1 + nonceSize + tagSize

// send queues a packet to addr holding frames, then as many broadcasts as
// still fit (piggybacking, SWIM §4.1).
func (m *Member) send(to string, frames ...[]byte) {
	budget := m.cfg.PacketSize - 1
	if m.cfg.Keyring != nil {
		budget -= sealOverhead
	}
	for _, f := range frames {
		budget -= len(f)
	}
	packet := encodePacket(frames)
	for _, f := range m.broadcasts.take(budget, m.transmitLimit()) {
		packet = append(packet, f...)
	}
	m.sendPacket(to, packet)
}

func (m *Member) sendPacket(to string, plain []byte) {
	payload, ok := m.seal(plain)
	if !ok {
		return
	}
	m.stats.PacketsSent++
	m.stats.BytesSent += uint64(len(payload))
	m.ready.Packets = append(m.ready.Packets, Packet{To: to, Payload: payload})
}

// seal encrypts with the primary key when the member has a keyring.
func (m *Member) seal(plain []byte) ([]byte, bool) {
	if m.cfg.Keyring == nil {
		return plain, true
	}
	sealed, err := m.cfg.Keyring.Seal(m.cfg.Entropy, plain)
	if err != nil {
		m.log.Error("swim: seal", zap.Error(err))
		return nil, false
	}
	return sealed, true
}

// open decrypts with any installed key when the member has a keyring.
func (m *Member) open(payload []byte) ([]byte, bool) {
	if m.cfg.Keyring == nil {
		return payload, true
	}
	plain, err := m.cfg.Keyring.Open(payload)
	if err != nil {
		m.stats.DecryptFailures++
		return nil, false
	}
	return plain, true
}

func (m *Member) transmitLimit() int {
	return retransmitLimit(m.cfg.RetransmitMult, len(m.nodes))
}

// Step handles one datagram that arrived from addr at time now. Packets
// that cannot be decrypted or decoded are dropped and counted.
func (m *Member) Step(now time.Duration, from string, payload []byte) {
	m.advance(now)
	m.stats.PacketsReceived++
	m.stats.BytesReceived += uint64(len(payload))
	plain, ok := m.open(payload)
	if !ok {
		return
	}
	msgs, err := decodePacket(plain)
	if err != nil {
		m.stats.DecodeFailures++
		return
	}
	for _, msg := range msgs {
		m.dispatch(from, msg)
	}
}

func (m *Member) dispatch(from string, msg message) {
	switch {
	case msg.ping != nil:
		m.handlePing(from, msg.ping)
	case msg.indirectPing != nil:
		m.handleIndirectPing(from, msg.indirectPing)
	case msg.ack != nil:
		m.handleAck(from, msg.ack)
	case msg.nack != nil:
		m.handleNack(msg.nack)
	case msg.suspect != nil:
		m.suspectNode(*msg.suspect)
	case msg.alive != nil:
		m.aliveNode(*msg.alive, false)
	case msg.dead != nil:
		m.deadNode(*msg.dead)
	case msg.userEvent != nil:
		m.handleUserEvent(*msg.userEvent)
	case msg.keyQuery != nil:
		m.handleKeyQuery(*msg.keyQuery)
	case msg.keyAnswer != nil:
		m.handleKeyAnswer(*msg.keyAnswer)
	}
}

// gossip sends the queued broadcasts to GossipNodes random members (SWIM
// §4.1). Recently dead members are included for GossipToTheDeadTime, so that
// a member declared dead by mistake hears it and refutes.
func (m *Member) gossip() {
	if m.broadcasts.len() == 0 {
		return
	}
	targets := m.randomNodes(m.cfg.GossipNodes, func(n *nodeState) bool {
		switch n.state {
		case StateAlive, StateSuspect:
			return true
		case StateDead:
			return m.now-n.stateChange <= m.cfg.GossipToTheDeadTime
		}
		return false
	})
	for _, t := range targets {
		if m.broadcasts.len() == 0 {
			return
		}
		m.send(t.addr.Value())
	}
}

// randomNodes picks up to k distinct members other than the local one that
// satisfy ok, by rejection sampling with a bounded number of draws (3n, as
// memberlist), so that a large table is not copied on every call.
func (m *Member) randomNodes(k int, ok func(*nodeState) bool) []*nodeState {
	var out []*nodeState
	n := len(m.nodes)
	for i := 0; i < 3*n && len(out) < k; i++ {
		cand := m.nodes[m.rnd.IntN(n)]
		if cand.name == m.self || !ok(cand) || containsNode(out, cand) {
			continue
		}
		out = append(out, cand)
	}
	return out
}

func containsNode(list []*nodeState, n *nodeState) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}
