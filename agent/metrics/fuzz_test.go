package metrics

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// FuzzExpositionStaysWellFormed feeds arbitrary label values (which come
// from users: service and node names) and values through every metric
// type: nothing may panic, the exposition must parse and give the value
// back, and the JSON summary must encode.
func FuzzExpositionStaysWellFormed(f *testing.F) {
	f.Add("web", "help text", 1.5)
	f.Add("a\"b\\c\nd", "line\nbreak \\ back", -3.0)
	f.Add("\xff\xfe", "", math.Inf(1))
	f.Add("", "# TYPE x counter", 0.0)
	f.Fuzz(func(t *testing.T, label, help string, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			v = 0
		}
		r := NewRegistry("consul")
		r.Gauge("fuzz.gauge", help, "service").Set(v, label)
		r.Counter("fuzz.counter", help, "service").Add(math.Abs(v), label)
		r.Histogram("fuzz.hist", help, DefaultDurationBuckets, "service").Observe(v, label)
		_, fams := scrape(t, r)
		require.Equal(t, v, fams["consul_fuzz_gauge"].GetMetric()[0].GetGauge().GetValue())
		require.Equal(t, math.Abs(v), fams["consul_fuzz_counter"].GetMetric()[0].GetCounter().GetValue())
		s, err := r.Summary(time.Now())
		require.NoError(t, err)
		_, err = json.Marshal(s)
		require.NoError(t, err)
	})
}
