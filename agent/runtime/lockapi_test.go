package runtime

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"
)

func TestKVAcquireAndReleaseMoveTheLockIndex(t *testing.T) {
	a, client := startAgent(t, "")
	kv := client.KV()
	s1, _, err := client.Session().Create(&api.SessionEntry{LockDelay: 1}, nil)
	require.NoError(t, err)
	s2, _, err := client.Session().Create(&api.SessionEntry{LockDelay: 1}, nil)
	require.NoError(t, err)

	ok, _, err := kv.Acquire(&api.KVPair{Key: "lock", Value: []byte("one"), Session: s1}, nil)
	require.NoError(t, err)
	require.True(t, ok)
	pair, _, err := kv.Get("lock", nil)
	require.NoError(t, err)
	require.Equal(t, s1, pair.Session)
	require.Equal(t, uint64(1), pair.LockIndex)

	ok, _, err = kv.Acquire(&api.KVPair{Key: "lock", Session: s2}, nil)
	require.NoError(t, err)
	require.False(t, ok, "a held lock is not taken by another session")
	ok, _, err = kv.Release(&api.KVPair{Key: "lock", Session: s2}, nil)
	require.NoError(t, err)
	require.False(t, ok, "only the holder releases")

	ok, _, err = kv.Release(&api.KVPair{Key: "lock", Session: s1}, nil)
	require.NoError(t, err)
	require.True(t, ok)
	pair, _, err = kv.Get("lock", nil)
	require.NoError(t, err)
	require.Empty(t, pair.Session)

	ok, _, err = kv.Acquire(&api.KVPair{Key: "lock", Session: s2}, nil)
	require.NoError(t, err)
	require.True(t, ok)
	pair, _, err = kv.Get("lock", nil)
	require.NoError(t, err)
	require.Equal(t, s2, pair.Session)
	require.Equal(t, uint64(2), pair.LockIndex)

	code, _, _ := do(t, a, http.MethodPut, "/v1/kv/lock?acquire=no-such-session", "x")
	require.Equal(t, http.StatusBadRequest, code)
}

func TestLockBlocksASecondClientUntilTheFirstUnlocks(t *testing.T) {
	_, client := startAgent(t, "")
	first, err := client.LockKey("service/leader")
	require.NoError(t, err)
	lost, err := first.Lock(nil)
	require.NoError(t, err)
	require.NotNil(t, lost)

	second, err := client.LockOpts(&api.LockOptions{Key: "service/leader", LockWaitTime: testWait})
	require.NoError(t, err)
	acquired := make(chan error, 1)
	go func() {
		_, err := second.Lock(nil)
		acquired <- err
	}()
	pair, _, err := client.KV().Get("service/leader", nil)
	require.NoError(t, err)
	require.NotEmpty(t, pair.Session, "the first client holds the lock")
	holder := pair.Session

	require.NoError(t, first.Unlock())
	require.NoError(t, <-acquired)
	pair, _, err = client.KV().Get("service/leader", nil)
	require.NoError(t, err)
	require.NotEmpty(t, pair.Session)
	require.NotEqual(t, holder, pair.Session, "the second client took the lock")
	require.NoError(t, second.Unlock())
}

func TestSemaphoreAdmitsUpToItsLimit(t *testing.T) {
	_, client := startAgent(t, "")
	opts := &api.SemaphoreOptions{Prefix: "service/sem", Limit: 2, SemaphoreTryOnce: true, SemaphoreWaitTime: 1}
	var held []*api.Semaphore
	for range 2 {
		sem, err := client.SemaphoreOpts(opts)
		require.NoError(t, err)
		lost, err := sem.Acquire(nil)
		require.NoError(t, err)
		require.NotNil(t, lost)
		held = append(held, sem)
	}
	third, err := client.SemaphoreOpts(opts)
	require.NoError(t, err)
	lost, err := third.Acquire(nil)
	require.NoError(t, err)
	require.Nil(t, lost, "a third holder is refused while two hold the semaphore")

	require.NoError(t, held[0].Release())
	lost, err = third.Acquire(nil)
	require.NoError(t, err)
	require.NotNil(t, lost, "a slot freed by a release is taken")
	require.NoError(t, third.Release())
	require.NoError(t, held[1].Release())
}

func TestTxnAppliesAllOrNothing(t *testing.T) {
	a, client := startAgent(t, "")
	kv := client.KV()
	_, err := kv.Put(kvPair("existing", "v"), nil)
	require.NoError(t, err)

	ok, resp, _, err := client.Txn().Txn(api.TxnOps{
		{KV: &api.KVTxnOp{Verb: api.KVSet, Key: "a", Value: []byte("1")}},
		{KV: &api.KVTxnOp{Verb: api.KVCheckNotExists, Key: "existing"}},
		{KV: &api.KVTxnOp{Verb: api.KVSet, Key: "b", Value: []byte("2")}},
	}, nil)
	require.NoError(t, err)
	require.False(t, ok)
	require.Len(t, resp.Errors, 1)
	require.Equal(t, 1, resp.Errors[0].OpIndex)
	pair, _, err := kv.Get("a", nil)
	require.NoError(t, err)
	require.Nil(t, pair, "nothing of a failed transaction applies")

	ok, resp, _, err = client.Txn().Txn(api.TxnOps{
		{KV: &api.KVTxnOp{Verb: api.KVSet, Key: "a", Value: []byte("1")}},
		{KV: &api.KVTxnOp{Verb: api.KVSet, Key: "b", Value: []byte("2")}},
		{KV: &api.KVTxnOp{Verb: api.KVGet, Key: "existing"}},
	}, nil)
	require.NoError(t, err)
	require.True(t, ok, "%+v", resp.Errors)
	require.Len(t, resp.Results, 3)
	require.Equal(t, []byte("v"), resp.Results[2].KV.Value)
	pair, _, err = kv.Get("b", nil)
	require.NoError(t, err)
	require.Equal(t, []byte("2"), pair.Value)

	code, _, body := do(t, a, http.MethodPut, "/v1/txn", `[{"KV": {"Verb": "get", "Key": "nope"}}]`)
	require.Equal(t, http.StatusConflict, code)
	var failed map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(body), &failed))
	require.Equal(t, "null", string(failed["Results"]))
}

func TestTxnRefusesBadAndOversizedBodies(t *testing.T) {
	a, _ := startAgent(t, `, "limits": {"txn_max_req_len": 4096}`)
	code, _, _ := do(t, a, http.MethodPut, "/v1/txn", `{"not": "a list"}`)
	require.Equal(t, http.StatusBadRequest, code)

	ops := make([]map[string]any, 65)
	for i := range ops {
		ops[i] = map[string]any{"KV": map[string]any{"Verb": "get", "Key": "k"}}
	}
	b, err := json.Marshal(ops)
	require.NoError(t, err)
	code, _, body := do(t, a, http.MethodPut, "/v1/txn", string(b))
	require.Equal(t, http.StatusRequestEntityTooLarge, code)
	require.Contains(t, body, "Transaction contains too many operations (65 > 64)")

	big := `[{"KV": {"Verb": "set", "Key": "k", "Value": "` + strings.Repeat("A", 5000) + `"}}]`
	code, _, body = do(t, a, http.MethodPut, "/v1/txn", big)
	require.Equal(t, http.StatusRequestEntityTooLarge, code)
	require.Contains(t, body, "txn_max_req_len")
}
