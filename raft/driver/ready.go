package driver

import (
	"bytes"
	"fmt"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/raft"
)

// process handles every Ready the core has, in the order of the core's
// contract. A storage failure stops the server: a server that cannot
// persist must not answer as if it had. It returns early while a Ready's
// fsync runs beside the loop; the fsync's completion calls it again.
func (s *Server) process() {
	s.kicked = false
	for !s.stopped && s.core.HasReady() {
		if err := s.processOne(s.core.Ready()); err != nil {
			s.storageFailed(err)
		}
	}
}

// processOne does the part of a Ready that needs nothing durable, writes
// its entries, and either finishes it at once or, when only log records
// await an fsync, leaves finish to the fsync's completion. Committed
// entries are applied before the fsync: they are durable on a quorum
// already, and answering them needs no write of this server.
func (s *Server) processOne(rd raft.Ready) error {
	s.stats.Readies++
	if rd.SoftState != nil && rd.SoftState.Role == raft.Leader && s.cfg.Observer != nil {
		s.cfg.Observer.Leader(s.cfg.ID, s.core.Status().HardState.Term)
	}
	s.send(rd.EarlyMessages)
	if rd.Snapshot != nil {
		if err := s.installSnapshot(*rd.Snapshot); err != nil {
			return err
		}
	}
	s.apply(rd.CommittedEntries)
	s.answer(rd)
	if teethSendBeforeSync {
		s.send(rd.Messages)
	}
	if err := s.write(rd); err != nil {
		return err
	}
	if s.wal.SyncAsync(func(err error) { s.synced(rd, err) }) {
		s.stats.AsyncSyncs++
		return nil
	}
	if err := s.wal.Sync(); err != nil {
		return fmt.Errorf("raft: sync: %w", err)
	}
	return s.finish(rd)
}

// synced finishes a Ready whose fsync ran beside the loop, then handles
// the Readies that gathered meanwhile: they share the next fsync.
func (s *Server) synced(rd raft.Ready, err error) {
	if s.stopped {
		return
	}
	if err != nil {
		s.storageFailed(fmt.Errorf("raft: sync: %w", err))
		return
	}
	if err := s.finish(rd); err != nil {
		s.storageFailed(err)
		return
	}
	s.process()
}

// finish does what must wait until a Ready is durable: send the messages
// that promise it (votes, append acknowledgements), and Advance.
func (s *Server) finish(rd raft.Ready) error {
	if !teethSendBeforeSync {
		s.send(rd.Messages)
	}
	clear(s.received)
	s.core.Advance(rd)
	return s.maybeSnapshot()
}

func (s *Server) storageFailed(err error) {
	s.logger.Error("raft server stopping: storage failed", zap.Error(err))
	s.Stop()
}

// answer tells waiting readers and proposers what the Ready decided.
func (s *Server) answer(rd raft.Ready) {
	for _, rs := range rd.ReadStates {
		s.pending.confirmRead(rs.Context, rs.Index)
	}
	for _, dr := range rd.DroppedReads {
		s.pending.failRead(dr.Context, s.wrapErr(dr.Err))
	}
	for _, dp := range rd.DroppedProposals {
		s.pending.drop(dp.Index, dp.Term, s.wrapErr(dp.Err))
	}
	s.pending.applied(s.applied)
}

// write hands a Ready's hard state and entries to the WAL, unsynced. A new
// term or vote is made durable before the entries: the log may fsync on
// its own (a segment roll), and durable entries of a term the durable hard
// state does not know would leave a log the core rightly refuses at
// restart.
func (s *Server) write(rd raft.Ready) error {
	if rd.HardState != nil {
		if err := s.wal.Save(*rd.HardState, nil); err != nil {
			return fmt.Errorf("raft: save hard state: %w", err)
		}
		if err := s.wal.Sync(); err != nil {
			return fmt.Errorf("raft: sync hard state: %w", err)
		}
	}
	if len(rd.Entries) == 0 {
		return nil
	}
	if err := s.wal.Save(raft.HardState{}, rd.Entries); err != nil {
		return fmt.Errorf("raft: append entries: %w", err)
	}
	return nil
}

// apply hands committed commands to the state machine, in order, and
// answers this server's proposals.
func (s *Server) apply(entries []raft.Entry) {
	for _, e := range entries {
		if e.Index <= s.applied {
			continue
		}
		var result any
		if e.Type == raft.EntryCommand {
			result = s.cfg.FSM.Apply(e.Index, e.Data)
		}
		s.applied = e.Index
		s.stats.Applied++
		s.pending.commit(e.Index, e.Term, result)
		if s.cfg.Observer != nil {
			s.cfg.Observer.Applied(s.cfg.ID, e)
		}
	}
}

// installSnapshot stores the snapshot received from the leader, whose data
// the transport buffered, and restores the state machine from it.
func (s *Server) installSnapshot(meta raft.SnapshotMeta) error {
	data, ok := s.takeReceivedSnapshot(meta)
	if !ok {
		return fmt.Errorf("raft: core installs snapshot %d but no data was received", meta.Index)
	}
	got, err := s.wal.InstallSnapshot(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("raft: install snapshot %d: %w", meta.Index, err)
	}
	if err := restoreFSM(s.wal, got, s.cfg.FSM); err != nil {
		return err
	}
	s.applied, s.snapshot = got.Index, got
	s.stats.Installed++
	return nil
}
