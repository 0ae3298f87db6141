package catalog

import (
	"fmt"
	"strconv"

	"github.com/cairn-sd/cairn/acl"
)

// applyACLInit creates what ACLs need and is missing: the builtin policy,
// the anonymous token and the initial management token. Everything is
// checked before anything is written, so a refused request changes
// nothing.
func (s *State) applyACLInit(idx uint64, r *ACLInitRequest) Result {
	if err := s.checkBuiltins(); err != nil {
		return errResult(err)
	}
	mgmt, err := s.initialManagementToken(r)
	if err != nil {
		return errResult(err)
	}
	s.ensureBuiltins(idx)
	if mgmt == nil {
		return okResult
	}
	s.putACLToken(idx, mgmt)
	if !s.db.aclBootstrap.Done {
		s.setBootstrapped(idx)
	}
	return okResult
}

// initialManagementToken returns the token r asks for, or nil when r asks
// for none or a token already has its secret.
func (s *State) initialManagementToken(r *ACLInitRequest) (*acl.Token, error) {
	if r.InitialManagementSecretID == "" && r.InitialManagementAccessorID == "" {
		return nil, nil
	}
	if r.InitialManagementAccessorID == "" {
		return nil, ErrMissingACLAccessorID
	}
	if _, ok := s.db.aclTokenSecrets.get(r.InitialManagementSecretID); ok {
		return nil, nil
	}
	if err := s.checkNewToken(r.InitialManagementAccessorID, r.InitialManagementSecretID); err != nil {
		return nil, err
	}
	tok := acl.ManagementToken(r.InitialManagementAccessorID, r.InitialManagementSecretID,
		InitialManagementTokenDescription, r.Now.Time())
	return &tok, nil
}

// checkNewToken refuses a token that the catalog creates itself (initial
// management, bootstrap) if its AccessorID or SecretID is taken or empty;
// the anonymous token's AccessorID counts as taken.
func (s *State) checkNewToken(accessorID, secretID string) error {
	if accessorID == "" {
		return ErrMissingACLAccessorID
	}
	if _, ok := s.db.aclTokens.get(accessorID); ok || accessorID == acl.AnonymousTokenID {
		return fmt.Errorf("%w: token %s", ErrACLTokenExists, accessorID)
	}
	return s.checkNewSecret(accessorID, secretID)
}

// checkBuiltins refuses to create the builtin policy when another policy
// has taken its name (possible only through a restored snapshot, since
// policy writes refuse the name).
func (s *State) checkBuiltins() error {
	if _, ok := s.db.aclPolicies.get(acl.GlobalManagementPolicyID); ok {
		return nil
	}
	if _, ok := s.db.aclPolicyNames.get(acl.GlobalManagementPolicyName); ok {
		return fmt.Errorf("%w: %q", ErrACLPolicyNameExists, acl.GlobalManagementPolicyName)
	}
	return nil
}

// ensureBuiltins creates the builtin policy and the anonymous token if
// they are missing. The anonymous token's secret is reserved for it, so
// it is always free.
func (s *State) ensureBuiltins(idx uint64) {
	if _, ok := s.db.aclPolicies.get(acl.GlobalManagementPolicyID); !ok {
		p := acl.GlobalManagementPolicy()
		s.putACLPolicy(idx, &p)
	}
	if _, ok := s.db.aclTokens.get(acl.AnonymousTokenID); !ok {
		tok := acl.AnonymousToken()
		tok.CreateTime = s.now.Time()
		s.putACLToken(idx, &tok)
	}
}

// applyACLBootstrap creates the bootstrap management token if bootstrap is
// allowed (acl.CheckBootstrap) and moves the reset index to idx.
func (s *State) applyACLBootstrap(idx uint64, r *ACLBootstrapRequest) Result {
	resetFile := ""
	if r.ResetIndex != 0 {
		resetFile = strconv.FormatUint(r.ResetIndex, 10)
	}
	if err := acl.CheckBootstrap(s.db.aclBootstrap, resetFile); err != nil {
		return errResult(err)
	}
	if err := s.checkBuiltins(); err != nil {
		return errResult(err)
	}
	if err := s.checkNewToken(r.AccessorID, r.SecretID); err != nil {
		return errResult(err)
	}
	s.ensureBuiltins(idx)
	tok := acl.ManagementToken(r.AccessorID, r.SecretID, acl.BootstrapTokenDescription, r.Now.Time())
	s.putACLToken(idx, &tok)
	s.setBootstrapped(idx)
	return okResult
}

// setBootstrapped records a bootstrap applied at idx.
func (s *State) setBootstrapped(idx uint64) {
	s.db.aclBootstrap = s.db.aclBootstrap.Bootstrapped(idx)
	s.touchTable(idx, tableACLBootstrap)
}

// ACLBootstrapState returns whether ACLs were bootstrapped and the reset
// index an operator must write into acl-bootstrap-reset to bootstrap
// again. The leader reads it to answer a refused bootstrap early; the
// decision itself is made in Apply.
func (s *State) ACLBootstrapState(ws *WatchSet) (uint64, acl.BootstrapState) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchTable, name: tableACLBootstrap})
	return s.answer(s.db.tableIndex[tableACLBootstrap]), s.db.aclBootstrap
}
