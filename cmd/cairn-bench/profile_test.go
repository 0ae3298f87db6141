package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-sd/cairn/agent/config"
	"github.com/cairn-sd/cairn/agent/runtime"
	"github.com/stretchr/testify/require"
)

// startInProcessServers starts the seed's three servers inside this
// process, so that a CPU profile of the benchmark covers them (the agent
// serves no pprof endpoint), and returns the leader's HTTP address.
func startInProcessServers(b *testing.B) string {
	b.Helper()
	root := b.TempDir()
	var agents []*runtime.Agent
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, a := range agents {
			a.Shutdown(ctx)
		}
	})
	var join []string
	for i, name := range []string{"server1", "server2", "server3"} {
		dataDir := filepath.Join(root, name)
		doc, err := agentConfig(name, serverIDs[i], dataDir, join, true, nil)
		require.NoError(b, err)
		cfg, err := config.Parse(name, doc, config.Options{})
		require.NoError(b, err)
		a, err := runtime.New(cfg, runtime.Options{})
		require.NoError(b, err)
		agents = append(agents, a)
		if join == nil {
			ba, err := runtime.ReadBoundAddresses(dataDir)
			require.NoError(b, err)
			join = []string{ba.SerfLAN}
		}
	}
	leader := ""
	require.NoError(b, waitFor(context.Background(), func() bool {
		for _, a := range agents {
			if knownLeader(a.HTTPAddr()) == a.ServerAddr() {
				leader = a.HTTPAddr()
			}
		}
		return leader != ""
	}, time.Minute))
	return leader
}

// BenchmarkInProcessClusterKVPut writes b.N 128-byte values with 64
// concurrent keep-alive clients to the leader of three in-process
// servers (fsync on). It exists to be profiled:
//
//	go test ./cmd/cairn-bench -run '^$' -bench InProcessCluster -benchtime 20000x -cpuprofile /tmp/cpu.out
//	go tool pprof -top /tmp/cpu.out
func BenchmarkInProcessClusterKVPut(b *testing.B) {
	inProcessLoad(b, http.MethodPut, "puts/s")
}

// BenchmarkInProcessClusterKVGet reads one key b.N times (default
// consistency) with 64 concurrent clients from the leader of three
// in-process servers, to be profiled like BenchmarkInProcessClusterKVPut.
func BenchmarkInProcessClusterKVGet(b *testing.B) {
	inProcessLoad(b, http.MethodGet, "gets/s")
}

// inProcessLoad sends b.N requests of the method to keys under bench/ on
// the leader with 64 workers, after writing every key a GET reads.
func inProcessLoad(b *testing.B, method, unit string) {
	leader := startInProcessServers(b)
	const clients = 64
	client := httpClient(clients, 30*time.Second)
	value := make([]byte, 128)
	url := func(w int, i int64) string { return fmt.Sprintf("http://%s/v1/kv/bench/put/%d/%d", leader, w, i%1000) }
	if method == http.MethodGet {
		url = func(int, int64) string { return "http://" + leader + "/v1/kv/bench/get" }
		require.NoError(b, do(context.Background(), client, http.MethodPut, url(0, 0), value, "true"))
		value = nil
	}
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				want := "true"
				if method == http.MethodGet {
					want = ""
				}
				if do(context.Background(), client, method, url(w, i), value, want) != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), unit)
	require.Zero(b, failed.Load(), "failed requests")
}

// BenchmarkInProcessClusterFanOut blocks 5,000 watchers on one key of the
// leader of three in-process servers and wakes them with one write, b.N
// times, to be profiled like BenchmarkInProcessClusterKVPut. (Watchers
// and agent share this process's open-file limit: each watcher costs two
// descriptors here.)
func BenchmarkInProcessClusterFanOut(b *testing.B) {
	leader := startInProcessServers(b)
	raiseFileLimit()
	var out strings.Builder
	bn := newBench(options{sources: []string{"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"},
		watchers: []int{5000}, valueSize: 128}, nil, &out)
	target := &proc{name: "leader", addrs: runtime.BoundAddresses{HTTP: leader}}
	setup := httpClient(1, 30*time.Second)
	require.NoError(b, do(context.Background(), setup, http.MethodPut, "http://"+leader+watchPath, bn.value, "true"))
	b.ResetTimer()
	for range b.N {
		require.NoError(b, bn.fanOut(context.Background(), setup, target, 5000))
	}
	b.StopTimer()
	b.Log(out.String())
}
