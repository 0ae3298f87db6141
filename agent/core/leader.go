package core

import (
	"time"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/raft"
)

// serfHealthCheckID is the node-level check Consul's leader keeps on every
// member; sessions and ?passing depend on it.
const serfHealthCheckID = "serfHealth"

// reconcileEveryChecks is how many role checks pass between two full
// reconcile rounds (one second at the default check interval).
const reconcileEveryChecks = 10

// QueryMeta is the leadership information a read answers with.
type QueryMeta struct {
	// KnownLeader is true when this server knows a leader.
	KnownLeader bool
	// LastContact is zero on the leader; elsewhere, how long ago this
	// server last knew of a leader, measured at the role check's period.
	LastContact time.Duration
	// IsLeader is true when this server leads.
	IsLeader bool
}

// QueryMeta reports the server's view of leadership.
func (s *Server) QueryMeta() QueryMeta {
	if s.raft.Role() == raft.Leader {
		return QueryMeta{KnownLeader: true, IsLeader: true}
	}
	if lead, _ := s.raft.Leader(); lead != "" {
		return QueryMeta{KnownLeader: true, LastContact: s.env.Now().Sub(s.leaderSeen)}
	}
	return QueryMeta{LastContact: s.env.Now().Sub(s.leaderSeen)}
}

// Leader returns the Raft address of the current leader, or "" when none
// is known.
func (s *Server) Leader() string {
	id, addr := s.raft.Leader()
	if id == "" {
		return ""
	}
	if addr == "" && id == s.cfg.ID {
		return s.addr
	}
	return addr
}

// Peers returns the Raft addresses of the voters of the latest
// configuration, in ID order.
func (s *Server) Peers() []string {
	var out []string
	for _, sv := range s.raft.Configuration().Servers {
		if sv.Suffrage == raft.Voter {
			out = append(out, sv.Address)
		}
	}
	return out
}

// Status is the Raft core's view of the group, for operators.
func (s *Server) Status() raft.Status { return s.raft.Status() }

// onCheck runs every CheckInterval: it notes leader contact and, on a
// leader that has not yet registered its node in this term, registers it.
func (s *Server) onCheck() {
	if s.stopped {
		return
	}
	st := s.raft.Status()
	s.meters.observeRole(st)
	if st.Lead != "" {
		s.leaderSeen = s.env.Now()
	}
	term := st.HardState.Term
	if s.node == nil && st.Role == raft.Leader && s.registeredTerm != term && s.registering != term {
		s.registerSelf(term)
	}
	s.syncSessionTimers()
	s.autopilotSample(st)
	if st.Role == raft.Leader {
		s.maybeInitACLs(term)
	}
	s.syncACLReplication(st.Role == raft.Leader, term)
	s.checks++
	if s.checks%reconcileEveryChecks == 0 {
		s.maybeBootstrap()
		s.reconcile()
	}
	s.check = s.env.AfterFunc(s.cfg.CheckInterval, s.onCheck)
}

// registerSelf proposes the registration of the agent's own node with a
// passing serfHealth check. An identical registration changes nothing in
// the catalog, so repeating it in a later term wakes no blocking query.
func (s *Server) registerSelf(term uint64) {
	cmd, err := catalog.Encode(&catalog.RegisterRequest{
		ID: string(s.cfg.ID), Node: s.cfg.NodeName, Address: s.cfg.NodeAddress,
		Datacenter: s.cfg.Datacenter, NodeMeta: s.cfg.NodeMeta,
		TaggedAddresses: s.cfg.TaggedAddresses,
		Check: &catalog.HealthCheck{
			Node: s.cfg.NodeName, CheckID: serfHealthCheckID, Name: "Serf Health Status",
			Status: catalog.HealthPassing, Output: "Agent alive and reachable",
		},
		Now: catalog.TimestampOf(s.env.Now()),
	})
	if err != nil {
		s.logger.Error("encoding the self-registration failed", zap.Error(err))
		return
	}
	s.registering = term
	s.Apply(cmd, func(r catalog.Result, err error) {
		s.registering = 0
		if err == nil && r.Err != nil {
			err = r.Err
		}
		if err != nil {
			s.logger.Warn("registering this node in the catalog failed; will retry", zap.Error(err))
			return
		}
		s.registeredTerm = term
		s.logger.Debug("registered this node in the catalog", zap.Uint64("term", term))
	})
}
