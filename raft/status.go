package raft

import "slices"

// PeerStatus is the leader's view of one server's replication.
type PeerStatus struct {
	ID           ServerID
	Suffrage     Suffrage
	Match        uint64
	Next         uint64
	State        ProgressState
	RecentActive bool
}

// Status is a snapshot of a core's state for operators, metrics and tests.
type Status struct {
	ID             ServerID
	Role           Role
	Lead           ServerID
	HardState      HardState
	Applied        uint64
	LastIndex      uint64
	FirstIndex     uint64
	Configuration  Configuration
	ConfigIndex    uint64
	LeadTransferee ServerID
	// Peers is filled on the leader only, in ID order.
	Peers []PeerStatus
}

// Status reports the core's current state.
func (n *Node) Status() Status {
	st := Status{
		ID:             n.id,
		Role:           n.role,
		Lead:           n.lead,
		HardState:      n.hardState(),
		Applied:        n.log.applied,
		LastIndex:      n.log.lastIndex(),
		FirstIndex:     n.log.firstIndex(),
		Configuration:  Configuration{Servers: slices.Clone(n.conf.Servers)},
		ConfigIndex:    n.confIndex,
		LeadTransferee: n.leadTransferee,
	}
	for _, id := range n.sortedProgressIDs() {
		pr := n.progress[id]
		s, _ := n.server(id)
		st.Peers = append(st.Peers, PeerStatus{ID: id, Suffrage: s.Suffrage, Match: pr.match,
			Next: pr.next, State: pr.state, RecentActive: pr.recentActive})
	}
	return st
}

// Role is this server's role: Status without the copying, for the checks
// made on every request.
func (n *Node) Role() Role { return n.role }

// Term returns the term of the log entry at index, if the log still holds
// it (not compacted, not beyond the end). Tests and operators use it to
// compare logs.
func (n *Node) Term(index uint64) (uint64, bool) { return n.log.term(index) }
