package acl

import "errors"

// ErrPermissionDenied is returned when a token's authorizer denies an
// operation. The HTTP layer answers 403 with exactly this text, as Consul does.
var ErrPermissionDenied = errors.New("Permission denied")

// ErrNotFound is returned when a secret names no token, or names a token that
// has expired. Consul answers with the same text ("ACL not found") for both,
// so a caller cannot tell a wrong secret from a stale one.
var ErrNotFound = errors.New("ACL not found")

// ErrInvalidRules is wrapped by every error from [ParseRules]; the wrapping
// error names the problem and, when the parser knows it, the line.
var ErrInvalidRules = errors.New("acl: invalid rules")

// ErrBootstrapNotAllowed is wrapped by the error [CheckBootstrap] returns once
// the ACL system has been bootstrapped and no matching reset index was
// supplied.
var ErrBootstrapNotAllowed = errors.New("ACL bootstrap no longer allowed")

// ErrBootstrapResetMismatch is wrapped by the error [CheckBootstrap] returns
// when the reset file names an index other than the current reset index.
var ErrBootstrapResetMismatch = errors.New("Invalid bootstrap reset index")
