package catalog

import (
	"fmt"

	"github.com/cairn-sd/cairn/acl"
)

// The snapshot sections of the ACL tables, added in version 3. Records are
// the rows as Consul's API shows them (acl.Policy, acl.Token) and the
// bootstrap state; the by-name and by-secret indexes are derived again
// after a restore (rebuildACLIndexes), so secrets appear in a snapshot
// exactly once, in their token's record.

func writeACLPolicies(d *db, emit func(any) error) error {
	return writeRows(&d.aclPolicies, emit, func(_ string, p *acl.Policy) any { return p })
}

func readACLPolicy(d *db, raw []byte) error {
	var p acl.Policy
	if err := decodeStrict(raw, &p); err != nil {
		return err
	}
	if p.ID == "" {
		return ErrMissingACLPolicyID
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("policy %s: %w: %w", p.ID, ErrInvalidACLPolicy, err)
	}
	return appendRow(&d.aclPolicies, p.ID, &p)
}

func writeACLTokens(d *db, emit func(any) error) error {
	return writeRows(&d.aclTokens, emit, func(_ string, tok *acl.Token) any { return tok })
}

func readACLToken(d *db, raw []byte) error {
	var tok acl.Token
	if err := decodeStrict(raw, &tok); err != nil {
		return err
	}
	if tok.AccessorID == "" {
		return ErrMissingACLAccessorID
	}
	if tok.SecretID == "" {
		return fmt.Errorf("%w: token %s", ErrMissingACLSecretID, tok.AccessorID)
	}
	return appendRow(&d.aclTokens, tok.AccessorID, &tok)
}

func writeACLBootstrap(d *db, emit func(any) error) error {
	return emit(d.aclBootstrap)
}

func readACLBootstrap(d *db, raw []byte) error {
	return decodeStrict(raw, &d.aclBootstrap)
}

// rebuildACLIndexes derives the by-name index of policies and the
// by-secret index of tokens after a restore, and refuses a repeated name
// or secret. The error names the token by AccessorID, never by its secret.
func rebuildACLIndexes(d *db) error {
	for id := range d.aclPolicies.all() {
		name := d.aclPolicies.at(id).Name
		if other, ok := d.aclPolicyNames.get(name); ok {
			return fmt.Errorf("policies %s and %s: %w: %q", other, id, ErrACLPolicyNameExists, name)
		}
		d.aclPolicyNames.put(name, id)
	}
	for id := range d.aclTokens.all() {
		secret := d.aclTokens.at(id).SecretID
		if other, ok := d.aclTokenSecrets.get(secret); ok {
			return fmt.Errorf("tokens %s and %s: %w", other, id, ErrACLSecretInUse)
		}
		d.aclTokenSecrets.put(secret, id)
	}
	return nil
}
