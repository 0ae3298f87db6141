package metrics

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRegisteringSameShapeTwiceReturnsTheSameMetric(t *testing.T) {
	r := NewRegistry("consul")
	r.Counter("rpc_request", "first", "method").Inc("a")
	r.Counter("rpc_request", "second help is ignored", "method").Inc("a")
	r.Histogram("h", "", []float64{1, 2}).Observe(1)
	r.Histogram("h", "", []float64{1, 2}).Observe(1)

	out := scrape(t, r)
	require.Contains(t, out, "# HELP consul_rpc_request first\n")
	require.Contains(t, out, "consul_rpc_request{method=\"a\"} 2\n")
	require.Contains(t, out, "consul_h_count 2\n")
}

func TestRegistrationPanicsOnProgrammerErrors(t *testing.T) {
	cases := []struct {
		name string
		fn   func(r *Registry)
	}{
		{"metric name starting with a digit", func(r *Registry) { r.Counter("1abc", "") }},
		{"metric name with a dot", func(r *Registry) { r.Counter("raft.apply", "") }},
		{"empty metric name", func(r *Registry) { r.Gauge("", "") }},
		{"label name with a colon", func(r *Registry) { r.Counter("c", "", "a:b") }},
		{"reserved label name", func(r *Registry) { r.Counter("c", "", "__name") }},
		{"empty label name", func(r *Registry) { r.Counter("c", "", "") }},
		{"duplicate label name", func(r *Registry) { r.Counter("c", "", "a", "a") }},
		{"le on a histogram", func(r *Registry) { r.Histogram("h", "", nil, "le") }},
		{"decreasing buckets", func(r *Registry) { r.Histogram("h", "", []float64{2, 1}) }},
		{"repeated bucket", func(r *Registry) { r.Histogram("h", "", []float64{1, 1}) }},
		{"NaN bucket", func(r *Registry) { r.Histogram("h", "", []float64{nan()}) }},
		{"nil gauge function", func(r *Registry) { r.GaugeFunc("g", "", nil) }},
		{"same name, other type", func(r *Registry) { r.Counter("x", ""); r.Gauge("x", "") }},
		{"same name, other labels", func(r *Registry) { r.Counter("x", "", "a"); r.Counter("x", "", "b") }},
		{"same name, labels reordered", func(r *Registry) { r.Counter("x", "", "a", "b"); r.Counter("x", "", "b", "a") }},
		{"same name, other buckets", func(r *Registry) {
			r.Histogram("x", "", []float64{1})
			r.Histogram("x", "", []float64{2})
		}},
		{"gauge function over a gauge", func(r *Registry) { r.Gauge("x", ""); r.GaugeFunc("x", "", func() float64 { return 0 }) }},
		{"counter named like a histogram's count", func(r *Registry) {
			r.Histogram("x", "", nil)
			r.Counter("x_count", "")
		}},
		{"histogram whose sum is a gauge", func(r *Registry) {
			r.Gauge("x_sum", "")
			r.Histogram("x", "", nil)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Panics(t, func() { tc.fn(NewRegistry("consul")) })
		})
	}
}

func TestInvalidPrefixPanics(t *testing.T) {
	require.Panics(t, func() { NewRegistry("9consul") })
	require.Panics(t, func() { NewRegistry("con-sul") })
}

func TestUsePanicsOnProgrammerErrors(t *testing.T) {
	r := NewRegistry("")
	c := r.Counter("c", "", "a", "b")
	g := r.Gauge("g", "")
	h := r.Histogram("h", "", DefaultDurationBuckets, "a")
	require.Panics(t, func() { c.Inc("only one") })
	require.Panics(t, func() { c.Inc("1", "2", "3") })
	require.Panics(t, func() { c.Add(-1, "1", "2") })
	require.Panics(t, func() { c.Add(nan(), "1", "2") })
	require.Panics(t, func() { g.Set(1, "unexpected") })
	require.Panics(t, func() { h.Observe(1) })
	require.NotPanics(t, func() { c.Add(0, "1", "2") })
}

func TestNameRules(t *testing.T) {
	for _, ok := range []string{"a", "_", ":", "consul_raft_commitTime", "a:b_c9", "A"} {
		require.True(t, validMetricName(ok), ok)
	}
	for _, bad := range []string{"", "9a", "a-b", "a.b", "a b", "é", "a\n"} {
		require.False(t, validMetricName(bad), bad)
	}
	for _, ok := range []string{"a", "_a", "method", "A9_b"} {
		require.True(t, validLabelName(ok), ok)
	}
	for _, bad := range []string{"", "__a", "a:b", "9a", "a-b"} {
		require.False(t, validLabelName(bad), bad)
	}
}

func TestSeriesKeysOfDifferentTuplesDiffer(t *testing.T) {
	pairs := [][2][]string{
		{{"ab", "c"}, {"a", "bc"}},
		{{"1:a"}, {"1", "a"}},
		{{""}, {"", ""}},
		{{"a\x00b"}, {"a", "b"}},
	}
	for _, p := range pairs {
		require.NotEqual(t, string(appendSeriesKey(nil, p[0])), string(appendSeriesKey(nil, p[1])), p)
	}
}

func TestLabelValuesThatShareASeparatorStayApart(t *testing.T) {
	r := NewRegistry("")
	c := r.Counter("c", "", "a", "b")
	c.Inc("x:y", "z")
	c.Inc("x", "y:z")
	require.Equal(t, "# TYPE c counter\nc{a=\"x\",b=\"y:z\"} 1\nc{a=\"x:y\",b=\"z\"} 1\n", scrape(t, r))
}
