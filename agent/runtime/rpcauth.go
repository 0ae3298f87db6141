package runtime

import (
	"context"
	"net/http"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/agent/core"
	"github.com/cairn-sd/cairn/catalog"
)

// A server with ACLs on checks every RPC that reads or changes the catalog
// against the token it carries (core.RPCAuthorizer): a client agent's
// anti-entropy, a follower forwarding a write to the leader. The checks are
// the ones the HTTP layer makes for the same operation, so that a request
// the HTTP layer allowed on a follower is allowed again on the leader.

// rpcAuthorizer is the server's core.RPCAuthorizer.
type rpcAuthorizer struct{ a *Agent }

// decide resolves token (from this server's catalog, or in a secondary
// datacenter from the primary when the replica lacks it) and calls done
// with nil when decide allows the request.
func (r rpcAuthorizer) decide(token string, decide func(*acl.Authorizer) acl.Decision, done func(error)) {
	r.a.server.ResolveToken(token, func(rt core.ResolvedToken, err error) {
		if err != nil {
			done(err)
			return
		}
		az, err := rt.Authorizer(r.a.acl.resolver)
		if err != nil {
			done(err)
			return
		}
		if decide(az) != acl.Allow {
			done(acl.ErrPermissionDenied)
			return
		}
		done(nil)
	})
}

// Command checks an encoded catalog command.
func (r rpcAuthorizer) Command(token string, cmd []byte, done func(error)) {
	c, err := catalog.Decode(cmd)
	if err != nil {
		done(err)
		return
	}
	r.decide(token, func(az *acl.Authorizer) acl.Decision { return r.commandDecision(az, c) }, done)
}

// NodeRead checks reading a node's catalog entry.
func (r rpcAuthorizer) NodeRead(token, node string, done func(error)) {
	r.decide(token, func(az *acl.Authorizer) acl.Decision { return az.NodeRead(node) }, done)
}

// SessionWrite checks renewing session id: session write on its node. A
// session that does not exist needs nothing (the renewal reports it gone).
func (r rpcAuthorizer) SessionWrite(token, id string, done func(error)) {
	r.decide(token, func(az *acl.Authorizer) acl.Decision { return r.sessionDecision(az, id) }, done)
}

// sessionDecision is session write on the node of session id.
func (r rpcAuthorizer) sessionDecision(az *acl.Authorizer, id string) acl.Decision {
	_, s := r.a.server.Catalog().SessionGet(nil, id)
	if s == nil {
		return acl.Allow
	}
	return az.SessionWrite(s.Node)
}

// commandDecision is what a catalog command needs; a command not listed
// here (restores, ACL initialisation, reaping, ...) needs a management
// token.
func (r rpcAuthorizer) commandDecision(az *acl.Authorizer, c catalog.Command) acl.Decision {
	switch c := c.(type) {
	case *catalog.RegisterRequest:
		return registerDecision(az, c)
	case *catalog.DeregisterRequest:
		return az.NodeWrite(c.Node)
	case *catalog.UpdateCheckRequest:
		return az.NodeWrite(c.Node)
	case *catalog.KVSetRequest:
		return az.KeyWrite(c.Key)
	case *catalog.KVCASRequest:
		return az.KeyWrite(c.Key)
	case *catalog.KVDeleteRequest:
		return az.KeyWrite(c.Key)
	case *catalog.KVDeleteCASRequest:
		return az.KeyWrite(c.Key)
	case *catalog.KVLockRequest:
		return az.KeyWrite(c.Key)
	case *catalog.KVUnlockRequest:
		return az.KeyWrite(c.Key)
	case *catalog.KVDeleteTreeRequest:
		return az.KeyWritePrefix(c.Prefix)
	case *catalog.TxnRequest:
		return txnDecision(az, c.Ops)
	case *catalog.SessionCreateRequest:
		return az.SessionWrite(c.Session.Node)
	case *catalog.SessionDestroyRequest:
		return r.sessionDecision(az, c.ID)
	case *catalog.ACLPolicySetRequest, *catalog.ACLPolicyDeleteRequest, *catalog.ACLTokenSetRequest, *catalog.ACLTokenDeleteRequest:
		return az.ACLWrite()
	case *catalog.AutopilotSetRequest:
		return az.OperatorWrite()
	case *catalog.QuerySetRequest:
		return both(az.QueryWrite(c.Query.Name), r.queryDecision(az, c.Query.ID))
	case *catalog.QueryDeleteRequest:
		return r.queryDecision(az, c.ID)
	}
	if az.IsManagement() {
		return acl.Allow
	}
	return acl.Deny
}

// queryDecision is query write on the current name of query id; a query
// that does not exist needs nothing more.
func (r rpcAuthorizer) queryDecision(az *acl.Authorizer, id string) acl.Decision {
	_, q := r.a.server.Catalog().QueryGet(nil, id)
	if q == nil {
		return acl.Allow
	}
	return az.QueryWrite(q.Name)
}

// both allows only what both decisions allow.
func both(a, b acl.Decision) acl.Decision {
	if a == acl.Allow && b == acl.Allow {
		return acl.Allow
	}
	return acl.Deny
}

// agentOwnToken is the token the agent's own writes carry: tokens.agent
// (as set at run time, else from the config), else the default token.
func (a *Agent) agentOwnToken() string {
	if t := a.token("agent"); t != "" {
		return t
	}
	return a.defaultToken()
}

// secretKey carries the token a request was authorised with in its
// context, so that a write forwarded to the leader carries it too.
type secretKey struct{}

// withSecret keeps r's effective token in its context.
func (a *Agent) withSecret(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), secretKey{}, a.effectiveSecret(r)))
}

// requestToken is the token of the request ctx belongs to ("" outside one).
func requestToken(ctx context.Context) string {
	t, _ := ctx.Value(secretKey{}).(string)
	return t
}
