package driver

import (
	"errors"
	"fmt"
	"io"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/raft/wal"
)

// snapshotTimeoutTicks is how long, in ticks, the leader lets a follower
// stay in snapshot state before it tells the core the transfer failed, so
// that the core sends a new one: the answer may be lost on the follower's
// own stream while ours stays up, or the follower may have installed a
// snapshot older than the one the core waits for.
const snapshotTimeoutTicks = 200

// takeReceivedSnapshot hands out the buffered data of the snapshot the core
// chose to install.
func (s *Server) takeReceivedSnapshot(meta raft.SnapshotMeta) ([]byte, bool) {
	data, ok := s.received[meta.Index]
	return data, ok
}

// expireSnapshotTransfers fails transfers to followers that have been in
// snapshot state for snapshotTimeoutTicks.
func (s *Server) expireSnapshotTransfers() {
	st := s.core.Status()
	if st.Role != raft.Leader {
		clear(s.snapshotTicks)
		return
	}
	for _, p := range st.Peers {
		if p.State != raft.StateSnapshot {
			delete(s.snapshotTicks, p.ID)
			continue
		}
		s.snapshotTicks[p.ID]++
		if s.snapshotTicks[p.ID] > snapshotTimeoutTicks {
			delete(s.snapshotTicks, p.ID)
			if peer := s.peers[p.ID]; peer != nil {
				peer.sendingSnapshot = false
			}
			s.core.ReportSnapshot(p.ID, false)
			s.kick()
		}
	}
}

// restoreFSM loads the newest snapshot into the state machine, if meta
// says there is one.
func restoreFSM(w *wal.WAL, meta raft.SnapshotMeta, fsm raft.StateMachine) error {
	if meta.Index == 0 {
		return nil
	}
	snap, err := w.Snapshots().OpenLatest()
	if err != nil {
		return fmt.Errorf("raft: open snapshot %d: %w", meta.Index, err)
	}
	defer snap.Close()
	if snap.Meta.Index != meta.Index {
		return fmt.Errorf("raft: newest snapshot is %d, expected %d", snap.Meta.Index, meta.Index)
	}
	if err := fsm.Restore(snap.Data()); err != nil {
		return fmt.Errorf("raft: restore state machine from snapshot %d: %w", meta.Index, err)
	}
	return nil
}

// maybeSnapshot starts a snapshot once SnapshotThreshold entries were
// applied since the last one, unless one is being written.
//
// The state machine's state is captured on the loop (FSM.Snapshot copies
// no data: it freezes what later writes copy before changing), and the
// snapshot file is written in the background, because encoding and
// fsyncing a large state takes long enough to stall heartbeats and cost
// the leadership. The log is compacted once the file is durable
// (snapshotWritten).
func (s *Server) maybeSnapshot() error {
	if s.snapshotting || s.applied < s.snapshot.Index+s.cfg.SnapshotThreshold {
		return nil
	}
	meta, write, err := s.capture()
	if err != nil || write == nil {
		return err
	}
	s.snapshotting = true
	s.env.Background(write, func(err error) {
		s.snapshotting = false
		if s.stopped {
			return
		}
		if err == nil {
			err = s.snapshotWritten(meta)
		}
		if err != nil {
			s.storageFailed(err)
		}
	})
	return nil
}

// takeSnapshot saves a snapshot of the state machine at the applied index
// and compacts the log behind it, all on the loop.
func (s *Server) takeSnapshot() error {
	if s.snapshotting {
		return errSnapshotting
	}
	meta, write, err := s.capture()
	if err != nil || write == nil {
		return err
	}
	if err := write(); err != nil {
		return err
	}
	return s.snapshotWritten(meta)
}

// capture freezes the state machine at the applied index and returns the
// snapshot's meta and the function that writes its file, which touches
// nothing the loop uses; write is nil when there is nothing to snapshot.
func (s *Server) capture() (meta raft.SnapshotMeta, write func() error, err error) {
	meta, ok := s.core.SnapshotMetaAt(s.applied)
	if !ok {
		return meta, nil, nil
	}
	w, err := s.cfg.FSM.Snapshot()
	if err != nil {
		return meta, nil, fmt.Errorf("raft: capture state machine at %d: %w", meta.Index, err)
	}
	log := s.wal
	return meta, func() error {
		if err := log.WriteSnapshot(meta, w); err != nil {
			return fmt.Errorf("raft: write snapshot %d: %w", meta.Index, err)
		}
		return nil
	}, nil
}

// errSnapshotting refuses a snapshot on the loop while one is written in
// the background.
var errSnapshotting = errors.New("raft: a snapshot is being written")

// snapshotWritten compacts the log behind a snapshot whose file is
// durable, keeping TrailingEntries, unless a snapshot installed from the
// leader meanwhile is newer.
func (s *Server) snapshotWritten(meta raft.SnapshotMeta) error {
	if meta.Index <= s.snapshot.Index {
		return nil
	}
	if err := s.wal.SnapshotWritten(meta); err != nil {
		return fmt.Errorf("raft: compact behind snapshot %d: %w", meta.Index, err)
	}
	compactTo := uint64(0)
	if meta.Index > s.cfg.TrailingEntries {
		compactTo = meta.Index - s.cfg.TrailingEntries
	}
	s.core.Compact(compactTo, meta)
	s.snapshot = meta
	s.stats.Snapshots++
	s.logger.Info("snapshot taken", zap.Uint64("index", meta.Index), zap.Uint64("term", meta.Term))
	return nil
}

// latestSnapshot opens the newest valid snapshot covering at least index.
// If the newest valid file is older (a newer one failed its checksum), a
// fresh snapshot of the state machine is taken first.
func (s *Server) latestSnapshot(index uint64) (*wal.Snapshot, error) {
	snap, err := s.wal.Snapshots().OpenLatest()
	if err == nil && snap.Meta.Index >= index {
		return snap, nil
	}
	if err == nil {
		snap.Close()
	}
	if err := s.takeSnapshot(); err != nil {
		return nil, err
	}
	snap, err = s.wal.Snapshots().OpenLatest()
	if err == nil && snap.Meta.Index < index {
		snap.Close()
		return nil, fmt.Errorf("raft: no snapshot covers index %d", index)
	}
	return snap, err
}

// sendSnapshot streams the newest snapshot file to a follower, then the
// MsgSnap describing it. The message's meta is replaced by the file's, so
// that the follower installs exactly what it received.
func (s *Server) sendSnapshot(p *peer, m *raft.Message) {
	if p.sendingSnapshot {
		return
	}
	snap, err := s.latestSnapshot(m.Snapshot.Index)
	if err != nil {
		s.logger.Warn("cannot send snapshot", zap.String("to", string(p.id)), zap.Error(err))
		s.core.ReportSnapshot(p.id, false)
		return
	}
	defer snap.Close()
	if err := streamSnapshot(p, snap.Raw()); err != nil {
		s.logger.Warn("sending snapshot failed", zap.String("to", string(p.id)), zap.Error(err))
		s.core.ReportSnapshot(p.id, false)
		return
	}
	meta := snap.Meta
	m.Snapshot = &meta
	if err := p.stream.Send(messageFrame(frameSnapshotEnd, m)); err != nil {
		s.core.ReportSnapshot(p.id, false)
		return
	}
	p.sendingSnapshot = true
}

func streamSnapshot(p *peer, r io.Reader) error {
	buf := make([]byte, snapshotChunkBytes)
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			if serr := p.stream.Send(frame(frameSnapshotChunk, buf[:n])); serr != nil {
				return serr
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
