package runtime

import (
	"strings"
	"testing"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"
)

// TestKVPutGetListKeysDelete drives the KV endpoints with the official
// client through a put, a get, a list, a keys listing and deletes.
func TestKVPutGetListKeysDelete(t *testing.T) {
	_, c := startAgent(t, "")
	kv := c.KV()
	for _, k := range []string{"app/a", "app/b/c", "other"} {
		_, err := kv.Put(&api.KVPair{Key: k, Value: []byte("v-" + k)}, nil)
		require.NoError(t, err)
	}
	pair, meta, err := kv.Get("app/a", nil)
	require.NoError(t, err)
	require.Equal(t, "v-app/a", string(pair.Value))
	require.Equal(t, pair.ModifyIndex, meta.LastIndex)
	require.True(t, meta.KnownLeader)

	pairs, _, err := kv.List("app/", nil)
	require.NoError(t, err)
	require.Len(t, pairs, 2)
	require.Equal(t, "app/b/c", pairs[1].Key)

	keys, _, err := kv.Keys("app/", "/", nil)
	require.NoError(t, err)
	require.Equal(t, []string{"app/a", "app/b/"}, keys)

	_, err = kv.Delete("app/a", nil)
	require.NoError(t, err)
	pair, _, err = kv.Get("app/a", nil)
	require.NoError(t, err)
	require.Nil(t, pair)

	_, err = kv.DeleteTree("app/", nil)
	require.NoError(t, err)
	pairs, _, err = kv.List("app/", nil)
	require.NoError(t, err)
	require.Empty(t, pairs)
	pair, _, err = kv.Get("other", nil)
	require.NoError(t, err)
	require.NotNil(t, pair, "a tree delete removes only its prefix")
}

// TestKVCASAndFlags checks check-and-set: create-only with 0, success at
// the current index, failure at a stale one; and that flags round-trip.
func TestKVCASAndFlags(t *testing.T) {
	_, c := startAgent(t, "")
	kv := c.KV()
	ok, _, err := kv.CAS(&api.KVPair{Key: "k", Value: []byte("1"), Flags: 42}, nil)
	require.NoError(t, err)
	require.True(t, ok)
	ok, _, err = kv.CAS(&api.KVPair{Key: "k", Value: []byte("again")}, nil)
	require.NoError(t, err)
	require.False(t, ok, "cas=0 creates only")

	pair, _, err := kv.Get("k", nil)
	require.NoError(t, err)
	require.Equal(t, uint64(42), pair.Flags)
	stale := pair.ModifyIndex

	ok, _, err = kv.CAS(&api.KVPair{Key: "k", Value: []byte("2"), ModifyIndex: stale}, nil)
	require.NoError(t, err)
	require.True(t, ok)
	ok, _, err = kv.CAS(&api.KVPair{Key: "k", Value: []byte("3"), ModifyIndex: stale}, nil)
	require.NoError(t, err)
	require.False(t, ok)

	ok, _, err = kv.DeleteCAS(&api.KVPair{Key: "k", ModifyIndex: stale}, nil)
	require.NoError(t, err)
	require.False(t, ok)
	pair, _, err = kv.Get("k", nil)
	require.NoError(t, err)
	require.Equal(t, "2", string(pair.Value))
	ok, _, err = kv.DeleteCAS(&api.KVPair{Key: "k", ModifyIndex: pair.ModifyIndex}, nil)
	require.NoError(t, err)
	require.True(t, ok)
}

// TestKVValueOverLimitIs413 checks limits.kv_max_value_size.
func TestKVValueOverLimitIs413(t *testing.T) {
	_, c := startAgent(t, `, "limits": {"kv_max_value_size": 1024}`)
	_, err := c.KV().Put(&api.KVPair{Key: "big", Value: []byte(strings.Repeat("x", 1025))}, nil)
	require.Error(t, err)
	require.Contains(t, err.Error(), "413")
	_, err = c.KV().Put(&api.KVPair{Key: "fits", Value: []byte(strings.Repeat("x", 1024))}, nil)
	require.NoError(t, err)
}
