package driver

import (
	"errors"
	"fmt"
	"io"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/raft/wal"
)

// snapshotTimeoutTicks is how long, in ticks, a leader waits for a
// follower to answer a snapshot it sent before it reports the transfer
// failed and lets the core retry: the answer travels on the follower's own
// stream, which may break while ours stays up.
const snapshotTimeoutTicks = 400

// takeReceivedSnapshot hands out the buffered data of the snapshot the core
// chose to install.
func (s *Server) takeReceivedSnapshot(meta raft.SnapshotMeta) ([]byte, bool) {
	data, ok := s.received[meta.Index]
	return data, ok
}

// expireSnapshotTransfers fails transfers that went unanswered too long.
func (s *Server) expireSnapshotTransfers() {
	for _, id := range sortedPeerIDs(s.peers) {
		p := s.peers[id]
		if !p.sendingSnapshot {
			continue
		}
		p.snapshotTicks++
		if p.snapshotTicks > snapshotTimeoutTicks {
			p.sendingSnapshot = false
			s.core.ReportSnapshot(id, false)
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

// maybeSnapshot takes a snapshot once SnapshotThreshold entries were
// applied since the last one, and compacts the log behind it, keeping
// TrailingEntries.
func (s *Server) maybeSnapshot() error {
	if s.applied < s.snapshot.Index+s.cfg.SnapshotThreshold {
		return nil
	}
	meta, ok := s.core.SnapshotMetaAt(s.applied)
	if !ok {
		return nil
	}
	w, err := s.cfg.FSM.Snapshot()
	if err != nil {
		return fmt.Errorf("raft: capture state machine at %d: %w", meta.Index, err)
	}
	if err := s.wal.SaveSnapshot(meta, w); err != nil {
		return fmt.Errorf("raft: save snapshot %d: %w", meta.Index, err)
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

// sendSnapshot streams the newest snapshot file to a follower, then the
// MsgSnap describing it. The message's meta is replaced by the file's, so
// that the follower installs exactly what it received.
func (s *Server) sendSnapshot(p *peer, m *raft.Message) {
	if p.sendingSnapshot {
		return
	}
	snap, err := s.wal.Snapshots().OpenLatest()
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
	b, err := m.MarshalBinary()
	if err != nil {
		panic(fmt.Sprintf("raft: encode %v: %v", m, err))
	}
	if err := p.stream.Send(frame(frameSnapshotEnd, b)); err != nil {
		s.core.ReportSnapshot(p.id, false)
		return
	}
	p.sendingSnapshot, p.snapshotTicks = true, 0
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
