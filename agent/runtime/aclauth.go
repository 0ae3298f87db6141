package runtime

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/agent/core"
	"github.com/cairn-sd/cairn/catalog"
)

// With acl.enabled, every request is answered for the token it carries
// (X-Consul-Token, an Authorization bearer, or ?token=; without one,
// acl.tokens.default, then the anonymous token). A server resolves the
// token from its own catalog. A client agent asks a server through
// core.ACLResolver, which caches the answer for acl.token_ttl /
// acl.policy_ttl; when no server answers, acl.down_policy decides
// (extend-cache, Consul's default, keeps using what was cached).
//
// A request the token may not make is answered 403 "Permission denied";
// a list is filtered to what the token may read, as in Consul.

// errACLNotFound answers a token that does not exist or has expired.
var errACLNotFound = &httpError{http.StatusForbidden, acl.ErrNotFound.Error()}

// errACLDisabled answers the /v1/acl endpoints while ACLs are off.
var errACLDisabled = &httpError{http.StatusUnauthorized, "ACL support disabled"}

// aclState is the agent's ACL machinery; nil when ACLs are off.
type aclState struct {
	resolver *acl.Resolver
	def      acl.DefaultPolicy
	down     acl.DownPolicy
	// client resolves through the servers on a client agent; it is made
	// on first use and used on the loop only.
	client *core.ACLResolver
}

// newACLState prepares ACL resolution from the configuration.
func (a *Agent) newACLState() (*aclState, error) {
	if !a.cfg.ACL.Enabled {
		return nil, nil
	}
	def, err := acl.ParseDefaultPolicy(a.cfg.ACL.DefaultPolicy)
	if err != nil {
		return nil, err
	}
	down, err := acl.ParseDownPolicy(a.cfg.ACL.DownPolicy)
	if err != nil {
		return nil, err
	}
	return &aclState{
		resolver: acl.NewResolver(acl.ResolverConfig{Datacenter: a.cfg.Datacenter, DefaultPolicy: def, Logger: a.logger.Named("acl")}),
		def:      def, down: down,
	}, nil
}

// secretOf returns the token a request carries, or "".
func secretOf(r *http.Request) string {
	if s := r.Header.Get("X-Consul-Token"); s != "" {
		return s
	}
	if s, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(s)
	}
	return r.URL.Query().Get("token")
}

// authorizer returns what the request's token may do; with ACLs off,
// everything.
func (a *Agent) authorizer(r *http.Request) (*acl.Authorizer, error) {
	if a.acl == nil {
		return acl.AllowAll(), nil
	}
	return a.authorizerFor(r.Context(), a.effectiveSecret(r))
}

// effectiveSecret is the request's token, or the default token when it
// carries none.
func (a *Agent) effectiveSecret(r *http.Request) string {
	if secret := secretOf(r); secret != "" {
		return secret
	}
	return a.defaultToken()
}

// authorizerFor resolves a secret: from the catalog on a server, through
// a server (cached) on a client.
func (a *Agent) authorizerFor(ctx context.Context, secret string) (*acl.Authorizer, error) {
	var az *acl.Authorizer
	var err error
	if a.server != nil {
		st := a.server.Catalog()
		az, err = a.acl.resolver.Resolve(secret, time.Now(),
			func(s string) (*acl.Token, error) { _, t := st.ACLTokenBySecret(nil, s); return t, nil },
			func(id string) (*acl.Policy, error) { _, p := st.ACLPolicyGet(nil, id); return p, nil })
		if errors.Is(err, acl.ErrNotFound) && a.cfg.PrimaryDatacenter != a.cfg.Datacenter {
			az, err = a.resolveInPrimary(ctx, secret)
		}
	} else {
		az, err = a.cachedAuthorizer(ctx, secret)
	}
	if errors.Is(err, acl.ErrNotFound) {
		return nil, errACLNotFound
	}
	return az, err
}

// cachedAuthorizer resolves a secret on a client agent through its
// servers, with core.ACLResolver's cache and down policy: the code the
// simulation tests run.
func (a *Agent) cachedAuthorizer(ctx context.Context, secret string) (*acl.Authorizer, error) {
	type outcome struct {
		az  *acl.Authorizer
		err error
	}
	o, err := onLoop(ctx, a, func(reply func(outcome)) {
		a.clientACLResolver().Authorize(secret, func(az *acl.Authorizer, err error) { reply(outcome{az, err}) })
	})
	if err != nil {
		return nil, err
	}
	return o.az, o.err
}

// clientACLResolver returns the client's resolver, made on first use. It
// runs on the loop.
func (a *Agent) clientACLResolver() *core.ACLResolver {
	if a.acl.client == nil {
		a.acl.client = a.client.NewACLResolver(core.ACLResolverConfig{Datacenter: a.cfg.Datacenter,
			DefaultPolicy: a.acl.def, DownPolicy: a.acl.down, TokenTTL: a.cfg.ACL.TokenTTL, PolicyTTL: a.cfg.ACL.PolicyTTL})
	}
	return a.acl.client
}

// errPermissionDenied answers what the token may not do.
var errPermissionDenied = &httpError{http.StatusForbidden, acl.ErrPermissionDenied.Error()}

// permission maps a decision to nil or 403.
func permission(d acl.Decision) error {
	if d == acl.Allow {
		return nil
	}
	return errPermissionDenied
}

// visible keeps the rows of a list the token may read.
func visible[T any](az *acl.Authorizer, rows []T, readable func(*acl.Authorizer, T) bool) []T {
	out := rows[:0:0]
	for _, row := range rows {
		if readable(az, row) {
			out = append(out, row)
		}
	}
	return out
}

// canReadNode and canReadInstance are the read rules of catalog rows.
func canReadNode(az *acl.Authorizer, n *catalog.Node) bool { return az.NodeRead(n.Node) == acl.Allow }
