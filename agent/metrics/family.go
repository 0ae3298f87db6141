package metrics

import (
	"bufio"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
)

// kind is the type of a metric family.
type kind uint8

const (
	counterKind kind = iota
	gaugeKind
	gaugeFuncKind
	histogramKind
)

// typeName is the word the TYPE line uses for the kind.
func (k kind) typeName() string {
	switch k {
	case counterKind:
		return "counter"
	case gaugeKind, gaugeFuncKind:
		return "gauge"
	case histogramKind:
		return "histogram"
	}
	panic(fmt.Sprintf("metrics: unknown kind %d", k))
}

// family is every series of one metric name: its type, help text, label
// names and, for a histogram, its bucket bounds.
type family struct {
	name       string
	help       string
	kind       kind
	labelNames []string
	buckets    []float64 // upper bounds, increasing, +Inf left implicit

	mu     sync.RWMutex
	series map[string]*series // by appendSeriesKey of the label values
	single *series            // the one series of a family without labels
	fn     func() float64     // the gauge function of a gaugeFuncKind family
}

// newFamily makes a family; one without labels gets its only series at
// once, so that it reads 0 from the first scrape on.
func newFamily(name, help string, k kind, labelNames []string, buckets []float64) *family {
	f := &family{
		name:       name,
		help:       help,
		kind:       k,
		labelNames: slices.Clone(labelNames),
		buckets:    slices.Clone(buckets),
		series:     make(map[string]*series),
	}
	if len(labelNames) == 0 && k != gaugeFuncKind {
		f.single = f.newSeries(nil)
	}
	return f
}

// sameShape reports whether a second registration asks for this family.
func (f *family) sameShape(k kind, labelNames []string, buckets []float64) bool {
	return f.kind == k && slices.Equal(f.labelNames, labelNames) && slices.Equal(f.buckets, buckets)
}

// sampleNames lists the names the family's sample lines carry.
func (f *family) sampleNames() []string {
	if f.kind == histogramKind {
		return []string{f.name + "_bucket", f.name + "_sum", f.name + "_count"}
	}
	return []string{f.name}
}

// newSeries makes a series for the label values, sized for the kind.
func (f *family) newSeries(labelValues []string) *series {
	s := &series{labelValues: slices.Clone(labelValues)}
	if f.kind == histogramKind {
		s.counts = make([]atomic.Uint64, len(f.buckets)+1)
	}
	return s
}

// get returns the series for the label values, creating it on first use.
// A wrong number of label values is a programmer error and panics.
func (f *family) get(labelValues []string) *series {
	if len(labelValues) != len(f.labelNames) {
		panic(fmt.Sprintf("metrics: %s: got %d label values, want %d (%v)",
			f.name, len(labelValues), len(f.labelNames), f.labelNames))
	}
	if f.single != nil {
		return f.single
	}
	var buf [128]byte
	key := appendSeriesKey(buf[:0], labelValues)
	f.mu.RLock()
	s := f.series[string(key)]
	f.mu.RUnlock()
	if s != nil {
		return s
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if s = f.series[string(key)]; s == nil {
		s = f.newSeries(labelValues)
		f.series[string(key)] = s
	}
	return s
}

// sortedSeries returns the family's series ordered by their label values,
// compared one label at a time in declaration order.
func (f *family) sortedSeries() []*series {
	if f.single != nil {
		return []*series{f.single}
	}
	f.mu.RLock()
	out := make([]*series, 0, len(f.series))
	for _, s := range f.series {
		out = append(out, s)
	}
	f.mu.RUnlock()
	slices.SortFunc(out, func(a, b *series) int {
		return slices.Compare(a.labelValues, b.labelValues)
	})
	return out
}

// writeText writes the family in the text format; a labelled family that
// has no series yet writes nothing.
func (f *family) writeText(w *bufio.Writer) {
	if f.kind == gaugeFuncKind {
		f.mu.RLock()
		fn := f.fn
		f.mu.RUnlock()
		writeHeader(w, f.name, f.help, "gauge")
		writeSample(w, f.name, nil, nil, "", "", formatFloat(fn()))
		return
	}
	all := f.sortedSeries()
	if len(all) == 0 {
		return
	}
	writeHeader(w, f.name, f.help, f.kind.typeName())
	for _, s := range all {
		if f.kind == histogramKind {
			f.writeHistogram(w, s)
			continue
		}
		writeSample(w, f.name, f.labelNames, s.labelValues, "", "", formatFloat(s.load()))
	}
}

// writeHistogram writes one histogram series: a cumulative count per
// bucket bound, the +Inf bucket, the sum and the count. The count is the
// +Inf bucket itself, so the two always agree as the format requires, even
// while observations race with the scrape.
func (f *family) writeHistogram(w *bufio.Writer, s *series) {
	var cumulative uint64
	for i := range s.counts {
		cumulative += s.counts[i].Load()
		le := "+Inf"
		if i < len(f.buckets) {
			le = formatFloat(f.buckets[i])
		}
		writeSample(w, f.name+"_bucket", f.labelNames, s.labelValues, "le", le, strconv.FormatUint(cumulative, 10))
	}
	writeSample(w, f.name+"_sum", f.labelNames, s.labelValues, "", "", formatFloat(s.load()))
	writeSample(w, f.name+"_count", f.labelNames, s.labelValues, "", "", strconv.FormatUint(cumulative, 10))
}
