package checks

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cairn-sd/cairn/catalog"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestHTTPStatusCodeMapsToConsulState(t *testing.T) {
	cases := []struct {
		code       int
		want       string
		statusLine string
	}{
		{200, catalog.HealthPassing, "200 OK"},
		{201, catalog.HealthPassing, "201 Created"},
		{299, catalog.HealthPassing, "299 status code 299"},
		{429, catalog.HealthWarning, "429 Too Many Requests"},
		{400, catalog.HealthCritical, "400 Bad Request"},
		{404, catalog.HealthCritical, "404 Not Found"},
		{500, catalog.HealthCritical, "500 Internal Server Error"},
		{503, catalog.HealthCritical, "503 Service Unavailable"},
	}
	r, rec := newTestRunner(t)
	for _, c := range cases {
		srv := newFixedServer(t, c.code, "hello")
		id := fmt.Sprintf("code-%d", c.code)
		require.NoError(t, r.Start(Definition{ID: id, HTTP: srv.URL + "/health", Interval: testInterval}))
		got := rec.waitStatus(t, id, c.want)
		require.Equal(t, fmt.Sprintf("HTTP GET %s/health: %s Output: hello", srv.URL, c.statusLine), got.output)
	}
}

func TestStatusForCodeFollowsConsulRule(t *testing.T) {
	for code := 100; code < 600; code++ {
		want := catalog.HealthCritical
		switch {
		case code >= 200 && code < 300:
			want = catalog.HealthPassing
		case code == 429:
			want = catalog.HealthWarning
		}
		require.Equal(t, want, statusForCode(code), "code %d", code)
	}
}

func TestHTTPOutputKeepsLast4KiBOfBody(t *testing.T) {
	head := strings.Repeat("h", 6000)
	tail := "T" + strings.Repeat("t", OutputMaxBytes-2) + "Z"
	srv := newFixedServer(t, 200, head+tail)
	r, rec := newTestRunner(t)
	require.NoError(t, r.Start(Definition{ID: "big", HTTP: srv.URL, Interval: testInterval}))
	got := rec.waitStatus(t, "big", catalog.HealthPassing)
	prefix := fmt.Sprintf("HTTP GET %s: 200 OK Output: ", srv.URL)
	require.True(t, strings.HasPrefix(got.output, prefix), got.output[:80])
	body := strings.TrimPrefix(got.output, prefix)
	require.Len(t, body, OutputMaxBytes)
	require.Equal(t, tail, body)
}

func TestTailBufferKeepsLastBytesAcrossWrites(t *testing.T) {
	b := &tailBuffer{maxBytes: 5}
	for _, w := range []string{"ab", "cdef", "", "g", "hijklmnop"} {
		n, err := b.Write([]byte(w))
		require.NoError(t, err)
		require.Equal(t, len(w), n)
	}
	require.Equal(t, "lmnop", string(b.data))
	small := &tailBuffer{maxBytes: 5}
	_, _ = small.Write([]byte("abc"))
	require.Equal(t, "abc", string(small.data))
}

// seenRequest is what a recording server saw of one request.
type seenRequest struct {
	method, body, host string
	header             http.Header
}

func newRecordingServer(t *testing.T) (*httptest.Server, chan seenRequest) {
	t.Helper()
	seen := make(chan seenRequest, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		select {
		case seen <- seenRequest{req.Method, string(body), req.Host, req.Header.Clone()}:
		default:
		}
	}))
	t.Cleanup(srv.Close)
	return srv, seen
}

func receive(t *testing.T, seen chan seenRequest) seenRequest {
	t.Helper()
	select {
	case s := <-seen:
		return s
	case <-time.After(waitMax):
		t.Fatal("the server saw no request")
	}
	return seenRequest{}
}

func TestHTTPRequestCarriesMethodHeaderAndBody(t *testing.T) {
	srv, seen := newRecordingServer(t)
	r, _ := newTestRunner(t)
	require.NoError(t, r.Start(Definition{
		ID:     "custom",
		HTTP:   srv.URL + "/ready",
		Method: "PUT",
		Header: map[string][]string{
			"X-Token":    {"s3cret"},
			"x-multi":    {"one", "two"},
			"User-Agent": {"probe/1"},
			"Host":       {"service.example"},
		},
		Body:     `{"ping":true}`,
		Interval: testInterval,
	}))
	got := receive(t, seen)
	require.Equal(t, "PUT", got.method)
	require.Equal(t, `{"ping":true}`, got.body)
	require.Equal(t, "service.example", got.host)
	require.Equal(t, "s3cret", got.header.Get("X-Token"))
	require.Equal(t, []string{"one", "two"}, got.header.Values("X-Multi"))
	require.Equal(t, "probe/1", got.header.Get("User-Agent"))
	require.Equal(t, defaultAccept, got.header.Get("Accept"))
}

func TestHTTPRequestCarriesConsulDefaultHeaders(t *testing.T) {
	srv, seen := newRecordingServer(t)
	r, _ := newTestRunner(t)
	require.NoError(t, r.Start(Definition{ID: "plain", HTTP: srv.URL, Interval: testInterval}))
	got := receive(t, seen)
	require.Equal(t, "GET", got.method)
	require.Empty(t, got.body)
	require.Equal(t, "Consul Health Check", got.header.Get("User-Agent"))
	require.Equal(t, "text/plain, text/*, */*", got.header.Get("Accept"))
}

func TestHTTPTimeoutIsCritical(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, req *http.Request) {
		<-req.Context().Done()
	}))
	t.Cleanup(srv.Close)
	r, rec := newTestRunner(t)
	require.NoError(t, r.Start(Definition{ID: "slow", HTTP: srv.URL, Interval: testInterval, Timeout: 50 * time.Millisecond}))
	got := rec.waitStatus(t, "slow", catalog.HealthCritical)
	require.Contains(t, got.output, "Client.Timeout exceeded")
}

func TestHTTPConnectionRefusedIsCritical(t *testing.T) {
	addr := closedPort(t)
	r, rec := newTestRunner(t)
	require.NoError(t, r.Start(Definition{ID: "down", HTTP: "http://" + addr + "/health", Interval: testInterval}))
	got := rec.waitStatus(t, "down", catalog.HealthCritical)
	require.Contains(t, got.output, addr)
}

func TestHTTPOutputMasksURLPassword(t *testing.T) {
	srv := newFixedServer(t, 200, "ok")
	r, rec := newTestRunner(t)
	withPassword := strings.Replace(srv.URL, "http://", "http://admin:hunter2@", 1)
	require.NoError(t, r.Start(Definition{ID: "auth", HTTP: withPassword + "/x?a=1", Interval: testInterval}))
	got := rec.waitStatus(t, "auth", catalog.HealthPassing)
	require.NotContains(t, got.output, "hunter2")
	require.Contains(t, got.output, "admin:xxxxx@")
	require.Equal(t, "http://127.0.0.1:1/x", redactPassword("http://127.0.0.1:1/x"))
	require.Equal(t, "http://user@h/x", redactPassword("http://user@h/x"))
}

func TestHTTPSChecksHonourTLSSkipVerify(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(srv.Close)
	r, rec := newTestRunner(t)
	require.NoError(t, r.Start(Definition{ID: "skip", HTTP: srv.URL, TLSSkipVerify: true, Interval: testInterval}))
	require.NoError(t, r.Start(Definition{ID: "verify", HTTP: srv.URL, Interval: testInterval}))
	rec.waitStatus(t, "skip", catalog.HealthPassing)
	got := rec.waitStatus(t, "verify", catalog.HealthCritical)
	require.Contains(t, got.output, "certificate")
}

func TestHeaderValuesNeverReachTheLog(t *testing.T) {
	const token = "tok-8f14e45fceea167a"
	srv := newFixedServer(t, 500, "")
	core, logs := observer.New(zap.DebugLevel)
	rec := newRecorder()
	r := NewRunner(rec.notify, zap.New(core))
	r.minInterval = testInterval
	t.Cleanup(r.StopAll)
	require.NoError(t, r.Start(Definition{
		ID: "secret", HTTP: srv.URL, Interval: time.Millisecond,
		Header: map[string][]string{"X-Consul-Token": {token}, "Authorization": {"Bearer " + token}},
	}))
	rec.waitCount(t, "secret", 3)
	r.StopAll()
	require.NotZero(t, logs.Len())
	for _, e := range logs.All() {
		require.NotContains(t, e.Message, token)
		for k, v := range e.ContextMap() {
			require.NotContains(t, fmt.Sprint(v), token, "field %s", k)
		}
	}
}
