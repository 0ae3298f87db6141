package acl

import "fmt"

// Decision is an authorizer's answer. Its zero value is Deny, so a forgotten
// answer fails closed.
type Decision uint8

// The two answers an [Authorizer] gives.
const (
	Deny Decision = iota
	Allow
)

// String returns "allow" or "deny".
func (d Decision) String() string {
	if d == Allow {
		return "allow"
	}
	return "deny"
}

// Err returns nil for Allow and [ErrPermissionDenied] for Deny, which is what
// an HTTP handler answers (403) before doing anything.
func (d Decision) Err() error {
	if d == Allow {
		return nil
	}
	return ErrPermissionDenied
}

func decision(ok bool) Decision {
	if ok {
		return Allow
	}
	return Deny
}

// DefaultPolicy is the acl.default_policy setting: what an authorizer answers
// when no rule of the token matches the question.
type DefaultPolicy uint8

// The two default policies. DefaultDeny is the zero value: a cluster whose
// configuration forgot the setting is closed rather than open.
const (
	DefaultDeny DefaultPolicy = iota
	DefaultAllow
)

// ParseDefaultPolicy reads the configuration spelling, "allow" or "deny".
func ParseDefaultPolicy(s string) (DefaultPolicy, error) {
	switch s {
	case "allow":
		return DefaultAllow, nil
	case "deny":
		return DefaultDeny, nil
	}
	return DefaultDeny, fmt.Errorf("acl: default_policy %q is not allow or deny", s)
}

// String returns the configuration spelling.
func (p DefaultPolicy) String() string {
	if p == DefaultAllow {
		return "allow"
	}
	return "deny"
}

// Authorizer answers whether one token may perform an operation. It is built
// from all the rulesets of the token's policies and the default policy, and
// is immutable afterwards, so it may be cached and shared.
//
// Each method returns Allow or Deny: the level of the governing rule decides
// (exact beats prefix, the longest prefix wins, write grants list and read,
// list grants read); when no rule governs the name, the default policy
// decides.
type Authorizer struct {
	manageAll bool
	fallback  DefaultPolicy
	trees     [numResources]radixTree
	scalars   [numScalars]Access
}

// NewAuthorizer merges the rulesets of one token into an authorizer. Rules
// that name the same resource with the same form (exact or prefix) are merged
// by precedence: deny beats write, write beats list, list beats read, as in
// Consul's policy merger. Rules of different specificity are not merged: an
// exact rule still beats every prefix rule, and a longer prefix beats a
// shorter one, whichever policy they come from.
func NewAuthorizer(fallback DefaultPolicy, rulesets ...*Ruleset) *Authorizer {
	a := &Authorizer{fallback: fallback}
	for _, rs := range rulesets {
		for _, r := range rs.Rules {
			a.trees[r.Resource].insert(r.Name, r.Prefix, r.Access)
		}
		for s, access := range rs.Scalars {
			a.scalars[s] = a.scalars[s].merge(access)
		}
	}
	for i := range a.trees {
		a.trees[i].finish()
	}
	return a
}

// ManageAll returns an authorizer that allows everything: the authorizer of a
// token that carries the global-management policy.
func ManageAll() *Authorizer {
	return &Authorizer{manageAll: true, fallback: DefaultAllow}
}

// DenyAll returns an authorizer that denies everything: what down_policy
// "deny" hands out while the servers cannot be reached.
func DenyAll() *Authorizer {
	return &Authorizer{fallback: DefaultDeny}
}

// AllowAll returns an authorizer that allows everything except the ACL
// system itself, like Consul's: what default_policy "allow" with no rules, or
// down_policy "allow", hands out. Reading or changing ACLs always needs a
// rule (or management).
func AllowAll() *Authorizer {
	return &Authorizer{fallback: DefaultAllow}
}

// IsManagement reports whether the authorizer allows everything.
func (a *Authorizer) IsManagement() bool {
	return a.manageAll
}

func (a *Authorizer) defaultDecision() Decision {
	return decision(a.fallback == DefaultAllow)
}

// check answers a question about one name of a named resource.
func (a *Authorizer) check(res Resource, name string, need Access) Decision {
	if a.manageAll {
		return Allow
	}
	if access := a.trees[res].lookup(name); access != AccessUnset {
		return decision(access.grants(need))
	}
	return a.defaultDecision()
}

// checkScalar answers a question about a scalar resource; when the scalar has
// no rule, orElse (if set) is asked instead of the default policy.
func (a *Authorizer) checkScalar(s Scalar, need Access, orElse func(Access) Decision) Decision {
	if a.manageAll {
		return Allow
	}
	if access := a.scalars[s]; access != AccessUnset {
		return decision(access.grants(need))
	}
	if orElse != nil {
		return orElse(need)
	}
	return a.defaultDecision()
}
