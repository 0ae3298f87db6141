package raft

import (
	"fmt"
	"slices"

	"go.uber.org/zap"
)

// Compact tells the core that the driver saved a snapshot described by meta,
// and lets it forget the log entries up to index (index <= meta.Index; a
// smaller index keeps some trailing entries so that slightly lagging
// followers can still be sent entries instead of a snapshot). meta must
// cover only applied entries and agree with the log (Raft §7).
func (n *Node) Compact(index uint64, meta SnapshotMeta) {
	if meta.Index > n.log.applied || index > meta.Index {
		panic(fmt.Sprintf("raft: compact to %d with snapshot %d beyond applied %d",
			index, meta.Index, n.log.applied))
	}
	if t, ok := n.log.term(meta.Index); ok && t != meta.Term {
		panic(fmt.Sprintf("raft: snapshot %d has term %d, log says %d", meta.Index, meta.Term, t))
	}
	n.log.compact(index, meta)
}

// sendSnapshot asks the drivers to send a follower the latest snapshot, as
// MsgSnap carrying its description, and waits for the outcome.
func (n *Node) sendSnapshot(to ServerID, pr *progress) bool {
	if !pr.recentActive {
		return false
	}
	meta := n.log.snap
	if meta.Index == 0 {
		panic(fmt.Sprintf("raft: follower %s needs compacted entries but no snapshot exists", to))
	}
	n.send(Message{Type: MsgSnap, To: to, Snapshot: &meta})
	pr.becomeSnapshot(meta.Index)
	n.logger.Debug("sending snapshot", zap.String("to", string(to)), zap.Uint64("index", meta.Index))
	return true
}

// ReportSnapshot tells the leader how sending the snapshot of an earlier
// MsgSnap to a follower ended. On failure it resumes probing, which sends a
// new snapshot if still needed; on success it waits for the follower's
// answer. A driver must report every MsgSnap it failed to deliver.
func (n *Node) ReportSnapshot(to ServerID, ok bool) {
	pr, tracked := n.progress[to]
	if n.role != Leader || !tracked || pr.state != StateSnapshot {
		return
	}
	if !ok {
		pr.pendingSnapshot = 0
	}
	pr.becomeProbe()
	pr.probeSent = ok
}

// handleSnapshot is the receiver side of InstallSnapshot (Raft §7). The
// driver steps MsgSnap in once it holds the snapshot's data. If the log
// already holds the snapshot's last entry, the snapshot only advances the
// commit index; otherwise it replaces the whole log, and Ready.Snapshot tells
// the driver to persist it and restore the state machine from it.
func (n *Node) handleSnapshot(m *Message) {
	meta := *m.Snapshot
	switch {
	case meta.Index <= n.log.committed:
		n.send(Message{Type: MsgAppResp, To: m.From, Index: n.log.committed})
	case n.log.matchTerm(meta.Index, meta.Term):
		n.log.commitTo(meta.Index)
		n.send(Message{Type: MsgAppResp, To: m.From, Index: meta.Index})
	default:
		n.logger.Info("installing snapshot", zap.Uint64("index", meta.Index), zap.Uint64("term", meta.Term))
		n.log.restore(meta)
		n.setConfiguration(meta.Config, meta.Index)
		n.installed = &meta
		n.send(Message{Type: MsgAppResp, To: m.From, Index: meta.Index})
	}
}

// SnapshotMetaAt describes a snapshot taken at an applied index that the log
// still holds: its term and the configuration in force at that index (the
// latest configuration entry at or below it, else the previous snapshot's).
// It reports false for an index not applied or no longer held.
func (n *Node) SnapshotMetaAt(index uint64) (SnapshotMeta, bool) {
	term, ok := n.log.term(index)
	if !ok || index > n.log.applied || index < n.log.snap.Index {
		return SnapshotMeta{}, false
	}
	meta := SnapshotMeta{Index: index, Term: term, Config: n.log.snap.Config}
	for i := index; i > n.log.offset && i > n.log.snap.Index; i-- {
		e := n.log.entry(i)
		if e.Type != EntryConfig {
			continue
		}
		if c, err := DecodeConfiguration(e.Data); err == nil {
			meta.Config = c
			break
		}
	}
	meta.Config.Servers = slices.Clone(meta.Config.Servers)
	return meta, true
}
