package core

import (
	"encoding/json"
	"fmt"

	"github.com/cairn-sd/cairn/catalog"
)

// In a secondary datacenter, ACL objects that belong to every datacenter
// (policies, and tokens not marked Local) are written in the primary only:
// a write for one is forwarded there, as Consul forwards it, with the
// caller's token, and comes back to this datacenter with the next round
// of replication. A Local token is this datacenter's own and is written
// here. Bootstrap happens in the primary too.

// forwardGlobalACLWrite sends cmd to the primary and reports true if it
// is a write of a global ACL object made in a secondary; otherwise it
// does nothing and reports false.
func (s *Server) forwardGlobalACLWrite(token string, cmd []byte, done func(catalog.Result, error)) bool {
	if !s.isACLSecondary() || !catalog.IsACLWrite(cmd) {
		return false
	}
	c, err := catalog.Decode(cmd)
	if err != nil || !s.isGlobalACLWrite(c) {
		return false
	}
	s.CallDatacenter(s.cfg.PrimaryDatacenter, methodApply, sealToken(token, cmd), forwardTimeout, false,
		func(resp []byte, err error) {
			if err != nil {
				done(catalog.Result{}, permissionOr(fmt.Errorf("forward ACL write to %s: %w", s.cfg.PrimaryDatacenter, err)))
				return
			}
			done(decodeResult(resp))
		})
	return true
}

// isGlobalACLWrite reports whether c writes a policy or a global token. A
// token's scope is its stored one when it exists (Local cannot change).
func (s *Server) isGlobalACLWrite(c catalog.Command) bool {
	switch c := c.(type) {
	case *catalog.ACLPolicySetRequest, *catalog.ACLPolicyDeleteRequest, *catalog.ACLBootstrapRequest:
		return true
	case *catalog.ACLTokenSetRequest:
		if _, old := s.fsm.ACLTokenGet(nil, c.Token.AccessorID); old != nil {
			return !old.Local
		}
		return !c.Token.Local
	case *catalog.ACLTokenDeleteRequest:
		_, old := s.fsm.ACLTokenGet(nil, c.AccessorID)
		return old != nil && !old.Local
	}
	return false
}

// forwardACLBootstrap runs a bootstrap asked of a secondary in the
// primary.
func (s *Server) forwardACLBootstrap(accessorID, secretID string, done func(catalog.Result, error)) {
	body, err := json.Marshal(aclBootstrap{AccessorID: accessorID, SecretID: secretID})
	if err != nil {
		done(catalog.Result{}, fmt.Errorf("core: encode ACL bootstrap: %w", err))
		return
	}
	s.CallDatacenter(s.cfg.PrimaryDatacenter, methodACLBootstrap, body, forwardTimeout, false,
		func(resp []byte, err error) {
			if err != nil {
				done(catalog.Result{}, fmt.Errorf("forward ACL bootstrap to %s: %w", s.cfg.PrimaryDatacenter, err))
				return
			}
			done(decodeResult(resp))
		})
}
