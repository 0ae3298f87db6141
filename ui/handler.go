package ui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"
)

// static holds the UI's three files, compiled into the binary so that the
// UI works offline and needs nothing beside the agent.
//
//go:embed static/index.html static/app.js static/style.css
var static embed.FS

// contentSecurityPolicy lets the page load only its own script and style
// and talk only to its own origin. It is a second line of defence behind
// app.js's rule of inserting data with textContent only.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// asset is one file the handler serves, rendered once when the handler is
// built.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// handler serves the UI under a path prefix.
type handler struct {
	prefix string
	index  asset
	assets map[string]asset // by path below the prefix
}

// Handler serves the UI under prefix (e.g. "/ui/"); unknown paths under it
// serve index.html (client-side routes).
//
// app.js and style.css are served at prefix+"app.js" and prefix+"style.css".
// Every other path under the prefix answers index.html, whose links to the
// two files carry the prefix, so a bookmarked deep path still loads the
// app. The prefix without its trailing slash redirects to the prefix; a
// path outside it is 404, and a method other than GET or HEAD is 405.
// Every answer carries Cache-Control: no-cache and an ETag, so a browser
// revalidates (and gets 304) instead of running a stale app after an
// upgrade.
func Handler(prefix string) http.Handler {
	prefix = normalizePrefix(prefix)
	return &handler{
		prefix: prefix,
		index:  newAsset(renderIndex(prefix), "text/html; charset=utf-8"),
		assets: map[string]asset{
			"app.js":    newAsset(mustRead("static/app.js"), "text/javascript; charset=utf-8"),
			"style.css": newAsset(mustRead("static/style.css"), "text/css; charset=utf-8"),
		},
	}
}

// normalizePrefix gives the prefix exactly one leading and one trailing
// slash: "ui" and "/ui" both become "/ui/", and "" becomes "/".
func normalizePrefix(prefix string) string {
	prefix = strings.Trim(prefix, "/")
	if prefix == "" {
		return "/"
	}
	return "/" + prefix + "/"
}

// ServeHTTP answers one request.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if h.prefix != "/" && path == strings.TrimSuffix(h.prefix, "/") {
		http.Redirect(w, r, h.prefix, http.StatusMovedPermanently)
		return
	}
	rest, ok := strings.CutPrefix(path, h.prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	a, ok := h.assets[rest]
	if !ok {
		a = h.index
		w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
		w.Header().Set("X-Frame-Options", "DENY")
	}
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("ETag", a.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}

// newAsset wraps a file's bytes with its content type and an ETag derived
// from its content.
func newAsset(body []byte, contentType string) asset {
	sum := sha256.Sum256(body)
	return asset{body: body, contentType: contentType, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
}

// renderIndex fills the prefix into index.html's links to app.js and
// style.css.
func renderIndex(prefix string) []byte {
	t := template.Must(template.New("index.html").Parse(string(mustRead("static/index.html"))))
	var b bytes.Buffer
	if err := t.Execute(&b, struct{ Prefix string }{prefix}); err != nil {
		panic(fmt.Sprintf("ui: render index.html: %v", err))
	}
	return b.Bytes()
}

// mustRead reads an embedded file; a missing one is a build mistake, not a
// runtime condition.
func mustRead(name string) []byte {
	b, err := static.ReadFile(name)
	if err != nil {
		panic(fmt.Sprintf("ui: embedded file %s: %v", name, err))
	}
	return b
}
