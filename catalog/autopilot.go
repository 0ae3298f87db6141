package catalog

import (
	"errors"
	"fmt"
	"time"
)

// Autopilot is Consul's name for the leader's care of the Raft servers:
// it removes servers gossip declared dead, judges each server's health
// from its contact with the leader and how far its log trails, and says
// how many servers may fail before the cluster loses its quorum. How it
// behaves is one replicated record, so that every leader in turn follows
// the same settings: the operator changes it with PUT
// /v1/operator/autopilot/configuration, optionally as a check-and-set on
// its ModifyIndex.

// tableAutopilot is the one-record table of the autopilot settings.
const tableAutopilot = "autopilot"

// AutopilotConfig is the autopilot settings, with Consul's field names.
// A catalog where nobody set them answers DefaultAutopilotConfig with
// CreateIndex and ModifyIndex 0.
type AutopilotConfig struct {
	// CleanupDeadServers lets the leader remove from Raft a server gossip
	// declared dead.
	CleanupDeadServers bool
	// LastContactThreshold is how long a server may go without contact
	// with the leader before it counts as unhealthy.
	LastContactThreshold time.Duration
	// MaxTrailingLogs is how many entries a server's log may trail the
	// leader's before it counts as unhealthy.
	MaxTrailingLogs uint64
	// MinQuorum is the number of voters below which dead-server cleanup
	// stops removing servers.
	MinQuorum uint
	// ServerStabilizationTime is how long a server must stay healthy
	// before it counts as stable.
	ServerStabilizationTime time.Duration
	// CreateIndex and ModifyIndex are the Raft indexes of the first and
	// the latest write of the settings.
	CreateIndex uint64
	ModifyIndex uint64
}

// DefaultAutopilotConfig is what Consul's servers start with.
var DefaultAutopilotConfig = AutopilotConfig{
	CleanupDeadServers:      true,
	LastContactThreshold:    200 * time.Millisecond,
	MaxTrailingLogs:         250,
	ServerStabilizationTime: 10 * time.Second,
}

// ErrBadAutopilotConfig refuses settings with a negative duration.
var ErrBadAutopilotConfig = errors.New("catalog: invalid autopilot configuration")

// AutopilotSetRequest replaces the autopilot settings. With CAS set it
// applies only if the stored ModifyIndex equals Index (0: only if the
// settings were never written), and its Result's OK says whether it did.
// The indexes inside Config are ignored: the catalog sets them.
type AutopilotSetRequest struct {
	Config AutopilotConfig
	CAS    bool   `json:",omitempty"`
	Index  uint64 `json:",omitempty"`
}

func (*AutopilotSetRequest) opCode() opCode { return opAutopilotSet }

// applyAutopilotSet stores r's settings at idx unless its check-and-set
// loses.
func (s *State) applyAutopilotSet(idx uint64, r *AutopilotSetRequest) Result {
	c := r.Config
	if c.LastContactThreshold < 0 || c.ServerStabilizationTime < 0 {
		return errResult(fmt.Errorf("%w: durations must not be negative", ErrBadAutopilotConfig))
	}
	old := s.db.autopilot
	if r.CAS && old.ModifyIndex != r.Index {
		return Result{OK: false}
	}
	c.CreateIndex, c.ModifyIndex = old.CreateIndex, idx
	if c.CreateIndex == 0 {
		c.CreateIndex = idx
	}
	s.db.autopilot = c
	s.touchTable(idx, tableAutopilot)
	return okResult
}

// AutopilotConfig returns the autopilot settings, or the defaults when
// they were never set, with the index of their last change.
func (s *State) AutopilotConfig(ws *WatchSet) (uint64, AutopilotConfig) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchTable, name: tableAutopilot})
	c := s.db.autopilot
	if c.ModifyIndex == 0 {
		c = DefaultAutopilotConfig
	}
	return s.answer(s.db.tableIndex[tableAutopilot]), c
}

// The snapshot section of the settings, added in version 4: one record,
// the stored settings (all zero when never set).

func writeAutopilot(d *db, emit func(any) error) error {
	return emit(d.autopilot)
}

func readAutopilot(d *db, raw []byte) error {
	if err := decodeStrict(raw, &d.autopilot); err != nil {
		return err
	}
	if d.autopilot.LastContactThreshold < 0 || d.autopilot.ServerStabilizationTime < 0 {
		return fmt.Errorf("%w: durations must not be negative", ErrBadAutopilotConfig)
	}
	return nil
}
