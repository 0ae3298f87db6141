package core

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/cairn-sd/cairn/acl"
)

// Every RPC that reads or changes the catalog on behalf of someone carries
// that someone's ACL token, so that a server checks the request itself
// instead of trusting whoever reached its port: a client agent's
// anti-entropy sends the agent token (tokens.agent), a follower forwarding
// an HTTP request to the leader sends the request's token, and the leader
// checks it again. The token travels in an envelope in front of the body:
//
//	byte     version = 1
//	uvarint  length of the token (minimal encoding), then the token
//	rest     the method's own body
//
// With ACLs off the server has no RPCAuthorizer and the token is ignored.

// tokenEnvelopeVersion is the version of the envelope above.
const tokenEnvelopeVersion = 1

// maxTokenLen bounds a token in an envelope: a SecretID is 36 bytes.
const maxTokenLen = 512

// RPCAuthorizer decides whether a token may do what an RPC asks, and calls
// done with nil or the reason for refusing. It runs on the loop and may
// answer later (a secondary datacenter asks the primary about a token its
// replica lacks). Its errors are returned to the caller as they are, so
// they must never contain the token.
type RPCAuthorizer interface {
	// Command checks an encoded catalog command.
	Command(token string, cmd []byte, done func(error))
	// NodeRead checks reading a node's catalog entry.
	NodeRead(token, node string, done func(error))
	// SessionWrite checks renewing the session id.
	SessionWrite(token, id string, done func(error))
}

// errBadEnvelope is an RPC body whose token envelope cannot be read.
var errBadEnvelope = errors.New("core: malformed token envelope")

// sealToken puts token in front of body.
func sealToken(token string, body []byte) []byte {
	b := make([]byte, 0, 1+binary.MaxVarintLen64+len(token)+len(body))
	b = append(b, tokenEnvelopeVersion)
	b = binary.AppendUvarint(b, uint64(len(token)))
	b = append(b, token...)
	return append(b, body...)
}

// openToken splits an envelope into the token and the body.
func openToken(b []byte) (string, []byte, error) {
	if len(b) == 0 || b[0] != tokenEnvelopeVersion {
		return "", nil, fmt.Errorf("%w: unknown version", errBadEnvelope)
	}
	n, k := binary.Uvarint(b[1:])
	if k <= 0 || k != len(binary.AppendUvarint(nil, n)) || n > maxTokenLen || uint64(len(b)-1-k) < n {
		return "", nil, fmt.Errorf("%w: bad token length", errBadEnvelope)
	}
	start := 1 + k
	return string(b[start : start+int(n)]), b[start+int(n):], nil
}

// SetRPCAuthorizer makes the server check the token of every RPC that
// reads or changes the catalog; nil turns the checks off (ACLs disabled).
func (s *Server) SetRPCAuthorizer(a RPCAuthorizer) { s.rpcAuth = a }

// authorize runs check when the server has an authorizer, and then, if
// it allowed the request, next; a refusal goes to refused.
func (s *Server) authorize(check func(RPCAuthorizer, func(error)), refused func(error), next func()) {
	if s.rpcAuth == nil {
		next()
		return
	}
	check(s.rpcAuth, func(err error) {
		if err != nil {
			refused(err)
			return
		}
		next()
	})
}

// permissionOr turns a remote "Permission denied" back into
// acl.ErrPermissionDenied, so that the HTTP layer answers 403 wherever the
// check failed.
func permissionOr(err error) error {
	if err != nil && strings.Contains(err.Error(), acl.ErrPermissionDenied.Error()) {
		return fmt.Errorf("%w (checked by a server)", acl.ErrPermissionDenied)
	}
	return err
}
