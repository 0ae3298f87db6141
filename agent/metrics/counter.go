package metrics

import (
	"fmt"
	"math"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Counter is a value that only goes up, such as the number of RPC requests
// served or of leader changes seen. Prometheus computes rates from it and
// treats a drop as a restart of the process. A nil *Counter does nothing.
type Counter struct {
	name    string
	vec     *prometheus.CounterVec
	moments *momentSet
}

// Counter registers (or returns the existing) counter called name, with
// one series per combination of the given label names. See Registry for
// what panics.
func (r *Registry) Counter(name, help string, labelNames ...string) *Counter {
	if r == nil {
		return nil
	}
	e := r.register(name, counterKind, labelNames, nil, func(promName string) (prometheus.Collector, any) {
		vec := prometheus.NewCounterVec(prometheus.CounterOpts{Name: promName, Help: help}, labelNames)
		return vec, &Counter{name: name, vec: vec, moments: newMomentSet()}
	})
	return e.metric.(*Counter)
}

// Add adds v to the series named by labelValues, given in the order of the
// label names. A negative or NaN v, or a wrong number of label values, is
// a programmer error and panics.
func (c *Counter) Add(v float64, labelValues ...string) {
	if c == nil {
		return
	}
	if v < 0 || math.IsNaN(v) {
		panic(fmt.Sprintf("metrics: %s: counter cannot add %v", c.name, v))
	}
	labelValues = cleanLabelValues(labelValues)
	c.vec.WithLabelValues(labelValues...).Add(v)
	c.moments.get(labelValues).add(v)
}

// Inc adds one to the series named by labelValues.
func (c *Counter) Inc(labelValues ...string) { c.Add(1, labelValues...) }

// Total is a counter whose value is a running total kept elsewhere, such
// as the probes swim has sent or the fsyncs of the Raft log: its owner
// copies the total in with Set (at each scrape, say), and Prometheus sees
// a counter. The JSON summary lists it with the gauges, since only the
// total is known, not the increments. A nil *Total does nothing.
type Total struct {
	bits atomic.Uint64 // the float64 value as its IEEE 754 bits
}

// Total registers (or returns the existing) total called name, without
// labels. See Registry for what panics.
func (r *Registry) Total(name, help string) *Total {
	if r == nil {
		return nil
	}
	e := r.register(name, totalKind, nil, nil, func(promName string) (prometheus.Collector, any) {
		t := &Total{}
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: promName, Help: help}, t.value), t
	})
	return e.metric.(*Total)
}

// Set copies in the total, which must never go down while the process
// runs: Prometheus would read the drop as a restart.
func (t *Total) Set(v float64) {
	if t == nil {
		return
	}
	t.bits.Store(math.Float64bits(v))
}

// value is the total as the Prometheus client reads it.
func (t *Total) value() float64 { return math.Float64frombits(t.bits.Load()) }
