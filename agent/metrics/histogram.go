package metrics

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultDurationBuckets are bucket upper bounds, in seconds, for latencies
// of a fraction of a millisecond (a local Raft append with a fast fsync) up
// to ten seconds (an RPC held through an election).
var DefaultDurationBuckets = []float64{
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
}

// Histogram counts observations (such as request durations) in buckets with
// fixed upper bounds, and keeps their sum and count. Prometheus estimates
// quantiles from the buckets and can add them up across servers, which a
// quantile computed in the agent cannot do. A nil *Histogram does nothing.
type Histogram struct {
	vec     *prometheus.HistogramVec
	moments *momentSet
}

// Histogram registers (or returns the existing) histogram called name with
// the given bucket upper bounds, which must increase strictly; a final +Inf
// may be given or left out, as the +Inf bucket is always written. "le" is
// reserved for the bucket label and may not be a label name. See Registry
// for what else panics.
func (r *Registry) Histogram(name, help string, buckets []float64, labelNames ...string) *Histogram {
	if r == nil {
		return nil
	}
	bounds := slices.Clone(buckets)
	if n := len(bounds); n > 0 && math.IsInf(bounds[n-1], 1) {
		bounds = bounds[:n-1]
	}
	for i, b := range bounds {
		if math.IsNaN(b) || math.IsInf(b, 0) || (i > 0 && b <= bounds[i-1]) {
			panic(fmt.Sprintf("metrics: %s: buckets must be finite and strictly increasing: %v", name, buckets))
		}
	}
	e := r.register(name, histogramKind, labelNames, bounds, func(promName string) (prometheus.Collector, any) {
		vec := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: promName, Help: help, Buckets: bounds}, labelNames)
		return vec, &Histogram{vec: vec, moments: newMomentSet()}
	})
	return e.metric.(*Histogram)
}

// Observe records v in the series named by labelValues. A wrong number of
// label values is a programmer error and panics.
func (h *Histogram) Observe(v float64, labelValues ...string) {
	if h == nil {
		return
	}
	labelValues = cleanLabelValues(labelValues)
	h.vec.WithLabelValues(labelValues...).Observe(v)
	h.moments.get(labelValues).add(v)
}

// ObserveDuration records d in seconds, the unit of every cairn timer.
func (h *Histogram) ObserveDuration(d time.Duration, labelValues ...string) {
	h.Observe(d.Seconds(), labelValues...)
}
