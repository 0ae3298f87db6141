package core

import (
	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/catalog"
)

// The autopilot settings of a server's configuration file (Consul's
// autopilot block) seed the replicated settings: as Consul's leader does,
// a leader that finds them never written proposes its own, once per term,
// as a check-and-set on index 0, so that settings an operator changed
// through the API are never overwritten by a file.

// maybeInitAutopilot proposes the configured settings if nobody wrote any
// yet. It runs on the leader at every role check.
func (s *Server) maybeInitAutopilot(term uint64) {
	if s.cfg.Autopilot == nil || s.autopilot.initTerm == term || s.autopilot.initializing {
		return
	}
	if _, c := s.fsm.AutopilotConfig(nil); c.ModifyIndex != 0 {
		s.autopilot.initTerm = term
		return
	}
	cmd, err := catalog.Encode(&catalog.AutopilotSetRequest{Config: *s.cfg.Autopilot, CAS: true, Index: 0})
	if err != nil {
		s.logger.Error("encoding the autopilot settings failed", zap.Error(err))
		return
	}
	s.autopilot.initializing = true
	s.Apply(cmd, func(r catalog.Result, err error) {
		s.autopilot.initializing = false
		if err == nil {
			err = r.Err
		}
		if err != nil {
			s.logger.Debug("seeding the autopilot settings failed; will retry", zap.Error(err))
			return
		}
		s.autopilot.initTerm = term
	})
}
