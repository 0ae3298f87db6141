package runtime

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"
)

// TestBlockingKeyReturnsAfterWrite checks that a blocking query on a key
// returns with the new value after a write, and that without a write it
// returns the same index when its wait runs out.
func TestBlockingKeyReturnsAfterWrite(t *testing.T) {
	a, c := startAgent(t, "")
	_, err := c.KV().Put(&api.KVPair{Key: "watched", Value: []byte("1")}, nil)
	require.NoError(t, err)
	_, meta, err := c.KV().Get("watched", nil)
	require.NoError(t, err)

	got := make(chan *api.KVPair, 1)
	errs := make(chan error, 1)
	go func() {
		pair, _, err := c.KV().Get("watched", &api.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: time.Minute})
		errs <- err
		got <- pair
	}()
	require.Eventually(t, func() bool { return a.waiting.Load() == 1 }, testWait, 5*time.Millisecond)
	_, err = c.KV().Put(&api.KVPair{Key: "watched", Value: []byte("2")}, nil)
	require.NoError(t, err)
	require.NoError(t, <-errs)
	require.Equal(t, "2", string((<-got).Value))

	_, meta, err = c.KV().Get("watched", nil)
	require.NoError(t, err)
	pair, meta2, err := c.KV().Get("watched", &api.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: time.Second})
	require.NoError(t, err)
	require.Equal(t, meta.LastIndex, meta2.LastIndex, "a timed-out query answers the same index")
	require.Equal(t, "2", string(pair.Value))
}

// TestBlockingServiceNotWokenByOtherService checks that a write to service
// api does not wake a blocking query on service web, while a write to web
// does.
func TestBlockingServiceNotWokenByOtherService(t *testing.T) {
	a, c := startAgent(t, "")
	registerExternal(t, c, "ext1", "web1", "web", nil, "passing")
	_, meta, err := c.Health().Service("web", "", false, nil)
	require.NoError(t, err)

	type result struct {
		meta *api.QueryMeta
		err  error
	}
	done := make(chan result, 1)
	go func() {
		_, m, err := c.Health().Service("web", "", false,
			&api.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: time.Minute})
		done <- result{m, err}
	}()
	require.Eventually(t, func() bool { return a.waiting.Load() == 1 }, testWait, 5*time.Millisecond)
	registerExternal(t, c, "ext2", "api1", "api", nil, "passing")
	// The api write is applied before the next write is; had it woken the
	// web query, the query would have answered the old index by then.
	registerExternal(t, c, "ext2", "web2", "web", nil, "passing")
	r := <-done
	require.NoError(t, r.err)
	rows, lastMeta, err := c.Health().Service("web", "", false, nil)
	require.NoError(t, err)
	require.Len(t, rows, 2)
	require.Equal(t, lastMeta.LastIndex, r.meta.LastIndex,
		"the web query returned only after the write to web, with its index")
}

// TestBlockingQueryEndsWhenClientDisconnects checks that the server
// gives up a blocking query whose client went away, long before its wait
// of 10 minutes.
func TestBlockingQueryEndsWhenClientDisconnects(t *testing.T) {
	a, c := startAgent(t, "")
	_, meta, err := c.Catalog().Services(nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		"http://"+a.HTTPAddr()+"/v1/catalog/services?wait=10m&index="+uitoa(meta.LastIndex), nil)
	require.NoError(t, err)
	errs := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errs <- err
	}()
	require.Eventually(t, func() bool { return a.waiting.Load() == 1 }, testWait, 5*time.Millisecond)
	cancel()
	require.Error(t, <-errs)
	require.Eventually(t, func() bool { return a.waiting.Load() == 0 }, testWait, 5*time.Millisecond,
		"the server gave up the abandoned query")
}

// TestShutdownEndsBlockingQueries checks that a blocking query does not
// hold the agent's shutdown for its wait: it is answered with an error.
func TestShutdownEndsBlockingQueries(t *testing.T) {
	a, c := startAgent(t, "")
	_, meta, err := c.Catalog().Services(nil)
	require.NoError(t, err)
	errs := make(chan error, 1)
	go func() {
		_, _, err := c.Catalog().Services(&api.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: 10 * time.Minute})
		errs <- err
	}()
	require.Eventually(t, func() bool { return a.waiting.Load() == 1 }, testWait, 5*time.Millisecond)
	require.NoError(t, a.Shutdown(context.Background()))
	err = <-errs
	require.Error(t, err)
	require.Contains(t, err.Error(), "shutting down")
}
