package metrics

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// consulLikeRegistry builds a registry shaped like a busy cairn server's:
// counters, gauges and histograms with and without labels, gauge
// functions, the runtime gauges, and awkward label values.
func consulLikeRegistry() *Registry {
	r := NewRegistry("consul")
	RuntimeGauges(r)
	r.Counter("raft_apply", "Raft entries applied to the FSM.").Add(1234)
	r.Histogram("raft_commitTime", "Time from append to commit, in seconds.", DefaultDurationBuckets).Observe(0.0031)
	rpc := r.Histogram("rpc_request", "RPC requests served, by method and outcome.", DefaultDurationBuckets, "method", "error")
	for i, m := range []string{"KVS.Apply", "Catalog.Register", "Health.ServiceNodes", "Status.Leader"} {
		for j := 0; j <= i; j++ {
			rpc.Observe(float64(j)*0.004, m, "")
		}
	}
	rpc.Observe(12, "KVS.Apply", "rpc error: \"leader unknown\"")
	kvs := r.Counter("kvs_apply", "KV operations applied.", "op")
	kvs.Inc("set")
	kvs.Add(3, "cas")
	flap := r.Counter("serf_member_flap", "Members that left and rejoined.", "network")
	flap.Inc("lan")
	cat := r.Counter("catalog_register", "Catalog registrations.", "service", "node")
	cat.Inc("web", "node-1")
	cat.Inc("C:\\svc\\path", "node \"quoted\"")
	cat.Inc("multi\nline", "ünïcödé")
	cat.Inc("", "empty-service")
	r.Gauge("autopilot_healthy", "Whether the servers are healthy.").Set(1)
	r.Gauge("raft_last_contact_seconds", "Age of the last leader contact.", "peer").Set(math.Inf(1), "s3")
	r.Gauge("temperature", "A gauge gone wrong.").Set(math.NaN())
	r.GaugeFunc("catalog_services", "Services in the catalog.", func() float64 { return 17 })
	r.Histogram("empty_buckets", "A histogram with only the +Inf bucket.", nil).Observe(-3)
	return r
}

func TestEveryLineOfARealisticExpositionIsWellFormed(t *testing.T) {
	out := scrape(t, consulLikeRegistry())
	families, err := parseExposition(out)
	require.NoError(t, err, out)

	byName := map[string]expoFamily{}
	for _, f := range families {
		byName[f.name] = f
		require.NotEmpty(t, f.typ, f.name)
	}
	require.Len(t, families, 19)
	require.Equal(t, "histogram", byName["consul_rpc_request"].typ)
	require.Equal(t, "counter", byName["consul_serf_member_flap"].typ)
	require.Equal(t, "gauge", byName["consul_runtime_num_goroutines"].typ)
	require.Equal(t, "Time from append to commit, in seconds.", byName["consul_raft_commitTime"].help)

	var services []string
	for _, s := range byName["consul_catalog_register"].samples {
		v, _ := s.label("service")
		services = append(services, v)
	}
	require.Equal(t, []string{"", "C:\\svc\\path", "multi\nline", "web"}, services)
}

func TestExpositionIsTheSameAcrossScrapesOfTheSameState(t *testing.T) {
	r := NewRegistry("consul")
	c := r.Counter("c", "", "k")
	for _, k := range []string{"z", "a", "m", "b", "y"} {
		c.Inc(k)
	}
	require.Equal(t, scrape(t, r), scrape(t, r))
}

func TestEmptyRegistryWritesNothing(t *testing.T) {
	out := scrape(t, NewRegistry("consul"))
	require.Empty(t, out)
	families, err := parseExposition(out)
	require.NoError(t, err)
	require.Empty(t, families)
}

func TestParserRefusesMalformedExpositions(t *testing.T) {
	ok := "# HELP a help\n# TYPE a counter\na{k=\"v\"} 1\n"
	_, err := parseExposition(ok)
	require.NoError(t, err)

	hist := "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n"
	_, err = parseExposition(hist)
	require.NoError(t, err)

	bad := map[string]string{
		"no final line feed":            "# TYPE a counter\na 1",
		"blank line":                    "# TYPE a counter\n\na 1\n",
		"sample without TYPE":           "a 1\n",
		"TYPE after sample":             "# TYPE a counter\na 1\n# TYPE a counter\n",
		"two HELP lines":                "# HELP a x\n# HELP a y\n# TYPE a counter\na 1\n",
		"unknown type":                  "# TYPE a meter\na 1\n",
		"bad metric name":               "# TYPE 1a counter\n1a 1\n",
		"bad label name":                "# TYPE a counter\na{1k=\"v\"} 1\n",
		"reserved label name":           "# TYPE a counter\na{__k=\"v\"} 1\n",
		"duplicate label":               "# TYPE a counter\na{k=\"v\",k=\"w\"} 1\n",
		"unescaped quote":               "# TYPE a counter\na{k=\"v\"w\"} 1\n",
		"unknown escape":                "# TYPE a counter\na{k=\"\\t\"} 1\n",
		"unknown HELP escape":           "# HELP a \\q\n# TYPE a counter\na 1\n",
		"unterminated label":            "# TYPE a counter\na{k=\"v} 1\n",
		"missing value":                 "# TYPE a counter\na\n",
		"bad value":                     "# TYPE a counter\na one\n",
		"timestamp":                     "# TYPE a counter\na 1 1395066363000\n",
		"negative counter":              "# TYPE a counter\na -1\n",
		"repeated series":               "# TYPE a counter\na{k=\"v\"} 1\na{k=\"v\"} 2\n",
		"series out of order":           "# TYPE a counter\na{k=\"w\"} 1\na{k=\"v\"} 2\n",
		"families out of order":         "# TYPE b counter\nb 1\n# TYPE a counter\na 1\n",
		"family split in two":           "# TYPE a counter\na 1\n# TYPE b gauge\nb 1\n# TYPE a counter\n",
		"foreign sample in family":      "# TYPE a counter\nb 1\n",
		"histogram without +Inf":        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
		"histogram count differs":       "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n",
		"histogram not cumulative":      "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
		"histogram bounds not rising":   "# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
		"histogram without sum":         "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",
		"histogram bucket without le":   "# TYPE h histogram\nh_bucket 1\nh_sum 1\nh_count 1\n",
		"other comment":                 "# just a comment\n",
		"trailing whitespace":           "# TYPE a counter\na 1 \n",
		"family with no samples at all": "# TYPE a counter\n",
	}
	for name, text := range bad {
		_, err := parseExposition(text)
		require.Error(t, err, name)
	}
}

func TestDefaultDurationBucketsRiseFromSubMillisecondToSeconds(t *testing.T) {
	require.Less(t, DefaultDurationBuckets[0], 0.001)
	require.GreaterOrEqual(t, DefaultDurationBuckets[len(DefaultDurationBuckets)-1], 5.0)
	require.NotPanics(t, func() { NewRegistry("").Histogram("h", "", DefaultDurationBuckets) })
}
