package acl

import (
	"fmt"
	"regexp"
	"slices"
)

// GlobalManagementPolicyID is the fixed ID of the built-in policy that grants
// everything. A token linked to it resolves to [ManageAll].
const GlobalManagementPolicyID = "00000000-0000-0000-0000-000000000001"

// GlobalManagementPolicyName is the built-in policy's name.
const GlobalManagementPolicyName = "global-management"

// globalManagementRules spells out in the rule language what the built-in
// policy grants; the resolver does not parse it (it hands out [ManageAll]),
// but API readers see it, as in Consul.
const globalManagementRules = `acl = "write"
agent_prefix "" {
  policy = "write"
}
event_prefix "" {
  policy = "write"
}
key_prefix "" {
  policy = "write"
}
keyring = "write"
node_prefix "" {
  policy = "write"
}
operator = "write"
mesh = "write"
peering = "write"
query_prefix "" {
  policy = "write"
}
service_prefix "" {
  policy = "write"
  intentions = "write"
}
session_prefix "" {
  policy = "write"
}`

// Policy is a named, stored set of rules, the unit tokens link to. Its JSON
// form is the one Consul's /v1/acl/policy API uses.
type Policy struct {
	ID          string
	Name        string
	Description string
	// Rules is the rule text, HCL or JSON, parsed by [ParseRules].
	Rules string
	// Datacenters limits the policy to the listed datacenters; empty means
	// every datacenter.
	Datacenters []string
	CreateIndex uint64
	ModifyIndex uint64
}

// GlobalManagementPolicy returns the built-in policy that grants everything,
// as the leader writes it when ACLs are first initialised.
func GlobalManagementPolicy() Policy {
	return Policy{
		ID:          GlobalManagementPolicyID,
		Name:        GlobalManagementPolicyName,
		Description: "Builtin Policy that grants unlimited access",
		Rules:       globalManagementRules,
	}
}

// AppliesIn reports whether the policy is in force in datacenter dc.
func (p *Policy) AppliesIn(dc string) bool {
	return len(p.Datacenters) == 0 || slices.Contains(p.Datacenters, dc)
}

// policyNamePattern is Consul's rule for policy names.
var policyNamePattern = regexp.MustCompile(`^[A-Za-z0-9\-_]{1,128}$`)

// Validate checks what a policy write must satisfy: a valid name and rules
// that parse. A rules error wraps [ErrInvalidRules].
func (p *Policy) Validate() error {
	if !policyNamePattern.MatchString(p.Name) {
		return fmt.Errorf("acl: invalid policy name %q: only alphanumerics, dashes and underscores, 1 to 128 of them", p.Name)
	}
	if _, err := ParseRules(p.Rules); err != nil {
		return fmt.Errorf("acl: policy %q: %w", p.Name, err)
	}
	return nil
}
