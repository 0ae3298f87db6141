package catalog

import (
	"fmt"
	"slices"

	"github.com/cairn-sd/cairn/acl"
)

// ACL replication. In a datacenter other than the primary, the leader
// copies the primary's policies and global (non-Local) tokens into its own
// catalog: it reads them across the WAN, computes what differs from its
// own tables, and proposes the difference as one ACLReplicateRequest, so
// that a round of replication is applied all at once or not at all.
//
// A replicated row is the primary's, not a new write: the primary already
// validated it, so the batch is checked only for what would break this
// catalog (missing IDs, rules that do not parse, two policies under one
// name, a secret another token holds), and a token keeps its policy links
// as the primary stored them, even to a policy the primary has deleted
// (resolution skips such a link, as it does in the primary).

// ACLReplicateRequest applies one round of ACL replication: PolicyDeletes
// and TokenDeletes (by ID and AccessorID) go first, then the upserts. A
// policy keeps its ID and may change its name; names are checked against
// the state the whole batch leaves behind, so two policies may swap names
// in one round. Upserted tokens must not be Local, and a replicated token
// may not replace a Local one. The catalog sets CreateIndex and
// ModifyIndex; a token's CreateTime is the primary's.
type ACLReplicateRequest struct {
	PolicyUpserts []acl.Policy `json:",omitempty"`
	PolicyDeletes []string     `json:",omitempty"`
	TokenUpserts  []acl.Token  `json:",omitempty"`
	TokenDeletes  []string     `json:",omitempty"`
}

func (*ACLReplicateRequest) opCode() opCode { return opACLReplicate }

// applyACLReplicate checks the whole batch, then applies it.
func (s *State) applyACLReplicate(idx uint64, r *ACLReplicateRequest) Result {
	policies, err := s.checkReplicatedPolicies(r)
	if err != nil {
		return errResult(err)
	}
	tokens, err := s.checkReplicatedTokens(r)
	if err != nil {
		return errResult(err)
	}
	for _, id := range r.TokenDeletes {
		if res := s.applyACLTokenDelete(idx, &ACLTokenDeleteRequest{AccessorID: id}); res.Err != nil {
			return res
		}
	}
	for _, id := range r.PolicyDeletes {
		if res := s.applyACLPolicyDelete(idx, &ACLPolicyDeleteRequest{ID: id}); res.Err != nil {
			return res
		}
	}
	s.putReplicatedPolicies(idx, policies)
	for i := range tokens {
		if old, ok := s.db.aclTokens.get(tokens[i].AccessorID); ok {
			s.db.aclTokenSecrets.delete(old.SecretID)
		}
		s.putACLToken(idx, &tokens[i])
	}
	return okResult
}

// putReplicatedPolicies stores the upserted policies at idx. Every old name
// is released before any new one is taken, so that policies can swap names
// within one batch. Creating or renaming a policy changes how tokens read
// (see putACLPolicy), so the tokens table is touched too.
func (s *State) putReplicatedPolicies(idx uint64, policies []acl.Policy) {
	if len(policies) == 0 {
		return
	}
	for i := range policies {
		p := &policies[i]
		p.CreateIndex, p.ModifyIndex = idx, idx
		if old, ok := s.db.aclPolicies.get(p.ID); ok {
			p.CreateIndex = old.CreateIndex
			s.db.aclPolicyNames.delete(old.Name)
		}
	}
	for i := range policies {
		s.db.aclPolicies.put(policies[i].ID, &policies[i])
		s.db.aclPolicyNames.put(policies[i].Name, policies[i].ID)
	}
	s.touchTable(idx, tableACLPolicies)
	s.touchTable(idx, tableACLTokens)
}

// checkReplicatedPolicies validates the policy half of a batch and returns
// copies of the upserts, ready to store. The builtin policy may be deleted
// by nobody, and may change only its description.
func (s *State) checkReplicatedPolicies(r *ACLReplicateRequest) ([]acl.Policy, error) {
	if slices.Contains(r.PolicyDeletes, acl.GlobalManagementPolicyID) {
		return nil, ErrACLBuiltinPolicy
	}
	leaving := map[string]bool{}
	for _, id := range r.PolicyDeletes {
		if p, ok := s.db.aclPolicies.get(id); ok {
			leaving[p.Name] = true
		}
	}
	out := make([]acl.Policy, 0, len(r.PolicyUpserts))
	ids := map[string]bool{}
	for _, p := range r.PolicyUpserts {
		if p.ID == "" {
			return nil, ErrMissingACLPolicyID
		}
		if ids[p.ID] || slices.Contains(r.PolicyDeletes, p.ID) {
			return nil, fmt.Errorf("%w: policy %s appears twice in one replication batch", ErrInvalidACLPolicy, p.ID)
		}
		ids[p.ID] = true
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidACLPolicy, err)
		}
		if p.ID == acl.GlobalManagementPolicyID || p.Name == acl.GlobalManagementPolicyName {
			if err := s.checkACLPolicy(&p); err != nil {
				return nil, err
			}
		}
		if old, ok := s.db.aclPolicies.get(p.ID); ok {
			leaving[old.Name] = true
		}
		p.Datacenters = slices.Clone(p.Datacenters)
		out = append(out, p)
	}
	return out, s.checkReplicatedNames(out, leaving)
}

// checkReplicatedNames refuses two policies under one name once the batch
// is applied: among the upserts, or between an upsert and a policy the
// batch leaves in place.
func (s *State) checkReplicatedNames(upserts []acl.Policy, leaving map[string]bool) error {
	taken := map[string]string{}
	for _, p := range upserts {
		if other, ok := taken[p.Name]; ok {
			return fmt.Errorf("%w: %q (policies %s and %s)", ErrACLPolicyNameExists, p.Name, other, p.ID)
		}
		taken[p.Name] = p.ID
		if id, ok := s.db.aclPolicyNames.get(p.Name); ok && id != p.ID && !leaving[p.Name] {
			return fmt.Errorf("%w: %q", ErrACLPolicyNameExists, p.Name)
		}
	}
	return nil
}

// checkReplicatedTokens validates the token half of a batch and returns
// copies of the upserts, ready to store.
func (s *State) checkReplicatedTokens(r *ACLReplicateRequest) ([]acl.Token, error) {
	if slices.Contains(r.TokenDeletes, acl.AnonymousTokenID) {
		return nil, ErrACLAnonymousToken
	}
	freed := map[string]bool{}
	for _, id := range r.TokenDeletes {
		if tok, ok := s.db.aclTokens.get(id); ok {
			if tok.Local {
				return nil, fmt.Errorf("%w: token %s is Local and is not replicated", ErrInvalidACLToken, id)
			}
			freed[tok.SecretID] = true
		}
	}
	out := make([]acl.Token, 0, len(r.TokenUpserts))
	secrets := map[string]bool{}
	for _, tok := range r.TokenUpserts {
		if err := s.checkReplicatedToken(&tok, freed); err != nil {
			return nil, err
		}
		if secrets[tok.SecretID] || slices.Contains(r.TokenDeletes, tok.AccessorID) {
			return nil, fmt.Errorf("%w: token %s appears twice in one replication batch", ErrInvalidACLToken, tok.AccessorID)
		}
		secrets[tok.SecretID] = true
		tok.Policies = slices.Clone(tok.Policies)
		out = append(out, tok)
	}
	return out, nil
}

// checkReplicatedToken checks one replicated token against the state; a
// secret is free if no token holds it, its own token holds it, or the
// batch deletes the token that holds it.
func (s *State) checkReplicatedToken(tok *acl.Token, freed map[string]bool) error {
	if tok.AccessorID == "" {
		return ErrMissingACLAccessorID
	}
	if tok.SecretID == "" {
		return fmt.Errorf("%w: token %s", ErrMissingACLSecretID, tok.AccessorID)
	}
	if tok.Local {
		return fmt.Errorf("%w: token %s is Local and is not replicated", ErrInvalidACLToken, tok.AccessorID)
	}
	if (tok.AccessorID == acl.AnonymousTokenID) != (tok.SecretID == acl.AnonymousTokenSecret) {
		return fmt.Errorf("%w: token %s: only the anonymous token has its secret", ErrInvalidACLToken, tok.AccessorID)
	}
	if old, ok := s.db.aclTokens.get(tok.AccessorID); ok && old.Local {
		return fmt.Errorf("%w: token %s", ErrACLLocalImmutable, tok.AccessorID)
	}
	if holder, ok := s.db.aclTokenSecrets.get(tok.SecretID); ok && holder != tok.AccessorID && !freed[tok.SecretID] {
		return fmt.Errorf("%w: token %s", ErrACLSecretInUse, tok.AccessorID)
	}
	for _, l := range tok.Policies {
		if l.ID == "" {
			return fmt.Errorf("%w: token %s links a policy without an ID", ErrInvalidACLToken, tok.AccessorID)
		}
	}
	return utcTimes(tok)
}

// IsACLWrite reports whether an encoded command writes ACL policies or
// tokens (or bootstraps), from its op code alone, so that a caller can
// pick those out without decoding every command.
func IsACLWrite(cmd []byte) bool {
	if len(cmd) < 2 || cmd[0] != CommandVersion {
		return false
	}
	switch opCode(cmd[1]) {
	case opACLBootstrap, opACLPolicySet, opACLPolicyDelete, opACLTokenSet, opACLTokenDelete:
		return true
	}
	return false
}
