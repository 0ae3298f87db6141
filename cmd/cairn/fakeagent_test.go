package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// seenRequest is one request the fake agent received.
type seenRequest struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   string
}

// fakeAgent imitates an agent's HTTP API: each route ("GET /v1/kv/a")
// answers as its handler says, anything else gets 404 "no route", and
// every request is recorded.
type fakeAgent struct {
	*httptest.Server
	mu       sync.Mutex
	requests []seenRequest
}

// newFakeAgent starts a fake agent and points CAIRN_HTTP_ADDR at it,
// clearing every other variable the client commands read.
func newFakeAgent(t *testing.T, routes map[string]http.HandlerFunc) *fakeAgent {
	t.Helper()
	a := &fakeAgent{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.requests = append(a.requests, seenRequest{r.Method, r.URL.EscapedPath(), r.URL.Query(), r.Header.Clone(), string(body)})
		a.mu.Unlock()
		if h, ok := routes[r.Method+" "+r.URL.EscapedPath()]; ok {
			h(w, r)
			return
		}
		http.Error(w, "no route", http.StatusNotFound)
	}))
	t.Cleanup(a.Close)
	clearClientEnv(t)
	t.Setenv("CAIRN_HTTP_ADDR", a.URL)
	return a
}

// clearClientEnv empties the variables the client commands read, so that
// the developer's environment cannot leak into a test.
func clearClientEnv(t *testing.T) {
	for _, k := range []string{"CAIRN_HTTP_ADDR", "CONSUL_HTTP_ADDR", "CAIRN_HTTP_TOKEN", "CONSUL_HTTP_TOKEN",
		"CAIRN_HTTP_TOKEN_FILE", "CONSUL_HTTP_TOKEN_FILE"} {
		t.Setenv(k, "")
	}
}

// seen returns the requests received so far.
func (a *fakeAgent) seen() []seenRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]seenRequest(nil), a.requests...)
}

// last returns the last request received; the test fails if there was none.
func (a *fakeAgent) last(t *testing.T) seenRequest {
	t.Helper()
	reqs := a.seen()
	require.NotEmpty(t, reqs)
	return reqs[len(reqs)-1]
}

// hostPort returns the fake agent's address without a scheme.
func (a *fakeAgent) hostPort() string {
	return strings.TrimPrefix(a.URL, "http://")
}

// reply answers with a status code and a plain-text body.
func reply(code int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

// replyJSON answers 200 with v encoded as JSON (a string is sent as is).
func replyJSON(v any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Consul-Index", "1")
		if s, ok := v.(string); ok {
			io.WriteString(w, s)
			return
		}
		json.NewEncoder(w).Encode(v)
	}
}

// withStdin makes the commands read s as stdin until the test ends.
func withStdin(t *testing.T, s string) {
	old := stdin
	stdin = strings.NewReader(s)
	t.Cleanup(func() { stdin = old })
}
