package core

import (
	"slices"
	"time"

	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/swim"
)

// Autopilot's health view, as Consul's leader computes it for
// /v1/operator/autopilot/health and /state. The leader judges every
// server of the Raft configuration from what it already knows:
//
//   - gossip says whether the server is alive (its serf status);
//   - Raft's progress tracking says how far the server's log matches the
//     leader's (LastIndex, and the term of that entry, LastTerm) and
//     whether the server answered recently.
//
// A server is healthy when gossip sees it alive, it was heard from within
// LastContactThreshold, its last entry is of the leader's last term, and
// it trails the leader's log by at most MaxTrailingLogs entries. The
// failure tolerance is how many healthy voters could fail with a quorum
// of voters still healthy.
//
// Raft's progress keeps only a "heard from since the last quorum check"
// flag, so the leader samples it at every role check (autopilotSample):
// a server whose flag is set, or whose match index moved, was in contact
// at that sample. LastContact is therefore exact to one check interval
// (100 ms by default), and a server that stops answering shows a growing
// LastContact from at most one election timeout after its last answer.

// Serf statuses of a server, as Consul names them.
const (
	serfAlive  = "alive"
	serfFailed = "failed"
	serfLeft   = "left"
	serfNone   = "none"
)

// ServerHealth is one Raft server as the leader judges it.
type ServerHealth struct {
	ID      string
	Name    string
	Address string
	// SerfStatus is "alive", "failed", "left", or "none" when gossip does
	// not know the server.
	SerfStatus string
	Version    string
	Leader     bool
	// LastContact is how long ago the leader last heard from the server;
	// zero for the leader itself, -1 when it has not heard from it in
	// this term.
	LastContact time.Duration
	LastTerm    uint64
	LastIndex   uint64
	Healthy     bool
	Voter       bool
	// StableSince is when the server's health last changed.
	StableSince time.Time
}

// AutopilotHealth is the leader's judgement of the whole configuration.
type AutopilotHealth struct {
	// Healthy is true when every server is healthy.
	Healthy bool
	// FailureTolerance is how many voters may fail with a quorum of the
	// voters still healthy: healthy voters minus the quorum, at least 0.
	FailureTolerance int
	// OptimisticFailureTolerance is the same count if every voter were
	// healthy: voters minus the quorum.
	OptimisticFailureTolerance int
	// Leader is the leader's server ID; Voters the IDs of the voters.
	Leader string
	Voters []string
	// Servers are in ID order.
	Servers []ServerHealth
}

// autopilotTracker is what the leader remembers between role checks. It
// is reset whenever this server is not the leader, and at each new term.
type autopilotTracker struct {
	term        uint64
	contact     map[raft.ServerID]time.Time
	match       map[raft.ServerID]uint64
	healthy     map[raft.ServerID]bool
	stableSince map[raft.ServerID]time.Time
	// initTerm is the term in which the configured settings were found
	// written or were written; initializing marks a proposal in flight
	// (autopilotinit.go).
	initTerm     uint64
	initializing bool
}

// autopilotSample records, on the leader, which servers were in contact
// since the last check and when each server's health last changed.
func (s *Server) autopilotSample(st raft.Status) {
	if st.Role != raft.Leader {
		s.autopilot = autopilotTracker{}
		return
	}
	now := s.env.Now()
	ap := &s.autopilot
	if ap.term != st.HardState.Term {
		*ap = autopilotTracker{term: st.HardState.Term, contact: map[raft.ServerID]time.Time{},
			match: map[raft.ServerID]uint64{}, healthy: map[raft.ServerID]bool{},
			stableSince: map[raft.ServerID]time.Time{}}
		for _, sv := range st.Configuration.Servers {
			ap.contact[sv.ID] = now
		}
	}
	s.maybeInitAutopilot(st.HardState.Term)
	for _, p := range st.Peers {
		if _, seen := ap.contact[p.ID]; !seen || p.RecentActive || p.Match != ap.match[p.ID] {
			ap.contact[p.ID] = now
		}
		ap.match[p.ID] = p.Match
	}
	for _, h := range s.judge(st, now).Servers {
		id := raft.ServerID(h.ID)
		if was, known := ap.healthy[id]; !known || was != h.Healthy {
			ap.healthy[id], ap.stableSince[id] = h.Healthy, now
		}
	}
}

// autopilotHealth judges the configuration now. It must run on the
// leader.
func (s *Server) autopilotHealth() AutopilotHealth {
	return s.judge(s.raft.Status(), s.env.Now())
}

// judge computes the health of every server of st's configuration at now.
func (s *Server) judge(st raft.Status, now time.Time) AutopilotHealth {
	_, cfg := s.fsm.AutopilotConfig(nil)
	leaderTerm, _ := s.raft.LogTerm(st.LastIndex)
	gossip := s.serverMembers()
	progress := map[raft.ServerID]raft.PeerStatus{}
	for _, p := range st.Peers {
		progress[p.ID] = p
	}
	out := AutopilotHealth{Leader: string(s.cfg.ID), Servers: []ServerHealth{}}
	healthyVoters := 0
	for _, sv := range st.Configuration.Servers {
		h := s.serverHealth(sv, gossip[sv.ID], progress[sv.ID], st, now)
		h.Healthy = h.SerfStatus == serfAlive && h.LastContact >= 0 && h.LastContact < cfg.LastContactThreshold &&
			h.LastTerm == leaderTerm && h.LastIndex+cfg.MaxTrailingLogs >= st.LastIndex
		h.StableSince = now
		if since, ok := s.autopilot.stableSince[sv.ID]; ok && s.autopilot.healthy[sv.ID] == h.Healthy {
			h.StableSince = since
		}
		if h.Voter {
			out.Voters = append(out.Voters, h.ID)
			if h.Healthy {
				healthyVoters++
			}
		}
		out.Servers = append(out.Servers, h)
	}
	quorum := len(out.Voters)/2 + 1
	out.FailureTolerance = max(0, healthyVoters-quorum)
	out.OptimisticFailureTolerance = max(0, len(out.Voters)-quorum)
	out.Healthy = !slices.ContainsFunc(out.Servers, func(h ServerHealth) bool { return !h.Healthy })
	return out
}

// serverHealth fills in what Raft and gossip say about one server.
func (s *Server) serverHealth(sv raft.Server, m swim.NodeInfo, p raft.PeerStatus, st raft.Status, now time.Time) ServerHealth {
	h := ServerHealth{ID: string(sv.ID), Address: sv.Address, Voter: sv.Suffrage == raft.Voter,
		SerfStatus: serfNone, Name: m.Name, Version: m.Tags[tagVersion]}
	if m.Name != "" {
		h.SerfStatus = serfStatus(m.State)
	}
	if sv.ID == s.cfg.ID {
		h.Leader, h.Name, h.SerfStatus = true, s.cfg.NodeName, serfAlive
		h.LastIndex = st.LastIndex
		h.LastTerm, _ = s.raft.LogTerm(st.LastIndex)
		return h
	}
	h.LastIndex = p.Match
	h.LastTerm, _ = s.raft.LogTerm(p.Match)
	h.LastContact = -1
	if seen, ok := s.autopilot.contact[sv.ID]; ok {
		h.LastContact = now.Sub(seen)
	}
	return h
}

// serverMembers returns the pool's members that are servers of this
// datacenter, by server ID.
func (s *Server) serverMembers() map[raft.ServerID]swim.NodeInfo {
	out := map[raft.ServerID]swim.NodeInfo{}
	for _, m := range s.Members() {
		if srv, ok := s.serverOf(m); ok {
			out[srv.ID] = m
		}
	}
	return out
}

// serfStatus names a gossip state as Consul's serf does.
func serfStatus(st swim.State) string {
	switch st {
	case swim.StateAlive, swim.StateSuspect:
		return serfAlive
	case swim.StateDead:
		return serfFailed
	case swim.StateLeft:
		return serfLeft
	}
	return serfNone
}
