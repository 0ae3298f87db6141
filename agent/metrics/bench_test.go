package metrics

import (
	"io"
	"testing"
)

func BenchmarkCounterInc(b *testing.B) {
	c := NewRegistry("consul").Counter("raft_apply", "")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Inc()
		}
	})
}

func BenchmarkCounterIncWithLabels(b *testing.B) {
	c := NewRegistry("consul").Counter("rpc_request", "", "method", "error")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Inc("Catalog.Register", "")
		}
	})
}

func BenchmarkHistogramObserveWithLabels(b *testing.B) {
	h := NewRegistry("consul").Histogram("rpc_request", "", DefaultDurationBuckets, "method")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			h.Observe(0.0042, "KVS.Apply")
		}
	})
}

func BenchmarkWriteTextRealisticRegistry(b *testing.B) {
	r := consulLikeRegistry()
	b.ReportAllocs()
	for b.Loop() {
		if err := r.WriteText(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
