package catalog

import (
	"bufio"
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenState is the fixed history behind testdata/snapshot-v1.bin.
func goldenState(t *testing.T) *State {
	a := cluster(t)
	a.ok(&RegisterRequest{Node: "n1", SkipNodeUpdate: true, Check: &HealthCheck{CheckID: "http",
		ServiceID: "web-1", Status: HealthPassing, Definition: HealthCheckDefinition{HTTP: "http://localhost/health",
			Header: map[string][]string{"X-A": {"1"}}, Interval: Duration(10e9), Timeout: Duration(2e9)}}})
	a.ok(&KVSetRequest{Key: "app/config", Value: []byte("v1"), Flags: 42})
	a.ok(&KVSetRequest{Key: "app/gone", Value: []byte("x")})
	a.ok(&KVDeleteRequest{Key: "app/gone"})
	a.ok(&RegisterRequest{Node: "n3", Address: "10.0.0.3"})
	a.ok(&DeregisterRequest{Node: "n3"})
	return a.s
}

// The committed files pin the version 1 formats: a later change to the
// encoding must still read them (and bump the version if it cannot).
func TestGoldenSnapshotV1StillRestores(t *testing.T) {
	path := filepath.Join("testdata", "snapshot-v1.bin")
	if *updateGolden {
		require.NoError(t, os.WriteFile(path, snapshotBytes(t, goldenState(t)), 0o644))
	}
	golden, err := os.ReadFile(path)
	require.NoError(t, err)
	s := New(nil)
	require.NoError(t, s.Restore(bytes.NewReader(golden)))
	require.Equal(t, golden, snapshotBytes(t, s), "version 1 re-encodes byte for byte")
	_, entries, err := s.CheckServiceNodes(nil, "web", Query{})
	require.NoError(t, err)
	require.Len(t, entries, 2)
	idx, e := s.KVGet(nil, "app/config")
	require.Equal(t, []byte("v1"), e.Value)
	require.Equal(t, uint64(42), e.Flags)
	require.NotZero(t, idx)
}

func TestGoldenCommandsV1StillDecode(t *testing.T) {
	path := filepath.Join("testdata", "commands-v1.txt")
	if *updateGolden {
		var buf bytes.Buffer
		for _, cmd := range sampleCommands() {
			buf.WriteString(strconv.Quote(string(mustEncode(t, cmd))) + "\n")
		}
		require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	}
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		raw, err := strconv.Unquote(sc.Text())
		require.NoError(t, err)
		cmd, err := Decode([]byte(raw))
		require.NoError(t, err, "line %d", n+1)
		require.Equal(t, []byte(raw), mustEncode(t, cmd), "line %d re-encodes byte for byte", n+1)
		n++
	}
	require.NoError(t, sc.Err())
	require.Len(t, sampleCommands(), n)
}
