package catalog

import (
	"fmt"
	"slices"

	"github.com/cairn-sd/cairn/acl"
)

// applyACLPolicySet validates the policy against the state and stores it.
func (s *State) applyACLPolicySet(idx uint64, r *ACLPolicySetRequest) Result {
	p := r.Policy
	if err := s.checkACLPolicy(&p); err != nil {
		return errResult(err)
	}
	p.Datacenters = slices.Clone(p.Datacenters)
	s.putACLPolicy(idx, &p)
	return okResult
}

// checkACLPolicy refuses a policy write that Consul refuses: no ID, an
// invalid name or rules, a name another policy has (or the builtin
// policy's name on another ID), or a change to the builtin policy other
// than its description.
func (s *State) checkACLPolicy(p *acl.Policy) error {
	if p.ID == "" {
		return ErrMissingACLPolicyID
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidACLPolicy, err)
	}
	if p.Name == acl.GlobalManagementPolicyName && p.ID != acl.GlobalManagementPolicyID {
		return fmt.Errorf("%w: %q is the builtin policy's name", ErrACLPolicyNameExists, p.Name)
	}
	if id, ok := s.db.aclPolicyNames.get(p.Name); ok && id != p.ID {
		return fmt.Errorf("%w: %q", ErrACLPolicyNameExists, p.Name)
	}
	if p.ID != acl.GlobalManagementPolicyID {
		return nil
	}
	builtin := acl.GlobalManagementPolicy()
	if old, ok := s.db.aclPolicies.get(p.ID); ok {
		builtin = *old
	}
	if p.Name != builtin.Name || p.Rules != builtin.Rules || !slices.Equal(p.Datacenters, builtin.Datacenters) {
		return ErrACLBuiltinPolicy
	}
	return nil
}

// putACLPolicy stores p at idx, keeping the CreateIndex of the policy it
// replaces. Creating or renaming a policy changes how the tokens linking
// its ID read (a link left by a deleted policy shows again; a link shows
// the new name), so either touches the tokens table too.
func (s *State) putACLPolicy(idx uint64, p *acl.Policy) {
	p.CreateIndex, p.ModifyIndex = idx, idx
	old, ok := s.db.aclPolicies.get(p.ID)
	if ok {
		p.CreateIndex = old.CreateIndex
		s.db.aclPolicyNames.delete(old.Name)
	}
	if !ok || old.Name != p.Name {
		s.touchTable(idx, tableACLTokens)
	}
	s.db.aclPolicies.put(p.ID, p)
	s.db.aclPolicyNames.put(p.Name, p.ID)
	s.touchTable(idx, tableACLPolicies)
}

// applyACLPolicyDelete deletes a policy other than the builtin one. The
// tokens linking it keep their links (see ACLPolicyDeleteRequest), but
// they read differently, so the tokens table is touched too.
func (s *State) applyACLPolicyDelete(idx uint64, r *ACLPolicyDeleteRequest) Result {
	if r.ID == acl.GlobalManagementPolicyID {
		return errResult(ErrACLBuiltinPolicy)
	}
	p, ok := s.db.aclPolicies.get(r.ID)
	if !ok {
		return okResult
	}
	s.db.aclPolicies.delete(r.ID)
	s.db.aclPolicyNames.delete(p.Name)
	s.touchTable(idx, tableACLPolicies)
	s.touchTable(idx, tableACLTokens)
	return okResult
}

// ACLPolicyGet returns the policy id, or nil. The index, for this and the
// other policy reads, is the policies table's, and the watch is on the
// whole table, as in Consul.
func (s *State) ACLPolicyGet(ws *WatchSet, id string) (uint64, *acl.Policy) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchTable, name: tableACLPolicies})
	p, _ := s.db.aclPolicies.get(id)
	return s.answer(s.db.tableIndex[tableACLPolicies]), p
}

// ACLPolicyByName returns the policy called name, or nil.
func (s *State) ACLPolicyByName(ws *WatchSet, name string) (uint64, *acl.Policy) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchTable, name: tableACLPolicies})
	var p *acl.Policy
	if id, ok := s.db.aclPolicyNames.get(name); ok {
		p = s.db.aclPolicies.at(id)
	}
	return s.answer(s.db.tableIndex[tableACLPolicies]), p
}

// ACLPolicyList returns every policy in ID order.
func (s *State) ACLPolicyList(ws *WatchSet) (uint64, []*acl.Policy) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchTable, name: tableACLPolicies})
	out := make([]*acl.Policy, 0, s.db.aclPolicies.len())
	for id := range s.db.aclPolicies.all() {
		out = append(out, s.db.aclPolicies.at(id))
	}
	return s.answer(s.db.tableIndex[tableACLPolicies]), out
}
