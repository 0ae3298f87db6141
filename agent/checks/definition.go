package checks

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Limits and defaults, as Consul sets them.
const (
	// MinInterval is the shortest interval a check runs at. Consul raises
	// a smaller interval to it, so that a typo cannot turn a check into a
	// flood of requests against the service it watches.
	MinInterval = time.Second
	// DefaultTimeout bounds one HTTP request or TCP connect when the
	// definition sets no Timeout.
	DefaultTimeout = 10 * time.Second
	// OutputMaxBytes is how much of an HTTP response body a result keeps:
	// the last OutputMaxBytes bytes, as Consul's circular buffer does.
	OutputMaxBytes = 4 << 10
	// UserAgent is the User-Agent of every HTTP check request that does
	// not set one in its Header.
	UserAgent = "Consul Health Check"
	// defaultAccept is the Accept header of every HTTP check request that
	// does not set one in its Header.
	defaultAccept = "text/plain, text/*, */*"
)

// ErrInvalidDefinition is wrapped by every error Start returns for a
// definition it refuses to run.
var ErrInvalidDefinition = errors.New("checks: invalid check definition")

// Definition is one check to run: an HTTP check when HTTP is set, a TCP
// check when TCP is set, a script check when Args is set. Exactly one of
// the three must be set.
type Definition struct {
	// ID names the check; a second Start with the same ID replaces it.
	ID string
	// HTTP is the URL an HTTP check requests (http or https).
	HTTP string
	// Method is the HTTP check's request method; empty means GET.
	Method string
	// Header holds extra request headers of an HTTP check. A User-Agent,
	// Accept or Host entry here replaces the default.
	Header map[string][]string
	// Body is the HTTP check's request body.
	Body string
	// TLSSkipVerify makes an https check accept any server certificate.
	TLSSkipVerify bool
	// TCP is the host:port a TCP check connects to.
	TCP string
	// Args is a script check's command and its arguments, run without a
	// shell. The agent allows script checks only when enable_script_checks
	// (or, for checks from its config files, enable_local_script_checks)
	// is set.
	Args []string
	// Interval is the time from the end of one run to the start of the
	// next. It must be positive; a value below MinInterval is raised to it.
	Interval time.Duration
	// Timeout bounds one run; zero means DefaultTimeout.
	Timeout time.Duration
}

// normalize checks d and returns it with its defaults filled in and its
// interval raised to minInterval where it was shorter. An error wraps
// ErrInvalidDefinition and says what is wrong.
func (d Definition) normalize(minInterval time.Duration) (Definition, error) {
	if err := d.validate(); err != nil {
		return Definition{}, err
	}
	if d.HTTP != "" && d.Method == "" {
		d.Method = http.MethodGet
	}
	if d.Timeout == 0 {
		d.Timeout = DefaultTimeout
	}
	d.Interval = max(d.Interval, minInterval)
	return d, nil
}

// validate reports the first problem with d, or nil.
func (d Definition) validate() error {
	switch {
	case d.ID == "":
		return invalid(d.ID, "the check ID is empty")
	case count(d.HTTP != "", d.TCP != "", len(d.Args) > 0) != 1:
		return invalid(d.ID, "exactly one of HTTP, TCP and Args must be set")
	case d.Interval <= 0:
		return invalid(d.ID, "the interval must be positive, got %s", d.Interval)
	case d.Timeout < 0:
		return invalid(d.ID, "the timeout must not be negative, got %s", d.Timeout)
	case d.HTTP != "":
		return d.validateHTTP()
	case d.TCP != "":
		return d.validateTCP()
	case d.Method != "" || len(d.Header) > 0 || d.Body != "":
		return invalid(d.ID, "method, header and body apply only to HTTP checks")
	}
	return nil
}

// count is how many of the conditions hold.
func count(conds ...bool) int {
	n := 0
	for _, c := range conds {
		if c {
			n++
		}
	}
	return n
}

// validateHTTP checks the URL and method of an HTTP check.
func (d Definition) validateHTTP() error {
	u, err := url.Parse(d.HTTP)
	if err != nil {
		return invalid(d.ID, "the HTTP URL does not parse: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return invalid(d.ID, "the HTTP URL must use http or https, got %q", u.Scheme)
	}
	if u.Host == "" {
		return invalid(d.ID, "the HTTP URL has no host")
	}
	if _, err := http.NewRequest(d.Method, d.HTTP, nil); err != nil {
		return invalid(d.ID, "the HTTP method %q is not valid", d.Method)
	}
	return nil
}

// validateTCP checks the address of a TCP check, and that it carries no
// field that only an HTTP check uses.
func (d Definition) validateTCP() error {
	if d.Method != "" || len(d.Header) > 0 || d.Body != "" {
		return invalid(d.ID, "method, header and body apply only to HTTP checks")
	}
	_, port, err := net.SplitHostPort(d.TCP)
	if err != nil {
		return invalid(d.ID, "the TCP address must be host:port: %v", err)
	}
	if port == "" {
		return invalid(d.ID, "the TCP address %q has no port", d.TCP)
	}
	return nil
}

// invalid builds an error that wraps ErrInvalidDefinition and names the
// check.
func invalid(id, format string, args ...any) error {
	return fmt.Errorf("%w %q: %s", ErrInvalidDefinition, id, fmt.Sprintf(format, args...))
}
