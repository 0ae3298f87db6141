package core

import (
	"encoding/json"
	"fmt"

	"github.com/cairn-sd/cairn/raft/driver"
)

// Only the leader tracks contact and progress, so a follower asked for
// autopilot's health forwards the question to the leader, as Consul's
// servers forward Operator.ServerHealth.

// methodAutopilotHealth answers the leader's AutopilotHealth in JSON.
const methodAutopilotHealth = "Autopilot.Health"

// AutopilotHealth reports the leader's judgement of the Raft servers. A
// follower asks the leader; without a known leader it fails with
// ErrNoLeader.
func (s *Server) AutopilotHealth(done func(AutopilotHealth, error)) {
	switch {
	case s.stopped:
		done(AutopilotHealth{}, ErrStopped)
		return
	case s.isLeader():
		done(s.autopilotHealth(), nil)
		return
	}
	_, leader := s.raft.Leader()
	if leader == "" {
		done(AutopilotHealth{}, ErrNoLeader)
		return
	}
	s.rpcClient.Call(leader, methodAutopilotHealth, nil, forwardTimeout, func(resp []byte, err error) {
		if err != nil {
			done(AutopilotHealth{}, fmt.Errorf("forward %s to leader %s: %w", methodAutopilotHealth, leader, noLeaderOr(err)))
			return
		}
		var h AutopilotHealth
		if err := json.Unmarshal(resp, &h); err != nil {
			done(AutopilotHealth{}, fmt.Errorf("bad answer of leader %s to %s: %w", leader, methodAutopilotHealth, err))
			return
		}
		done(h, nil)
	})
}

// registerAutopilot serves methodAutopilotHealth on the leader; another
// server answers that it is not the leader.
func (s *Server) registerAutopilot() {
	s.rpcServer.Register(methodAutopilotHealth, func(_ []byte, reply func([]byte, error)) {
		if !s.isLeader() {
			id, addr := s.raft.Leader()
			reply(nil, &driver.NotLeaderError{LeaderID: id, LeaderAddr: addr})
			return
		}
		reply(json.Marshal(s.autopilotHealth()))
	})
}
