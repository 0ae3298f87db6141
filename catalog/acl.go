package catalog

import (
	"errors"

	"github.com/cairn-sd/cairn/acl"
)

// InitialManagementTokenDescription is the description of the token the
// leader creates from acl.tokens.initial_management, as in Consul.
const InitialManagementTokenDescription = "Initial Management Token"

// Errors of the ACL commands. Apply returns them inside a Result. None of
// them, nor the detail wrapped around them, ever contains a SecretID: a
// token is named by its AccessorID only. A refused bootstrap returns the
// acl package's errors instead ([acl.ErrBootstrapNotAllowed],
// [acl.ErrBootstrapResetMismatch]), whose texts are Consul's.
var (
	ErrMissingACLPolicyID   = errors.New("catalog: missing ACL policy ID")
	ErrInvalidACLPolicy     = errors.New("catalog: invalid ACL policy")
	ErrACLPolicyNameExists  = errors.New("catalog: an ACL policy with this name already exists")
	ErrACLPolicyNotFound    = errors.New("catalog: ACL policy not found")
	ErrACLBuiltinPolicy     = errors.New("catalog: the builtin global-management policy cannot be deleted, renamed, or given other rules or datacenters")
	ErrMissingACLAccessorID = errors.New("catalog: missing ACL token AccessorID")
	ErrMissingACLSecretID   = errors.New("catalog: missing ACL token SecretID")
	ErrInvalidACLToken      = errors.New("catalog: invalid ACL token")
	ErrACLTokenExists       = errors.New("catalog: an ACL token with this AccessorID already exists")
	ErrACLSecretInUse       = errors.New("catalog: the SecretID is already in use by another token")
	ErrACLSecretImmutable   = errors.New("catalog: a token's SecretID cannot be changed")
	ErrACLLocalImmutable    = errors.New("catalog: a token's Local flag cannot be changed")
	ErrACLAnonymousToken    = errors.New("catalog: the anonymous token cannot be deleted")
)

// ACLInitRequest is what a new leader proposes when ACLs are enabled: it
// creates the builtin global-management policy and the anonymous token if
// they are missing, and, when InitialManagementSecretID is set
// (acl.tokens.initial_management), a management token with that secret
// unless a token already has it. As in Consul, creating that token also
// bootstraps the ACL system if it was not bootstrapped yet, so `acl
// bootstrap` is refused afterwards. The proposer draws the AccessorID.
// Applying the same request again changes nothing.
type ACLInitRequest struct {
	InitialManagementAccessorID string    `json:",omitempty"`
	InitialManagementSecretID   string    `json:",omitempty"`
	Now                         Timestamp `json:",omitempty"`
}

// ACLBootstrapRequest is PUT /v1/acl/bootstrap: it creates a management
// token (AccessorID and SecretID drawn by the proposer, CreateTime Now)
// the first time, and is refused with Consul's "ACL bootstrap no longer
// allowed (reset index: N)" afterwards. ResetIndex is the number the
// leader read from its acl-bootstrap-reset file (0 when there is none); it
// allows one more bootstrap when it equals the current reset index, which
// each successful bootstrap moves to its own Raft index. The builtin
// policy and the anonymous token are created too if missing, so bootstrap
// does not depend on the leader's ACLInitRequest having been applied.
type ACLBootstrapRequest struct {
	AccessorID string
	SecretID   string
	Now        Timestamp `json:",omitempty"`
	ResetIndex uint64    `json:",omitempty"`
}

// ACLPolicySetRequest creates the policy, or replaces the one with its ID.
// The name must be valid and unique, and the rules must parse. The
// builtin global-management policy may get a new description only.
// CreateIndex and ModifyIndex are set by the catalog.
type ACLPolicySetRequest struct {
	Policy acl.Policy
}

// ACLPolicyDeleteRequest deletes a policy; the builtin one is refused, and
// an unknown ID succeeds and changes nothing. Tokens linking the policy
// keep the link, as in Consul: reads leave it out and resolution skips it,
// and a policy created again under the same ID is linked again.
type ACLPolicyDeleteRequest struct {
	ID string
}

// ACLTokenSetRequest creates the token, or updates the one with its
// AccessorID. A new token needs a SecretID (drawn by the proposer) no
// other token has; an update may leave SecretID empty or repeat it, but
// not change it, nor change Local. Each policy link names a policy by ID
// or, with an empty ID, by Name; the stored link carries both, and a link
// to an unknown policy refuses the request. A new token's CreateTime is
// the token's own if set (a replicated token) or else Now; an update
// keeps the stored one. Times are stored in UTC; CreateIndex and
// ModifyIndex are set by the catalog.
type ACLTokenSetRequest struct {
	Token acl.Token
	Now   Timestamp `json:",omitempty"`
}

// ACLTokenDeleteRequest deletes a token by AccessorID; the anonymous
// token is refused, and an unknown AccessorID succeeds and changes
// nothing.
type ACLTokenDeleteRequest struct {
	AccessorID string
}

func (*ACLInitRequest) opCode() opCode         { return opACLInit }
func (*ACLBootstrapRequest) opCode() opCode    { return opACLBootstrap }
func (*ACLPolicySetRequest) opCode() opCode    { return opACLPolicySet }
func (*ACLPolicyDeleteRequest) opCode() opCode { return opACLPolicyDelete }
func (*ACLTokenSetRequest) opCode() opCode     { return opACLTokenSet }
func (*ACLTokenDeleteRequest) opCode() opCode  { return opACLTokenDelete }

func (r *ACLInitRequest) timestamp() Timestamp      { return r.Now }
func (r *ACLBootstrapRequest) timestamp() Timestamp { return r.Now }
func (r *ACLTokenSetRequest) timestamp() Timestamp  { return r.Now }
