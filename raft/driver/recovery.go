package driver

import (
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/raft/wal"
)

// recoverFromPeers carries out an operator's outage recovery, as Consul's
// peers.json does: when a quorum of servers is lost for good, the operator
// writes the surviving servers into <dir>/peers.json on each of them and
// restarts them.
//
// The server then applies its whole log to the state machine and saves a
// snapshot at its last index whose configuration is the peers file, so the
// core starts from that snapshot alone, with the new membership. Servers
// whose logs end at the same index and term hold the same entries (Log
// Matching), so their snapshots agree; the others are brought in line by
// the new leader's InstallSnapshot. Entries that had not committed become
// part of the recovered state: recovery trades that for availability, and
// the operator chooses it. The peers file is removed once the snapshot is
// durable, so that a later restart does not recover again.
func recoverFromPeers(env netsim.Env, w *wal.WAL, st *wal.State, cfg Config, logger *zap.Logger) error {
	conf, err := wal.ReadPeers(env.Disk(), cfg.Dir)
	if errors.Is(err, netsim.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("raft: outage recovery: %w", err)
	}
	meta := raft.SnapshotMeta{Index: st.Snapshot.Index, Term: st.Snapshot.Term, Config: conf}
	for _, e := range st.Entries {
		if e.Type == raft.EntryCommand {
			cfg.FSM.Apply(e.Index, e.Data)
		}
		meta.Index, meta.Term = e.Index, e.Term
	}
	if meta.Index == 0 {
		return fmt.Errorf("raft: outage recovery: this server has no log to recover from")
	}
	snap, err := cfg.FSM.Snapshot()
	if err != nil {
		return fmt.Errorf("raft: outage recovery: capture state machine: %w", err)
	}
	if err := w.SaveSnapshot(meta, snap); err != nil {
		return fmt.Errorf("raft: outage recovery: save snapshot: %w", err)
	}
	if err := wal.RemovePeers(env.Disk(), cfg.Dir); err != nil {
		return fmt.Errorf("raft: outage recovery: %w", err)
	}
	st.Snapshot, st.Entries = meta, nil
	st.HardState.Commit = meta.Index
	logger.Warn("recovered from peers.json: configuration forced",
		zap.Uint64("index", meta.Index), zap.Uint64("term", meta.Term), zap.Int("servers", len(conf.Servers)))
	return nil
}
