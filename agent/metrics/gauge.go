package metrics

import "fmt"

// Gauge is a value that goes up and down, such as the number of known
// peers or of blocking queries waiting.
type Gauge struct {
	f *family
}

// Gauge registers (or returns the existing) gauge called name, with one
// series per combination of the given label names. See Registry for what
// panics.
func (r *Registry) Gauge(name, help string, labelNames ...string) *Gauge {
	return &Gauge{f: r.register(name, help, gaugeKind, labelNames, nil)}
}

// Set sets the series named by labelValues to v. A wrong number of label
// values is a programmer error and panics.
func (g *Gauge) Set(v float64, labelValues ...string) {
	g.f.get(labelValues).store(v)
}

// Add adds v, which may be negative, to the series named by labelValues.
func (g *Gauge) Add(v float64, labelValues ...string) {
	g.f.get(labelValues).add(v)
}

// GaugeFunc registers a gauge without labels whose value is f's result,
// read at every scrape. It suits figures that already live elsewhere, such
// as the number of goroutines or the size of a table, and costs nothing
// between scrapes. f is called outside the registry's lock, possibly from
// several scrapes at once, and must not block. Registering the same name
// again as a GaugeFunc replaces f; see Registry for what panics.
func (r *Registry) GaugeFunc(name, help string, f func() float64) {
	if f == nil {
		panic(fmt.Sprintf("metrics: %s: nil gauge function", name))
	}
	fam := r.register(name, help, gaugeFuncKind, nil, nil)
	fam.mu.Lock()
	defer fam.mu.Unlock()
	fam.fn = f
}
