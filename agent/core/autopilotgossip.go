package core

import "github.com/cairn-sd/cairn/swim"

// GossipCounters is what the cluster view of the UI shows of one gossip
// pool besides its members: swim's counters since this agent started and
// its Lifeguard health score (0 is healthy; higher means this agent
// suspects itself of being slow and probes more patiently).
type GossipCounters struct {
	Stats       swim.Stats
	HealthScore int
}

// GossipCounters returns the LAN pool's counters; false without gossip.
func (p pool) GossipCounters() (GossipCounters, bool) {
	if p.node == nil {
		return GossipCounters{}, false
	}
	m := p.node.Member()
	return GossipCounters{Stats: m.Stats(), HealthScore: m.HealthScore()}, true
}

// WANGossipCounters returns the WAN pool's counters; false when the server
// is not in a WAN pool.
func (s *Server) WANGossipCounters() (GossipCounters, bool) { return s.wan.GossipCounters() }
