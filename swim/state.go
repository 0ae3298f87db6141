package swim

// This file holds the membership rules of SWIM §4.2 with memberlist's
// semantics: how alive, suspect and dead messages change the member table,
// ordered by incarnation numbers, and how a member refutes news about itself.

// aliveNode applies an alive message. bootstrap is true only for the local
// member's own first announcement.
func (m *Member) aliveNode(a alive, bootstrap bool) {
	if a.Node == "" || a.Addr == "" {
		return
	}
	n := m.lookup(a.Node)
	if n != nil && a.Node != m.cfg.Name && a.Addr == n.addr.Value() && a.Incarnation <= n.incarnation {
		// Old news, the common case: checked before anything costlier.
		return
	}
	if !a.resolveTags() {
		return
	}
	if n == nil {
		n = m.addNode(a)
		if a.Node != m.cfg.Name || bootstrap {
			m.emit(EventJoin, n, "")
		}
		m.queueAlive(n, a)
		return
	}
	isSelf := a.Node == m.cfg.Name
	addr, tags := intern(a.Addr), internTags(a.Tags)
	if n.addr != addr {
		if isSelf || n.state <= StateSuspect {
			m.conflict(n, a)
			return
		}
	}
	if isSelf && !bootstrap {
		if m.leaving {
			return
		}
		if a.Incarnation > m.incarnation || (a.Incarnation == m.incarnation && tags != n.tags) {
			m.refute(a.Incarnation)
		}
		return
	}
	m.removeSuspicion(a.Node)
	old := n.state
	changed := n.addr != addr || n.tags != tags
	n.incarnation, n.addr, n.tags = a.Incarnation, addr, tags
	delete(m.conflicts, a.Node)
	if old != StateAlive {
		n.state, n.stateChange = StateAlive, m.now
	}
	switch {
	case old == StateSuspect:
		m.emit(EventAlive, n, "")
	case old >= StateDead:
		m.emit(EventJoin, n, "")
	case changed:
		m.emit(EventUpdate, n, "")
	}
	m.queueAlive(n, a)
}

// conflict reports a live name claimed from a second address, once per
// claimant, and does not merge the claim. A claim on the local member's own
// name is also refuted, so that the genuine member's view keeps winning.
func (m *Member) conflict(n *nodeState, a alive) {
	if m.conflicts[a.Node] != a.Addr {
		m.conflicts[a.Node] = a.Addr
		m.emit(EventConflict, n, a.Addr)
		m.log.Warn("swim: two live nodes claim one name")
	}
	if a.Node == m.cfg.Name && a.Incarnation >= m.incarnation {
		m.refute(a.Incarnation)
	}
}

// addNode inserts a new row at a random slot at or after the probe cursor,
// so that a newcomer is probed in the current round at a random time, as
// memberlist does.
func (m *Member) addNode(a alive) *nodeState {
	n := &nodeState{name: intern(a.Node), addr: intern(a.Addr), tags: internTags(a.Tags),
		incarnation: a.Incarnation, state: StateAlive, stateChange: m.now}
	m.nodes = append(m.nodes, n)
	last := len(m.nodes) - 1
	m.index[n.name] = last
	lo := min(m.probeIndex, last)
	j := lo + m.rnd.IntN(last-lo+1)
	m.swapNodes(j, last)
	return n
}

func (m *Member) swapNodes(i, j int) {
	m.nodes[i], m.nodes[j] = m.nodes[j], m.nodes[i]
	m.index[m.nodes[i].name] = i
	m.index[m.nodes[j].name] = j
}

func (m *Member) queueAlive(n *nodeState, a alive) {
	m.broadcasts.queueNode(n, message{alive: &a})
}

// suspectNode applies a suspect message (SWIM §4.2).
func (m *Member) suspectNode(s suspect) {
	n := m.lookup(s.Node)
	if n == nil || s.Incarnation < n.incarnation {
		return
	}
	if s.Node == m.cfg.Name {
		if !m.leaving {
			m.refute(s.Incarnation)
		}
		return
	}
	if n.state == StateSuspect {
		if sp := m.findSuspicion(s.Node); sp != nil && sp.confirm(s.From) {
			m.broadcasts.queueNode(n, message{suspect: &s})
		}
		return
	}
	if n.state != StateAlive {
		return
	}
	n.incarnation, n.state, n.stateChange = s.Incarnation, StateSuspect, m.now
	m.stats.SuspicionsRaised++
	m.emit(EventSuspect, n, "")
	m.broadcasts.queueNode(n, message{suspect: &s})
	m.startSuspicion(s.Node, s.From)
}

// deadNode applies a dead message; From == Node means a graceful leave,
// which also turns a failed member into one that left (force-leave).
func (m *Member) deadNode(d dead) {
	n := m.lookup(d.Node)
	leave := d.From == d.Node
	if n == nil || d.Incarnation < n.incarnation || n.state == StateLeft || n.state == StateDead && !leave {
		return
	}
	isSelf := d.Node == m.cfg.Name
	if isSelf && !m.leaving {
		m.refute(d.Incarnation)
		return
	}
	m.removeSuspicion(d.Node)
	n.incarnation, n.stateChange = d.Incarnation, m.now
	m.broadcasts.queueNode(n, message{dead: &d})
	if d.From == d.Node {
		n.state = StateLeft
		m.emit(EventLeft, n, "")
		return
	}
	n.state = StateDead
	m.emit(EventFailed, n, "")
}

// refute answers a rumour about the local member by taking an incarnation
// above the rumour's and gossiping alive (SWIM §4.2). Having to refute is a
// sign that this member is slow, so Lifeguard lowers its health too.
func (m *Member) refute(rumour uint32) {
	m.incarnation = max(m.incarnation, rumour) + 1
	m.stats.Refutations++
	m.awareness.apply(1)
	self := m.selfRow()
	self.incarnation = m.incarnation
	a := alive{Incarnation: m.incarnation, Node: m.cfg.Name, Addr: m.cfg.Addr, Tags: m.cfg.Tags}
	m.queueAlive(self, a)
}

// reap forgets failed and left members whose timeouts have passed.
func (m *Member) reap() {
	for i := 0; i < len(m.nodes); {
		n := m.nodes[i]
		timeout := m.cfg.ReconnectTimeout
		if n.state == StateLeft {
			timeout = m.cfg.TombstoneTimeout
		}
		if n.state < StateDead || m.now-n.stateChange < timeout {
			i++
			continue
		}
		m.removeAt(i)
	}
}

// forget removes the member name from the table at once.
func (m *Member) forget(name string) {
	for i, n := range m.nodes {
		if n.name.Value() == name {
			m.removeAt(i)
			return
		}
	}
}

// removeAt drops the member in slot i, with its news and coordinate.
func (m *Member) removeAt(i int) {
	n := m.nodes[i]
	m.emit(EventReap, n, "")
	m.broadcasts.dropNode(n)
	delete(m.conflicts, n.name.Value())
	last := len(m.nodes) - 1
	m.swapNodes(i, last)
	delete(m.index, n.name)
	m.nodes = m.nodes[:last]
}

// shuffle randomizes the probe order for the next round (SWIM §4.3).
func (m *Member) shuffle() {
	for i := len(m.nodes) - 1; i > 0; i-- {
		m.swapNodes(i, m.rnd.IntN(i+1))
	}
}
