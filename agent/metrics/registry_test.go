package metrics

import (
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
)

// scrape serves r's exposition over HTTP, as Prometheus reads it, and
// parses it with the Prometheus text parser.
func scrape(t *testing.T, r *Registry) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	srv := httptest.NewServer(r.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Type"), "version=0.0.4")
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
	require.NoError(t, err, "the exposition parses:\n%s", body)
	return string(body), families
}

// labelsOf returns a series' labels as a map.
func labelsOf(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, lp := range m.GetLabel() {
		out[lp.GetName()] = lp.GetValue()
	}
	return out
}

func TestEveryTypeIsExposedUnderItsUnderscoredNameAndParses(t *testing.T) {
	r := NewRegistry("consul")
	calls := r.Counter("rpc.request", "Requests.", "method")
	calls.Inc("KVS.Apply")
	calls.Add(2, "KVS.Apply")
	calls.Inc("Status.Leader")
	r.Gauge("raft.term", "Term.").Set(7)
	r.GaugeFunc("agent.local_checks", "Checks.", func() float64 { return 3 })
	r.Total("raft.wal.syncs_total", "Syncs.").Set(41)
	h := r.Histogram("raft.commitTime", "Commit time.", []float64{0.01, 0.1}, "kind")
	h.Observe(0.005, "x")
	h.Observe(0.05, "x")
	h.Observe(5, "x")

	_, fams := scrape(t, r)
	req := fams["consul_rpc_request"]
	require.NotNil(t, req)
	require.Equal(t, dto.MetricType_COUNTER, req.GetType())
	values := map[string]float64{}
	for _, m := range req.GetMetric() {
		values[labelsOf(m)["method"]] = m.GetCounter().GetValue()
	}
	require.Equal(t, map[string]float64{"KVS.Apply": 3, "Status.Leader": 1}, values)
	require.Equal(t, 7.0, fams["consul_raft_term"].GetMetric()[0].GetGauge().GetValue())
	require.Equal(t, 3.0, fams["consul_agent_local_checks"].GetMetric()[0].GetGauge().GetValue())
	require.Equal(t, dto.MetricType_COUNTER, fams["consul_raft_wal_syncs_total"].GetType())
	require.Equal(t, 41.0, fams["consul_raft_wal_syncs_total"].GetMetric()[0].GetCounter().GetValue())

	hist := fams["consul_raft_commitTime"].GetMetric()[0].GetHistogram()
	require.Equal(t, uint64(3), hist.GetSampleCount())
	require.InDelta(t, 5.055, hist.GetSampleSum(), 1e-9)
	var cumulative []uint64
	for _, b := range hist.GetBucket() {
		cumulative = append(cumulative, b.GetCumulativeCount())
	}
	require.Equal(t, []uint64{1, 2, 3}, cumulative, "buckets are cumulative; +Inf is the count")
}

func TestAskingAgainForTheSameShapeReturnsTheSameSeries(t *testing.T) {
	r := NewRegistry("")
	r.Counter("a", "first help", "x").Inc("1")
	r.Counter("a", "other help", "x").Inc("1")
	_, fams := scrape(t, r)
	require.Equal(t, 2.0, fams["a"].GetMetric()[0].GetCounter().GetValue())
	require.Equal(t, "first help", fams["a"].GetHelp())
}

func TestRegisteringAnotherShapeOrABadNamePanics(t *testing.T) {
	r := NewRegistry("consul")
	r.Counter("a", "help", "x")
	require.Panics(t, func() { r.Gauge("a", "help", "x") }, "another type")
	require.Panics(t, func() { r.Counter("a", "help", "y") }, "other labels")
	r.Histogram("h", "help", []float64{1, 2})
	require.Panics(t, func() { r.Histogram("h", "help", []float64{1, 3}) }, "other buckets")
	require.Panics(t, func() { r.Histogram("h2", "help", []float64{2, 1}) }, "buckets out of order")
	require.Panics(t, func() { r.Counter("bad-name", "help") })
	require.Panics(t, func() { r.Counter("a..b", "help") })
	require.Panics(t, func() { r.Counter("ok", "help", "le") }, "le is the bucket label")
	require.Panics(t, func() { r.Counter("ok2", "help", "__x") }, "reserved label")
	require.Panics(t, func() { r.Counter("ok3", "help", "x", "x") }, "duplicate label")
	require.Panics(t, func() { r.Counter("c", "help").Add(-1) }, "a counter never goes down")
	require.Panics(t, func() { r.Counter("d", "help").Add(math.NaN()) })
	require.Panics(t, func() { r.Counter("a", "help", "x").Inc() }, "wrong number of label values")
	require.Panics(t, func() { NewRegistry("my-app") })
	require.False(t, ValidName("my-app"))
	require.True(t, ValidName("consul.raft"))
}

func TestANilRegistryHandsOutMetricsThatDoNothing(t *testing.T) {
	var r *Registry
	require.NotPanics(t, func() {
		r.Counter("a", "help", "x").Inc("1")
		r.Gauge("b", "help").Set(1)
		r.Histogram("c", "help", DefaultDurationBuckets).Observe(1)
		r.Total("d", "help").Set(1)
		r.GaugeFunc("e", "help", func() float64 { return 1 })
		r.BeforeScrape("k", func() {})
		RuntimeGauges(r)
	})
}

func TestInvalidUTF8InALabelValueIsReplacedNotPanicked(t *testing.T) {
	r := NewRegistry("")
	require.NotPanics(t, func() { r.Counter("c", "help", "service").Inc("web\xff") })
	_, fams := scrape(t, r)
	require.Equal(t, "web\uFFFD", labelsOf(fams["c"].GetMetric()[0])["service"])
}

func TestBeforeScrapeHooksRunOncePerScrapeBeforeTheValuesAreRead(t *testing.T) {
	r := NewRegistry("")
	g := r.Gauge("g", "help")
	runs := 0
	r.BeforeScrape("k", func() { runs++; g.Set(float64(runs)) })
	_, fams := scrape(t, r)
	require.Equal(t, 1.0, fams["g"].GetMetric()[0].GetGauge().GetValue())
	_, fams = scrape(t, r)
	require.Equal(t, 2.0, fams["g"].GetMetric()[0].GetGauge().GetValue())
	require.Equal(t, 2, runs)
}

func TestRuntimeGaugesCarryConsulsNames(t *testing.T) {
	r := NewRegistry("consul")
	RuntimeGauges(r)
	RuntimeGauges(r)
	_, fams := scrape(t, r)
	for _, name := range []string{"consul_runtime_num_goroutines", "consul_runtime_alloc_bytes",
		"consul_runtime_sys_bytes", "consul_runtime_total_gc_runs"} {
		require.Contains(t, fams, name)
	}
	require.Positive(t, fams["consul_runtime_alloc_bytes"].GetMetric()[0].GetGauge().GetValue())
}
