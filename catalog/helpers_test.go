package catalog

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// applier applies commands at increasing indexes.
type applier struct {
	t   testing.TB
	s   *State
	idx uint64
}

func newApplier(t testing.TB) *applier {
	return &applier{t: t, s: New(nil)}
}

// do encodes cmd, applies it at the next index and returns its Result.
func (a *applier) do(cmd Command) Result {
	a.t.Helper()
	b, err := Encode(cmd)
	require.NoError(a.t, err)
	a.idx++
	return a.s.Apply(a.idx, b).(Result)
}

// ok applies cmd and requires that it succeeded.
func (a *applier) ok(cmd Command) {
	a.t.Helper()
	res := a.do(cmd)
	require.NoError(a.t, res.Err)
	require.True(a.t, res.OK)
}

func (a *applier) node(name, addr string, meta map[string]string) {
	a.t.Helper()
	a.ok(&RegisterRequest{Node: name, Address: addr, NodeMeta: meta})
}

func (a *applier) service(node, name, id string, tags ...string) {
	a.t.Helper()
	a.ok(&RegisterRequest{Node: node, SkipNodeUpdate: true,
		Service: &Service{ID: id, Service: name, Tags: tags, Port: 80}})
}

func (a *applier) check(node, id, serviceID, status string) {
	a.t.Helper()
	a.ok(&RegisterRequest{Node: node, SkipNodeUpdate: true,
		Check: &HealthCheck{CheckID: id, Name: id, ServiceID: serviceID, Status: status}})
}

// snapshotBytes serialises s.
func snapshotBytes(t testing.TB, s *State) []byte {
	t.Helper()
	sw, err := s.Snapshot()
	require.NoError(t, err)
	var buf bytes.Buffer
	n, err := sw.WriteTo(&buf)
	require.NoError(t, err)
	require.Equal(t, int64(buf.Len()), n)
	return buf.Bytes()
}

// contentBytes is a snapshot of s without its last applied index, to
// show that a refused command changed nothing else.
func contentBytes(t testing.TB, s *State) []byte {
	t.Helper()
	c := restored(t, s)
	c.db.lastIndex = 0
	return snapshotBytes(t, c)
}

// restored returns a fresh State restored from a snapshot of s.
func restored(t testing.TB, s *State) *State {
	t.Helper()
	c := New(nil)
	require.NoError(t, c.Restore(bytes.NewReader(snapshotBytes(t, s))))
	return c
}

// bytesOf returns a reader over a snapshot of s.
func bytesOf(t testing.TB, s *State) *bytes.Reader {
	return bytes.NewReader(snapshotBytes(t, s))
}
