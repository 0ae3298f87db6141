package metrics

import (
	"runtime"
	"sync"
)

// runtimeSampler holds the Go runtime's memory statistics as read once at
// the start of a scrape, so that the gauges of one scrape agree with each
// other and runtime.ReadMemStats, which briefly stops the world, runs once
// per scrape rather than once per gauge.
type runtimeSampler struct {
	mu    sync.Mutex
	stats runtime.MemStats
}

// read refreshes the statistics.
func (s *runtimeSampler) read() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = m
}

// field returns a gauge function reading one figure of the last sample.
func (s *runtimeSampler) field(get func(*runtime.MemStats) uint64) func() float64 {
	return func() float64 {
		s.mu.Lock()
		defer s.mu.Unlock()
		return float64(get(&s.stats))
	}
}

// memStatGauges lists the gauges read from runtime.MemStats, with Consul's
// names (go-metrics' runtime statistics) and their meaning.
var memStatGauges = []struct {
	name, help string
	get        func(*runtime.MemStats) uint64
}{
	{"runtime.alloc_bytes", "Bytes of allocated heap objects.",
		func(m *runtime.MemStats) uint64 { return m.Alloc }},
	{"runtime.sys_bytes", "Bytes of memory obtained from the OS.",
		func(m *runtime.MemStats) uint64 { return m.Sys }},
	{"runtime.heap_objects", "Number of allocated heap objects.",
		func(m *runtime.MemStats) uint64 { return m.HeapObjects }},
	{"runtime.malloc_count", "Cumulative count of heap objects allocated.",
		func(m *runtime.MemStats) uint64 { return m.Mallocs }},
	{"runtime.free_count", "Cumulative count of heap objects freed.",
		func(m *runtime.MemStats) uint64 { return m.Frees }},
	{"runtime.total_gc_pause_ns", "Cumulative nanoseconds of stop-the-world GC pause.",
		func(m *runtime.MemStats) uint64 { return m.PauseTotalNs }},
	{"runtime.total_gc_runs", "Number of completed GC cycles.",
		func(m *runtime.MemStats) uint64 { return uint64(m.NumGC) }},
}

// RuntimeGauges registers the Go runtime gauges that Consul exposes, under
// the registry's prefix: runtime.num_goroutines, then those of
// memStatGauges: runtime.alloc_bytes (live heap bytes), runtime.sys_bytes
// (bytes obtained from the OS), runtime.heap_objects, runtime.malloc_count
// and runtime.free_count (cumulative), runtime.total_gc_pause_ns
// (cumulative stop-the-world pause) and runtime.total_gc_runs. Calling it
// twice on a registry is harmless; a nil registry is ignored.
func RuntimeGauges(r *Registry) {
	s := &runtimeSampler{}
	r.BeforeScrape("runtime", s.read)
	r.GaugeFunc("runtime.num_goroutines", "Number of goroutines.",
		func() float64 { return float64(runtime.NumGoroutine()) })
	for _, g := range memStatGauges {
		r.GaugeFunc(g.name, g.help, s.field(g.get))
	}
}
