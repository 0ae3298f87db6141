package catalog

import (
	"bufio"
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

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

// goldenStateV2 adds to goldenState what version 2 added: sessions, a key
// held by one, and a lock-delay left by a destroyed one.
func goldenStateV2(t *testing.T) *State {
	s := goldenState(t)
	a := &applier{t: t, s: s, idx: s.LastIndex()}
	a.check("n1", "serfHealth", "", HealthPassing)
	a.ok(&SessionCreateRequest{Session: Session{ID: "a3c1", Name: "leader", Node: "n1",
		NodeChecks: []string{"serfHealth"}, TTL: "30s"}})
	a.ok(&SessionCreateRequest{Session: Session{ID: "b7d2", Node: "n2", Behavior: SessionDelete,
		LockDelay: 5 * time.Second, ServiceChecks: []ServiceCheck{{ID: "web-2-http"}}}})
	a.ok(&KVLockRequest{Key: "app/leader", Value: []byte("n1"), Session: "a3c1", Now: 1_000})
	a.ok(&KVLockRequest{Key: "app/lock", Session: "b7d2", Now: 1_000})
	a.ok(&SessionDestroyRequest{ID: "b7d2", Now: 2_000})
	return a.s
}

// The committed snapshot files pin each version's format: every version
// still restores. Version 2 re-encodes byte for byte; version 1, restored,
// re-encodes to exactly what the same history writes as version 2.
func TestGoldenSnapshotV1StillRestores(t *testing.T) {
	golden, err := os.ReadFile(filepath.Join("testdata", "snapshot-v1.bin"))
	require.NoError(t, err)
	require.Equal(t, []byte{0, 1}, golden[len(snapshotMagic):len(snapshotMagic)+2])
	s := New(nil)
	require.NoError(t, s.Restore(bytes.NewReader(golden)))
	require.Equal(t, snapshotBytes(t, goldenState(t)), snapshotBytes(t, s),
		"version 1 restores to the state its history builds today")
	_, entries, err := s.CheckServiceNodes(nil, "web", Query{})
	require.NoError(t, err)
	require.Len(t, entries, 2)
	idx, e := s.KVGet(nil, "app/config")
	require.Equal(t, []byte("v1"), e.Value)
	require.Equal(t, uint64(42), e.Flags)
	require.NotZero(t, idx)
	_, sessions := s.SessionList(nil)
	require.Empty(t, sessions)
}

// Version 2, restored, re-encodes to exactly what the same history writes
// today, with empty ACL tables.
func TestGoldenSnapshotV2StillRestores(t *testing.T) {
	golden, err := os.ReadFile(filepath.Join("testdata", "snapshot-v2.bin"))
	require.NoError(t, err)
	require.Equal(t, []byte{0, 2}, golden[len(snapshotMagic):len(snapshotMagic)+2])
	s := New(nil)
	require.NoError(t, s.Restore(bytes.NewReader(golden)))
	require.Equal(t, snapshotBytes(t, goldenStateV2(t)), snapshotBytes(t, s),
		"version 2 restores to the state its history builds today")
	_, tokens := s.ACLTokenList(nil)
	require.Empty(t, tokens)
	_, policies := s.ACLPolicyList(nil)
	require.Empty(t, policies)
	_, boot := s.ACLBootstrapState(nil)
	require.False(t, boot.Done)
	_, sess := s.SessionGet(nil, "a3c1")
	require.NotNil(t, sess)
	require.Equal(t, []string{"serfHealth"}, sess.Checks)
	_, e := s.KVGet(nil, "app/leader")
	require.Equal(t, "a3c1", e.Session)
	_, e = s.KVGet(nil, "app/lock")
	require.Nil(t, e, "the delete session's key went with it")
	until, ok := s.db.lockDelays.get("app/lock")
	require.True(t, ok)
	require.Equal(t, Timestamp(2_000).add(5*time.Second), until)
}

// The committed command files pin the encodings of version 1: every line
// still decodes and re-encodes byte for byte. Commands added to version 1
// later (sessions, locks, transactions, Now fields) have a file of their
// own, so the first stays as it was committed.
func TestGoldenCommandsV1StillDecode(t *testing.T) {
	for file, samples := range map[string][]Command{
		"commands-v1.txt":          sampleCommands(),
		"commands-v1-sessions.txt": sessionSampleCommands(),
	} {
		t.Run(file, func(t *testing.T) { checkGoldenCommands(t, filepath.Join("testdata", file), samples) })
	}
}

func checkGoldenCommands(t *testing.T, path string, samples []Command) {
	if *updateGolden {
		var buf bytes.Buffer
		for _, cmd := range samples {
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
	require.Len(t, samples, n)
}
