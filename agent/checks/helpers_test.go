package checks

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"
)

// Test timing. Checks run every testInterval so that a test sees many
// results quickly; waits are bounded by waitMax, far above what a run
// needs even on a loaded machine, and never assert how fast anything was.
const (
	testInterval = 20 * time.Millisecond
	waitMax      = 30 * time.Second
	waitTick     = 5 * time.Millisecond
)

// result is one call of Notify.
type result struct {
	status, output string
}

// recorder is a Notify that keeps every result per check ID.
type recorder struct {
	mu      sync.Mutex
	results map[string][]result
}

func newRecorder() *recorder {
	return &recorder{results: make(map[string][]result)}
}

func (rec *recorder) notify(id, status, output string) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.results[id] = append(rec.results[id], result{status, output})
}

// count is how many results id has had.
func (rec *recorder) count(id string) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.results[id])
}

// last is id's latest result, and whether it has one.
func (rec *recorder) last(id string) (result, bool) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rs := rec.results[id]
	if len(rs) == 0 {
		return result{}, false
	}
	return rs[len(rs)-1], true
}

// waitCount waits until id has had at least n results.
func (rec *recorder) waitCount(t *testing.T, id string, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return rec.count(id) >= n }, waitMax, waitTick,
		"check %q never reached %d results", id, n)
}

// waitStatus waits until id's latest result has the given status, and
// returns that result.
func (rec *recorder) waitStatus(t *testing.T, id, status string) result {
	t.Helper()
	var got result
	require.Eventually(t, func() bool {
		r, ok := rec.last(id)
		got = r
		return ok && r.status == status
	}, waitMax, waitTick, "check %q never became %s (last: %+v)", id, status, got)
	return got
}

// newTestRunner returns a Runner reporting to a fresh recorder, with the
// interval floor lowered to testInterval, stopped when the test ends.
func newTestRunner(t *testing.T) (*Runner, *recorder) {
	t.Helper()
	rec := newRecorder()
	r := NewRunner(rec.notify, zaptest.NewLogger(t))
	r.minInterval = testInterval
	t.Cleanup(r.StopAll)
	return r, rec
}

// fixedServer is an HTTP server that answers every request with code and
// body, and counts the requests it served.
type fixedServer struct {
	*httptest.Server
	mu   sync.Mutex
	hits int
}

func newFixedServer(t *testing.T, code int, body string) *fixedServer {
	t.Helper()
	s := &fixedServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.mu.Lock()
		s.hits++
		s.mu.Unlock()
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(s.Close)
	return s
}

// served is how many requests s has answered.
func (s *fixedServer) served() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits
}

// closedPort returns a 127.0.0.1 address on which nothing listens: a port
// the kernel handed out and that was closed again.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// requireClosed waits, within waitMax, for ch to be closed.
func requireClosed(t *testing.T, ch <-chan struct{}, msg string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(waitMax):
		t.Fatal(msg)
	}
}
