package catalog

import "errors"

// Errors a command can fail with. Apply returns them inside a Result, never
// as a panic: they come from users' requests.
var (
	ErrMissingNode        = errors.New("catalog: missing node name")
	ErrMissingAddress     = errors.New("catalog: must provide address if SkipNodeUpdate is not set")
	ErrMissingServiceName = errors.New("catalog: missing service name")
	ErrMissingCheckID     = errors.New("catalog: missing check ID and name")
	ErrBadName            = errors.New("catalog: name contains a NUL byte")
	ErrBadCheckStatus     = errors.New("catalog: check status must be passing, warning or critical")
	ErrCheckNodeMismatch  = errors.New("catalog: check's node does not match the registration's node")
	ErrNodeNotFound       = errors.New("catalog: node not found")
	ErrServiceNotFound    = errors.New("catalog: service not found")
	ErrCheckNotFound      = errors.New("catalog: check not found")
	ErrBadFilter          = errors.New("catalog: bad filter expression")
	ErrBadSnapshot        = errors.New("catalog: bad snapshot")

	ErrMissingSessionID   = errors.New("catalog: missing session ID")
	ErrSessionExists      = errors.New("catalog: session ID already exists")
	ErrSessionNotFound    = errors.New("catalog: invalid session")
	ErrBadSessionBehavior = errors.New("catalog: session behavior must be release or delete")
	ErrBadSessionTTL      = errors.New("catalog: invalid session TTL")
	ErrBadLockDelay       = errors.New("catalog: lock delay must not be negative")
	ErrCheckCritical      = errors.New("catalog: check is critical")
	ErrMissingSession     = errors.New("catalog: missing session")
	ErrTxnTooLarge        = errors.New("catalog: too many operations in a transaction")
	ErrTxnFailed          = errors.New("catalog: transaction failed")
)
