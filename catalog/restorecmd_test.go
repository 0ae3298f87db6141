package catalog

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func applyCmd(t *testing.T, s *State, idx uint64, cmd Command) Result {
	t.Helper()
	b, err := Encode(cmd)
	require.NoError(t, err)
	return s.Apply(idx, b).(Result)
}

func TestARestoreEntryReplacesTheStateAndMovesIndexesForward(t *testing.T) {
	s := New(nil)
	require.True(t, applyCmd(t, s, 1, &KVSetRequest{Key: "kept", Value: []byte("old")}).OK)
	w, err := s.Snapshot()
	require.NoError(t, err)
	var saved bytes.Buffer
	_, err = w.WriteTo(&saved)
	require.NoError(t, err)

	require.True(t, applyCmd(t, s, 2, &KVSetRequest{Key: "kept", Value: []byte("new")}).OK)
	require.True(t, applyCmd(t, s, 3, &KVSetRequest{Key: "later", Value: []byte("x")}).OK)
	ws := &WatchSet{}
	before, _ := s.KVGet(ws, "kept")

	require.True(t, applyCmd(t, s, 4, &SnapshotRestoreRequest{Data: saved.Bytes()}).OK)
	idx, kv := s.KVGet(nil, "kept")
	require.Equal(t, "old", string(kv.Value), "the saved state is back")
	_, gone := s.KVGet(nil, "later")
	require.Nil(t, gone)
	require.GreaterOrEqual(t, idx, uint64(4), "reads answer at least the restore's index")
	require.Greater(t, idx, before)
	require.True(t, ws.Fired(), "blocking queries return")

	bad := applyCmd(t, s, 5, &SnapshotRestoreRequest{Data: []byte("garbage")})
	require.ErrorIs(t, bad.Err, ErrBadSnapshot)
	_, kv = s.KVGet(nil, "kept")
	require.Equal(t, "old", string(kv.Value), "a bad snapshot changes nothing")
}
