package metrics

import "testing"

// BenchmarkHistogramObserveLabelled records one HTTP request's duration
// into a labelled histogram, as the agent does for every API request.
func BenchmarkHistogramObserveLabelled(b *testing.B) {
	r := NewRegistry("consul")
	h := r.Histogram("api.http", "help", DefaultDurationBuckets, "method", "route", "code")
	b.ReportAllocs()
	for range b.N {
		h.Observe(0.001, "PUT", "/v1/kv/", "200")
	}
}
