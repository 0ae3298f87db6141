package runtime

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"go.uber.org/zap"
)

// httpMethods are the methods the HTTP metrics name; any other method a
// client sends is counted as "other", so that no client can create series
// at will.
var httpMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions,
}

// observeHTTP starts timing a request to route, the route table's template
// ("/v1/kv/"), never the raw path, which may name KV keys and would let
// clients create series at will. It wraps *w to see the status code, and
// returns the function that records the request and logs it at debug
// level; the dispatcher defers it:
//
//	defer a.observeHTTP(&w, r.Method, rt.path)()
func (a *Agent) observeHTTP(w *http.ResponseWriter, method, route string) func() {
	start := time.Now()
	if !slices.Contains(httpMethods, method) {
		method = "other"
	}
	sw := &statusWriter{ResponseWriter: *w}
	sw.record = func(code int) {
		took := time.Since(start)
		a.metrics.http.ObserveDuration(took, method, route, strconv.Itoa(code))
		a.logger.Debug("request served", zap.String("method", method), zap.String("route", route),
			zap.Int("code", code), zap.Duration("took", took))
	}
	*w = sw
	return func() {
		if !sw.isParked {
			sw.record(sw.code())
		}
	}
}

// statusWriter remembers the status code a handler wrote. It passes
// Flush on (the monitor endpoint streams) and Unwrap (for
// http.ResponseController).
type statusWriter struct {
	http.ResponseWriter
	status int
	// record records the request with the status answered; a parked
	// query (park.go) calls it when it answers.
	record   func(code int)
	isParked bool
}

// parked hands the recording of the request over to a parked query.
func (sw *statusWriter) parked() func(code int) {
	sw.isParked = true
	return sw.record
}

// findStatusWriter finds the statusWriter in a chain of wrapped writers.
func findStatusWriter(w http.ResponseWriter) *statusWriter {
	for {
		if sw, ok := w.(*statusWriter); ok {
			return sw
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
}

// WriteHeader records the first status code and passes it on.
func (sw *statusWriter) WriteHeader(code int) {
	if sw.status == 0 {
		sw.status = code
	}
	sw.ResponseWriter.WriteHeader(code)
}

// Write sends body bytes; without an earlier WriteHeader, that means 200.
func (sw *statusWriter) Write(b []byte) (int, error) {
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	return sw.ResponseWriter.Write(b)
}

// Flush sends buffered data to the client, if the writer can.
func (sw *statusWriter) Flush() {
	if f, ok := sw.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap returns the wrapped writer.
func (sw *statusWriter) Unwrap() http.ResponseWriter { return sw.ResponseWriter }

// code is the status the client got: 200 if the handler wrote nothing.
func (sw *statusWriter) code() int {
	if sw.status == 0 {
		return http.StatusOK
	}
	return sw.status
}
