package metrics

import (
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConcurrentIncFromManyGoroutinesSumsExactly(t *testing.T) {
	const goroutines, perGoroutine = 16, 2000
	r := NewRegistry("consul")
	plain := r.Counter("raft_apply", "")
	labelled := r.Counter("rpc_request", "", "method")
	gauge := r.Gauge("inflight", "")
	hist := r.Histogram("rpc_seconds", "", []float64{0.5}, "method")

	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			method := []string{"a", "b"}[g%2]
			for range perGoroutine {
				plain.Inc()
				labelled.Inc(method)
				gauge.Add(1)
				gauge.Add(-1)
				hist.Observe(0.25, method)
			}
		}()
	}
	// Scrapes racing with the writers must neither crash nor trip -race.
	for range 5 {
		require.NotEmpty(t, scrape(t, r))
	}
	wg.Wait()

	out := scrape(t, r)
	half := "16000"
	require.Contains(t, out, "consul_raft_apply 32000\n")
	require.Contains(t, out, `consul_rpc_request{method="a"} `+half+"\n")
	require.Contains(t, out, `consul_rpc_request{method="b"} `+half+"\n")
	require.Contains(t, out, "consul_inflight 0\n")
	require.Contains(t, out, `consul_rpc_seconds_count{method="a"} `+half+"\n")
	require.Contains(t, out, `consul_rpc_seconds_bucket{method="b",le="0.5"} `+half+"\n")
	require.Contains(t, out, `consul_rpc_seconds_sum{method="b"} 4000`+"\n")
}

func TestConcurrentRegistrationOfOneNameYieldsOneFamily(t *testing.T) {
	r := NewRegistry("")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.Counter("c", "", "k").Inc("v")
		}()
	}
	wg.Wait()
	out := scrape(t, r)
	require.Equal(t, 1, strings.Count(out, "# TYPE c counter"))
	require.Contains(t, out, `c{k="v"} 8`+"\n")
}
