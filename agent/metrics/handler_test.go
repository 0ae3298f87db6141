package metrics

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHandlerServesTextFormatWithVersionedContentType(t *testing.T) {
	r := NewRegistry("consul")
	r.Counter("raft_apply", "Raft entries applied.").Add(7)

	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/agent/metrics?format=prometheus", nil))

	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "text/plain; version=0.0.4; charset=utf-8", rec.Header().Get("Content-Type"))
	require.Equal(t, "# HELP consul_raft_apply Raft entries applied.\n# TYPE consul_raft_apply counter\nconsul_raft_apply 7\n", rec.Body.String())
}

func TestHandlerRejectsWritesWith405(t *testing.T) {
	rec := httptest.NewRecorder()
	NewRegistry("").Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/metrics", nil))
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	require.Equal(t, "GET, HEAD", rec.Header().Get("Allow"))
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, http.ErrHandlerTimeout }

func TestWriteTextReportsWriterErrors(t *testing.T) {
	r := NewRegistry("")
	r.Gauge("g", "").Set(1)
	err := r.WriteText(failingWriter{})
	require.ErrorIs(t, err, http.ErrHandlerTimeout)
}
