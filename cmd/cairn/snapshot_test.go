package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSnapshotSaveThenRestoreBringsTheStateBack(t *testing.T) {
	c := startRealAgent(t)
	kvPut(t, c, "kept", "before")
	file := filepath.Join(t.TempDir(), "backup.snap")
	code, out, errOut := runCairn("snapshot", "save", file)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "Saved and verified snapshot to index")
	info, err := os.Stat(file)
	require.NoError(t, err)
	require.Positive(t, info.Size())

	kvPut(t, c, "kept", "after")
	code, out, errOut = runCairn("snapshot", "restore", file)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "Restored snapshot")
	code, out, _ = runCairn("kv", "get", "kept")
	require.Equal(t, 0, code)
	require.Equal(t, "before", strings.TrimSpace(out))

	require.NoError(t, os.WriteFile(file, []byte("garbage"), 0o600))
	code, _, errOut = runCairn("snapshot", "restore", file)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "400")
	code, _, errOut = runCairn("snapshot", "save")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Missing FILE argument")
}
