package core

import (
	"net"
	"slices"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/swim"
)

// The leader mirrors the LAN pool into the catalog, as Consul's does: every
// member is a node with a serfHealth check that is passing while gossip
// sees it alive and critical once gossip declares it failed (so its
// services drop out of ?passing and DNS); a member that left gracefully is
// deregistered. It also keeps Raft's membership in step with the pool's
// servers: a new server joins as a learner and is promoted once caught up
// and healthy for autopilot's ServerStabilizationTime (autopilotcleanup.go),
// a server that left is removed, and so is one gossip declared dead when
// the voters left alive are still a quorum without it (autopilot's
// dead-server cleanup). Each step is one proposal; the next
// reconcile round repeats whatever did not commit.

// promoteLagEntries is how close a learner's log must be to the leader's
// before it is promoted to voter.
const promoteLagEntries = 64

// reconcile runs one full round on the leader.
func (s *Server) reconcile() {
	if s.node == nil || !s.isLeader() {
		return
	}
	members := s.Members()
	slices.SortFunc(members, func(a, b swim.NodeInfo) int { return strings.Compare(a.Name, b.Name) })
	for _, m := range members {
		s.reconcileMember(m)
	}
	s.reconcileRaft(members)
}

// reconcileMember brings one member's catalog entry in line with gossip.
func (s *Server) reconcileMember(m swim.NodeInfo) {
	if s.inFlight[m.Name] {
		return
	}
	host, _, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return
	}
	var cmd catalog.Command
	switch m.State {
	case swim.StateAlive, swim.StateSuspect:
		cmd = s.serfHealthUpdate(m, host, catalog.HealthPassing, "Agent alive and reachable")
	case swim.StateDead:
		cmd = s.serfHealthUpdate(m, host, catalog.HealthCritical, "Agent not live or unreachable")
	case swim.StateLeft:
		if _, node := s.fsm.GetNode(nil, m.Name); node != nil {
			cmd = &catalog.DeregisterRequest{Node: m.Name, Now: catalog.TimestampOf(s.env.Now())}
		}
	}
	if cmd != nil {
		s.propose(m.Name, cmd)
	}
}

// serfHealthUpdate returns the registration that gives a member its node
// and serfHealth status, and a server its "consul" service, or nil if the
// catalog already says so.
func (s *Server) serfHealthUpdate(m swim.NodeInfo, host, status, output string) catalog.Command {
	_, node := s.fsm.GetNode(nil, m.Name)
	consul := s.consulService(m)
	if node != nil && node.Node.Address == host && s.hasSerfHealth(m.Name, status) &&
		(consul == nil || slices.ContainsFunc(node.Services, func(svc *catalog.Service) bool { return svc.ID == consulServiceID })) {
		return nil
	}
	// An existing node keeps the meta and tagged addresses its agent's
	// anti-entropy gave it.
	return &catalog.RegisterRequest{
		SkipNodeUpdate: node != nil && node.Node.Address == host,
		ID:             m.Tags[tagID], Node: m.Name, Address: host, Datacenter: s.cfg.Datacenter,
		Service: consul,
		Check: &catalog.HealthCheck{Node: m.Name, CheckID: serfHealthCheckID, Name: "Serf Health Status",
			Status: status, Output: output},
		Now: catalog.TimestampOf(s.env.Now()),
	}
}

// hasSerfHealth reports whether node's serfHealth check has status.
func (s *Server) hasSerfHealth(node, status string) bool {
	_, checks, err := s.fsm.NodeChecks(nil, node, catalog.Query{})
	return err == nil && slices.ContainsFunc(checks, func(c *catalog.HealthCheck) bool {
		return c.CheckID == serfHealthCheckID && c.Status == status
	})
}

// consulService is the "consul" service Consul's leader registers for
// every server of its datacenter, at its RPC port; nil for other members.
func (s *Server) consulService(m swim.NodeInfo) *catalog.Service {
	srv, ok := s.serverOf(m)
	if !ok {
		return nil
	}
	_, port, err := net.SplitHostPort(srv.Address)
	if err != nil {
		return nil
	}
	p, _ := strconv.Atoi(port)
	return &catalog.Service{ID: consulServiceID, Service: consulServiceID, Port: p, Weights: catalog.DefaultWeights,
		Meta: map[string]string{"raft_version": "3", "serf_protocol_current": "2", "version": m.Tags[tagVersion]}}
}

// reconcileRaft adds, promotes and removes one server per round.
func (s *Server) reconcileRaft(members []swim.NodeInfo) {
	st := s.raft.Status()
	inConf := map[raft.ServerID]raft.Suffrage{}
	for _, sv := range st.Configuration.Servers {
		inConf[sv.ID] = sv.Suffrage
	}
	for _, m := range members {
		srv, ok := s.serverOf(m)
		if !ok {
			continue
		}
		_, known := inConf[srv.ID]
		switch {
		case m.State == swim.StateAlive && !known:
			s.changeConfig(raft.ConfigChange{Type: raft.AddLearner, ID: srv.ID, Address: srv.Address})
			return
		case m.State == swim.StateLeft && known && srv.ID != s.cfg.ID,
			m.State == swim.StateDead && known && srv.ID != s.cfg.ID && s.mayRemoveDead(st.Configuration, members, srv.ID):
			s.changeConfig(raft.ConfigChange{Type: raft.RemoveServer, ID: srv.ID})
			return
		}
	}
	for _, p := range st.Peers {
		if p.Suffrage == raft.Learner && p.Match+promoteLagEntries >= st.LastIndex && p.Match > 0 && s.stable(p.ID) {
			s.changeConfig(raft.ConfigChange{Type: raft.Promote, ID: p.ID})
			return
		}
	}
}

// quorumSurvives reports whether removing the server gone leaves a
// configuration whose live voters are still a quorum of it: autopilot's
// dead-server cleanup, which never shrinks Raft below what keeps it
// writable.
func (s *Server) quorumSurvives(conf raft.Configuration, members []swim.NodeInfo, gone raft.ServerID) bool {
	alive := map[raft.ServerID]bool{s.cfg.ID: true}
	for _, m := range members {
		if srv, ok := s.serverOf(m); ok && (m.State == swim.StateAlive || m.State == swim.StateSuspect) {
			alive[srv.ID] = true
		}
	}
	voters, live := 0, 0
	for _, sv := range conf.Servers {
		if sv.ID == gone || sv.Suffrage != raft.Voter {
			continue
		}
		voters++
		if alive[sv.ID] {
			live++
		}
	}
	return live >= voters/2+1
}

func (s *Server) changeConfig(cc raft.ConfigChange) {
	s.raft.ChangeConfig(cc, func(err error) {
		if err != nil {
			s.logger.Debug("membership change not made; will retry", zap.Stringer("change", cc.Type), zap.Error(err))
			return
		}
		s.logger.Info("Raft membership changed", zap.Stringer("change", cc.Type), zap.String("server", string(cc.ID)))
	})
}

// propose applies a reconcile command for one member, one at a time.
func (s *Server) propose(member string, cmd catalog.Command) {
	b, err := catalog.Encode(cmd)
	if err != nil {
		s.logger.Error("encoding a reconcile command failed", zap.Error(err))
		return
	}
	s.inFlight[member] = true
	s.Apply(b, func(r catalog.Result, err error) {
		delete(s.inFlight, member)
		if err == nil {
			err = r.Err
		}
		if err != nil {
			s.logger.Debug("reconciling a member failed; will retry", zap.String("member", member), zap.Error(err))
		}
	})
}
