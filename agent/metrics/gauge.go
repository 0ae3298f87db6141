package metrics

import (
	"fmt"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Gauge is a value that goes up and down, such as the number of members
// in a state or of blocking queries waiting. A nil *Gauge does nothing.
type Gauge struct {
	vec *prometheus.GaugeVec
}

// Gauge registers (or returns the existing) gauge called name, with one
// series per combination of the given label names. See Registry for what
// panics.
func (r *Registry) Gauge(name, help string, labelNames ...string) *Gauge {
	if r == nil {
		return nil
	}
	e := r.register(name, gaugeKind, labelNames, nil, func(promName string) (prometheus.Collector, any) {
		vec := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: promName, Help: help}, labelNames)
		return vec, &Gauge{vec: vec}
	})
	return e.metric.(*Gauge)
}

// Set sets the series named by labelValues to v. A wrong number of label
// values is a programmer error and panics.
func (g *Gauge) Set(v float64, labelValues ...string) {
	if g == nil {
		return
	}
	g.vec.WithLabelValues(cleanLabelValues(labelValues)...).Set(v)
}

// Add adds v, which may be negative, to the series named by labelValues.
func (g *Gauge) Add(v float64, labelValues ...string) {
	if g == nil {
		return
	}
	g.vec.WithLabelValues(cleanLabelValues(labelValues)...).Add(v)
}

// GaugeFunc registers a gauge without labels whose value is f's result,
// read at every scrape. It suits figures that already live elsewhere, such
// as the number of goroutines or the size of a table, and costs nothing
// between scrapes. f must not block and may be called from several scrapes
// at once. Registering the same name again as a GaugeFunc replaces f; see
// Registry for what panics.
func (r *Registry) GaugeFunc(name, help string, f func() float64) {
	if r == nil {
		return
	}
	fv := newFuncValue(name, f)
	e := r.register(name, gaugeFuncKind, nil, nil, func(promName string) (prometheus.Collector, any) {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: promName, Help: help}, fv.read), fv
	})
	e.metric.(*funcValue).set(f)
}

// funcValue is the function behind a GaugeFunc; it can be replaced
// after registration.
type funcValue struct {
	f atomic.Pointer[func() float64]
}

// newFuncValue checks f and wraps it.
func newFuncValue(name string, f func() float64) *funcValue {
	if f == nil {
		panic(fmt.Sprintf("metrics: %s: nil function", name))
	}
	fv := &funcValue{}
	fv.set(f)
	return fv
}

func (fv *funcValue) set(f func() float64) { fv.f.Store(&f) }

func (fv *funcValue) read() float64 { return (*fv.f.Load())() }
