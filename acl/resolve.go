package acl

import (
	"fmt"
	"time"

	"go.uber.org/zap"
)

// TokenLookup finds a token by its SecretID. It returns (nil, nil) when no
// token has that secret, and an error only when the lookup itself failed
// (the store could not be read). In a server it reads the catalog's ACL
// table; in a client agent it asks a server.
type TokenLookup func(secretID string) (*Token, error)

// PolicyLookup finds a policy by ID, returning (nil, nil) when none exists.
type PolicyLookup func(id string) (*Policy, error)

// ResolverConfig holds the settings a [Resolver] needs.
type ResolverConfig struct {
	// Datacenter is the local datacenter: a policy whose Datacenters list
	// does not name it is not in force here.
	Datacenter string
	// DefaultPolicy is acl.default_policy.
	DefaultPolicy DefaultPolicy
	// Logger receives debug lines naming tokens by AccessorID only; nil
	// means no logging.
	Logger *zap.Logger
}

// Resolver turns a request's secret into an [Authorizer]. It holds no state
// besides its configuration, so it is safe to share; a caller that wants to
// avoid a lookup per request caches the results in a [Cache].
type Resolver struct {
	cfg ResolverConfig
}

// NewResolver returns a resolver with the given configuration.
func NewResolver(cfg ResolverConfig) *Resolver {
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	return &Resolver{cfg: cfg}
}

// Resolve returns the authorizer for the token whose SecretID is secret, at
// time now. An empty secret means the anonymous token. It returns
// [ErrNotFound] when no token has the secret or the token has expired. The
// secret never appears in an error or a log line.
func (r *Resolver) Resolve(secret string, now time.Time, lookupToken TokenLookup, lookupPolicy PolicyLookup) (*Authorizer, error) {
	tok, err := r.ResolveToken(secret, now, lookupToken)
	if err != nil {
		return nil, err
	}
	return r.AuthorizerFor(tok, lookupPolicy)
}

// ResolveToken finds the token whose SecretID is secret and checks that it
// has not expired at now. An empty secret resolves to the anonymous token;
// when the store has no anonymous token yet (ACLs not initialised), a bare
// anonymous token with no policies stands in for it.
func (r *Resolver) ResolveToken(secret string, now time.Time, lookupToken TokenLookup) (*Token, error) {
	anonymous := secret == "" || secret == AnonymousTokenSecret
	if secret == "" {
		secret = AnonymousTokenSecret
	}
	tok, err := lookupToken(secret)
	if err != nil {
		return nil, fmt.Errorf("acl: look up token: %w", err)
	}
	if tok == nil {
		if anonymous {
			anon := AnonymousToken()
			return &anon, nil
		}
		return nil, ErrNotFound
	}
	if tok.IsExpired(now) {
		r.cfg.Logger.Debug("acl: token has expired", zap.String("accessor_id", tok.AccessorID))
		return nil, ErrNotFound
	}
	return tok, nil
}

// AuthorizerFor builds the authorizer of a resolved token from its policies.
// A linked policy that no longer exists, or that is not in force in this
// datacenter, is skipped; a link to the global-management policy makes the
// token a management token.
func (r *Resolver) AuthorizerFor(tok *Token, lookupPolicy PolicyLookup) (*Authorizer, error) {
	rulesets := make([]*Ruleset, 0, len(tok.Policies))
	for _, link := range tok.Policies {
		if link.ID == GlobalManagementPolicyID {
			return ManageAll(), nil
		}
		p, err := lookupPolicy(link.ID)
		if err != nil {
			return nil, fmt.Errorf("acl: token %s: look up policy %s: %w", tok.AccessorID, link.ID, err)
		}
		if p == nil {
			r.cfg.Logger.Debug("acl: token links a missing policy",
				zap.String("accessor_id", tok.AccessorID), zap.String("policy_id", link.ID))
			continue
		}
		if !p.AppliesIn(r.cfg.Datacenter) {
			continue
		}
		rs, err := ParseRules(p.Rules)
		if err != nil {
			return nil, fmt.Errorf("acl: token %s: policy %s: %w", tok.AccessorID, p.ID, err)
		}
		rulesets = append(rulesets, rs)
	}
	return NewAuthorizer(r.cfg.DefaultPolicy, rulesets...), nil
}
