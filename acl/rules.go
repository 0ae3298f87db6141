package acl

import (
	"cmp"
	"slices"
)

// Access is the level a rule grants on a resource. Its zero value, AccessUnset,
// means "no rule says anything", which sends a question on to the next, less
// specific rule and in the end to the default policy.
type Access uint8

// The access levels of Consul's rule language. List exists only for key and
// key_prefix rules: it lets a token list keys under a prefix (and read them)
// without granting write.
const (
	AccessUnset Access = iota
	AccessDeny
	AccessRead
	AccessList
	AccessWrite
)

// String returns the level as it is spelled in rules ("read", "write", …).
func (a Access) String() string {
	switch a {
	case AccessDeny:
		return "deny"
	case AccessRead:
		return "read"
	case AccessList:
		return "list"
	case AccessWrite:
		return "write"
	}
	return "unset"
}

// precedence orders the levels for merging rules that name the same resource
// with the same specificity: deny beats write, write beats list, list beats
// read (Consul's takesPrecedenceOver). An unset level loses to everything.
func (a Access) precedence() int {
	switch a {
	case AccessDeny:
		return 4
	case AccessWrite:
		return 3
	case AccessList:
		return 2
	case AccessRead:
		return 1
	}
	return 0
}

// merge returns whichever of a and b takes precedence.
func (a Access) merge(b Access) Access {
	if b.precedence() > a.precedence() {
		return b
	}
	return a
}

// grants reports whether a rule at level a allows an operation that needs
// level need. Write grants everything; list grants list and read; read grants
// read only; deny grants nothing.
func (a Access) grants(need Access) bool {
	switch a {
	case AccessWrite:
		return true
	case AccessList:
		return need == AccessList || need == AccessRead
	case AccessRead:
		return need == AccessRead
	}
	return false
}

// Resource is a kind of named object a rule can govern (keys, services,
// nodes, …). Each has an exact form (`key "a"`) and a prefix form
// (`key_prefix "a"`).
type Resource uint8

// The named resources of Consul's rule language. ResourceIntention is not
// written as a block of its own: it holds the `intentions` field of service
// and service_prefix rules.
const (
	ResourceKey Resource = iota
	ResourceService
	ResourceNode
	ResourceAgent
	ResourceEvent
	ResourceSession
	ResourceQuery
	ResourceIntention
	numResources
)

// String returns the exact-form block name of the resource ("key", …).
func (r Resource) String() string {
	switch r {
	case ResourceKey:
		return "key"
	case ResourceService:
		return "service"
	case ResourceNode:
		return "node"
	case ResourceAgent:
		return "agent"
	case ResourceEvent:
		return "event"
	case ResourceSession:
		return "session"
	case ResourceQuery:
		return "query"
	case ResourceIntention:
		return "intention"
	}
	return "unknown"
}

// Scalar is a resource without names: a single level for the whole cluster.
type Scalar uint8

// The scalar resources of Consul's rule language.
const (
	ScalarACL Scalar = iota
	ScalarOperator
	ScalarKeyring
	ScalarMesh
	ScalarPeering
	numScalars
)

// String returns the scalar as it is spelled in rules.
func (s Scalar) String() string {
	switch s {
	case ScalarACL:
		return "acl"
	case ScalarOperator:
		return "operator"
	case ScalarKeyring:
		return "keyring"
	case ScalarMesh:
		return "mesh"
	case ScalarPeering:
		return "peering"
	}
	return "unknown"
}

// Rule is one parsed rule: an access level for one name (Prefix false) or for
// every name that starts with Name (Prefix true).
type Rule struct {
	Resource Resource
	Name     string
	Prefix   bool
	Access   Access
}

// Ruleset is the typed form of one policy's rule text. Rules are sorted by
// (Resource, Prefix, Name) and hold at most one entry per such triple:
// duplicates in the text are merged with [Access] precedence, so two rulesets
// parsed from equivalent texts (HCL or JSON) are equal.
type Ruleset struct {
	Rules   []Rule
	Scalars [numScalars]Access
}

// Scalar returns the level the ruleset sets for s (AccessUnset if none).
func (rs *Ruleset) Scalar(s Scalar) Access {
	return rs.Scalars[s]
}

// normalize sorts the rules into their canonical order and merges rules
// for the same target with [Access] precedence.
func (rs *Ruleset) normalize() {
	slices.SortFunc(rs.Rules, compareRules)
	out := rs.Rules[:0]
	for _, r := range rs.Rules {
		if n := len(out); n > 0 && compareRules(out[n-1], r) == 0 {
			out[n-1].Access = out[n-1].Access.merge(r.Access)
			continue
		}
		out = append(out, r)
	}
	rs.Rules = out
}

func compareRules(a, b Rule) int {
	if c := cmp.Compare(a.Resource, b.Resource); c != 0 {
		return c
	}
	if a.Prefix != b.Prefix {
		if a.Prefix {
			return 1
		}
		return -1
	}
	return cmp.Compare(a.Name, b.Name)
}
