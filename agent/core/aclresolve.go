package core

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/acl"
)

// Token resolution: turning a request's secret into what it may do.
//
// A server resolves from its own catalog. In a secondary datacenter that
// catalog holds the replica of the primary's policies and global tokens
// (aclreplication.go), so the replica answers even while the primary is
// cut off; a secret the replica lacks (a token created since the last
// round, or every token when token replication is off) is asked of the
// primary across the WAN, and the answer cached for the token TTL.
//
// A client agent has no catalog: it asks a server (methodACLResolveToken)
// and keeps the answer for the token TTL, so that a change of a token or
// policy on the servers reaches its decisions within that TTL.
//
// Both caches are a downCache (aclcache.go): when the fetch fails because
// nobody answers, acl.down_policy decides what a stale or missing entry is
// worth ([acl.DecideCache]).

// methodACLResolveToken resolves a secret on a server; the body is the
// secret, the answer a ResolvedToken in JSON, or acl.ErrNotFound.
const methodACLResolveToken = "ACL.ResolveToken"

// resolveTimeout bounds one resolution through a server.
const resolveTimeout = 10 * time.Second

// DefaultACLTokenTTL is how long a client agent trusts a resolved token
// and its policies (acl.token_ttl and acl.policy_ttl), as in Consul.
const DefaultACLTokenTTL = 30 * time.Second

// ResolvedToken is a token with the policies it links, as a server sends
// it to an agent that resolves through it.
type ResolvedToken struct {
	Token    *acl.Token
	Policies []*acl.Policy `json:",omitempty"`
}

// ResolveToken finds the token whose SecretID is secret, with its
// policies: in this server's catalog, or, in a secondary datacenter whose
// replica lacks it, in the primary's (cached, see primaryTokens). done
// gets acl.ErrNotFound for a secret that names no live token.
func (s *Server) ResolveToken(secret string, done func(ResolvedToken, error)) {
	rt, err := s.resolveLocal(secret)
	if !errors.Is(err, acl.ErrNotFound) || !s.isACLSecondary() || secret == "" || secret == acl.AnonymousTokenSecret {
		done(rt, err)
		return
	}
	s.primaryTokens().get(secret, done)
}

// primaryTokens is the cache of tokens a secondary's server resolved in
// the primary, made on first use: a token stays usable for ACLTokenTTL,
// and past it while the primary cannot be reached under down_policy
// extend-cache or async-cache. Under allow and deny, and for a token never
// resolved, an unreachable primary is an error, which the caller answers
// with its down policy.
func (s *Server) primaryTokens() *downCache[ResolvedToken] {
	if s.remoteTokens != nil {
		return s.remoteTokens
	}
	fetch := func(secret string, done func(ResolvedToken, error)) {
		s.CallDatacenter(s.cfg.PrimaryDatacenter, methodACLResolveToken, []byte(secret), resolveTimeout, true,
			func(resp []byte, err error) {
				if err != nil {
					done(ResolvedToken{}, remoteNotFoundOr(err, "resolve token in the primary datacenter"))
					return
				}
				done(decodeResolvedToken(resp))
			})
	}
	unreachable := func(_ bool, err error) (ResolvedToken, error) { return ResolvedToken{}, err }
	s.remoteTokens = newDownCache(s.env.Now, fetch, s.cfg.ACLDownPolicy,
		cmp.Or(s.cfg.ACLTokenTTL, DefaultACLTokenTTL), 4096, unreachable)
	return s.remoteTokens
}

// resolveLocal resolves secret from this server's catalog.
func (s *Server) resolveLocal(secret string) (ResolvedToken, error) {
	tok, err := acl.NewResolver(acl.ResolverConfig{}).ResolveToken(secret, s.env.Now(),
		func(sec string) (*acl.Token, error) { _, t := s.fsm.ACLTokenBySecret(nil, sec); return t, nil })
	if err != nil {
		return ResolvedToken{}, err
	}
	rt := ResolvedToken{Token: tok}
	for _, link := range tok.Policies {
		if _, p := s.fsm.ACLPolicyGet(nil, link.ID); p != nil {
			rt.Policies = append(rt.Policies, p)
		}
	}
	return rt, nil
}

// registerACLResolve serves methodACLResolveToken.
func (s *Server) registerACLResolve() {
	s.rpcServer.Register(methodACLResolveToken, func(body []byte, reply func([]byte, error)) {
		s.ResolveToken(string(body), func(rt ResolvedToken, err error) {
			if err != nil {
				reply(nil, err)
				return
			}
			reply(json.Marshal(rt))
		})
	})
}

// remoteNotFoundOr turns a server's answer of acl.ErrNotFound back into
// the sentinel and wraps any other error with what was being done.
func remoteNotFoundOr(err error, doing string) error {
	if isRemote(err, acl.ErrNotFound) {
		return acl.ErrNotFound
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// decodeResolvedToken reads a server's answer to methodACLResolveToken.
func decodeResolvedToken(resp []byte) (ResolvedToken, error) {
	var rt ResolvedToken
	if err := json.Unmarshal(resp, &rt); err != nil {
		return ResolvedToken{}, fmt.Errorf("core: bad resolved token: %w", err)
	}
	if rt.Token == nil || slices.Contains(rt.Policies, nil) {
		return ResolvedToken{}, errors.New("core: bad resolved token: a missing token or policy")
	}
	return rt, nil
}

// Authorizer builds what the token may do from its policies.
func (rt ResolvedToken) Authorizer(r *acl.Resolver) (*acl.Authorizer, error) {
	byID := make(map[string]*acl.Policy, len(rt.Policies))
	for _, p := range rt.Policies {
		byID[p.ID] = p
	}
	return r.AuthorizerFor(rt.Token, func(id string) (*acl.Policy, error) { return byID[id], nil })
}

// ACLResolverConfig describes how an agent resolves tokens.
type ACLResolverConfig struct {
	// Datacenter is the agent's datacenter: a policy limited to others is
	// not in force here.
	Datacenter string
	// DefaultPolicy is acl.default_policy, DownPolicy acl.down_policy.
	DefaultPolicy acl.DefaultPolicy
	DownPolicy    acl.DownPolicy
	// TokenTTL and PolicyTTL are acl.token_ttl and acl.policy_ttl; zero
	// means DefaultACLTokenTTL. The cache holds authorizers, which depend
	// on both, so an entry is fresh for the shorter of the two.
	TokenTTL  time.Duration
	PolicyTTL time.Duration
	// MaxEntries bounds the cache; zero means 4096.
	MaxEntries int
}

// ACLResolver resolves secrets through the servers and caches the
// authorizers, under the down policy. Its methods run on the Env's loop.
type ACLResolver struct {
	cache *downCache[*acl.Authorizer]
}

// NewACLResolver returns a resolver that asks this client's servers.
func (c *Client) NewACLResolver(cfg ACLResolverConfig) *ACLResolver {
	fetch := func(secret string, done func(ResolvedToken, error)) {
		c.Call(methodACLResolveToken, []byte(secret), resolveTimeout, true, func(resp []byte, err error) {
			if err != nil {
				done(ResolvedToken{}, remoteNotFoundOr(err, "resolve token through a server"))
				return
			}
			done(decodeResolvedToken(resp))
		})
	}
	return newACLResolver(cfg, c.env.Now, fetch, c.logger)
}

// Authorize calls done with what the token whose SecretID is secret may
// do ("" is the anonymous token), or with acl.ErrNotFound when the
// servers say no such token exists. When they cannot be reached, the down
// policy answers: allow grants everything, deny nothing, and extend-cache
// and async-cache what was cached (nothing for an unknown secret).
func (r *ACLResolver) Authorize(secret string, done func(*acl.Authorizer, error)) {
	r.cache.get(secret, done)
}

// newACLResolver is an ACLResolver over any fetch of resolved tokens.
func newACLResolver(cfg ACLResolverConfig, now func() time.Time, fetch func(string, func(ResolvedToken, error)), logger *zap.Logger) *ACLResolver {
	resolver := acl.NewResolver(acl.ResolverConfig{Datacenter: cfg.Datacenter, DefaultPolicy: cfg.DefaultPolicy, Logger: logger.Named("acl")})
	authorize := func(secret string, done func(*acl.Authorizer, error)) {
		fetch(secret, func(rt ResolvedToken, err error) {
			if err != nil {
				done(nil, err)
				return
			}
			done(rt.Authorizer(resolver))
		})
	}
	unreachable := func(allow bool, _ error) (*acl.Authorizer, error) {
		if allow {
			return acl.AllowAll(), nil
		}
		return acl.DenyAll(), nil
	}
	ttl := min(cmp.Or(cfg.TokenTTL, DefaultACLTokenTTL), cmp.Or(cfg.PolicyTTL, DefaultACLTokenTTL))
	return &ACLResolver{cache: newDownCache(now, authorize, cfg.DownPolicy, ttl, cmp.Or(cfg.MaxEntries, 4096), unreachable)}
}
