package core

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/catalog"
)

func TestAForwardedTransactionKeepsItsResultsAndErrors(t *testing.T) {
	c := newGossipCluster(t, 1)
	c.sim.RunFor(20 * time.Second)
	follower := c.follower()
	require.NotEmpty(t, follower)
	var results []catalog.Result
	for _, ops := range [][]catalog.TxnOp{
		{{KV: &catalog.TxnKVOp{Verb: catalog.TxnKVSet, Key: "k", Value: []byte("v")}}},
		{{KV: &catalog.TxnKVOp{Verb: catalog.TxnKVSet, Key: "x"}}, {KV: &catalog.TxnKVOp{Verb: catalog.TxnKVGet, Key: "missing"}}},
	} {
		b, err := catalog.Encode(&catalog.TxnRequest{Ops: ops})
		require.NoError(t, err)
		c.servers[follower].Apply(b, func(r catalog.Result, err error) {
			require.NoError(t, err)
			results = append(results, r)
		})
		c.sim.RunFor(2 * time.Second)
	}
	require.Len(t, results, 2)
	require.True(t, results[0].OK)
	require.Len(t, results[0].TxnResults, 1)
	require.Equal(t, "k", results[0].TxnResults[0].KV.Key)
	require.True(t, errors.Is(results[1].Err, catalog.ErrTxnFailed), "the sentinel survives the wire: %v", results[1].Err)
	require.Len(t, results[1].TxnErrors, 1)
	require.Equal(t, 1, results[1].TxnErrors[0].OpIndex)
}

func TestCatalogErrorRebuildsSessionSentinelsByTheirLongestText(t *testing.T) {
	for _, sentinel := range []error{catalog.ErrBadSessionTTL, catalog.ErrSessionNotFound,
		catalog.ErrMissingSessionID, catalog.ErrMissingSession} {
		got := catalogError(sentinel.Error() + `: "x"`)
		require.ErrorIs(t, got, sentinel)
	}
	require.NotErrorIs(t, catalogError(catalog.ErrBadSessionTTL.Error()), catalog.ErrSessionNotFound)
}

// TestLeaderReadOnAFollowerSeesAnAcknowledgedWrite: the moment the leader
// acknowledges a write, the other follower has not yet learned it is
// committed; a default-mode read there catches up with the leader first.
func TestLeaderReadOnAFollowerSeesAnAcknowledgedWrite(t *testing.T) {
	c := newGossipCluster(t, 1)
	c.sim.RunFor(20 * time.Second)
	leader, follower := c.leader(), c.follower()
	require.NotEmpty(t, follower)
	cmd, err := catalog.Encode(&catalog.KVSetRequest{Key: "fresh", Value: []byte("v")})
	require.NoError(t, err)
	var lagged, seen bool
	c.servers[leader].Apply(cmd, func(r catalog.Result, err error) {
		require.NoError(t, err)
		_, kv := c.servers[follower].Catalog().KVGet(nil, "fresh")
		lagged = kv == nil
		c.servers[follower].LeaderRead(func(err error) {
			require.NoError(t, err)
			_, kv := c.servers[follower].Catalog().KVGet(nil, "fresh")
			seen = kv != nil
		})
	})
	c.sim.RunFor(2 * time.Second)
	require.True(t, lagged, "the follower had not applied the write when it was acknowledged")
	require.True(t, seen, "a leader-mode read on the follower sees it")
}
