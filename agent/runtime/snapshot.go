package runtime

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/cairn-sd/cairn/catalog"
)

// Snapshots for backups (`cairn snapshot save|restore`): GET /v1/snapshot
// answers the whole catalog (nodes, services, checks, KV, sessions, ACLs)
// in the catalog's checksummed snapshot format, from the leader's view
// unless ?stale; PUT /v1/snapshot restores one through the log, so every
// server replaces its state at the same index. Both need a management
// token when ACLs are on, as in Consul.

// maxSnapshotBytes bounds a restored snapshot: it travels as one log
// entry.
const maxSnapshotBytes = 32 << 20

// snapshot serves /v1/snapshot.
func (a *Agent) snapshot(w http.ResponseWriter, r *http.Request, rest string) error {
	if r.Method == http.MethodPut {
		return a.snapshotPut(w, r, rest)
	}
	return a.snapshotGet(w, r, rest)
}

// snapshotGet serves GET /v1/snapshot.
func (a *Agent) snapshotGet(w http.ResponseWriter, r *http.Request, _ string) error {
	if err := a.managementOnly(r); err != nil {
		return err
	}
	if !has(r.URL.Query(), "stale") {
		if err := a.consistentRead(r.Context()); err != nil {
			return err
		}
	}
	snap, err := a.server.Catalog().Snapshot()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := snap.WriteTo(&buf); err != nil {
		return err
	}
	meta, err := a.queryMeta()
	if err != nil {
		return err
	}
	setQueryMeta(w, a.server.Catalog().LastIndex(), meta, modeConsistent)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(buf.Bytes())
	return nil
}

// snapshotPut serves PUT /v1/snapshot: the body is a saved snapshot.
func (a *Agent) snapshotPut(w http.ResponseWriter, r *http.Request, _ string) error {
	if err := a.managementOnly(r); err != nil {
		return err
	}
	data, err := readLimited(r, maxSnapshotBytes)
	if err != nil {
		return err
	}
	_, err = a.apply(r.Context(), &catalog.SnapshotRestoreRequest{Data: data})
	if errors.Is(err, catalog.ErrBadSnapshot) {
		return badRequest("%v", err)
	}
	return err
}
