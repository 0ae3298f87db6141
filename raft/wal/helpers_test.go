package wal

import (
	"fmt"
	"path"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/internal/osenv"
	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
)

// newDisk returns a real-file disk in a fresh temporary directory.
func newDisk(t testing.TB) *osenv.Disk {
	t.Helper()
	d, err := osenv.NewDisk(t.TempDir())
	require.NoError(t, err)
	return d
}

// entries makes the entries from..to (inclusive) of one term, each with a
// payload that names its index and term.
func entries(from, to, term uint64) []raft.Entry {
	var es []raft.Entry
	for i := from; i <= to; i++ {
		es = append(es, raft.Entry{
			Index: i,
			Term:  term,
			Type:  raft.EntryCommand,
			Data:  fmt.Appendf(nil, "cmd %d@%d", i, term),
		})
	}
	return es
}

// mustOpen opens the WAL in "raft" on disk and fails the test on error.
func mustOpen(t testing.TB, disk netsim.Disk, opts ...Option) (*WAL, State) {
	t.Helper()
	w, st, err := Open(disk, "raft", nil, opts...)
	require.NoError(t, err)
	return w, st
}

// writeLog opens a fresh WAL, appends es, syncs and closes it.
func writeLog(t testing.TB, disk netsim.Disk, es []raft.Entry, opts ...Option) {
	t.Helper()
	w, _ := mustOpen(t, disk, opts...)
	require.NoError(t, w.Append(es))
	require.NoError(t, w.Sync())
	require.NoError(t, w.Close())
}

// segmentFiles lists the segment files of the WAL in "raft".
func segmentFiles(t testing.TB, disk netsim.Disk) []string {
	t.Helper()
	names, err := disk.ReadDir("raft/log")
	require.NoError(t, err)
	var out []string
	for _, n := range names {
		out = append(out, path.Join("raft/log", n))
	}
	return out
}

// writeFile replaces a file's content on disk.
func writeFile(t testing.TB, disk netsim.Disk, name string, b []byte) {
	t.Helper()
	f, err := disk.Create(name)
	require.NoError(t, err)
	_, err = f.Write(b)
	require.NoError(t, err)
	require.NoError(t, f.Sync())
	require.NoError(t, f.Close())
}

// readFile returns a file's content.
func readFile(t testing.TB, disk netsim.Disk, name string) []byte {
	t.Helper()
	b, err := disk.ReadFile(name)
	require.NoError(t, err)
	return b
}

// forEachBitFlip calls f with a copy of b that has bit i flipped, for every
// bit of b.
func forEachBitFlip(b []byte, f func(i int, flipped []byte)) {
	for i := range len(b) * 8 {
		c := append([]byte(nil), b...)
		c[i/8] ^= 1 << (i % 8)
		f(i, c)
	}
}
