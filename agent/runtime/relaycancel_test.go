package runtime

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"
)

// relayedKey starts a server and a client agent joined to it, writes key
// through the client and returns both with the client's API client and
// the index to block on key with.
func relayedKey(t *testing.T, key string) (srv, cl *Agent, c *api.Client, index uint64) {
	t.Helper()
	srv, _ = startAgent(t, "")
	cl, c = startClient(t, srv, "")
	_, err := c.KV().Put(kvPair(key, "1"), nil)
	require.NoError(t, err)
	_, meta, err := c.KV().Get(key, nil)
	require.NoError(t, err)
	return srv, cl, c, meta.LastIndex
}

// TestABlockingQueryRelayedByAClientStopsOnTheServerWhenItsCallerLeaves:
// the server's blocking query ends soon after the HTTP client of the
// client agent hangs up, not when its 60-second wait runs out.
func TestABlockingQueryRelayedByAClientStopsOnTheServerWhenItsCallerLeaves(t *testing.T) {
	srv, cl, c, index := relayedKey(t, "watched")

	ctx, hangUp := context.WithCancel(context.Background())
	defer hangUp()
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		opts := (&api.QueryOptions{WaitIndex: index, WaitTime: time.Minute}).WithContext(ctx)
		c.KV().Get("watched", opts)
	}()
	require.Eventually(t, func() bool { return srv.waiting.Load() == 1 }, testWait, 20*time.Millisecond,
		"the relayed query blocks on the server")
	require.Eventually(t, func() bool { return parkedCount(cl) == 1 }, testWait, 20*time.Millisecond,
		"the client agent parks the relayed query")
	hangUp()
	<-returned
	require.Eventually(t, func() bool { return srv.waiting.Load() == 0 }, 10*time.Second, 20*time.Millisecond,
		"the server stops the query whose caller left")
}

// TestAClientAgentParksARelayedBlockingQueryAndWritesTheServersAnswer:
// neither the client agent nor the server holds a goroutine for a relayed
// blocking query; the server's answer comes back over RPC when the key
// changes and the client writes it.
func TestAClientAgentParksARelayedBlockingQueryAndWritesTheServersAnswer(t *testing.T) {
	srv, cl, c, index := relayedKey(t, "relayed")

	got := make(chan *api.KVPair, 1)
	go func() {
		pair, _, err := c.KV().Get("relayed", &api.QueryOptions{WaitIndex: index, WaitTime: time.Minute})
		if err != nil {
			pair = nil
		}
		got <- pair
	}()
	require.Eventually(t, func() bool { return parkedCount(cl) == 1 }, testWait, 20*time.Millisecond)
	require.EqualValues(t, 1, cl.waiting.Load(), "the client counts the query it parked")
	require.Eventually(t, func() bool { return parkedCount(srv) == 1 }, testWait, 20*time.Millisecond,
		"the server parks the relayed query too, holding no goroutine for it")
	_, err := c.KV().Put(kvPair("relayed", "2"), nil)
	require.NoError(t, err)
	pair := <-got
	require.NotNil(t, pair)
	require.Equal(t, "2", string(pair.Value))
	require.Zero(t, parkedCount(cl))
	pair, _, err = c.KV().Get("relayed", nil)
	require.NoError(t, err)
	require.Equal(t, "2", string(pair.Value))
}

// TestIdenticalWatchersOfAClientAgentShareOneRelayedQuery: many identical
// watchers of one key through a client agent are parked there and share
// one relayed query, parked on the server; a watcher with another index
// gets its own; one write answers them all.
func TestIdenticalWatchersOfAClientAgentShareOneRelayedQuery(t *testing.T) {
	srv, cl, c, index := relayedKey(t, "fan")
	var err error
	const watchers = 40
	conns := make([]net.Conn, watchers)
	for i := range conns {
		conns[i], err = net.Dial("tcp", cl.HTTPAddr())
		require.NoError(t, err)
		defer conns[i].Close()
		index := index
		if i == watchers-1 {
			index-- // one watcher a step behind: not the same request
		}
		rawGet(t, conns[i], "/v1/kv/fan?wait=1m&index="+uitoa(index))
		if i == 0 {
			require.Eventually(t, func() bool { return parkedCount(srv) == 1 }, testWait, 20*time.Millisecond)
		}
	}
	require.Eventually(t, func() bool { return parkedCount(cl) == watchers-1 }, testWait, 20*time.Millisecond,
		"the client parks the identical watchers (the one behind returns at once)")
	require.Equal(t, 1, parkedCount(srv), "the server holds one relayed query for all of them")
	behind := conns[watchers-1]
	behind.SetReadDeadline(time.Now().Add(testWait))
	resp, body := readResponse(t, bufio.NewReader(behind))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `"Value":"MQ=="`, "the watcher behind gets the current value at once")

	_, err = c.KV().Put(kvPair("fan", "2"), nil)
	require.NoError(t, err)
	for _, conn := range conns[:watchers-1] {
		conn.SetReadDeadline(time.Now().Add(testWait))
		resp, body := readResponse(t, bufio.NewReader(conn))
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Contains(t, body, `"Value":"Mg=="`)
	}
}

// TestASharedRelayedQueryIsCancelledOnlyWhenItsLastWatcherLeaves: when
// one of two watchers sharing a relayed query hangs up, the server keeps
// the query for the other; when the other leaves too, the server drops it.
func TestASharedRelayedQueryIsCancelledOnlyWhenItsLastWatcherLeaves(t *testing.T) {
	srv, cl, _, index := relayedKey(t, "shared")
	dial := func() net.Conn {
		conn, err := net.Dial("tcp", cl.HTTPAddr())
		require.NoError(t, err)
		rawGet(t, conn, "/v1/kv/shared?wait=1m&index="+uitoa(index))
		return conn
	}
	first, second := dial(), dial()
	defer second.Close()
	require.Eventually(t, func() bool { return parkedCount(cl) == 2 && parkedCount(srv) == 1 }, testWait, 20*time.Millisecond)
	first.Close()
	require.Eventually(t, func() bool { return parkedCount(cl) == 1 }, testWait, 20*time.Millisecond,
		"the client notices the first watcher left")
	require.Equal(t, 1, parkedCount(srv), "the server keeps the query for the second watcher")
	second.Close()
	require.Eventually(t, func() bool { return parkedCount(srv) == 0 }, testWait, 20*time.Millisecond,
		"the last watcher's leaving cancels the relayed query")
}

// TestWatchersWithDifferentTokensDoNotShareARelayedQuery: the token is
// part of what a relayed request is, so watchers that differ only in
// their token never share the server's answer (which ACLs may filter).
func TestWatchersWithDifferentTokensDoNotShareARelayedQuery(t *testing.T) {
	srv, cl, _, index := relayedKey(t, "tokens")
	for _, token := range []string{"token-a", "token-b", "token-a"} {
		conn, err := net.Dial("tcp", cl.HTTPAddr())
		require.NoError(t, err)
		defer conn.Close()
		_, err = fmt.Fprintf(conn, "GET /v1/kv/tokens?wait=1m&index=%d HTTP/1.1\r\nHost: cairn\r\nX-Consul-Token: %s\r\n\r\n",
			index, token)
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return parkedCount(cl) == 3 }, testWait, 20*time.Millisecond)
	require.Eventually(t, func() bool { return parkedCount(srv) == 2 }, testWait, 20*time.Millisecond,
		"one relayed query per token")
	time.Sleep(100 * time.Millisecond)
	require.Equal(t, 2, parkedCount(srv), "the two watchers with token-a share theirs, token-b has its own")
}
