package metrics

import (
	"fmt"
	"math"
)

// Counter is a value that only goes up, such as the number of Raft entries
// applied or RPC requests served. Prometheus computes rates from it and
// treats a drop as a restart of the process.
type Counter struct {
	f *family
}

// Counter registers (or returns the existing) counter called name, with
// one series per combination of the given label names. See Registry for
// what panics.
func (r *Registry) Counter(name, help string, labelNames ...string) *Counter {
	return &Counter{f: r.register(name, help, counterKind, labelNames, nil)}
}

// Add adds v to the series named by labelValues, given in the order of the
// label names. A negative or NaN v, or a wrong number of label values, is
// a programmer error and panics.
func (c *Counter) Add(v float64, labelValues ...string) {
	if v < 0 || math.IsNaN(v) {
		panic(fmt.Sprintf("metrics: %s: counter cannot add %v", c.f.name, v))
	}
	c.f.get(labelValues).add(v)
}

// Inc adds one to the series named by labelValues.
func (c *Counter) Inc(labelValues ...string) {
	c.f.get(labelValues).add(1)
}
