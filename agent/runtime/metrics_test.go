package runtime

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
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

// exposition is one parsed Prometheus scrape of an agent.
type exposition struct {
	body     string
	families map[string]*dto.MetricFamily
}

// scrapePrometheus reads an agent's /v1/agent/metrics?format=prometheus
// and parses it with the Prometheus text parser.
func scrapePrometheus(t *testing.T, a *Agent) exposition {
	t.Helper()
	status, header, body := httpGet(t, "http://"+a.HTTPAddr()+"/v1/agent/metrics?format=prometheus")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, header.Get("Content-Type"), "version=0.0.4")
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	require.NoError(t, err, "the exposition parses")
	return exposition{body: body, families: families}
}

// value returns the value of the first series of family name whose labels
// include want: a gauge's or counter's value, a histogram's count. It
// reports false when there is no such series.
func (e exposition) value(name string, want map[string]string) (float64, bool) {
	mf := e.families[name]
	if mf == nil {
		return 0, false
	}
	for _, m := range mf.GetMetric() {
		labels := map[string]string{}
		for _, lp := range m.GetLabel() {
			labels[lp.GetName()] = lp.GetValue()
		}
		match := true
		for k, v := range want {
			match = match && labels[k] == v
		}
		if !match {
			continue
		}
		switch mf.GetType() {
		case dto.MetricType_COUNTER:
			return m.GetCounter().GetValue(), true
		case dto.MetricType_HISTOGRAM:
			return float64(m.GetHistogram().GetSampleCount()), true
		default:
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

// must returns value's result and fails the test if the series is missing.
func (e exposition) must(t *testing.T, name string, want map[string]string) float64 {
	t.Helper()
	v, ok := e.value(name, want)
	require.True(t, ok, "series %s%v is exposed", name, want)
	return v
}

// labelValues lists every label value of every series.
func (e exposition) labelValues() []string {
	var out []string
	for _, mf := range e.families {
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				out = append(out, lp.GetValue())
			}
		}
	}
	return out
}

// serverDoc is a one-server datacenter started from a config document,
// with the Prometheus retention key Consul needs (cairn accepts it, and
// serves the format without it too).
func serverDoc(t *testing.T) string {
	return `{"node_name": "` + testNode + `", "server": true, "bootstrap_expect": 1,
		"data_dir": "` + t.TempDir() + `", "bind_addr": "127.0.0.1", "client_addr": "127.0.0.1",
		"ports": {"http": 0, "server": 0, "serf_lan": 0, "serf_wan": 0, "dns": 0},
		"telemetry": {"prometheus_retention_time": "60s"}}`
}

// startConfiguredServer starts serverDoc's agent and waits for it to lead.
func startConfiguredServer(t *testing.T) (*Agent, *api.Client) {
	t.Helper()
	a := startConfiguredAgent(t, serverDoc(t))
	client, err := api.NewClient(&api.Config{Address: a.HTTPAddr()})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		leader, err := client.Status().Leader()
		return err == nil && leader != ""
	}, testWait, 20*time.Millisecond, "the server never elected itself")
	return a, client
}

// kvKeyNeverInMetrics is a KV key no metric may name: raw paths carry keys, and a
// route template never does.
const kvKeyNeverInMetrics = "team/db-password-hunter2"

func TestServerMetricsAppearAndMoveAsTheAgentWorks(t *testing.T) {
	a, client := startConfiguredServer(t)
	before := scrapePrometheus(t, a)

	_, err := client.KV().Put(kvPair(kvKeyNeverInMetrics, "v"), nil)
	require.NoError(t, err)
	require.NoError(t, client.Agent().ServiceRegister(&api.AgentServiceRegistration{Name: "web", Port: 80}))
	require.Eventually(t, func() bool {
		services, _, err := client.Catalog().Services(nil)
		return err == nil && services["web"] != nil
	}, testWait, 20*time.Millisecond, "anti-entropy never registered the service")
	var after exposition
	require.Eventually(t, func() bool {
		after = scrapePrometheus(t, a)
		changes, ok := after.value("consul_raft_leader_changes", nil)
		checks, _ := after.value("consul_state_checks", nil)
		return ok && changes >= 1 && checks >= 1
	}, testWait, 20*time.Millisecond, "the leader's role (sampled by its role check) and its node's serfHealth check reach the metrics")

	require.Positive(t, after.must(t, "consul_raft_term", nil))
	require.Equal(t, 1.0, after.must(t, "consul_server_isLeader", nil))
	require.GreaterOrEqual(t, after.must(t, "consul_raft_leader_changes", nil), 1.0)
	require.GreaterOrEqual(t, after.must(t, "consul_raft_state_leader", nil), 1.0)
	for _, name := range []string{"consul_raft_commitIndex", "consul_raft_appliedIndex", "consul_raft_lastIndex",
		"consul_raft_wal_append", "consul_raft_wal_fsync", "consul_raft_wal_syncs_total", "consul_raft_wal_entries_total"} {
		require.Greater(t, after.must(t, name, nil), before.must(t, name, nil), "%s moves with a write", name)
	}
	after.must(t, "consul_raft_snapshot_create", nil)
	require.Greater(t, after.must(t, "consul_state_kv_entries", nil), before.must(t, "consul_state_kv_entries", nil))
	require.Equal(t, 1.0, after.must(t, "consul_state_nodes", nil))
	require.GreaterOrEqual(t, after.must(t, "consul_state_services", nil), 1.0)
	require.GreaterOrEqual(t, after.must(t, "consul_state_service_instances", nil), 1.0)
	require.GreaterOrEqual(t, after.must(t, "consul_state_checks", nil), 1.0)
	require.Equal(t, 1.0, after.must(t, "consul_serf_lan_members", map[string]string{"state": "alive"}))
	require.Equal(t, 0.0, after.must(t, "consul_serf_lan_members", map[string]string{"state": "failed"}))
	require.Equal(t, 1.0, after.must(t, "consul_agent_local_services", nil))
	require.Equal(t, 1.0, after.must(t, "consul_api_http",
		map[string]string{"method": "PUT", "route": "/v1/kv/", "code": "200"}))
	after.must(t, "consul_runtime_num_goroutines", nil)
	require.NotContains(t, after.body, "hunter2")
}

func TestBlockingQueriesAreCountedWhileTheyWait(t *testing.T) {
	a, client := startAgent(t, "")
	_, meta, err := client.KV().Get("watched", nil)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, _, err := client.KV().Get("watched", &api.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: testWait})
		done <- err
	}()
	require.Eventually(t, func() bool {
		v, _ := scrapePrometheus(t, a).value("consul_http_blocking_queries", nil)
		return v == 1
	}, testWait, 20*time.Millisecond, "the waiting query shows in the gauge")
	_, err = client.KV().Put(kvPair("watched", "x"), nil)
	require.NoError(t, err)
	require.NoError(t, <-done)
	require.Equal(t, 0.0, scrapePrometheus(t, a).must(t, "consul_http_blocking_queries", nil))
}

func TestGossipAndRPCMetricsMoveBetweenAClientAndAServer(t *testing.T) {
	srv, _ := startAgent(t, "")
	cl, c := startClient(t, srv, "")
	_, err := c.KV().Put(kvPair("via/client", "yes"), nil)
	require.NoError(t, err)

	s := scrapePrometheus(t, srv)
	require.Positive(t, s.must(t, "consul_rpc_server_call", map[string]string{"status": "ok"}),
		"the client's request reached the server over RPC")
	for _, mf := range s.families["consul_rpc_server_call"].GetMetric() {
		for _, lp := range mf.GetLabel() {
			require.NotContains(t, lp.GetValue(), "via/client")
		}
	}
	first := scrapePrometheus(t, cl)
	require.Equal(t, 2.0, first.must(t, "consul_serf_lan_members", map[string]string{"state": "alive"}))
	require.Positive(t, first.must(t, "consul_client_rpc", map[string]string{"status": "ok"}),
		"the client timed its request to the server")
	_, hasRaft := first.value("consul_raft_term", nil)
	require.False(t, hasRaft, "a client agent has no Raft")
	require.Eventually(t, func() bool {
		now := scrapePrometheus(t, cl)
		moved := true
		for _, name := range []string{"consul_memberlist_probes", "consul_memberlist_udp_sent", "consul_memberlist_udp_received"} {
			moved = moved && now.must(t, name, nil) > first.must(t, name, nil)
		}
		return moved
	}, testWait, 50*time.Millisecond, "probes and gossip bytes grow as the pool runs")
	now := scrapePrometheus(t, cl)
	now.must(t, "consul_memberlist_probes_failed", nil)
	now.must(t, "consul_memberlist_suspicions", nil)
	now.must(t, "consul_memberlist_tcp_sent", nil)
}

func TestMetricsAnswerBothFormatsAndNeverNameAKey(t *testing.T) {
	a, client := startAgent(t, "")
	_, err := client.KV().Put(kvPair(kvKeyNeverInMetrics, "v"), nil)
	require.NoError(t, err)
	_, _, err = client.KV().Get(kvKeyNeverInMetrics, nil)
	require.NoError(t, err)
	_, _, err = client.KV().Get("missing/"+kvKeyNeverInMetrics, nil)
	require.NoError(t, err)

	prom := scrapePrometheus(t, a)
	for _, name := range []string{"consul_raft_term", "consul_raft_commitIndex", "consul_raft_wal_fsync",
		"consul_serf_lan_members", "consul_api_http", "consul_state_kv_entries", "consul_http_blocking_queries"} {
		require.Contains(t, prom.families, name)
	}
	require.Equal(t, 1.0, prom.must(t, "consul_api_http", map[string]string{"method": "GET", "route": "/v1/kv/", "code": "404"}))
	for _, v := range prom.labelValues() {
		require.NotContains(t, v, "hunter2", "no label names a KV key")
	}

	status, header, body := httpGet(t, "http://"+a.HTTPAddr()+"/v1/agent/metrics")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, header.Get("Content-Type"), "application/json")
	require.NotContains(t, body, "hunter2")
	info, err := client.Agent().Metrics()
	require.NoError(t, err, "the official client decodes the JSON")
	_, err = time.Parse("2006-01-02 15:04:05 -0700 MST", info.Timestamp)
	require.NoError(t, err)
	require.NotNil(t, info.Points)
	gauges := map[string]bool{}
	for _, g := range info.Gauges {
		gauges[g.Name] = true
	}
	require.True(t, gauges["consul.raft.term"])
	require.True(t, gauges["consul.runtime.alloc_bytes"])
	found := false
	for _, s := range info.Samples {
		for _, v := range s.Labels {
			require.NotContains(t, v, "hunter2")
		}
		if s.Name == "consul.api.http" && s.Labels["route"] == "/v1/kv/" && s.Labels["method"] == "PUT" {
			found = true
			require.Equal(t, 1, s.Count)
			require.Positive(t, s.Max)
		}
	}
	require.True(t, found, "the PUT is a sample of consul.api.http by route template")
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
