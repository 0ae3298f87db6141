package metrics

import (
	"slices"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// Summary is the JSON answer of Consul's /v1/agent/metrics, the shape the
// official client's Agent().Metrics() decodes. Consul fills it from
// go-metrics' in-memory sink, which aggregates over 10-second intervals;
// cairn reports the figures since the agent started instead (see doc.go).
type Summary struct {
	// Timestamp is the start of the current 10-second interval, written as
	// Go prints a UTC time ("2026-11-24 21:00:00 +0000 UTC").
	Timestamp string
	Gauges    []GaugeValue
	// Points is always empty: Consul fills it with go-metrics' raw
	// points, a kind of figure cairn does not record.
	Points   []PointValue
	Counters []SampledValue
	// Samples are the timers: cairn's histograms.
	Samples []SampledValue
}

// GaugeValue is one gauge series.
type GaugeValue struct {
	Name   string
	Value  float64
	Labels map[string]string
}

// PointValue is one series of raw points.
type PointValue struct {
	Name   string
	Points []float64
}

// SampledValue is one counter or timer series: how many increments (or
// observations) there were, their rate per second, sum, extremes, mean and
// sample standard deviation.
type SampledValue struct {
	Name   string
	Count  uint64
	Rate   float64
	Sum    float64
	Min    float64
	Max    float64
	Mean   float64
	Stddev float64
	Labels map[string]string
}

// summaryInterval is the length of go-metrics' aggregation interval, to
// which the Timestamp is truncated as Consul's is.
const summaryInterval = 10 * time.Second

// Summary runs the BeforeScrape hooks and returns every figure in Consul's
// JSON shape, with names in dotted form under the prefix. Gauges, gauge
// functions and totals (of which only the value is known) are listed as
// gauges; counters and histograms with their statistics since
// the registry was made. Each list is sorted by name, then labels.
func (r *Registry) Summary(now time.Time) (Summary, error) {
	mfs, err := r.Gather()
	if err != nil {
		return Summary{}, err
	}
	byName := make(map[string]*dto.MetricFamily, len(mfs))
	for _, mf := range mfs {
		byName[mf.GetName()] = mf
	}
	r.mu.Lock()
	entries := make([]*entry, 0, len(r.entries))
	for _, e := range r.entries {
		entries = append(entries, e)
	}
	r.mu.Unlock()
	slices.SortFunc(entries, func(a, b *entry) int { return strings.Compare(a.name, b.name) })

	out := Summary{
		Timestamp: now.UTC().Truncate(summaryInterval).Format("2006-01-02 15:04:05 -0700 MST"),
		Gauges:    []GaugeValue{}, Points: []PointValue{}, Counters: []SampledValue{}, Samples: []SampledValue{},
	}
	elapsed := max(now.Sub(r.started).Seconds(), 1)
	for _, e := range entries {
		switch m := e.metric.(type) {
		case *Counter:
			out.Counters = append(out.Counters, sampled(e, m.moments, elapsed)...)
		case *Histogram:
			out.Samples = append(out.Samples, sampled(e, m.moments, elapsed)...)
		default:
			out.Gauges = append(out.Gauges, gauges(e, byName[strings.ReplaceAll(e.name, ".", "_")])...)
		}
	}
	return out, nil
}

// gauges turns the gathered series of a gauge-like family into GaugeValues.
func gauges(e *entry, mf *dto.MetricFamily) []GaugeValue {
	if mf == nil {
		return nil
	}
	out := make([]GaugeValue, 0, len(mf.GetMetric()))
	for _, m := range mf.GetMetric() {
		labels := make(map[string]string, len(m.GetLabel()))
		for _, lp := range m.GetLabel() {
			labels[lp.GetName()] = lp.GetValue()
		}
		v := m.GetGauge().GetValue()
		if m.GetCounter() != nil {
			v = m.GetCounter().GetValue()
		}
		out = append(out, GaugeValue{Name: e.name, Value: v, Labels: labels})
	}
	return out
}

// sampled turns a family's moments into SampledValues; the rate is per
// second since the registry was made.
func sampled(e *entry, set *momentSet, elapsedSeconds float64) []SampledValue {
	views := set.views()
	out := make([]SampledValue, 0, len(views))
	for _, v := range views {
		labels := make(map[string]string, len(e.labelNames))
		for i, name := range e.labelNames {
			labels[name] = v.labelValues[i]
		}
		out = append(out, SampledValue{
			Name: e.name, Count: v.count, Rate: v.sum / elapsedSeconds, Sum: v.sum,
			Min: v.min, Max: v.max, Mean: v.mean(), Stddev: v.stddev(), Labels: labels,
		})
	}
	return out
}
