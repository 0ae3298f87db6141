package driver_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/cairn-sd/cairn/raft/simcluster"
)

// BenchmarkDiskFsync measures the disk's own rate of small appends, each
// followed by an fsync: the ceiling for unbatched commits.
func BenchmarkDiskFsync(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "probe"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 128)
	start := time.Now()
	for b.Loop() {
		if _, err := f.Write(buf); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "fsyncs/s")
}

// BenchmarkRealCommit commits 128-byte entries on a 3-server cluster over
// TCP on 127.0.0.1 with fsync on, at several numbers of concurrent
// proposers, and reports throughput, latency percentiles and how many
// entries one fsync of the leader covered.
func BenchmarkRealCommit(b *testing.B) {
	for _, proposers := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("proposers=%d", proposers), func(b *testing.B) {
			benchCommit(b, proposers)
		})
	}
}

func benchCommit(b *testing.B, proposers int) {
	servers, _ := startRealCluster(b, 20*time.Millisecond)
	leader := waitLeader(b, servers)
	value := string(make([]byte, 128))
	lat := make(chan time.Duration, b.N)
	sem := make(chan struct{}, proposers)
	_, walBefore := leader.stats()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		sem <- struct{}{}
		t0 := time.Now()
		cmd := simcluster.PutCommand(fmt.Sprint(i), value)
		leader.env.Post(func() {
			leader.srv.Propose(cmd, func(_ any, err error) {
				if err != nil {
					b.Errorf("propose: %v", err)
				}
				lat <- time.Since(t0)
				<-sem
			})
		})
	}
	all := make([]time.Duration, 0, b.N)
	for range b.N {
		all = append(all, <-lat)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	_, walAfter := leader.stats()
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "entries/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	if syncs := walAfter.Syncs - walBefore.Syncs; syncs > 0 {
		b.ReportMetric(float64(walAfter.EntriesAppended-walBefore.EntriesAppended)/float64(syncs), "entries/fsync")
	}
	for _, s := range servers {
		s.env.Close()
	}
}

// BenchmarkRealFailover kills the leader of a 3-server cluster over TCP on
// 127.0.0.1 (its Env closed, as kill -9 would end it) and measures the
// wall time until another server leads, with the default timing (50 ms
// ticks, election timeout drawn from 500-1000 ms). Each
// iteration is one trial on a fresh cluster; run it with -benchtime=20x.
func BenchmarkRealFailover(b *testing.B) {
	var gaps []time.Duration
	for b.Loop() {
		servers, _ := startRealCluster(b, 0)
		leader := waitLeader(b, servers)
		writeAll(b, leader, "k", 10)
		killed := time.Now()
		leader.env.Close()
		var rest []*realServer
		for _, s := range servers {
			if s != leader {
				rest = append(rest, s)
			}
		}
		waitLeaderPolling(b, rest, time.Millisecond)
		gaps = append(gaps, time.Since(killed))
		for _, s := range rest {
			s.env.Close()
		}
	}
	slices.Sort(gaps)
	b.ReportMetric(float64(gaps[len(gaps)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(gaps[len(gaps)-1].Milliseconds()), "max-ms")
}
