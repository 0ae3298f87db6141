package catalog

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSnapshotRoundTripKeepsEveryTable(t *testing.T) {
	a := cluster(t)
	a.ok(&KVSetRequest{Key: "app/x", Value: []byte("1"), Flags: 4})
	a.ok(&KVSetRequest{Key: "app/y"})
	a.ok(&KVDeleteRequest{Key: "app/y"})
	a.ok(&RegisterRequest{Node: "n3", Address: "10.0.0.3"})
	a.ok(&DeregisterRequest{Node: "n3"})
	c := restored(t, a.s)
	require.Equal(t, a.s.db.lastIndex, c.db.lastIndex)
	for _, p := range probes() {
		i1, v1 := p.read(a.s, nil)
		i2, v2 := p.read(c, nil)
		require.Equal(t, i1, i2, p.name)
		require.Equal(t, jsonOf(t, v1), jsonOf(t, v2), p.name)
	}
	idx, _ := c.KVGet(nil, "app/y")
	require.Equal(t, a.idx-2, idx, "the KV tombstone survived")
	idx, _ = c.GetNode(nil, "n3")
	require.Equal(t, a.idx, idx, "the node tombstone survived")
}

func TestSnapshotIsIsolatedFromLaterWrites(t *testing.T) {
	a := cluster(t)
	a.ok(&KVSetRequest{Key: "k", Value: []byte("before")})
	want := snapshotBytes(t, a.s)
	sw, err := a.s.Snapshot()
	require.NoError(t, err)
	a.ok(&KVSetRequest{Key: "k", Value: []byte("after")})
	a.ok(&KVSetRequest{Key: "k2"})
	a.ok(&DeregisterRequest{Node: "n1"})
	var buf bytes.Buffer
	_, err = sw.WriteTo(&buf)
	require.NoError(t, err)
	require.Equal(t, want, buf.Bytes())
}

// reseal recomputes the checksum of a snapshot whose body was edited.
func reseal(b []byte) []byte {
	body := append([]byte(nil), b[:len(b)-4]...)
	return binary.BigEndian.AppendUint32(body, crc32.Checksum(body, castagnoli))
}

func TestRestoreRefusesCorruptSnapshots(t *testing.T) {
	a := cluster(t)
	a.ok(&KVSetRequest{Key: "k", Value: []byte("v")})
	good := snapshotBytes(t, a.s)
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 0x10
	badVersion := append([]byte(nil), good...)
	badVersion[9] = 9
	cases := map[string][]byte{
		"empty":             nil,
		"bad magic":         append([]byte("xairncat"), good[8:]...),
		"newer version":     reseal(badVersion),
		"flipped bit":       flipped,
		"truncated":         good[:len(good)-10],
		"no checksum":       good[:len(good)-4],
		"trailing byte":     append(append([]byte(nil), good...), 0),
		"wrong section":     reseal(bytes.Replace(good, []byte("\x05nodes"), []byte("\x05nodez"), 1)),
		"unknown field":     reseal(bytes.Replace(good, []byte(`"Datacenter"`), []byte(`"Datacentre"`), 1)),
		"rows out of order": reseal(bytes.Replace(good, []byte(`"Node":"n2"`), []byte(`"Node":"n0"`), 1)),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			s := New(nil)
			s.Apply(1, mustEncode(t, &KVSetRequest{Key: "mine"}))
			err := s.Restore(bytes.NewReader(b))
			require.ErrorIs(t, err, ErrBadSnapshot)
			_, e := s.KVGet(nil, "mine")
			require.NotNil(t, e, "a refused restore leaves the state alone")
		})
	}
}

func mustEncode(t testing.TB, cmd Command) []byte {
	b, err := Encode(cmd)
	require.NoError(t, err)
	return b
}

func FuzzRestore(f *testing.F) {
	a := newApplier(f)
	f.Add(snapshotBytes(f, a.s))
	a.node("n1", "10.0.0.1", map[string]string{"rack": "a"})
	a.service("n1", "web", "web-1", "v1")
	a.check("n1", "c", "web-1", HealthPassing)
	a.ok(&KVSetRequest{Key: "k", Value: []byte("v")})
	a.ok(&KVDeleteRequest{Key: "k"})
	f.Add(snapshotBytes(f, a.s))
	a.check("n1", "serfHealth", "", HealthPassing)
	a.ok(&SessionCreateRequest{Session: Session{ID: "s1", Node: "n1", NodeChecks: []string{"serfHealth"}}})
	a.ok(&SessionCreateRequest{Session: Session{ID: "s2", Node: "n1", ServiceChecks: []ServiceCheck{{ID: "c"}}}})
	a.ok(&KVLockRequest{Key: "held", Session: "s1"})
	a.ok(&KVLockRequest{Key: "delayed", Session: "s2"})
	a.ok(&SessionDestroyRequest{ID: "s2", Now: 1})
	f.Add(snapshotBytes(f, a.s))
	aclHistory(a)
	f.Add(snapshotBytes(f, a.s))
	for _, file := range []string{"snapshot-v1.bin", "snapshot-v2.bin"} {
		if old, err := os.ReadFile(filepath.Join("testdata", file)); err == nil {
			f.Add(old)
		}
	}
	f.Add([]byte(snapshotMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := New(nil)
		if err := s.Restore(bytes.NewReader(b)); err != nil {
			require.ErrorIs(t, err, ErrBadSnapshot)
			return
		}
		again := snapshotBytes(t, s)
		c := New(nil)
		require.NoError(t, c.Restore(bytes.NewReader(again)))
		require.Equal(t, again, snapshotBytes(t, c))
	})
}

func TestRestoreRefusesDanglingSessionReferences(t *testing.T) {
	a := sessionCluster(t)
	a.session("s1", "n1", "")
	require.True(t, a.lock("k", "s1", 0))
	good := snapshotBytes(t, a.s)
	cases := map[string][]byte{
		"key held by unknown session": reseal(bytes.Replace(good, []byte(`"Session":"s1"`), []byte(`"Session":"zz"`), 1)),
		"session on unknown node":     reseal(bytes.Replace(good, []byte(`"Node":"n1","LockDelay"`), []byte(`"Node":"n9","LockDelay"`), 1)),
		"session on unknown check":    reseal(bytes.Replace(good, []byte(`"NodeChecks":["serfHealth"]`), []byte(`"NodeChecks":["nope"]`), 1)),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			require.NotEqual(t, good, b)
			require.ErrorIs(t, New(nil).Restore(bytes.NewReader(b)), ErrBadSnapshot)
		})
	}
}

func TestRestoredStateRebuildsSessionIndexes(t *testing.T) {
	a := sessionCluster(t)
	a.session("s1", "n1", SessionDelete)
	require.True(t, a.lock("k", "s1", 0))
	c := &applier{t: t, s: restored(t, a.s), idx: a.idx}
	_, onN1 := c.s.NodeSessions(nil, "n1")
	require.Equal(t, []string{"s1"}, sessionIDs(onN1))
	c.ok(&DeregisterRequest{Node: "n1"})
	require.Nil(t, c.kv("k"), "the restored session still knows the key it holds")
	_, onN1 = c.s.NodeSessions(nil, "n1")
	require.Empty(t, onN1)
}
