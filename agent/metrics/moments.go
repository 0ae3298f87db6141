package metrics

import (
	"math"
	"slices"
	"strconv"
	"sync"
)

// moments summarises what a counter's increments or a histogram's
// observations have been since the agent started: their number, sum,
// smallest and largest value and sum of squares, from which the JSON
// summary derives the mean and the standard deviation as Consul reports
// them. Prometheus buckets cannot give an exact minimum or maximum, hence
// this second, small record beside the Prometheus metric.
type moments struct {
	labelValues []string

	mu    sync.Mutex
	count uint64
	sum   float64
	sumSq float64
	min   float64
	max   float64
}

// add records one increment or observation.
func (m *moments) add(v float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.count == 0 || v < m.min {
		m.min = v
	}
	if m.count == 0 || v > m.max {
		m.max = v
	}
	m.count++
	m.sum += v
	m.sumSq += v * v
}

// momentsView is a consistent copy of a series' moments.
type momentsView struct {
	labelValues          []string
	count                uint64
	sum, min, max, sumSq float64
}

// view copies the moments under the lock.
func (m *moments) view() momentsView {
	m.mu.Lock()
	defer m.mu.Unlock()
	return momentsView{labelValues: m.labelValues, count: m.count, sum: m.sum, min: m.min, max: m.max, sumSq: m.sumSq}
}

// mean is the average value, 0 without values.
func (v momentsView) mean() float64 {
	if v.count == 0 {
		return 0
	}
	return v.sum / float64(v.count)
}

// stddev is the sample standard deviation, as go-metrics computes it; 0
// with fewer than two values.
func (v momentsView) stddev() float64 {
	if v.count < 2 {
		return 0
	}
	n := float64(v.count)
	variance := (v.sumSq - v.sum*v.sum/n) / (n - 1)
	return math.Sqrt(max(variance, 0))
}

// momentSet holds the moments of every series of one family, by label
// values.
type momentSet struct {
	mu     sync.Mutex
	series map[string]*moments
}

func newMomentSet() *momentSet { return &momentSet{series: make(map[string]*moments)} }

// get returns the moments for the label values, creating them on first use.
func (s *momentSet) get(labelValues []string) *moments {
	var buf [128]byte
	key := appendSeriesKey(buf[:0], labelValues)
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.series[string(key)] // a lookup by string(bytes) copies nothing
	if m == nil {
		m = &moments{labelValues: slices.Clone(labelValues)}
		s.series[string(key)] = m
	}
	return m
}

// views returns every series' moments, ordered by label values.
func (s *momentSet) views() []momentsView {
	s.mu.Lock()
	all := make([]*moments, 0, len(s.series))
	for _, m := range s.series {
		all = append(all, m)
	}
	s.mu.Unlock()
	out := make([]momentsView, len(all))
	for i, m := range all {
		out[i] = m.view()
	}
	slices.SortFunc(out, func(a, b momentsView) int { return slices.Compare(a.labelValues, b.labelValues) })
	return out
}

// appendSeriesKey appends to b an encoding of label values under which no
// two different tuples share a key: each value is preceded by its length,
// so a value holding any separator cannot be mistaken for two.
func appendSeriesKey(b []byte, labelValues []string) []byte {
	for _, v := range labelValues {
		b = strconv.AppendInt(b, int64(len(v)), 10)
		b = append(b, ':')
		b = append(b, v...)
	}
	return b
}
