package catalog

import (
	"bytes"
	"fmt"
)

// A snapshot taken by an operator (`cairn snapshot save`, GET
// /v1/snapshot) is restored through the log (`cairn snapshot restore`, PUT
// /v1/snapshot): one entry carries the whole snapshot, and every server
// replaces its state with it when it applies the entry, at that entry's
// index. Indexes only move forward: everything restored is answered at
// least at the restoring entry's index, so every blocking query returns.

// SnapshotRestoreRequest replaces the whole state with Data, a snapshot in
// the format Snapshot writes.
type SnapshotRestoreRequest struct {
	Data []byte
}

func (*SnapshotRestoreRequest) opCode() opCode { return opSnapshotRestore }

// applySnapshotRestore replaces the state at idx. The caller holds the
// write lock.
func (s *State) applySnapshotRestore(idx uint64, r *SnapshotRestoreRequest) Result {
	d, err := readSnapshot(bytes.NewReader(r.Data))
	if err != nil {
		return errResult(fmt.Errorf("catalog: restore: %w", err))
	}
	s.restoreFloor = max(idx, s.restoreFloor)
	d.lastIndex = idx
	s.db = d
	s.watches.fireAll()
	return okResult
}
