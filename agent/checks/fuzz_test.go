package checks

import (
	"errors"
	"testing"
	"time"
)

// FuzzDefinitionValidation feeds arbitrary user input to the validation
// Start applies: it must never panic, and a definition it accepts must be
// one a probe can run.
func FuzzDefinitionValidation(f *testing.F) {
	f.Add("web", "http://127.0.0.1:8080/health", "", "", int64(time.Second), int64(0))
	f.Add("db", "", "127.0.0.1:5432", "", int64(10*time.Second), int64(time.Second))
	f.Add("x", "https://[::1]:8443/", "", "PATCH", int64(1), int64(-1))
	f.Add("", "http://%zz", "host:", "G\x00T", int64(-5), int64(0))
	f.Fuzz(func(t *testing.T, id, httpURL, tcp, method string, intervalNs, timeoutNs int64) {
		d := Definition{ID: id, HTTP: httpURL, TCP: tcp, Method: method,
			Interval: time.Duration(intervalNs), Timeout: time.Duration(timeoutNs)}
		got, err := d.normalize(MinInterval)
		if err != nil {
			if !errors.Is(err, ErrInvalidDefinition) {
				t.Fatalf("error %v does not wrap ErrInvalidDefinition", err)
			}
			return
		}
		if got.ID == "" || (got.HTTP == "") == (got.TCP == "") {
			t.Fatalf("accepted a definition without an ID or kind: %+v", got)
		}
		if got.Interval < MinInterval || got.Timeout <= 0 {
			t.Fatalf("accepted timing %s/%s", got.Interval, got.Timeout)
		}
		if got.HTTP != "" {
			if p := newHTTPProbe(got); p.method == "" {
				t.Fatalf("an HTTP probe without a method: %+v", got)
			}
		}
	})
}
