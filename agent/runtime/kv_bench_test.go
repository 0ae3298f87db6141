package runtime

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/cairn-sd/cairn/agent/config"
	"github.com/cairn-sd/cairn/agent/core"
	"github.com/cairn-sd/cairn/catalog"
	"github.com/stretchr/testify/require"
)

// FuzzKVPairsJSONMatchesEncodingJSON checks that the hand-built JSON of a
// KV answer is byte for byte what encoding/json writes for the same
// []*catalog.KVPair, for any key, value and session.
func FuzzKVPairsJSONMatchesEncodingJSON(f *testing.F) {
	f.Add("web/config", []byte("hello"), "", uint64(7), uint64(0), false)
	f.Add("a\"b\\c\n\t\b\f\r\x01<>&\x7f", []byte{}, "sess-1", uint64(1<<63), uint64(42), false)
	f.Add("caf\xc3\xa9 \xe2\x80\xa8 \xe2\x80\xa9 \xff\xfe \xed\xa0\x80", []byte{0, 255, 1}, "\u2028", uint64(0), uint64(1), true)
	f.Add("", []byte(nil), "", uint64(0), uint64(0), true)
	f.Fuzz(func(t *testing.T, key string, value []byte, session string, index, flags uint64, second bool) {
		pairs := kvPairs{{Key: key, CreateIndex: index, ModifyIndex: index + 1, LockIndex: flags / 2,
			Flags: flags, Value: value, Session: session}}
		if second {
			pairs = append(pairs, nil, &catalog.KVPair{Key: session + key, Value: nil, Session: key})
		}
		want, err := json.Marshal([]*catalog.KVPair(pairs))
		require.NoError(t, err)
		require.Equal(t, string(want), string(pairs.appendJSON(nil)))
	})
}

// TestKVPairsPrettyAnswerIsEncodingJSONIndented checks that ?pretty still
// answers a KV read indented as encoding/json indents it.
func TestKVPairsPrettyAnswerIsEncodingJSONIndented(t *testing.T) {
	pairs := kvPairs{{Key: "k<1>", CreateIndex: 3, ModifyIndex: 4, Value: []byte("v")}}
	want, err := json.MarshalIndent([]*catalog.KVPair(pairs), "", "    ")
	require.NoError(t, err)
	w := httptest.NewRecorder()
	writeJSON(w, httptest.NewRequest("GET", "/v1/kv/k?pretty", nil), pairs)
	require.Equal(t, string(want), w.Body.String())
	require.Equal(t, "application/json", w.Header().Get("Content-Type"))
}

// TestQueryMetaHeadersAreWhatHeaderSetWrites checks that the read headers,
// written into one shared array, equal those Header.Set would write, and
// that adding to one of them leaves the others alone.
func TestQueryMetaHeadersAreWhatHeaderSetWrites(t *testing.T) {
	w := httptest.NewRecorder()
	setQueryMeta(w, 0, core.QueryMeta{KnownLeader: true, LastContact: 1500 * time.Millisecond}, modeStale)
	want := http.Header{}
	want.Set("X-Consul-Index", "1")
	want.Set("X-Consul-KnownLeader", "true")
	want.Set("X-Consul-LastContact", "1500")
	want.Set("X-Consul-Effective-Consistency", "stale")
	require.Equal(t, want, w.Header())
	w.Header().Add("X-Consul-Index", "2")
	require.Equal(t, []string{"1", "2"}, w.Header().Values("X-Consul-Index"))
	require.Equal(t, "true", w.Header().Get("X-Consul-KnownLeader"))
}

// benchPairs is one 128-byte value under a typical key, as a default KV
// GET answers it.
var benchPairs = kvPairs{{Key: "bench/get", CreateIndex: 12, ModifyIndex: 345, Flags: 0,
	Value: make([]byte, 128)}}

// BenchmarkKVPairsJSON encodes one KV answer by hand, as writeJSON does.
func BenchmarkKVPairsJSON(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = benchPairs.appendJSON(make([]byte, 0, benchPairs.jsonSizeHint()))
	}
}

// BenchmarkKVPairsEncodingJSON encodes the same answer with encoding/json,
// as writeJSON did before, for comparison.
func BenchmarkKVPairsEncodingJSON(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, _ = json.Marshal([]*catalog.KVPair(benchPairs))
	}
}

// BenchmarkKVAnswer writes the headers and body of one default KV GET.
func BenchmarkKVAnswer(b *testing.B) {
	r := httptest.NewRequest("GET", "/v1/kv/bench/get", nil)
	meta := core.QueryMeta{KnownLeader: true, IsLeader: true}
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		require.NoError(b, answer(w, r, 345, meta, modeLeader, benchPairs))
	}
}

// benchDevHandler starts a -dev agent, waits until it leads, writes a
// 128-byte value under bench/get and returns the agent's HTTP handler, to
// be called without a socket so that a benchmark measures the agent's
// own work per request.
func benchDevHandler(b *testing.B) http.Handler {
	doc := `{"node_name": "bench", "ports": {"http": 0, "server": 0, "serf_lan": 0, "serf_wan": 0, "dns": 0}}`
	cfg, err := config.Parse("bench.json", []byte(doc), config.Options{Dev: true,
		Hostname:       func() (string, error) { return "benchhost", nil },
		InterfaceAddrs: func() ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil }})
	require.NoError(b, err)
	a, err := New(cfg, Options{Version: "bench"})
	require.NoError(b, err)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testWait)
		defer cancel()
		require.NoError(b, a.Shutdown(ctx))
	})
	h := a.handler()
	require.Eventually(b, func() bool {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPut, "/v1/kv/bench/get", strings.NewReader(strings.Repeat("v", 128))))
		return w.Code == http.StatusOK
	}, testWait, 20*time.Millisecond, "the dev agent never took a write")
	return h
}

// benchmarkKVGetHandler serves default-consistency GETs of one key from
// parallel goroutines straight through the agent's handler.
func benchmarkKVGetHandler(b *testing.B, path string) {
	h := benchDevHandler(b)
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
			if w.Code != http.StatusOK {
				b.Errorf("GET %s: status %d", path, w.Code)
				return
			}
		}
	})
}

// BenchmarkKVGetHandlerDefault measures the agent's own work for a
// default GET, without sockets or net/http's connection handling.
func BenchmarkKVGetHandlerDefault(b *testing.B) { benchmarkKVGetHandler(b, "/v1/kv/bench/get") }

// BenchmarkKVGetHandlerStale is BenchmarkKVGetHandlerDefault with ?stale.
func BenchmarkKVGetHandlerStale(b *testing.B) { benchmarkKVGetHandler(b, "/v1/kv/bench/get?stale") }
