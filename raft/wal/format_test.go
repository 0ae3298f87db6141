package wal

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
)

var update = flag.Bool("update", false, "regenerate testdata/v1 from the current encoder")

// The files of format version 1, committed under testdata/v1. A future
// version adds its own directory and keeps the test that reads this one.
var v1Files = []string{
	"hardstate",
	"log/" + segmentName(1),
	"snapshots/" + snapshotName(v1Snapshot),
}

var (
	v1HardState = raft.HardState{Term: 2, Vote: "s2", Commit: 12}
	v1Snapshot  = raft.SnapshotMeta{Index: 10, Term: 2, Config: raft.Configuration{Servers: []raft.Server{
		{ID: "s1", Address: "10.0.0.1:8300"},
		{ID: "s2", Address: "10.0.0.2:8300"},
		{ID: "s3", Address: "10.0.0.3:8300", Suffrage: raft.Learner},
	}}}
	v1SnapshotData = "kv state as of index 10"
)

// v1Entries is the log of the v1 files: a no-op, commands in term 1, a
// configuration change and commands in term 2.
func v1Entries() []raft.Entry {
	es := []raft.Entry{{Index: 1, Term: 1, Type: raft.EntryNoop}}
	es = append(es, entries(2, 5, 1)...)
	es = append(es, raft.Entry{Index: 6, Term: 2, Type: raft.EntryConfig, Data: []byte("s1,s2,s3")})
	return append(es, entries(7, 15, 2)...)
}

// writeV1 writes the v1 data set into "raft" on disk.
func writeV1(t *testing.T, disk netsim.Disk) {
	w, _ := mustOpen(t, disk)
	require.NoError(t, w.Save(v1HardState, v1Entries()))
	require.NoError(t, w.Sync())
	require.NoError(t, w.SaveSnapshot(v1Snapshot, snapData(v1SnapshotData)))
	require.NoError(t, w.Close())
}

func TestFormatV1TestdataIsWhatTheEncoderWrites(t *testing.T) {
	disk := newDisk(t)
	writeV1(t, disk)
	for _, name := range v1Files {
		got := readFile(t, disk, "raft/"+name)
		file := filepath.Join("testdata", "v1", filepath.FromSlash(name))
		if *update {
			require.NoError(t, os.MkdirAll(filepath.Dir(file), 0o755))
			require.NoError(t, os.WriteFile(file, got, 0o644))
			continue
		}
		want, err := os.ReadFile(file)
		require.NoError(t, err)
		require.Equal(t, want, got, "%s changed: a format change needs a new version and a new testdata directory", name)
	}
}

func TestFormatV1TestdataIsStillRead(t *testing.T) {
	disk := newDisk(t)
	require.NoError(t, disk.MkdirAll("raft/log"))
	require.NoError(t, disk.MkdirAll("raft/snapshots"))
	for _, name := range v1Files {
		b, err := os.ReadFile(filepath.Join("testdata", "v1", filepath.FromSlash(name)))
		require.NoError(t, err)
		writeFile(t, disk, "raft/"+name, b)
	}
	w, st := mustOpen(t, disk)
	defer w.Close()
	require.Equal(t, v1HardState, st.HardState)
	require.Equal(t, v1Snapshot, st.Snapshot)
	require.Equal(t, v1Entries()[10:], st.Entries)

	snap, err := w.Snapshots().OpenLatest()
	require.NoError(t, err)
	defer snap.Close()
	data := make([]byte, len(v1SnapshotData)+1)
	n, _ := snap.Data().Read(data)
	require.Equal(t, v1SnapshotData, string(data[:n]))
}
