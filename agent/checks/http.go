package checks

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/cairn-sd/cairn/catalog"
)

// httpProbe runs one HTTP check: a request to a URL whose response status
// gives the check's state.
type httpProbe struct {
	url string
	// shownURL is url as the output shows it, with any password masked.
	shownURL string
	method   string
	body     string
	// header holds the request headers with the defaults filled in; each
	// request gets its own copy.
	header http.Header
	// host overrides the Host header when the definition's Header sets one.
	host   string
	client *http.Client
}

// newHTTPProbe builds the probe of a normalized HTTP definition. Each
// check has its own client and transport, so that one check's TLS setting
// or stuck connection never touches another.
func newHTTPProbe(d Definition) *httpProbe {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	// A fresh connection per run, as Consul does: a kept-alive connection
	// that the server closed between runs would fail a healthy check.
	transport.DisableKeepAlives = true
	if d.TLSSkipVerify {
		transport.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	}
	header := make(http.Header, len(d.Header)+2)
	for name, values := range d.Header {
		for _, v := range values {
			header.Add(name, v)
		}
	}
	if header.Get("User-Agent") == "" {
		header.Set("User-Agent", UserAgent)
	}
	if header.Get("Accept") == "" {
		header.Set("Accept", defaultAccept)
	}
	return &httpProbe{
		url:      d.HTTP,
		shownURL: redactPassword(d.HTTP),
		method:   d.Method,
		body:     d.Body,
		header:   header,
		host:     header.Get("Host"),
		client:   &http.Client{Timeout: d.Timeout, Transport: transport},
	}
}

// check sends one request and maps the answer to a state and an output.
// Cancelling ctx aborts the request at once.
func (p *httpProbe) check(ctx context.Context) (status, output string) {
	var body io.Reader
	if p.body != "" {
		body = strings.NewReader(p.body)
	}
	req, err := http.NewRequestWithContext(ctx, p.method, p.url, body)
	if err != nil {
		return catalog.HealthCritical, err.Error()
	}
	req.Header = p.header.Clone()
	if p.host != "" {
		req.Host = p.host
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return catalog.HealthCritical, err.Error()
	}
	defer resp.Body.Close()
	// A body cut short by the timeout still yields a result from the
	// status line, with whatever part of the body arrived.
	tail := &tailBuffer{maxBytes: OutputMaxBytes}
	_, _ = io.Copy(tail, resp.Body)
	output = fmt.Sprintf("HTTP %s %s: %s Output: %s", p.method, p.shownURL, resp.Status, tail.data)
	return statusForCode(resp.StatusCode), output
}

// redactPassword masks the password of a URL that carries one, as Go's
// HTTP client does in its errors: a check's output is stored in the
// catalog, where anyone allowed to read the check can see it.
func redactPassword(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); !ok {
		return raw
	}
	return u.Redacted()
}

// statusForCode is Consul's rule for an HTTP check: any 2xx passes, 429
// Too Many Requests warns (the service is up but shedding load), and
// every other code is critical.
func statusForCode(code int) string {
	switch {
	case code >= 200 && code <= 299:
		return catalog.HealthPassing
	case code == http.StatusTooManyRequests:
		return catalog.HealthWarning
	default:
		return catalog.HealthCritical
	}
}

// tailBuffer is an io.Writer that keeps only the last maxBytes bytes
// written to it, so a huge response body costs bounded memory.
type tailBuffer struct {
	maxBytes int
	data     []byte
}

// Write appends p and drops what falls outside the last maxBytes bytes.
func (b *tailBuffer) Write(p []byte) (int, error) {
	b.data = append(b.data, p...)
	if over := len(b.data) - b.maxBytes; over > 0 {
		b.data = append(b.data[:0], b.data[over:]...)
	}
	return len(p), nil
}
