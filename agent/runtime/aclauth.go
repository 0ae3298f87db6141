package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/catalog"
)

// With acl.enabled, every request is answered for the token it carries
// (X-Consul-Token, an Authorization bearer, or ?token=; without one,
// acl.tokens.default, then the anonymous token). A server resolves the
// token from its own catalog. A client agent asks a server and caches the
// answer for tokenTTL; when no server answers, acl.down_policy decides
// (extend-cache, Consul's default, keeps using what was cached).
//
// A request the token may not make is answered 403 "Permission denied";
// a list is filtered to what the token may read, as in Consul.

// methodResolveToken is the RPC a client agent resolves a token with; the
// body is the secret, the answer a resolvedToken.
const methodResolveToken = "Agent.ResolveToken"

// tokenTTL is how long a client agent trusts a resolved token.
const tokenTTL = 30 * time.Second

// errACLNotFound answers a token that does not exist or has expired.
var errACLNotFound = &httpError{http.StatusForbidden, acl.ErrNotFound.Error()}

// errACLDisabled answers the /v1/acl endpoints while ACLs are off.
var errACLDisabled = &httpError{http.StatusUnauthorized, "ACL support disabled"}

// resolvedToken is a token with its policies, as a server sends it.
type resolvedToken struct {
	Token    *acl.Token
	Policies []*acl.Policy
}

// aclState is the agent's ACL machinery; nil when ACLs are off.
type aclState struct {
	resolver *acl.Resolver
	down     acl.DownPolicy
	mu       sync.Mutex
	cache    *acl.Cache[*acl.Authorizer]
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
		down:     down, cache: acl.NewCache[*acl.Authorizer](tokenTTL, 4096),
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
	secret := secretOf(r)
	if secret == "" {
		secret = a.defaultToken()
	}
	return a.authorizerFor(r.Context(), secret)
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
	} else {
		az, err = a.cachedAuthorizer(ctx, secret)
	}
	if errors.Is(err, acl.ErrNotFound) {
		return nil, errACLNotFound
	}
	return az, err
}

// cachedAuthorizer resolves a secret on a client agent under the down
// policy.
func (a *Agent) cachedAuthorizer(ctx context.Context, secret string) (*acl.Authorizer, error) {
	now := time.Now()
	a.acl.mu.Lock()
	action := a.acl.cache.Decide(secret, now, true, a.acl.down)
	entry, _ := a.acl.cache.Get(secret)
	a.acl.mu.Unlock()
	if action == acl.UseCache {
		return entry.Value, nil
	}
	az, err := a.fetchAuthorizer(ctx, secret)
	if err == nil || errors.Is(err, acl.ErrNotFound) {
		a.acl.mu.Lock()
		if err == nil {
			a.acl.cache.Put(secret, az, now)
		} else {
			a.acl.cache.Delete(secret)
		}
		a.acl.mu.Unlock()
		return az, err
	}
	a.acl.mu.Lock()
	action = a.acl.cache.Decide(secret, now, false, a.acl.down)
	a.acl.mu.Unlock()
	switch action {
	case acl.UseCache:
		return entry.Value, nil
	case acl.AllowAllAction:
		return acl.AllowAll(), nil
	}
	return acl.DenyAll(), nil
}

// fetchAuthorizer asks a server to resolve a secret.
func (a *Agent) fetchAuthorizer(ctx context.Context, secret string) (*acl.Authorizer, error) {
	type outcome struct {
		resp []byte
		err  error
	}
	o, err := onLoop(ctx, a, func(reply func(outcome)) {
		a.client.Call(methodResolveToken, []byte(secret), forwardTimeoutACL, true, func(resp []byte, err error) { reply(outcome{resp, err}) })
	})
	if err != nil {
		return nil, err
	}
	if o.err != nil {
		if strings.Contains(o.err.Error(), acl.ErrNotFound.Error()) {
			return nil, acl.ErrNotFound
		}
		return nil, fmt.Errorf("resolve token through a server: %w", o.err)
	}
	var rt resolvedToken
	if err := json.Unmarshal(o.resp, &rt); err != nil || rt.Token == nil {
		return nil, fmt.Errorf("resolve token: bad answer from server: %v", err)
	}
	policies := map[string]*acl.Policy{}
	for _, p := range rt.Policies {
		policies[p.ID] = p
	}
	return a.acl.resolver.AuthorizerFor(rt.Token, func(id string) (*acl.Policy, error) { return policies[id], nil })
}

// forwardTimeoutACL bounds one token resolution through a server.
const forwardTimeoutACL = 10 * time.Second

// registerResolveToken makes a server resolve tokens for client agents.
func (a *Agent) registerResolveToken() {
	a.server.RegisterRPC(methodResolveToken, func(body []byte, reply func([]byte, error)) {
		st := a.server.Catalog()
		tok, err := acl.NewResolver(acl.ResolverConfig{}).ResolveToken(string(body), time.Now(),
			func(s string) (*acl.Token, error) { _, t := st.ACLTokenBySecret(nil, s); return t, nil })
		if err != nil {
			reply(nil, err)
			return
		}
		rt := resolvedToken{Token: tok}
		for _, link := range tok.Policies {
			if _, p := st.ACLPolicyGet(nil, link.ID); p != nil {
				rt.Policies = append(rt.Policies, p)
			}
		}
		reply(json.Marshal(rt))
	})
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
