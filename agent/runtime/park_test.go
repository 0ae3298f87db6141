package runtime

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	goruntime "runtime"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/internal/tlsutil"
	"github.com/cairn-sd/cairn/internal/tlsutil/tlstest"
)

// parkedCount is how many queries the agent's parking lot holds.
func parkedCount(a *Agent) int {
	a.parking.mu.Lock()
	defer a.parking.mu.Unlock()
	return len(a.parking.all)
}

// notifierWaiters is how many (notifier, query) registrations the lot holds.
func notifierWaiters(a *Agent) int {
	a.parking.mu.Lock()
	defer a.parking.mu.Unlock()
	n := 0
	for _, waiters := range a.parking.byChan {
		n += len(waiters)
	}
	return n
}

// agentWithKey starts an agent, writes key and returns the index to block
// on it with.
func agentWithKey(t *testing.T, key string) (*Agent, *api.Client, uint64) {
	t.Helper()
	a, c := startAgent(t, "")
	_, err := c.KV().Put(kvPair(key, "1"), nil)
	require.NoError(t, err)
	_, meta, err := c.KV().Get(key, nil)
	require.NoError(t, err)
	return a, c, meta.LastIndex
}

// rawGet writes a GET for path on conn.
func rawGet(t *testing.T, conn net.Conn, path string) {
	t.Helper()
	_, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: cairn\r\n\r\n", path)
	require.NoError(t, err)
}

// readResponse reads one response from br and returns it with its body.
func readResponse(t *testing.T, br *bufio.Reader) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	return resp, string(body)
}

// TestParkedQueryAnswersAndItsConnectionServesTheNextRequest checks that a
// blocking query waiting on an HTTP/1.1 connection is parked (no handler
// goroutine holds it), that a write answers it with the usual headers, and
// that the same connection then serves the client's next request and a
// request it had pipelined behind the parked one.
func TestParkedQueryAnswersAndItsConnectionServesTheNextRequest(t *testing.T) {
	a, c, index := agentWithKey(t, "parked")

	conn, err := net.Dial("tcp", a.HTTPAddr())
	require.NoError(t, err)
	defer conn.Close()
	br := bufio.NewReader(conn)
	rawGet(t, conn, "/v1/kv/parked?wait=1m&index="+uitoa(index))
	rawGet(t, conn, "/v1/kv/parked?raw")
	require.Eventually(t, func() bool { return parkedCount(a) == 1 }, testWait, 5*time.Millisecond)
	require.EqualValues(t, 1, a.waiting.Load())

	_, err = c.KV().Put(kvPair("parked", "2"), nil)
	require.NoError(t, err)
	resp, body := readResponse(t, br)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.NotEmpty(t, resp.Header.Get("X-Consul-Index"))
	require.NotEqual(t, uitoa(index), resp.Header.Get("X-Consul-Index"))
	require.Contains(t, body, `"Key":"parked"`)
	require.Zero(t, parkedCount(a))
	require.Zero(t, a.waiting.Load())

	resp, body = readResponse(t, br)
	require.Equal(t, http.StatusOK, resp.StatusCode, "the pipelined request is served after the parked one")
	require.Equal(t, "2", body)

	rawGet(t, conn, "/v1/kv/parked?raw")
	resp, body = readResponse(t, br)
	require.Equal(t, http.StatusOK, resp.StatusCode, "the connection serves the next request")
	require.Equal(t, "2", body)
}

// TestParkedQueryAnswersTheSameIndexWhenItsWaitRunsOut checks the deadline
// of a parked query, and that a query on a missing key answers 404 with
// the index headers.
func TestParkedQueryAnswersTheSameIndexWhenItsWaitRunsOut(t *testing.T) {
	a, c := startAgent(t, "")
	_, meta, err := c.KV().Get("nothing-here", nil)
	require.NoError(t, err)
	pair, meta2, err := c.KV().Get("nothing-here", &api.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: time.Second})
	require.NoError(t, err)
	require.Nil(t, pair)
	require.Equal(t, meta.LastIndex, meta2.LastIndex)
	require.True(t, meta2.KnownLeader)
	require.Zero(t, notifierWaiters(a), "an expired query leaves no registration behind on its unchanged key")
}

// TestParkedQueriesHoldNoGoroutines checks the point of parking: many
// watchers blocked on one key through one agent add no goroutine each,
// and every one of them returns after one write.
func TestParkedQueriesHoldNoGoroutines(t *testing.T) {
	a, c, index := agentWithKey(t, "many")
	const watchers = 150 // under the default limit of 200 connections per client
	before := goruntime.NumGoroutine()
	conns := make([]net.Conn, watchers)
	for i := range conns {
		var err error
		conns[i], err = net.Dial("tcp", a.HTTPAddr())
		require.NoError(t, err)
		defer conns[i].Close()
	}
	for _, conn := range conns {
		rawGet(t, conn, "/v1/kv/many?wait=1m&index="+uitoa(index))
	}
	require.Eventually(t, func() bool { return parkedCount(a) == watchers }, testWait, 5*time.Millisecond)
	require.Less(t, goruntime.NumGoroutine()-before, watchers/4,
		"parked queries, and their connections, must not keep a goroutine each")

	_, err := c.KV().Put(kvPair("many", "2"), nil)
	require.NoError(t, err)
	var wg sync.WaitGroup
	codes := make(chan int, watchers)
	for _, conn := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn.SetReadDeadline(time.Now().Add(testWait))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				codes <- 0
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		require.Equal(t, http.StatusOK, code)
	}
}

// TestBlockingQueryOverHTTPSIsParkedAndAnswered checks a blocking query on
// a TLS connection: the parked socket is the TLS connection, the answer
// goes out encrypted, and the connection serves the next request.
func TestBlockingQueryOverHTTPSIsParkedAndAnswered(t *testing.T) {
	ca := tlstest.NewCA(t)
	cliCert, cliKey := ca.Issue(tlsutil.KindCLI, "dc1")
	doc, _, _ := httpsOnlyDoc(t, ca, true)
	a := startConfiguredAgent(t, doc)
	c := httpsClient(t, a, ca.CertFile, cliCert, cliKey)
	require.Eventually(t, func() bool {
		_, err := c.KV().Put(kvPair("tls-watched", "1"), nil)
		return err == nil
	}, testWait, 10*time.Millisecond)
	_, meta, err := c.KV().Get("tls-watched", nil)
	require.NoError(t, err)

	got := make(chan *api.KVPair, 1)
	go func() {
		pair, _, err := c.KV().Get("tls-watched", &api.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: time.Minute})
		if err != nil {
			pair = nil
		}
		got <- pair
	}()
	require.Eventually(t, func() bool { return parkedCount(a) == 1 }, testWait, 5*time.Millisecond)
	_, err = c.KV().Put(kvPair("tls-watched", "2"), nil)
	require.NoError(t, err)
	pair := <-got
	require.NotNil(t, pair)
	require.Equal(t, "2", string(pair.Value))
	pair, _, err = c.KV().Get("tls-watched", nil)
	require.NoError(t, err)
	require.Equal(t, "2", string(pair.Value))
}

// TestOneWriteAnswersOnlyTheParkedQueriesItsIndexSatisfies checks that
// identical queries with different ?index are told apart when their batch
// is answered: one whose index the write passes returns, one ahead of it
// parks again until its wait runs out.
func TestOneWriteAnswersOnlyTheParkedQueriesItsIndexSatisfies(t *testing.T) {
	a, c, index := agentWithKey(t, "split")
	type result struct {
		index uint64
		err   error
	}
	behind, ahead := make(chan result, 1), make(chan result, 1)
	get := func(index uint64, wait time.Duration, out chan<- result) {
		_, m, err := c.KV().Get("split", &api.QueryOptions{WaitIndex: index, WaitTime: wait})
		if err != nil {
			out <- result{err: err}
			return
		}
		out <- result{index: m.LastIndex}
	}
	go get(index, time.Minute, behind)
	go get(index+1000, 3*time.Second, ahead)
	require.Eventually(t, func() bool { return parkedCount(a) == 2 }, testWait, 5*time.Millisecond)
	_, err := c.KV().Put(kvPair("split", "2"), nil)
	require.NoError(t, err)
	r := <-behind
	require.NoError(t, r.err)
	require.Greater(t, r.index, index)
	require.Equal(t, 1, parkedCount(a), "the query ahead of the write parks again")
	r2 := <-ahead
	require.NoError(t, r2.err)
	require.Equal(t, r.index, r2.index, "at its deadline it answers the index as it is")
}
