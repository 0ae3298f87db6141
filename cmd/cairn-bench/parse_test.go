package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-sd/cairn/agent/runtime"
	"github.com/stretchr/testify/require"
)

func TestVmRSSIsReadInBytesFromProcStatus(t *testing.T) {
	status := "Name:\tcairn\nVmPeak:\t  900 kB\nVmRSS:\t   20480 kB\nThreads:\t9\n"
	n, err := parseVmRSS(strings.NewReader(status))
	require.NoError(t, err)
	require.EqualValues(t, 20480*1024, n)

	_, err = parseVmRSS(strings.NewReader("Name:\tx\n"))
	require.ErrorContains(t, err, "no VmRSS")
	_, err = parseVmRSS(strings.NewReader("VmRSS:\t12 MB\n"))
	require.ErrorContains(t, err, "not in kB")
	_, err = parseVmRSS(strings.NewReader("VmRSS:\tlots kB\n"))
	require.Error(t, err)
}

func TestOwnRSSIsReadFromProc(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	f, err := os.Open("/proc/self/status")
	require.NoError(t, err)
	defer f.Close()
	n, err := parseVmRSS(f)
	require.NoError(t, err)
	require.Positive(t, n)
}

func TestPromValuesReadsOnlyTheNamedUnlabelledSamples(t *testing.T) {
	text := `# HELP consul_raft_wal_syncs_total fsyncs of the Raft log since start.
# TYPE consul_raft_wal_syncs_total gauge
consul_raft_wal_syncs_total 1234
consul_raft_wal_entries_total 5.5e+04 1700000000000
consul_api_http_bucket{method="GET",le="0.1"} 7
consul_raft_wal_syncs_total_extra 9
`
	v, err := promValues(strings.NewReader(text), walSyncsMetric, walEntriesMetric, raftTermMetric)
	require.NoError(t, err)
	require.Equal(t, map[string]float64{walSyncsMetric: 1234, walEntriesMetric: 55000}, v)

	_, err = promValues(strings.NewReader("consul_raft_term x\n"), raftTermMetric)
	require.ErrorContains(t, err, "consul_raft_term")
}

func TestWalReportDividesWritesAndEntriesByFsyncs(t *testing.T) {
	got := walReport(walFigures{syncs: 40, entries: 410, followerSyncs: 395, termChanged: true}, true, 400)
	require.Equal(t, []any{"leader_fsyncs", int64(40), "writes_per_fsync", "10.00",
		"log_entries_per_fsync", "10.25", "follower_fsyncs", "395", "term_changed", true}, got)

	none := walReport(walFigures{followerSyncs: -1}, true, 5)
	require.Equal(t, "unknown", none[3], "no fsync means no ratio")
	require.Equal(t, "unknown", none[7], "no follower read")
	require.Equal(t, "unknown", walReport(walFigures{}, false, 5)[1])
}

func TestFormatReportRendersEachKindOfValue(t *testing.T) {
	line := formatReport("kv-put", "clients", 64, "ops_per_sec", 1234.567, "p50_ms", 1500*time.Microsecond,
		"agent", "server1", "term_changed", false)
	require.Equal(t, "bench=kv-put clients=64 ops_per_sec=1234.57 p50_ms=1.500 agent=server1 term_changed=false", line)
	require.Equal(t, "bench=x", formatReport("x", "dangling"))
	require.Equal(t, "unknown", mib(0))
	require.Equal(t, "1.5", mib(3<<19))
}

func TestAgentConfigIsTheSeedsLayoutWithoutEncryption(t *testing.T) {
	b, err := agentConfig("server2", serverIDs[1], "/d", []string{"127.0.0.1:7"}, true, nil)
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, json.Unmarshal(b, &cfg))
	require.EqualValues(t, 3, cfg["bootstrap_expect"])
	require.Equal(t, true, cfg["server"])
	require.NotContains(t, cfg, "encrypt")
	require.Equal(t, []any{"127.0.0.1:7"}, cfg["retry_join"])
	require.EqualValues(t, maxConnsPerClient, cfg["limits"].(map[string]any)["http_max_conns_per_client"])
	require.EqualValues(t, 0, cfg["ports"].(map[string]any)["serf_lan"])

	b, err = agentConfig("client1", clientID, "/d", nil, false, map[string]int{"http": 8500})
	require.NoError(t, err)
	cfg = nil
	require.NoError(t, json.Unmarshal(b, &cfg))
	require.NotContains(t, cfg, "bootstrap_expect")
	require.Equal(t, []any{}, cfg["retry_join"])
	require.EqualValues(t, 8500, cfg["ports"].(map[string]any)["http"])
}

func TestPortsOfKeepsTheBoundPortsForARestart(t *testing.T) {
	ports, err := portsOf(runtime.BoundAddresses{HTTP: "127.0.0.1:8500", DNS: "127.0.0.1:8600",
		SerfLAN: "127.0.0.1:8301", Server: "127.0.0.1:8300"})
	require.NoError(t, err)
	require.Equal(t, map[string]int{"http": 8500, "dns": 8600, "serf_lan": 8301, "server": 8300, "serf_wan": 0, "grpc": 0}, ports)
	_, err = portsOf(runtime.BoundAddresses{HTTP: "127.0.0.1:8500"})
	require.Error(t, err, "an agent without a DNS address cannot be restarted on its ports")
}

func TestCountMissingFindsAcknowledgedKeysNotStored(t *testing.T) {
	require.Equal(t, 0, countMissing([]string{"a", "b"}, []string{"b", "a", "c"}))
	require.Equal(t, 2, countMissing([]string{"a", "b", "d"}, []string{"b"}))
	require.Equal(t, 0, countMissing(nil, nil))
}

func TestPerWatcherNeedsBothFiguresAndGrowth(t *testing.T) {
	require.Equal(t, "1024", perWatcher(1<<20, 2<<20, 1024))
	require.Equal(t, "unknown", perWatcher(0, 2<<20, 10))
	require.Equal(t, "unknown", perWatcher(2<<20, 1<<20, 10))
	require.Equal(t, "unknown", perWatcher(1, 2, 0))
}

func TestCollectSeparatesEarlyLateAndMissingAnswers(t *testing.T) {
	write := time.Now()
	ws := &watchers{results: make(chan time.Time, 4)}
	ws.results <- write.Add(-time.Millisecond)
	ws.results <- write.Add(3 * time.Millisecond)
	ws.results <- time.Time{}
	lat, early, missing := ws.collect(4, write, 50*time.Millisecond)
	require.Equal(t, latencies{3 * time.Millisecond}, lat)
	require.Equal(t, 1, early)
	require.Equal(t, 1, missing)
}

func TestAClusterThatCannotStartIsAnErrorAndLeavesNothingBehind(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	bin := filepath.Join(tmp, "not-an-agent")
	require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\nexit 3\n"), 0o700))
	for _, mode := range []string{"-cluster", "-start"} {
		var out, errb strings.Builder
		require.Equal(t, 1, run([]string{mode, bin, "-tests", "memory"}, &out, &errb), mode)
		require.Contains(t, errb.String(), "cairn-bench: ", mode)
		left, err := filepath.Glob(filepath.Join(tmp, "cairn-bench-*"))
		require.NoError(t, err)
		require.Empty(t, left, mode)
	}
}

func TestCPUTicksAddUserAndSystemTimeAfterTheName(t *testing.T) {
	stat := "4242 (cairn agent) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 12 0 100 0 0"
	n, err := parseCPUTicks(stat)
	require.NoError(t, err)
	require.EqualValues(t, 325, n)
	_, err = parseCPUTicks("4242 cairn S 1")
	require.ErrorContains(t, err, "no command name")
	_, err = parseCPUTicks("4242 (x) S 1 2")
	require.ErrorContains(t, err, "fields")
}

func TestWaitParkedStopsWhenTheGaugeCountsEveryWatcherOrStalls(t *testing.T) {
	var gauge atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "consul_http_blocking_queries %d\n", gauge.Load())
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	ws := &watchers{}
	ws.sent.Store(10)
	gauge.Store(12)
	require.Equal(t, "10", ws.waitParked(context.Background(), srv.Client(), addr, 10, 2, true))

	gauge.Store(5)
	require.Equal(t, "3", ws.waitParked(context.Background(), srv.Client(), addr, 10, 2, true),
		"a gauge that stops short is reported as it stands")
	require.Equal(t, "unknown", ws.waitParked(context.Background(), srv.Client(), addr, 10, 2, false))
}
