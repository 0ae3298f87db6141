package catalog

import (
	"bytes"
	"slices"

	"testing"

	"github.com/stretchr/testify/require"
)

func TestReadsNeverAnswerZero(t *testing.T) {
	s := New(nil)
	for _, p := range probes() {
		idx, _ := p.read(s, nil)
		require.Equal(t, uint64(1), idx, p.name)
	}
}

func TestDeletedServiceAnswersTheDeleteIndex(t *testing.T) {
	a := newApplier(t)
	a.node("n1", "10.0.0.1", nil)
	a.service("n1", "web", "web-1") // 2
	a.ok(&KVSetRequest{Key: "x"})   // 3
	idx, _, err := a.s.CheckServiceNodes(nil, "web", Query{})
	require.NoError(t, err)
	require.Equal(t, uint64(2), idx)
	a.ok(&DeregisterRequest{Node: "n1", ServiceID: "web-1"}) // 4
	a.ok(&KVSetRequest{Key: "y"})                            // 5
	idx, got, err := a.s.CheckServiceNodes(nil, "web", Query{})
	require.NoError(t, err)
	require.Empty(t, got)
	require.Equal(t, uint64(4), idx, "the service's tombstone answers")
	a.ok(&ReapRequest{Index: 4}) // 6
	idx, _, err = a.s.CheckServiceNodes(nil, "web", Query{})
	require.NoError(t, err)
	require.Equal(t, uint64(6), idx, "once reaped, the last applied index answers")
}

func TestReapNeverMovesKVPrefixBack(t *testing.T) {
	a := newApplier(t)
	a.ok(&KVSetRequest{Key: "app/a"})    // 1
	a.ok(&KVSetRequest{Key: "app/b"})    // 2
	a.ok(&KVDeleteRequest{Key: "app/b"}) // 3
	a.ok(&KVSetRequest{Key: "other"})    // 4
	idx, _ := a.s.KVList(nil, "app/")
	require.Equal(t, uint64(3), idx)
	a.ok(&ReapRequest{Index: 3}) // 5
	require.Zero(t, a.s.db.kvTombstones.len(), "the tombstone is gone")
	idx, _ = a.s.KVList(nil, "app/")
	require.Equal(t, uint64(3), idx, "the floor keeps the answer")
	idx, _ = a.s.KVGet(nil, "app/b")
	require.Equal(t, uint64(4), idx, "a reaped key answers the KV table's index")
}

func TestReapKeepsNewerTombstonesAndLiveEntries(t *testing.T) {
	a := newApplier(t)
	a.node("n1", "10.0.0.1", nil)     // 1
	a.service("n1", "web", "w")       // 2
	a.ok(&KVSetRequest{Key: "k1"})    // 3
	a.ok(&KVDeleteRequest{Key: "k1"}) // 4
	a.ok(&KVSetRequest{Key: "k2"})    // 5
	a.ok(&KVDeleteRequest{Key: "k2"}) // 6
	a.ok(&ReapRequest{Index: 5})      // 7
	require.Equal(t, []string{"k2"}, slices.Collect(a.s.db.kvTombstones.all()))
	require.Equal(t, []string{"n1"}, slices.Collect(a.s.db.nodeIndexes.all()), "a live node keeps its index")
	require.Equal(t, []string{"web"}, slices.Collect(a.s.db.serviceIndexes.all()), "a live service keeps its index")
}

func TestRestoreNeverMovesIndexesBack(t *testing.T) {
	a := newApplier(t)
	a.ok(&KVSetRequest{Key: "app/a"}) // 1
	old := snapshotBytes(t, a.s)
	a.ok(&KVSetRequest{Key: "app/b"}) // 2
	a.node("n1", "10.0.0.1", nil)     // 3
	idx, _ := a.s.KVList(nil, "app/")
	require.Equal(t, uint64(2), idx)
	require.NoError(t, a.s.Restore(bytes.NewReader(old)))
	idx, list := a.s.KVList(nil, "app/")
	require.Len(t, list, 1, "the old data is back")
	require.Equal(t, uint64(4), idx, "one past everything answered before")
	idx, ns := a.s.GetNode(nil, "n1")
	require.Nil(t, ns)
	require.Equal(t, uint64(4), idx)
	require.Equal(t, uint64(1), a.s.LastIndex(), "the replicated data is the snapshot's")
}

func TestTwoRestoresInARowStillMoveIndexesForward(t *testing.T) {
	a := newApplier(t)
	a.ok(&KVSetRequest{Key: "k", Value: []byte("1")}) // 1
	first := snapshotBytes(t, a.s)
	a.ok(&KVSetRequest{Key: "k", Value: []byte("2")}) // 2
	second := snapshotBytes(t, a.s)
	a.ok(&KVSetRequest{Key: "k", Value: []byte("3")}) // 3
	require.NoError(t, a.s.Restore(bytes.NewReader(second)))
	idx1, e := a.s.KVGet(nil, "k")
	require.Equal(t, "2", string(e.Value))
	require.NoError(t, a.s.Restore(bytes.NewReader(first)))
	idx2, e := a.s.KVGet(nil, "k")
	require.Equal(t, "1", string(e.Value))
	require.Greater(t, idx2, idx1)
}
