package runtime

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func httpGet(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, string(b)
}

func TestAgentServesPrometheusMetrics(t *testing.T) {
	a, client := startAgent(t, "")
	_, err := client.KV().Put(kvPair("k", "v"), nil)
	require.NoError(t, err)
	status, header, body := httpGet(t, "http://"+a.HTTPAddr()+"/v1/agent/metrics?format=prometheus")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, header.Get("Content-Type"), "version=0.0.4")
	require.Contains(t, body, "consul_server_isLeader 1")
	require.Contains(t, body, "consul_serf_lan_members 1")
	require.Contains(t, body, `consul_api_http_count{method="PUT",path="/v1/kv/"} 1`)
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "consul_raft_term ") {
			require.NotEqual(t, "consul_raft_term 0", line, "a leader has a term")
		}
	}
}

func TestDevAgentServesTheUI(t *testing.T) {
	a, _ := startAgent(t, "")
	status, header, body := httpGet(t, "http://"+a.HTTPAddr()+"/ui/")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, header.Get("Content-Type"), "text/html")
	require.Contains(t, body, "app.js")
	status, _, _ = httpGet(t, "http://"+a.HTTPAddr()+"/")
	require.Equal(t, http.StatusOK, status, "/ leads to the UI")
	status, _, _ = httpGet(t, "http://"+a.HTTPAddr()+"/v1/nope")
	require.Equal(t, http.StatusNotFound, status)
}
