package core

import (
	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/swim"
)

// The autopilot settings that govern Raft's membership: dead-server
// cleanup (CleanupDeadServers, MinQuorum) and the promotion of a new
// server to voter only once it has been healthy for
// ServerStabilizationTime, so that a server that joins and fails at once
// never counts towards the quorum.

// stable reports whether the leader has judged the server healthy for at
// least ServerStabilizationTime (autopilot.go samples the judgement).
func (s *Server) stable(id raft.ServerID) bool {
	_, cfg := s.fsm.AutopilotConfig(nil)
	since, ok := s.autopilot.stableSince[id]
	return ok && s.autopilot.healthy[id] && s.env.Now().Sub(since) >= cfg.ServerStabilizationTime
}

// mayRemoveDead reports whether the leader may remove the server gone,
// which gossip declared dead, from Raft (autopilot's dead-server
// cleanup). It needs CleanupDeadServers on, at least MinQuorum voters
// left after the removal, and the live voters still a quorum without it
// (quorumSurvives).
func (s *Server) mayRemoveDead(conf raft.Configuration, members []swim.NodeInfo, gone raft.ServerID) bool {
	_, cfg := s.fsm.AutopilotConfig(nil)
	if !cfg.CleanupDeadServers {
		return false
	}
	voters := 0
	for _, sv := range conf.Servers {
		if sv.Suffrage == raft.Voter && sv.ID != gone {
			voters++
		}
	}
	if voters < int(cfg.MinQuorum) {
		return false
	}
	return s.quorumSurvives(conf, members, gone)
}
