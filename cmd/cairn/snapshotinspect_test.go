package main

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/catalog"
)

// sampleSnapshot is a catalog with two nodes, a service and two keys, as
// `cairn snapshot save` would write it.
func sampleSnapshot(t testing.TB) []byte {
	s := catalog.New(nil)
	for i, cmd := range []catalog.Command{
		&catalog.RegisterRequest{Node: "n1", Address: "10.0.0.1", Service: &catalog.Service{Service: "web", Port: 80}},
		&catalog.RegisterRequest{Node: "n2", Address: "10.0.0.2"},
		&catalog.KVSetRequest{Key: "app/a", Value: []byte("1")},
		&catalog.KVSetRequest{Key: "app/b", Value: []byte("2")},
	} {
		b, err := catalog.Encode(cmd)
		require.NoError(t, err)
		r := s.Apply(uint64(i+1), b).(catalog.Result)
		require.NoError(t, r.Err)
	}
	sw, err := s.Snapshot()
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = sw.WriteTo(&buf)
	require.NoError(t, err)
	return buf.Bytes()
}

// writeSnapshotFile writes data to a file of the test's own.
func writeSnapshotFile(t *testing.T, data []byte) string {
	file := filepath.Join(t.TempDir(), "backup.snap")
	require.NoError(t, os.WriteFile(file, data, 0o600))
	return file
}

// withChecksum replaces data's trailing CRC-32C with the right one.
func withChecksum(data []byte) []byte {
	body := data[:len(data)-4]
	return binary.BigEndian.AppendUint32(append([]byte(nil), body...), crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli)))
}

func TestSnapshotInspectPrintsIndexChecksumAndTableCounts(t *testing.T) {
	data := sampleSnapshot(t)
	code, out, errOut := runCairn("snapshot", "inspect", writeSnapshotFile(t, data))
	require.Equal(t, 0, code, errOut)
	lines := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 2 {
			lines[f[0]] = strings.Join(f[1:], " ")
		}
	}
	require.Equal(t, "4", lines["Index"])
	require.True(t, strings.HasPrefix(lines["ID"], "4-"))
	require.Equal(t, "4", lines["Version"][:1])
	require.Contains(t, lines["Checksum"], "valid")
	require.Equal(t, len(data), mustAtoi(t, lines["Size"]))
	require.True(t, strings.HasPrefix(lines["nodes"], "2 "), lines["nodes"])
	require.True(t, strings.HasPrefix(lines["services"], "1 "), lines["services"])
	require.True(t, strings.HasPrefix(lines["kvs"], "2 "), lines["kvs"])
	require.True(t, strings.HasPrefix(lines["meta"], "1 "), lines["meta"])
	require.Contains(t, out, "Table")
	require.Contains(t, out, "Total")
}

func mustAtoi(t *testing.T, s string) int {
	var n int
	for _, c := range s {
		require.True(t, c >= '0' && c <= '9', s)
		n = n*10 + int(c-'0')
	}
	return n
}

func TestSnapshotInspectRefusesDamagedFilesWithOneLine(t *testing.T) {
	good := sampleSnapshot(t)
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 0x40
	renamed := withChecksum(bytes.Replace(good, []byte(`"Node":"n2"`), []byte(`"Nxde":"n2"`), 1))
	require.NotEqual(t, good, renamed)
	future := append([]byte(nil), good...)
	binary.BigEndian.PutUint16(future[len(snapshotMagic):], catalog.SnapshotVersion+1)
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"garbage":       {[]byte("garbage that is long enough"), "bad magic"},
		"empty":         {nil, "bad magic"},
		"flipped bit":   {flipped, "checksum mismatch"},
		"truncated":     {good[:len(good)-9], "checksum mismatch"},
		"future format": {withChecksum(future), "format version"},
		"bad record":    {renamed, "unknown field"},
	} {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runCairn("snapshot", "inspect", writeSnapshotFile(t, tc.data))
			require.Equal(t, 1, code)
			require.Empty(t, out)
			require.True(t, strings.HasPrefix(errOut, "Error inspecting snapshot: not a valid snapshot: "), errOut)
			require.Contains(t, errOut, tc.want)
			require.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)
		})
	}
	code, _, errOut := runCairn("snapshot", "inspect")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Missing FILE argument")
	code, _, errOut = runCairn("snapshot", "inspect", filepath.Join(t.TempDir(), "missing.snap"))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Error reading snapshot file")
}

func TestSnapshotInspectReadsWhatSaveWrote(t *testing.T) {
	c := startRealAgent(t)
	kvPut(t, c, "inspected", "yes")
	file := filepath.Join(t.TempDir(), "saved.snap")
	code, _, errOut := runCairn("snapshot", "save", file)
	require.Equal(t, 0, code, errOut)
	code, out, errOut := runCairn("snapshot", "inspect", file)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "valid (CRC-32C")
	require.Regexp(t, `(?m)^kvs\s+1\s`, out)
}

// FuzzInspectSnapshot checks that any file is described or refused with
// errBadSnapshotFile, never a panic.
func FuzzInspectSnapshot(f *testing.F) {
	good := sampleSnapshot(f)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(withChecksum(append([]byte(snapshotMagic+"\x00\x04\x04meta\x05"), 0, 0, 0, 0)))
	f.Add([]byte("cairncat"))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := inspectSnapshot(data)
		if err != nil {
			require.ErrorIs(t, err, errBadSnapshotFile)
			return
		}
		require.Equal(t, len(data), info.size)
		require.NotEmpty(t, info.sections)
	})
}
