package metrics

import (
	"math"
	"strconv"
	"sync/atomic"
)

// series is one time series of a family: the values for one combination of
// label values. Every field is updated with atomics, so recording a value
// takes no lock once the series exists.
type series struct {
	labelValues []string
	// bits holds a float64 as its IEEE 754 bits: the value of a counter or
	// a gauge, or the sum of the observations of a histogram.
	bits atomic.Uint64
	// counts holds, for a histogram, how many observations fell into each
	// bucket (not cumulated), the last element being the +Inf bucket.
	counts []atomic.Uint64
}

// load returns the float value.
func (s *series) load() float64 {
	return math.Float64frombits(s.bits.Load())
}

// store replaces the float value.
func (s *series) store(v float64) {
	s.bits.Store(math.Float64bits(v))
}

// add adds v to the float value. There is no atomic float addition, so it
// retries a compare-and-swap until no other writer got in between.
func (s *series) add(v float64) {
	for {
		old := s.bits.Load()
		next := math.Float64bits(math.Float64frombits(old) + v)
		if s.bits.CompareAndSwap(old, next) {
			return
		}
	}
}

// appendSeriesKey appends an encoding of label values that no two different
// tuples share: each value is preceded by its length, so a value holding any
// separator cannot be mistaken for two.
func appendSeriesKey(b []byte, labelValues []string) []byte {
	for _, v := range labelValues {
		b = strconv.AppendInt(b, int64(len(v)), 10)
		b = append(b, ':')
		b = append(b, v...)
	}
	return b
}
