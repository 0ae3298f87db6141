package catalog

import (
	"fmt"
	"slices"
	"time"

	"github.com/cairn-sd/cairn/acl"
)

// applyACLTokenSet validates the token against the state and stores it.
func (s *State) applyACLTokenSet(idx uint64, r *ACLTokenSetRequest) Result {
	tok := r.Token
	if err := s.normaliseACLToken(&tok, r.Now); err != nil {
		return errResult(err)
	}
	s.putACLToken(idx, &tok)
	return okResult
}

// normaliseACLToken checks tok against the stored token with its
// AccessorID, if any, and fills in what the catalog decides: the
// SecretID and CreateTime of an update, the CreateTime of a new token,
// and both halves of every policy link.
func (s *State) normaliseACLToken(tok *acl.Token, now Timestamp) error {
	if tok.AccessorID == "" {
		return ErrMissingACLAccessorID
	}
	if old, ok := s.db.aclTokens.get(tok.AccessorID); ok {
		if tok.SecretID != "" && tok.SecretID != old.SecretID {
			return fmt.Errorf("%w: token %s", ErrACLSecretImmutable, tok.AccessorID)
		}
		if tok.Local != old.Local {
			return fmt.Errorf("%w: token %s", ErrACLLocalImmutable, tok.AccessorID)
		}
		tok.SecretID, tok.CreateTime = old.SecretID, old.CreateTime
	} else {
		if err := s.checkNewSecret(tok.AccessorID, tok.SecretID); err != nil {
			return err
		}
		if tok.CreateTime.IsZero() {
			tok.CreateTime = now.Time()
		}
	}
	if err := utcTimes(tok); err != nil {
		return err
	}
	links, err := s.resolvePolicyLinks(tok.AccessorID, tok.Policies)
	if err != nil {
		return err
	}
	tok.Policies = links
	return nil
}

// checkNewSecret refuses the secret of a new token if it is empty, taken,
// or the anonymous token's secret on another token (or another secret on
// the anonymous token). The error names the
// token by its AccessorID, never by the secret.
func (s *State) checkNewSecret(accessorID, secretID string) error {
	if secretID == "" {
		return fmt.Errorf("%w: token %s", ErrMissingACLSecretID, accessorID)
	}
	if accessorID == acl.AnonymousTokenID && secretID != acl.AnonymousTokenSecret {
		return fmt.Errorf("%w: the anonymous token's SecretID is %q", ErrInvalidACLToken, acl.AnonymousTokenSecret)
	}
	_, taken := s.db.aclTokenSecrets.get(secretID)
	if taken || (secretID == acl.AnonymousTokenSecret && accessorID != acl.AnonymousTokenID) {
		return fmt.Errorf("%w: token %s", ErrACLSecretInUse, accessorID)
	}
	return nil
}

// utcTimes stores the token's times in UTC, so that equal moments encode
// alike, and refuses a time that JSON cannot encode in UTC (a year outside
// 1 to 9999), which would make every later snapshot fail.
func utcTimes(tok *acl.Token) error {
	tok.CreateTime = tok.CreateTime.UTC()
	if tok.ExpirationTime != nil {
		exp := tok.ExpirationTime.UTC()
		tok.ExpirationTime = &exp
	}
	for _, t := range []*time.Time{&tok.CreateTime, tok.ExpirationTime} {
		if t != nil && (t.Year() < 1 || t.Year() > 9999) {
			return fmt.Errorf("%w: token %s: a time outside the years 1 to 9999", ErrInvalidACLToken, tok.AccessorID)
		}
	}
	return nil
}

// resolvePolicyLinks returns links with each policy named by both ID and
// Name, in the given order, without repeats; a link naming no existing
// policy refuses the token accessorID.
func (s *State) resolvePolicyLinks(accessorID string, links []acl.PolicyLink) ([]acl.PolicyLink, error) {
	var out []acl.PolicyLink
	for _, l := range links {
		id := l.ID
		if id == "" {
			id, _ = s.db.aclPolicyNames.get(l.Name)
		}
		p, ok := s.db.aclPolicies.get(id)
		if !ok {
			return nil, fmt.Errorf("%w: token %s links {ID: %q, Name: %q}", ErrACLPolicyNotFound, accessorID, l.ID, l.Name)
		}
		link := acl.PolicyLink{ID: p.ID, Name: p.Name}
		if !slices.Contains(out, link) {
			out = append(out, link)
		}
	}
	return out, nil
}

// putACLToken stores tok at idx, keeping the CreateIndex of the token it
// replaces.
func (s *State) putACLToken(idx uint64, tok *acl.Token) {
	tok.CreateIndex, tok.ModifyIndex = idx, idx
	if old, ok := s.db.aclTokens.get(tok.AccessorID); ok {
		tok.CreateIndex = old.CreateIndex
	}
	s.db.aclTokens.put(tok.AccessorID, tok)
	s.db.aclTokenSecrets.put(tok.SecretID, tok.AccessorID)
	s.touchTable(idx, tableACLTokens)
}

// applyACLTokenDelete deletes a token other than the anonymous one.
func (s *State) applyACLTokenDelete(idx uint64, r *ACLTokenDeleteRequest) Result {
	if r.AccessorID == acl.AnonymousTokenID {
		return errResult(ErrACLAnonymousToken)
	}
	tok, ok := s.db.aclTokens.get(r.AccessorID)
	if !ok {
		return okResult
	}
	s.db.aclTokens.delete(r.AccessorID)
	s.db.aclTokenSecrets.delete(tok.SecretID)
	s.touchTable(idx, tableACLTokens)
	return okResult
}

// presentToken returns tok as reads show it: each policy link with the
// policy's current name, and links to deleted policies left out, as
// Consul shows them. The stored row is returned when nothing differs.
func (s *State) presentToken(tok *acl.Token) *acl.Token {
	if tok == nil {
		return nil
	}
	var links []acl.PolicyLink
	changed := false
	for _, l := range tok.Policies {
		p, ok := s.db.aclPolicies.get(l.ID)
		if !ok || p.Name != l.Name {
			changed = true
		}
		if ok {
			links = append(links, acl.PolicyLink{ID: p.ID, Name: p.Name})
		}
	}
	if !changed {
		return tok
	}
	c := *tok
	c.Policies = links
	return &c
}

// ACLTokenGet returns the token with the AccessorID accessorID, or nil.
// The index, for this and the other token reads, is the tokens table's,
// and the watch is on the whole table, as in Consul.
func (s *State) ACLTokenGet(ws *WatchSet, accessorID string) (uint64, *acl.Token) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchTable, name: tableACLTokens})
	tok, _ := s.db.aclTokens.get(accessorID)
	return s.answer(s.db.tableIndex[tableACLTokens]), s.presentToken(tok)
}

// ACLTokenBySecret returns the token whose SecretID is secretID, or nil:
// the lookup behind acl.TokenLookup. Expired tokens are returned too; the
// resolver decides on expiry.
func (s *State) ACLTokenBySecret(ws *WatchSet, secretID string) (uint64, *acl.Token) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchTable, name: tableACLTokens})
	var tok *acl.Token
	if id, ok := s.db.aclTokenSecrets.get(secretID); ok {
		tok = s.db.aclTokens.at(id)
	}
	return s.answer(s.db.tableIndex[tableACLTokens]), s.presentToken(tok)
}

// ACLTokenList returns every token in AccessorID order, with their
// secrets: the HTTP layer redacts them for readers without acl:write.
func (s *State) ACLTokenList(ws *WatchSet) (uint64, []*acl.Token) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchTable, name: tableACLTokens})
	out := make([]*acl.Token, 0, s.db.aclTokens.len())
	for id := range s.db.aclTokens.all() {
		out = append(out, s.presentToken(s.db.aclTokens.at(id)))
	}
	return s.answer(s.db.tableIndex[tableACLTokens]), out
}
