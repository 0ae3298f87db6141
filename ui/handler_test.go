package ui

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// get sends one request to h and answers the recorded response.
func get(h http.Handler, method, path string, header map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestHandlerServesIndexAtPrefix(t *testing.T) {
	w := get(Handler("/ui/"), http.MethodGet, "/ui/", nil)
	require.Equal(t, http.StatusOK, w.Code)
	require.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))
	require.Contains(t, w.Body.String(), "<!DOCTYPE html>")
	require.Contains(t, w.Body.String(), `src="/ui/app.js"`)
	require.Contains(t, w.Body.String(), `href="/ui/style.css"`)
}

func TestHandlerServesIndexForUnknownPathsUnderPrefix(t *testing.T) {
	h := Handler("/ui/")
	index := get(h, http.MethodGet, "/ui/", nil).Body.String()
	for _, path := range []string{"/ui/index.html", "/ui/services/web", "/ui/dc1/kv/app/", "/ui/nodes/n1", "/ui/other.js"} {
		w := get(h, http.MethodGet, path, nil)
		require.Equal(t, http.StatusOK, w.Code, path)
		require.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"), path)
		require.Equal(t, index, w.Body.String(), path)
	}
}

func TestHandlerServesAssetsWithTheirContentTypes(t *testing.T) {
	h := Handler("/ui/")
	for path, want := range map[string]struct{ contentType, file string }{
		"/ui/app.js":    {"text/javascript; charset=utf-8", "static/app.js"},
		"/ui/style.css": {"text/css; charset=utf-8", "static/style.css"},
	} {
		w := get(h, http.MethodGet, path, nil)
		require.Equal(t, http.StatusOK, w.Code, path)
		require.Equal(t, want.contentType, w.Header().Get("Content-Type"), path)
		require.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"), path)
		require.Equal(t, string(mustRead(want.file)), w.Body.String(), path)
	}
}

func TestHandlerAnswers404OutsidePrefix(t *testing.T) {
	h := Handler("/ui/")
	for _, path := range []string{"/", "/index.html", "/app.js", "/v1/agent/self", "/uix", "/uix/app.js", "/other/ui/"} {
		require.Equal(t, http.StatusNotFound, get(h, http.MethodGet, path, nil).Code, path)
	}
}

func TestHandlerRedirectsPrefixWithoutSlash(t *testing.T) {
	w := get(Handler("/ui/"), http.MethodGet, "/ui", nil)
	require.Equal(t, http.StatusMovedPermanently, w.Code)
	require.Equal(t, "/ui/", w.Header().Get("Location"))
}

func TestHandlerRefusesMethodsOtherThanGetAndHead(t *testing.T) {
	h := Handler("/ui/")
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		w := get(h, method, "/ui/app.js", nil)
		require.Equal(t, http.StatusMethodNotAllowed, w.Code, method)
		require.Equal(t, "GET, HEAD", w.Header().Get("Allow"), method)
	}
	w := get(h, http.MethodHead, "/ui/", nil)
	require.Equal(t, http.StatusOK, w.Code)
	require.Empty(t, w.Body.String())
}

func TestIndexIsServedWithNoCacheAndAContentSecurityPolicy(t *testing.T) {
	w := get(Handler("/ui/"), http.MethodGet, "/ui/kv/app/", nil)
	require.Equal(t, "no-cache", w.Header().Get("Cache-Control"))
	csp := w.Header().Get("Content-Security-Policy")
	require.Contains(t, csp, "script-src 'self'")
	require.Contains(t, csp, "connect-src 'self'")
	require.NotContains(t, csp, "unsafe-inline")
}

func TestHandlerAnswersNotModifiedForAMatchingETag(t *testing.T) {
	h := Handler("/ui/")
	for _, path := range []string{"/ui/", "/ui/app.js", "/ui/style.css"} {
		first := get(h, http.MethodGet, path, nil)
		etag := first.Header().Get("ETag")
		require.NotEmpty(t, etag, path)
		again := get(h, http.MethodGet, path, map[string]string{"If-None-Match": etag})
		require.Equal(t, http.StatusNotModified, again.Code, path)
		changed := get(h, http.MethodGet, path, map[string]string{"If-None-Match": `"other"`})
		require.Equal(t, http.StatusOK, changed.Code, path)
	}
}

func TestIndexLinksAssetsThatTheHandlerServes(t *testing.T) {
	for _, prefix := range []string{"/ui/", "ui", "/custom/path", "/"} {
		h := Handler(prefix)
		index := get(h, http.MethodGet, normalizePrefix(prefix), nil)
		require.Equal(t, http.StatusOK, index.Code, prefix)
		// Links with a scheme (the inline "data:," favicon) fetch nothing.
		links := regexp.MustCompile(`(?:src|href)="([^"#:]+)"`).FindAllStringSubmatch(index.Body.String(), -1)
		require.Len(t, links, 2, prefix)
		for _, link := range links {
			w := get(h, http.MethodGet, link[1], nil)
			require.Equal(t, http.StatusOK, w.Code, link[1])
			require.NotContains(t, w.Header().Get("Content-Type"), "text/html", link[1])
		}
	}
}

func TestIndexEscapesThePrefix(t *testing.T) {
	w := get(Handler(`/a"b<c/`), http.MethodGet, `/a"b<c/`, nil)
	require.Equal(t, http.StatusOK, w.Code)
	require.NotContains(t, w.Body.String(), `a"b`)
	require.NotContains(t, w.Body.String(), `b<c`)
}

func TestNormalizePrefixGivesOneSlashOnEachSide(t *testing.T) {
	for in, want := range map[string]string{"/ui/": "/ui/", "ui": "/ui/", "/ui": "/ui/", "//ui//": "/ui/", "": "/", "/": "/", "a/b": "/a/b/"} {
		require.Equal(t, want, normalizePrefix(in), in)
	}
}

// FuzzHandlerPath checks that any request path gets one of the handler's
// answers, never a panic, and that a 200 is one of the three files.
func FuzzHandlerPath(f *testing.F) {
	for _, seed := range []string{"/ui/", "/ui", "/ui/app.js", "/ui/../app.js", "/ui/%2e%2e/", "/", "/ui/a/b/c", "/ui/style.css?x=1"} {
		f.Add(seed)
	}
	h := Handler("/ui/")
	bodies := map[string]bool{}
	for _, path := range []string{"/ui/", "/ui/app.js", "/ui/style.css"} {
		bodies[get(h, http.MethodGet, path, nil).Body.String()] = true
	}
	f.Fuzz(func(t *testing.T, path string) {
		r, err := http.NewRequest(http.MethodGet, "http://cairn"+path, nil)
		if err != nil || !strings.HasPrefix(r.URL.Path, "/") {
			return
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		switch w.Code {
		case http.StatusOK:
			require.True(t, strings.HasPrefix(r.URL.Path, "/ui/"), r.URL.Path)
			require.True(t, bodies[w.Body.String()], r.URL.Path)
		case http.StatusNotFound, http.StatusMovedPermanently:
		default:
			t.Fatalf("path %q: unexpected status %d", r.URL.Path, w.Code)
		}
	})
}
