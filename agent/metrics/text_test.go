package metrics

import (
	"bytes"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// scrape returns the registry's text exposition.
func scrape(t testing.TB, r *Registry) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, r.WriteText(&buf))
	return buf.String()
}

func TestWriteTextMatchesExpectedExposition(t *testing.T) {
	r := NewRegistry("consul")
	rpc := r.Counter("rpc_request", "Count of RPC requests served.", "method", "status")
	rpc.Inc("Status.Leader", "ok")
	rpc.Add(2, "KVS.Apply", "ok")
	rpc.Inc("KVS.Apply", "error")
	r.Gauge("serf_members", "Members known to the LAN pool.").Set(3)
	h := r.Histogram("raft_commitTime", "Time to commit a Raft entry, in seconds.", []float64{0.001, 0.01, 0.1})
	for _, v := range []float64{0.0005, 0.001, 0.005, 0.05, 2} {
		h.Observe(v)
	}

	want := `# HELP consul_raft_commitTime Time to commit a Raft entry, in seconds.
# TYPE consul_raft_commitTime histogram
consul_raft_commitTime_bucket{le="0.001"} 2
consul_raft_commitTime_bucket{le="0.01"} 3
consul_raft_commitTime_bucket{le="0.1"} 4
consul_raft_commitTime_bucket{le="+Inf"} 5
consul_raft_commitTime_sum 2.0565
consul_raft_commitTime_count 5
# HELP consul_rpc_request Count of RPC requests served.
# TYPE consul_rpc_request counter
consul_rpc_request{method="KVS.Apply",status="error"} 1
consul_rpc_request{method="KVS.Apply",status="ok"} 2
consul_rpc_request{method="Status.Leader",status="ok"} 1
# HELP consul_serf_members Members known to the LAN pool.
# TYPE consul_serf_members gauge
consul_serf_members 3
`
	require.Equal(t, want, scrape(t, r))
}

func TestHistogramWithLabelsPutsLeLastAndSortsSeries(t *testing.T) {
	r := NewRegistry("")
	h := r.Histogram("rpc_seconds", "", []float64{1, 2, math.Inf(1)}, "method")
	h.Observe(1.5, "b")
	h.Observe(0.5, "a")
	h.Observe(3, "a")

	want := `# TYPE rpc_seconds histogram
rpc_seconds_bucket{method="a",le="1"} 1
rpc_seconds_bucket{method="a",le="2"} 1
rpc_seconds_bucket{method="a",le="+Inf"} 2
rpc_seconds_sum{method="a"} 3.5
rpc_seconds_count{method="a"} 2
rpc_seconds_bucket{method="b",le="1"} 0
rpc_seconds_bucket{method="b",le="2"} 1
rpc_seconds_bucket{method="b",le="+Inf"} 1
rpc_seconds_sum{method="b"} 1.5
rpc_seconds_count{method="b"} 1
`
	require.Equal(t, want, scrape(t, r))
}

func TestLabelValuesEscapeBackslashQuoteAndNewline(t *testing.T) {
	r := NewRegistry("consul")
	c := r.Counter("catalog_register", "Line one\nline two \\ \"quoted\".", "service")
	c.Inc("C:\\dir\\file")
	c.Inc("say \"hi\"")
	c.Inc("two\nlines")
	c.Inc("bad\xffutf8")

	want := `# HELP consul_catalog_register Line one\nline two \\ "quoted".
# TYPE consul_catalog_register counter
consul_catalog_register{service="C:\\dir\\file"} 1
consul_catalog_register{service="bad` + "\uFFFD" + `utf8"} 1
consul_catalog_register{service="say \"hi\""} 1
consul_catalog_register{service="two\nlines"} 1
`
	require.Equal(t, want, scrape(t, r))
}

func TestSpecialValuesAreWrittenAsParseFloatReadsThem(t *testing.T) {
	r := NewRegistry("")
	g := r.Gauge("g", "", "v")
	g.Set(math.Inf(1), "a")
	g.Set(math.Inf(-1), "b")
	g.Set(math.NaN(), "c")
	g.Set(1e21, "d")
	g.Set(-0.25, "e")

	want := `# TYPE g gauge
g{v="a"} +Inf
g{v="b"} -Inf
g{v="c"} NaN
g{v="d"} 1e+21
g{v="e"} -0.25
`
	require.Equal(t, want, scrape(t, r))
}

func TestUnlabelledMetricReadsZeroBeforeFirstUseAndLabelledOneIsAbsent(t *testing.T) {
	r := NewRegistry("consul")
	r.Counter("raft_apply", "Raft entries applied.")
	r.Counter("kvs_apply", "KV writes applied.", "op")
	r.Histogram("raft_commitTime", "", []float64{1})

	want := `# HELP consul_raft_apply Raft entries applied.
# TYPE consul_raft_apply counter
consul_raft_apply 0
# TYPE consul_raft_commitTime histogram
consul_raft_commitTime_bucket{le="1"} 0
consul_raft_commitTime_bucket{le="+Inf"} 0
consul_raft_commitTime_sum 0
consul_raft_commitTime_count 0
`
	require.Equal(t, want, scrape(t, r))
}

func TestGaugeAddAndCounterAddAccumulate(t *testing.T) {
	r := NewRegistry("")
	g := r.Gauge("g", "")
	g.Add(5)
	g.Add(-7.5)
	c := r.Counter("c", "")
	c.Add(0.25)
	c.Add(0.5)
	require.Equal(t, "# TYPE c counter\nc 0.75\n# TYPE g gauge\ng -2.5\n", scrape(t, r))
}

// nan returns a NaN without a constant expression.
func nan() float64 { return math.NaN() }
