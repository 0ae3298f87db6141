package metrics

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRecordingWhileScrapingLosesNothing(t *testing.T) {
	r := NewRegistry("")
	c := r.Counter("c", "help", "w")
	h := r.Histogram("h", "help", DefaultDurationBuckets)
	const writers, each = 4, 500
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				c.Inc(string(rune('a' + w)))
				h.Observe(0.001)
				r.Counter("c", "help", "w")
			}
		}()
	}
	for range 5 {
		_, err := r.Summary(time.Now())
		require.NoError(t, err)
		scrape(t, r)
	}
	wg.Wait()
	s, err := r.Summary(time.Now())
	require.NoError(t, err)
	require.Len(t, s.Counters, writers)
	for _, sv := range s.Counters {
		require.Equal(t, uint64(each), sv.Count)
	}
	require.Equal(t, uint64(writers*each), s.Samples[0].Count)
}
