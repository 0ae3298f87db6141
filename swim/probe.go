package swim

import "time"

// Failure detection, SWIM §3 and §4.3, with Lifeguard's refinements.
//
// Every protocol period the member probes one other member, taken in a
// randomized round-robin order: the table is walked front to back and
// shuffled at the end of each round, so every member is probed within one
// round (a time bound SWIM's original uniform choice lacks). A probe is:
//
//  1. a direct ping, answered by an ack within ProbeTimeout;
//  2. otherwise a ping-req to IndirectChecks other members, who ping the
//     target and relay its ack (or, with Lifeguard, answer with a nack when
//     it stays silent), and in parallel a ping over a stream, for networks
//     that drop datagrams but pass streams;
//  3. if no ack came by the end of the period, the target is suspected.
//
// Lifeguard scales the timeout and the period by the local health score.

// probeState is the probe in flight, if any.
type probeState struct {
	active        bool
	indirect      bool
	target        string
	addr          string
	seq           uint32
	sentAt        time.Duration
	timeoutAt     time.Duration
	endAt         time.Duration
	expectedNacks int
	nacks         int
}

// relay is a ping sent on behalf of another member's ping-req.
type relay struct {
	seq      uint32
	origSeq  uint32
	origAddr string
	nack     bool
	deadline time.Duration
}

func (m *Member) tickProbe() {
	if m.probe.active && !m.probe.indirect && m.now >= m.probe.timeoutAt {
		m.startIndirect()
	}
	if m.probe.active && m.now >= m.probe.endAt {
		m.finishProbe()
	}
	if m.now >= m.nextProbe {
		interval := m.awareness.scale(m.cfg.ProbeInterval)
		m.nextProbe = m.now + interval
		m.startProbe(interval)
	}
}

// nextTarget walks the probe order and returns the next member worth
// probing, reaping and reshuffling at the end of each round.
func (m *Member) nextTarget() *nodeState {
	for range 2 * len(m.nodes) {
		if m.probeIndex >= len(m.nodes) {
			m.reap()
			m.shuffle()
			m.probeIndex = 0
			continue
		}
		n := m.nodes[m.probeIndex]
		m.probeIndex++
		if n.name == m.self || n.state >= StateDead {
			continue
		}
		return n
	}
	return nil
}

func (m *Member) startProbe(interval time.Duration) {
	n := m.nextTarget()
	if n == nil {
		return
	}
	m.probe = probeState{active: true, target: n.name.Value(), addr: n.addr.Value(), seq: m.nextSeq(), sentAt: m.now,
		timeoutAt: m.now + m.awareness.scale(m.cfg.ProbeTimeout), endAt: m.now + interval}
	m.stats.ProbesSent++
	frames := [][]byte{frameOf(message{ping: &ping{Seq: m.probe.seq, Target: n.name.Value(),
		SourceName: m.cfg.Name, SourceAddr: m.cfg.Addr}})}
	if n.state == StateSuspect && !m.cfg.DisableBuddy {
		// Lifeguard's buddy system: tell the suspect itself, so that it
		// can refute at once instead of waiting for the gossip to reach it.
		frames = append(frames, frameOf(message{suspect: &suspect{Incarnation: n.incarnation,
			Node: n.name.Value(), From: m.cfg.Name}}))
	}
	m.send(n.addr.Value(), frames...)
}

// startIndirect sends ping-reqs and the stream fallback probe.
func (m *Member) startIndirect() {
	m.probe.indirect = true
	target := m.lookup(m.probe.target)
	if target == nil {
		return
	}
	wantNack := !m.cfg.DisableNacks
	helpers := m.randomNodes(m.cfg.IndirectChecks, func(n *nodeState) bool {
		return n.name.Value() != m.probe.target && n.state == StateAlive
	})
	for _, h := range helpers {
		m.send(h.addr.Value(), frameOf(message{indirectPing: &indirectPing{Seq: m.probe.seq, Target: target.name.Value(),
			TargetAddr: target.addr.Value(), SourceName: m.cfg.Name, SourceAddr: m.cfg.Addr, Nack: wantNack}}))
	}
	if wantNack {
		m.probe.expectedNacks = len(helpers)
	}
	if !m.cfg.DisableTCPPings {
		payload := encodeStream(message{ping: &ping{Seq: m.probe.seq, Target: target.name.Value(),
			SourceName: m.cfg.Name, SourceAddr: m.cfg.Addr}})
		m.openStream(target.addr.Value(), StreamProbe, payload, m.probe.seq)
	}
}

// finishProbe ends a probe that got no ack: Lifeguard counts the missing
// nacks against the local health, and the target becomes suspect (or, if
// it already is, this member confirms the suspicion).
func (m *Member) finishProbe() {
	p := m.probe
	m.probe = probeState{}
	m.stats.ProbesFailed++
	switch {
	case p.expectedNacks > 0 && p.nacks < p.expectedNacks:
		m.awareness.apply(p.expectedNacks - p.nacks)
	case p.expectedNacks == 0:
		m.awareness.apply(1)
	}
	n := m.lookup(p.target)
	if n == nil || n.state > StateSuspect {
		return
	}
	// A target already suspected is still suspected again: from another
	// member, that is the independent confirmation Lifeguard's dynamic
	// suspicion counts (§IV-B), and it is re-gossiped so that the others
	// can shorten their timers too.
	m.suspectNode(suspect{Incarnation: n.incarnation, Node: n.name.Value(), From: m.cfg.Name})
}

// probeAcked ends the current probe successfully. A direct ack also gives
// an RTT sample for the Vivaldi coordinates.
func (m *Member) probeAcked(a *ack, direct bool) {
	p := m.probe
	m.probe = probeState{}
	m.awareness.apply(-1)
	if !direct || !a.HasCoord {
		return
	}
	n := m.lookup(p.target)
	if n == nil || !a.Coord.Valid() {
		return
	}
	if n.coord == nil {
		n.coord = new(peerCoordinate)
	}
	n.coord.set(a.Coord)
	m.vivaldi.observe(m.rnd, &n.coord.filter, a.Coord, m.now-p.sentAt)
}

func (m *Member) handlePing(from string, p *ping) {
	if p.Target != "" && p.Target != m.cfg.Name {
		return
	}
	to := p.SourceAddr
	if to == "" {
		to = from
	}
	m.send(to, frameOf(message{ack: m.ackFor(p.Seq)}))
}

func (m *Member) ackFor(seq uint32) *ack {
	return &ack{Seq: seq, HasCoord: true, Coord: m.vivaldi.coord.Clone()}
}

func (m *Member) handleIndirectPing(from string, ip *indirectPing) {
	if ip.TargetAddr == "" || len(m.relays) >= 4*m.cfg.IndirectChecks+16 {
		return
	}
	origAddr := ip.SourceAddr
	if origAddr == "" {
		origAddr = from
	}
	seq := m.nextSeq()
	m.relays = append(m.relays, relay{seq: seq, origSeq: ip.Seq, origAddr: origAddr, nack: ip.Nack,
		deadline: m.now + m.cfg.ProbeTimeout})
	m.send(ip.TargetAddr, frameOf(message{ping: &ping{Seq: seq, Target: ip.Target,
		SourceName: m.cfg.Name, SourceAddr: m.cfg.Addr}}))
}

func (m *Member) handleAck(from string, a *ack) {
	if m.probe.active && a.Seq == m.probe.seq {
		m.probeAcked(a, from == m.probe.addr && !m.probe.indirect)
		return
	}
	for i, r := range m.relays {
		if r.seq == a.Seq {
			m.relays = append(m.relays[:i], m.relays[i+1:]...)
			m.send(r.origAddr, frameOf(message{ack: &ack{Seq: r.origSeq}}))
			return
		}
	}
}

func (m *Member) handleNack(n *nack) {
	if m.probe.active && n.Seq == m.probe.seq {
		m.probe.nacks++
	}
}

// tickRelays answers with a nack for each relayed ping that timed out.
func (m *Member) tickRelays() {
	for i := 0; i < len(m.relays); {
		r := m.relays[i]
		if m.now < r.deadline {
			i++
			continue
		}
		m.relays = append(m.relays[:i], m.relays[i+1:]...)
		if r.nack {
			m.send(r.origAddr, frameOf(message{nack: &nack{Seq: r.origSeq}}))
		}
	}
}
