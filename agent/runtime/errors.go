package runtime

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/raft/driver"
)

// httpError is an error answered with a status and a plain-text body, as
// Consul answers its errors.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

// badRequest, notFound and tooLarge build the common httpErrors.
func badRequest(format string, args ...any) error {
	return &httpError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &httpError{http.StatusNotFound, fmt.Sprintf(format, args...)}
}

func tooLarge(size, limit int64) error {
	return &httpError{http.StatusRequestEntityTooLarge,
		fmt.Sprintf("Request body(%d bytes) too large, max size: %d bytes. See https://developer.hashicorp.com/consul/docs/agent/config/config-files#kv_max_value_size.", size, limit)}
}

// errNoLeader and errNoPath are Consul's texts for these failures.
var (
	errNoLeader = &httpError{http.StatusInternalServerError, "No cluster leader"}
	errNoPath   = &httpError{http.StatusInternalServerError, "No path to datacenter"}
)

// statusOf maps an error from a handler to its status and body: catalog
// refusals of the request's content are 400, a missing target 404,
// leadership trouble and everything else 500.
func statusOf(err error) (int, string) {
	var he *httpError
	switch {
	case errors.As(err, &he):
		return he.status, he.msg
	case errors.Is(err, catalog.ErrNodeNotFound), errors.Is(err, catalog.ErrServiceNotFound),
		errors.Is(err, catalog.ErrCheckNotFound):
		return http.StatusNotFound, err.Error()
	case errors.Is(err, acl.ErrPermissionDenied):
		return errPermissionDenied.status, errPermissionDenied.msg
	case isBadInput(err):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, raft.ErrNotLeader):
		var nl *driver.NotLeaderError
		if errors.As(err, &nl) && nl.LeaderID != "" {
			return http.StatusInternalServerError, "rpc error: leadership moved while the request was forwarded; retry"
		}
		return errNoLeader.status, errNoLeader.msg
	case errors.Is(err, driver.ErrLeadershipLost):
		return http.StatusInternalServerError, "leadership lost while committing log"
	}
	return http.StatusInternalServerError, err.Error()
}

// isBadInput reports whether the catalog refused a request for its content.
func isBadInput(err error) bool {
	for _, e := range []error{catalog.ErrMissingNode, catalog.ErrMissingAddress,
		catalog.ErrMissingServiceName, catalog.ErrMissingCheckID, catalog.ErrBadName,
		catalog.ErrBadCheckStatus, catalog.ErrCheckNodeMismatch, catalog.ErrBadFilter,
		catalog.ErrMissingSessionID, catalog.ErrMissingSession, catalog.ErrSessionNotFound,
		catalog.ErrBadSessionBehavior, catalog.ErrBadSessionTTL, catalog.ErrBadLockDelay,
		catalog.ErrCheckCritical, catalog.ErrTxnTooLarge} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// writeError answers err as plain text.
func writeError(w http.ResponseWriter, err error) {
	status, msg := statusOf(err)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}
