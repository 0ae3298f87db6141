package core

import (
	"cmp"
	"errors"
	"slices"
	"strconv"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/swim"
)

// maybeBootstrap starts Raft for a datacenter whose servers found each
// other through gossip (Consul's bootstrap_expect): once a fresh server
// sees bootstrap_expect alive servers of its datacenter, all asking for the
// same number, it bootstraps with exactly those servers, sorted by ID. Each
// of them computes the same configuration from the same pool, so their
// first log entries agree. A server whose Raft already has state, or that
// sees a different expectation, does nothing (the latter is logged).
// Servers that join later are added by the leader (reconcile.go).
func (s *Server) maybeBootstrap() {
	if s.cfg.BootstrapExpect < 2 || s.bootstrapped || s.node == nil {
		return
	}
	st := s.raft.Status()
	if st.HardState.Term != 0 || st.LastIndex != 0 {
		s.bootstrapped = true
		return
	}
	var servers []raft.Server
	for _, m := range s.Members() {
		srv, ok := s.serverOf(m)
		if !ok || m.State != swim.StateAlive {
			continue
		}
		if want := strconv.Itoa(s.cfg.BootstrapExpect); m.Tags[tagExpect] != want {
			s.logger.Warn("a server expects a different bootstrap_expect; not bootstrapping",
				zap.String("server", m.Name), zap.String("expects", m.Tags[tagExpect]), zap.String("we_expect", want))
			return
		}
		servers = append(servers, srv)
	}
	if len(servers) < s.cfg.BootstrapExpect {
		return
	}
	slices.SortFunc(servers, func(a, b raft.Server) int { return cmp.Compare(a.ID, b.ID) })
	err := s.raft.Bootstrap(raft.Configuration{Servers: servers})
	if err != nil && !errors.Is(err, raft.ErrAlreadyBootstrapped) {
		s.logger.Error("bootstrapping Raft failed", zap.Error(err))
		return
	}
	s.bootstrapped = true
	s.logger.Info("found the expected servers; Raft bootstrapped", zap.Int("servers", len(servers)))
}
