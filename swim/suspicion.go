package swim

import (
	"math"
	"time"
)

// suspicion is the timer of one suspected member (SWIM §4.2, with Lifeguard
// §IV-B dynamic suspicion). A fresh suspicion lasts maxTimeout; each
// independent confirmation (a suspect message from another member) shrinks
// it, after k confirmations down to minTimeout:
//
//	timeout(c) = max - (max - min) · log(c+1) / log(k+1)
//
// The idea: a member that alone suspects a peer may be the slow one, so it
// waits long; when many agree, the suspicion is likely true and is acted on
// quickly. With dynamic suspicion off, k = 0 and max = min: every suspicion
// lasts exactly min, as in plain SWIM.
type suspicion struct {
	node       string
	start      time.Duration
	minTimeout time.Duration
	maxTimeout time.Duration
	k          int
	// confirmed holds the members that confirmed; only membership tests
	// read it, never iteration.
	confirmed map[string]bool
	deadline  time.Duration
}

// startSuspicion starts the timer for node, suspected first by from.
func (m *Member) startSuspicion(node, from string) {
	n := len(m.nodes)
	minTimeout := suspicionMinTimeout(m.cfg.SuspicionMult, n, m.cfg.ProbeInterval)
	maxTimeout, k := minTimeout, 0
	if !m.cfg.DisableDynamicSuspicion {
		maxTimeout = time.Duration(m.cfg.SuspicionMaxTimeoutMult) * minTimeout
		k = m.cfg.SuspicionMult - 2
		// With too few other members to confirm, waiting for them would
		// always run to the maximum.
		if n-2 < k {
			k = 0
		}
	}
	s := &suspicion{node: node, start: m.now, minTimeout: minTimeout, maxTimeout: maxTimeout,
		k: k, confirmed: map[string]bool{from: true}}
	s.deadline = s.start + s.timeout(0)
	m.suspicions = append(m.suspicions, s)
}

// timeout returns the suspicion's length after c confirmations.
func (s *suspicion) timeout(c int) time.Duration {
	if s.k < 1 {
		return s.minTimeout
	}
	frac := math.Log(float64(c)+1) / math.Log(float64(s.k)+1)
	t := time.Duration(float64(s.maxTimeout) - frac*float64(s.maxTimeout-s.minTimeout))
	return max(t, s.minTimeout)
}

// confirm records an independent confirmation and reports whether it was
// new (then the suspect message is worth re-gossiping).
func (s *suspicion) confirm(from string) bool {
	if s.confirmed[from] || len(s.confirmed)-1 >= s.k {
		return false
	}
	s.confirmed[from] = true
	s.deadline = s.start + s.timeout(len(s.confirmed)-1)
	return true
}

func (m *Member) findSuspicion(node string) *suspicion {
	for _, s := range m.suspicions {
		if s.node == node {
			return s
		}
	}
	return nil
}

func (m *Member) removeSuspicion(node string) {
	for i, s := range m.suspicions {
		if s.node == node {
			m.suspicions = append(m.suspicions[:i], m.suspicions[i+1:]...)
			return
		}
	}
}

// tickSuspicions declares dead every suspect whose timer ran out.
func (m *Member) tickSuspicions() {
	for i := 0; i < len(m.suspicions); {
		s := m.suspicions[i]
		if m.now < s.deadline {
			i++
			continue
		}
		m.suspicions = append(m.suspicions[:i], m.suspicions[i+1:]...)
		n := m.lookup(s.node)
		if n == nil || n.state != StateSuspect {
			continue
		}
		m.deadNode(dead{Incarnation: n.incarnation, Node: s.node, From: m.cfg.Name})
	}
}
