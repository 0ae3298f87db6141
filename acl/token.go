package acl

import (
	"fmt"
	"time"
)

// AnonymousTokenID is the AccessorID of the anonymous token, the token a
// request without a secret is treated as carrying.
const AnonymousTokenID = "00000000-0000-0000-0000-000000000002"

// AnonymousTokenSecret is the SecretID of the anonymous token.
const AnonymousTokenSecret = "anonymous"

// RedactedSecret replaces a SecretID that the reader may not see, as in
// Consul's API answers to a token with acl:read but not acl:write.
const RedactedSecret = "<hidden>"

// PolicyLink names a policy from a token. ID is authoritative; Name is kept
// for display and for requests that link by name.
type PolicyLink struct {
	ID   string
	Name string
}

// Token is an ACL token: a public AccessorID that names it, a SecretID that
// is the bearer credential, and the policies that decide what it may do. Its
// JSON form is the one Consul's /v1/acl/token API uses.
//
// A Token's String and GoString methods hide the SecretID, so printing a
// token (in a log line or an error) does not leak it.
type Token struct {
	AccessorID  string
	SecretID    string
	Description string
	Policies    []PolicyLink `json:",omitempty"`
	// Local tokens live in the datacenter that created them and are not
	// replicated to others.
	Local bool
	// ExpirationTime, if set, is when the token stops resolving.
	ExpirationTime *time.Time `json:",omitempty"`
	CreateTime     time.Time
	CreateIndex    uint64
	ModifyIndex    uint64
}

// AnonymousToken returns the anonymous token as the leader creates it when
// ACLs are first initialised: no policies, so the default policy decides.
func AnonymousToken() Token {
	return Token{
		AccessorID:  AnonymousTokenID,
		SecretID:    AnonymousTokenSecret,
		Description: "Anonymous Token",
	}
}

// BootstrapTokenDescription is the description Consul gives the token that
// `acl bootstrap` creates.
const BootstrapTokenDescription = "Bootstrap Token (Global Management)"

// ManagementToken returns a token linked to the global-management policy, as
// `acl bootstrap` creates it (with BootstrapTokenDescription) or as the
// leader creates it from acl.tokens.initial_management. The IDs come from the
// caller: secrets are drawn by whoever proposes the Raft entry, never here.
func ManagementToken(accessorID, secretID, description string, now time.Time) Token {
	return Token{
		AccessorID:  accessorID,
		SecretID:    secretID,
		Description: description,
		Policies:    []PolicyLink{{ID: GlobalManagementPolicyID, Name: GlobalManagementPolicyName}},
		CreateTime:  now,
	}
}

// IsExpired reports whether the token has expired at now. As in Consul, a
// token is still valid at the very instant of its expiration time.
func (t *Token) IsExpired(now time.Time) bool {
	return t.ExpirationTime != nil && t.ExpirationTime.Before(now)
}

// Redacted returns a copy of the token with the SecretID replaced by
// [RedactedSecret].
func (t Token) Redacted() Token {
	t.SecretID = RedactedSecret
	t.Policies = append([]PolicyLink(nil), t.Policies...)
	return t
}

// String describes the token by its AccessorID; the secret is never printed.
func (t Token) String() string {
	return fmt.Sprintf("token %s", t.AccessorID)
}

// GoString is like String, so that %#v does not print the secret either.
func (t Token) GoString() string {
	return t.String()
}
