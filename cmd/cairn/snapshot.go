package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
)

// snapshotCommands are the subcommands of `cairn snapshot`.
func snapshotCommands() []command {
	return []command{
		{"save", "Save a snapshot of the cluster state to a file", runSnapshotSave},
		{"restore", "Restore the cluster state from a snapshot file", runSnapshotRestore},
		{"inspect", "Display what a snapshot file holds", runSnapshotInspect},
	}
}

// runSnapshot dispatches `cairn snapshot <sub>`.
func runSnapshot(args []string, stdout, stderr io.Writer) int {
	return runGroup("snapshot", snapshotCommands(), args, stdout, stderr)
}

const snapshotSaveUsage = `
Usage: cairn snapshot save [options] FILE

  Saves a snapshot of the whole cluster state (catalog, KV, sessions, ACLs)
  to FILE, read from the leader's state unless -stale. The file is written
  beside FILE first and renamed into place once complete.
`

// runSnapshotSave writes GET /v1/snapshot to a file, atomically.
func runSnapshotSave(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("snapshot save", snapshotSaveUsage, stderr)
	hf := addHTTPFlags(fs, true)
	if code, ok := parseArgs(fs, args, 1, stderr); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return usageError(fs, stderr, "Missing FILE argument")
	}
	resp, err := hf.client().do(http.MethodGet, "/v1/snapshot", nil, nil)
	if err != nil {
		return reportError(stderr, "Error saving snapshot", err)
	}
	if err := writeFileAtomic(fs.Arg(0), resp.body); err != nil {
		return reportError(stderr, "Error writing snapshot file", err)
	}
	fmt.Fprintf(stdout, "Saved and verified snapshot to index %s\n", resp.header.Get("X-Consul-Index"))
	return 0
}

// writeFileAtomic writes data to a temporary file beside path, syncs it
// and renames it over path, so that path is never half written.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}

const snapshotRestoreUsage = `
Usage: cairn snapshot restore [options] FILE

  Replaces the whole cluster state with the snapshot in FILE, on every
  server at once. Everything written since the snapshot was taken is lost.
`

// runSnapshotRestore sends a snapshot file to PUT /v1/snapshot.
func runSnapshotRestore(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("snapshot restore", snapshotRestoreUsage, stderr)
	hf := addHTTPFlags(fs, true)
	if code, ok := parseArgs(fs, args, 1, stderr); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return usageError(fs, stderr, "Missing FILE argument")
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return reportError(stderr, "Error reading snapshot file", err)
	}
	if _, err := hf.client().do(http.MethodPut, "/v1/snapshot", nil, data); err != nil {
		return reportError(stderr, "Error restoring snapshot", err)
	}
	fmt.Fprintln(stdout, "Restored snapshot")
	return 0
}
