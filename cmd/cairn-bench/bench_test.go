package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeAgent answers KV PUTs with true and blocks GETs that carry ?index=N
// until the key's index passes N, as a Consul agent does. Its metrics
// count one log fsync per two writes.
type fakeAgent struct {
	mu    sync.Mutex
	index uint64
	woke  chan struct{}
}

func newFakeAgent() *fakeAgent { return &fakeAgent{index: 1, woke: make(chan struct{})} }

func (f *fakeAgent) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	if r.URL.Path == "/v1/agent/metrics" {
		fmt.Fprintf(w, "# TYPE consul_raft_term gauge\nconsul_raft_term 3\n%s %d\n%s %d\n",
			walSyncsMetric, f.index/2, walEntriesMetric, f.index)
		f.mu.Unlock()
		return
	}
	if r.Method == http.MethodPut {
		f.index++
		close(f.woke)
		f.woke = make(chan struct{})
		f.mu.Unlock()
		w.Write([]byte("true"))
		return
	}
	index, woke := f.index, f.woke
	f.mu.Unlock()
	if want, err := strconv.ParseUint(r.URL.Query().Get("index"), 10, 64); err == nil && want >= index {
		select {
		case <-woke:
		case <-r.Context().Done():
			return
		}
	}
	f.mu.Lock()
	w.Header().Set("X-Consul-Index", strconv.FormatUint(f.index, 10))
	f.mu.Unlock()
	w.Write([]byte(`[]`))
}

func runBench(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	require.Equal(t, 0, code, "stderr: %s", errb.String())
	return out.String()
}

func TestThroughputMeasurementsReportEveryClientCount(t *testing.T) {
	srv := httptest.NewServer(newFakeAgent())
	defer srv.Close()
	out := runBench(t, "-addr", strings.TrimPrefix(srv.URL, "http://"), "-tests", "kv-put,kv-get",
		"-clients", "1,4", "-duration", "200ms")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2+3*2, out)
	require.Contains(t, lines[0], "bench=kv-put clients=1 ")
	require.Contains(t, lines[1], "bench=kv-put clients=4 ")
	require.Contains(t, out, "bench=kv-get mode=consistent clients=4 ")
	require.NotContains(t, out, "ops=0 ")
	require.Contains(t, lines[0], " errors=0 ")
	require.Regexp(t, `leader_fsyncs=\d+ writes_per_fsync=[0-9.]+ log_entries_per_fsync=[0-9.]+ follower_fsyncs=unknown term_changed=false cpu=bench:\d+%$`, lines[1])
}

func TestFanOutWakesEveryWatcherAfterTheWrite(t *testing.T) {
	srv := httptest.NewServer(newFakeAgent())
	defer srv.Close()
	out := runBench(t, "-addr", strings.TrimPrefix(srv.URL, "http://"), "-tests", "watch",
		"-watchers", "50", "-source-addrs", "127.0.0.1")
	require.Regexp(t, `bench=watch agent=target nofile=\d+ watchers=50 connect_failed=0 `, out)
	require.Contains(t, out, " returned=50 failed=0 early=0 missing=0 ")
}

func TestMachineMeasuresFsyncsAndRoundTrips(t *testing.T) {
	out := runBench(t, "-tests", "machine", "-fsync-dir", t.TempDir())
	require.Regexp(t, `bench=machine fsync_dir=\S+ fsyncs_per_sec=[0-9.]+ loopback_rtt_p50_ms=.* http_floor_clients=64 http_floor_per_sec=[1-9][0-9.]+\s*$`, out)
}

func TestBadUsageIsAOneLineErrorAndExitOne(t *testing.T) {
	for _, args := range [][]string{{"-clients", "0"}, {"-watchers", "x"}, {"extra"}, {"-tests", "nope"},
		{"-target", "nowhere"}, {"-target", "client"}, {"-start", "x", "-cluster", "y"}, {"-failover-trials", "0"},
		{"-tests", "failover"}, {"-cpu-profile", "/tmp/nowhere"}} {
		var out, errb bytes.Buffer
		require.Equal(t, 1, run(append(args, "-duration", "10ms", "-addr", "127.0.0.1:1"), &out, &errb), args)
		require.Contains(t, errb.String(), "cairn-bench: ", args)
	}
}

func TestQuantiles(t *testing.T) {
	var l latencies
	for i := 1; i <= 100; i++ {
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	require.Equal(t, 51*time.Millisecond, l.quantile(0.5))
	require.Equal(t, 100*time.Millisecond, l.quantile(0.99))
	require.Equal(t, 100*time.Millisecond, l.quantile(1))
	require.Zero(t, latencies(nil).quantile(0.5))
}

func TestWaitForGivesUp(t *testing.T) {
	err := waitFor(context.Background(), func() bool { return false }, 50*time.Millisecond)
	require.ErrorContains(t, err, "gave up")
}
