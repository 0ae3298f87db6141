package runtime

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// do sends a raw request to the agent and returns the status, the headers
// and the body.
func do(t *testing.T, a *Agent, method, path, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+a.HTTPAddr()+path, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, string(b)
}

// TestReadsCarryConsulHeaders checks the four headers on reads, a 404 for
// a missing key included, and that the index is never 0.
func TestReadsCarryConsulHeaders(t *testing.T) {
	a, _ := startAgent(t, "")
	for _, path := range []string{"/v1/kv/missing", "/v1/catalog/services", "/v1/health/service/none",
		"/v1/catalog/node/nobody", "/v1/health/state/any?stale", "/v1/catalog/nodes?consistent",
		"/v1/session/list", "/v1/session/info/none", "/v1/session/node/" + testNode} {
		status, h, _ := do(t, a, http.MethodGet, path, "")
		require.Contains(t, []int{200, 404}, status, path)
		require.NotEmpty(t, h.Get("X-Consul-Index"), path)
		require.NotEqual(t, "0", h.Get("X-Consul-Index"), path)
		require.Equal(t, "true", h.Get("X-Consul-KnownLeader"), path)
		require.Equal(t, "0", h.Get("X-Consul-LastContact"), path)
		require.NotEmpty(t, h.Get("X-Consul-Effective-Consistency"), path)
	}
	_, h, _ := do(t, a, http.MethodGet, "/v1/catalog/nodes?consistent", "")
	require.Equal(t, "consistent", h.Get("X-Consul-Effective-Consistency"))
	_, h, _ = do(t, a, http.MethodGet, "/v1/catalog/nodes?stale", "")
	require.Equal(t, "stale", h.Get("X-Consul-Effective-Consistency"))
	status, _, body := do(t, a, http.MethodGet, "/v1/catalog/node/nobody", "")
	require.Equal(t, 200, status)
	require.Equal(t, "null", body)
}

// TestBadInputGetsConsulStatuses checks the plain-text error statuses.
func TestBadInputGetsConsulStatuses(t *testing.T) {
	a, _ := startAgent(t, "")
	cases := []struct {
		method, path, body string
		status             int
		text               string
	}{
		{"GET", "/v1/catalog/service/web?filter=Service%20%3D%3D", "", 400, "bad filter"},
		{"GET", "/v1/health/state/sideways", "", 400, "Invalid state"},
		{"GET", "/v1/kv/k?index=abc", "", 400, "Invalid index"},
		{"GET", "/v1/kv/k?wait=forever", "", 400, "Invalid wait"},
		{"GET", "/v1/kv/k?stale&consistent", "", 400, "conflicting"},
		{"GET", "/v1/catalog/nodes?node-meta=norack", "", 400, "node-meta"},
		{"PUT", "/v1/kv/k?flags=x", "v", 400, "Invalid flags"},
		{"PUT", "/v1/kv/k?cas=-1", "v", 400, "Invalid cas"},
		{"PUT", "/v1/kv/", "v", 400, "Missing key name"},
		{"PUT", "/v1/catalog/register", "{not json", 400, "Request decode failed"},
		{"PUT", "/v1/catalog/register", `{"Address":"10.0.0.1"}`, 400, "Missing node name"},
		{"PUT", "/v1/catalog/register", `{"Node":"n"}`, 400, "address"},
		{"PUT", "/v1/agent/service/register", `{"Port":"eighty"}`, 400, "Request decode failed"},
		{"PUT", "/v1/agent/check/pass/nope", "", 404, "Unknown check ID"},
		{"PUT", "/v1/agent/service/deregister/nope", "", 404, "Unknown service ID"},
		{"GET", "/v1/no/such/endpoint", "", 404, "not found"},
		{"POST", "/v1/kv/k", "", 405, "method POST not allowed"},
		{"GET", "/v1/catalog/register", "", 405, "method GET not allowed"},
		{"GET", "/v1/kv/k?dc=elsewhere", "", 500, "No path to datacenter"},
	}
	for _, tc := range cases {
		status, h, body := do(t, a, tc.method, tc.path, tc.body)
		require.Equal(t, tc.status, status, "%s %s: %s", tc.method, tc.path, body)
		require.Contains(t, body, tc.text, "%s %s", tc.method, tc.path)
		require.True(t, strings.HasPrefix(h.Get("Content-Type"), "text/plain"), "%s %s", tc.method, tc.path)
	}
}

// TestKVRawAndTrueFalseBodies checks ?raw, the true/false answers of writes
// and that a leading slash in a key is stripped.
func TestKVRawAndTrueFalseBodies(t *testing.T) {
	a, _ := startAgent(t, "")
	status, _, body := do(t, a, "PUT", "/v1/kv//lead/slash?cas=0", "raw bytes")
	require.Equal(t, 200, status)
	require.Equal(t, "true", body)
	_, _, body = do(t, a, "PUT", "/v1/kv/lead/slash?cas=0", "again")
	require.Equal(t, "false", body)
	status, _, body = do(t, a, "GET", "/v1/kv/lead/slash?raw", "")
	require.Equal(t, 200, status)
	require.Equal(t, "raw bytes", body)
	_, _, body = do(t, a, "DELETE", "/v1/kv/lead/slash", "")
	require.Equal(t, "true", body)
}
