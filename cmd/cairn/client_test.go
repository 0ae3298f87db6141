package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// closedAddr returns the host:port of a listener that has been closed, so
// that connecting to it is refused.
func closedAddr(t *testing.T) string {
	s := httptest.NewServer(http.NotFoundHandler())
	addr := strings.TrimPrefix(s.URL, "http://")
	s.Close()
	return addr
}

// TestConnectionRefusedNamesTheAgentAddress checks that every client
// command turns a refused connection into one line naming the address,
// exit code 1, and no stack trace.
func TestConnectionRefusedNamesTheAgentAddress(t *testing.T) {
	clearClientEnv(t)
	addr := closedAddr(t)
	for _, args := range [][]string{
		{"members"}, {"info"}, {"leave"}, {"reload"}, {"join", "10.0.0.1"}, {"force-leave", "n1"},
		{"maint", "-enable"}, {"event", "-name=x"}, {"rtt", "a", "b"},
		{"kv", "get", "k"}, {"kv", "put", "k", "v"}, {"kv", "delete", "k"}, {"kv", "export"}, {"kv", "import", "[]"},
		{"catalog", "datacenters"}, {"catalog", "nodes"}, {"catalog", "services"},
		{"operator", "raft", "list-peers"}, {"operator", "raft", "remove-peer", "-id=x"},
	} {
		withAddr := append(append([]string(nil), args...), "")
		// Flags go before positional arguments: put -http-addr right after
		// the command words.
		words := 1
		switch args[0] {
		case "kv", "catalog":
			words = 2
		case "operator":
			words = 3
		}
		copy(withAddr[words+1:], args[words:])
		withAddr[words] = "-http-addr=" + addr
		code, out, errOut := runCairn(withAddr...)
		if args[0] == "kv" && args[1] == "import" {
			// An empty import writes nothing and so never connects.
			require.Equal(t, 0, code, args)
			continue
		}
		require.Equal(t, 1, code, args)
		require.Empty(t, out, args)
		require.True(t, strings.HasPrefix(errOut, "Error connecting to cairn agent at "+addr+": dial tcp "+addr+": "), "%v: %q", args, errOut)
		require.Contains(t, errOut, "connection refused", args)
		require.Equal(t, 1, strings.Count(errOut, "\n"), args)
		require.NotContains(t, errOut, "goroutine", args)
	}
}

// TestAddressComesFromFlagThenEnvironment checks -http-addr beats
// CAIRN_HTTP_ADDR, which beats CONSUL_HTTP_ADDR, and that a URL with a
// scheme works.
func TestAddressComesFromFlagThenEnvironment(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"PUT /v1/agent/reload": replyJSON("")})
	dead := closedAddr(t)

	t.Setenv("CAIRN_HTTP_ADDR", "")
	t.Setenv("CONSUL_HTTP_ADDR", a.hostPort())
	code, _, errOut := runCairn("reload")
	require.Equal(t, 0, code, errOut)

	t.Setenv("CAIRN_HTTP_ADDR", dead)
	code, _, errOut = runCairn("reload")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Error connecting to cairn agent at "+dead)

	code, _, errOut = runCairn("reload", "-http-addr="+a.URL+"/")
	require.Equal(t, 0, code, errOut)
	require.Len(t, a.seen(), 2)
}

// TestRequestURLAddsDCAndStaleAndEscapes checks the URL the client
// builds.
func TestRequestURLAddsDCAndStaleAndEscapes(t *testing.T) {
	c := &apiClient{baseURL: "http://h:1", datacenter: "dc2", stale: true}
	require.Equal(t, "http://h:1/v1/kv/a%20b/c?dc=dc2&recurse=&stale=",
		c.requestURL(kvPath("a b/c"), url.Values{"recurse": {""}}))
	c = &apiClient{baseURL: "http://h:1"}
	require.Equal(t, "http://h:1/v1/agent/members", c.requestURL("/v1/agent/members", nil))
}

// TestErrorBodiesFoldOntoOneLine checks that a multi-line error body
// still prints as one line.
func TestErrorBodiesFoldOntoOneLine(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{"PUT /v1/agent/reload": reply(500, "rpc error:\n  no leader\n")})
	code, _, errOut := runCairn("reload")
	require.Equal(t, 1, code)
	require.Equal(t, "Error reloading: Unexpected response code: 500 (rpc error: no leader)\n", errOut)
}

// TestMalformedAnswersAreReportedNotPanicked checks a body that is not
// the JSON the command expects.
func TestMalformedAnswersAreReportedNotPanicked(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{
		"GET /v1/agent/members":    replyJSON(`{"not":"a list"}`),
		"GET /v1/kv/k":             replyJSON(`<html>`),
		"GET /v1/catalog/nodes":    replyJSON(`[1,2]`),
		"PUT /v1/event/fire/x":     replyJSON(`"id"`),
		"GET /v1/coordinate/nodes": replyJSON(`[{"Node":"a","Coord":{"Vec":[1]}},{"Node":"b","Coord":{"Vec":[1,2]}}]`),
	})
	for _, args := range [][]string{{"members"}, {"kv", "get", "k"}, {"catalog", "nodes"}, {"event", "-name=x"}} {
		code, _, errOut := runCairn(args...)
		require.Equal(t, 1, code, args)
		require.Contains(t, errOut, "malformed response from agent", args)
	}
	code, _, errOut := runCairn("rtt", "a", "b")
	require.Equal(t, 1, code)
	require.Equal(t, "Error computing distance: coordinates have different dimensions\n", errOut)
}

// TestTokenFileIsReadWhenNoTokenIsGiven checks -token-file, the token
// file variables, their order against -token and CAIRN_HTTP_TOKEN, and
// an unreadable file.
func TestTokenFileIsReadWhenNoTokenIsGiven(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"PUT /v1/agent/reload": replyJSON("")})
	dir := t.TempDir()
	flagFile, envFile := filepath.Join(dir, "flag-token"), filepath.Join(dir, "env-token")
	require.NoError(t, os.WriteFile(flagFile, []byte("from-flag-file\n"), 0o600))
	require.NoError(t, os.WriteFile(envFile, []byte("from-env-file"), 0o600))

	runCairn("reload", "-token-file="+flagFile)
	require.Equal(t, "from-flag-file", a.last(t).Header.Get("X-Consul-Token"))

	t.Setenv("CONSUL_HTTP_TOKEN_FILE", envFile)
	t.Setenv("CAIRN_HTTP_TOKEN", "from-env")
	runCairn("reload")
	require.Equal(t, "from-env-file", a.last(t).Header.Get("X-Consul-Token"))

	runCairn("reload", "-token=from-flag")
	require.Equal(t, "from-flag", a.last(t).Header.Get("X-Consul-Token"))

	n := len(a.seen())
	code, _, errOut := runCairn("reload", "-token-file="+filepath.Join(dir, "missing"))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Error reloading: reading token file: ")
	require.Len(t, a.seen(), n)
}

// TestUnixSocketAddressesAreDialled checks an agent address of the form
// unix:///path.
func TestUnixSocketAddressesAreDialled(t *testing.T) {
	clearClientEnv(t)
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	require.NoError(t, err)
	s := httptest.NewUnstartedServer(replyJSON(`["dc1"]`))
	s.Listener = l
	s.Start()
	defer s.Close()

	code, out, errOut := runCairn("catalog", "datacenters", "-http-addr=unix://"+sock)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "dc1\n", out)

	code, _, errOut = runCairn("catalog", "datacenters", "-http-addr=unix://"+sock+".gone")
	require.Equal(t, 1, code)
	require.True(t, strings.HasPrefix(errOut, "Error connecting to cairn agent at unix://"+sock+".gone: "), errOut)
}
