package simcluster

import (
	"slices"
	"testing"
	"time"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
)

// BenchmarkSimElection measures, in virtual time, how long a 3-server
// cluster is without a leader after its leader crashes, over seeds, with
// the default timing, and reports the median and the 99th percentile.
func BenchmarkSimElection(b *testing.B) {
	var gaps []time.Duration
	for seed := range uint64(b.N) {
		gaps = append(gaps, electionGap(b, seed+1))
	}
	slices.Sort(gaps)
	b.ReportMetric(float64(gaps[len(gaps)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(gaps[len(gaps)*99/100].Milliseconds()), "p99-ms")
}

// electionGap crashes the leader of a settled cluster and returns the
// virtual time until another server leads.
func electionGap(b testing.TB, seed uint64) time.Duration {
	sim := netsim.New(seed, netsim.Options{})
	c := New(b, sim, 3, func() raft.StateMachine { return NewKV() })
	sim.RunFor(5 * time.Second)
	old := c.LeaderName()
	if old == "" {
		b.Fatalf("seed %d: no leader after 5 s", seed)
	}
	sim.Crash(old)
	crashed := sim.Now()
	for sim.Now()-crashed < time.Minute {
		sim.RunFor(5 * time.Millisecond)
		if l := c.LeaderName(); l != "" && l != old {
			return sim.Now() - crashed
		}
	}
	b.Fatalf("seed %d: no new leader within a minute", seed)
	return 0
}
