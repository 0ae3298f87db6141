package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/netsim"
)

// ACLs live in the catalog (tokens, policies, the bootstrap state). Two
// things only the leader does: it initialises the ACL tables once per term
// (the built-in global-management policy, the anonymous token, and the
// management token of acl.tokens.initial_management), and it runs a
// bootstrap, because the reset index an operator writes to allow one more
// bootstrap is read from the leader's data_dir (acl-bootstrap-reset) and
// removed once it has been used.

// methodACLBootstrap asks the leader to bootstrap ACLs; the body is an
// aclBootstrap.
const methodACLBootstrap = "Server.ACLBootstrap"

// aclBootstrap is a bootstrap request: the IDs the new token gets.
type aclBootstrap struct {
	AccessorID string
	SecretID   string
}

// NewUUID draws a random UUID (version 4) from r, for token IDs and
// secrets.
func NewUUID(r io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("core: draw a UUID: %w", err)
	}
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

// maybeInitACLs proposes the ACL initialisation once per term on the
// leader, when ACLs are on.
func (s *Server) maybeInitACLs(term uint64) {
	if !s.cfg.ACLEnabled || s.aclInitTerm == term || s.aclInitializing {
		return
	}
	req := &catalog.ACLInitRequest{Now: catalog.TimestampOf(s.env.Now())}
	// As in Consul, the initial management token is made in the primary
	// only; a secondary receives it by replication.
	if s.cfg.ACLInitialManagement != "" && !s.isACLSecondary() {
		accessor, err := NewUUID(s.env.Entropy())
		if err != nil {
			s.logger.Error("drawing an accessor ID failed", zap.Error(err))
			return
		}
		req.InitialManagementAccessorID, req.InitialManagementSecretID = accessor, s.cfg.ACLInitialManagement
	}
	cmd, err := catalog.Encode(req)
	if err != nil {
		s.logger.Error("encoding the ACL initialisation failed", zap.Error(err))
		return
	}
	s.aclInitializing = true
	s.applyLocal(cmd, func(r catalog.Result, err error) {
		s.aclInitializing = false
		if err == nil {
			err = r.Err
		}
		if err != nil {
			s.logger.Warn("initialising ACLs failed; will retry", zap.Error(err))
			return
		}
		s.aclInitTerm = term
	})
}

// ACLBootstrap creates the first management token with the given IDs,
// through the leader. The catalog refuses a second bootstrap unless the
// leader's acl-bootstrap-reset file names the current reset index.
func (s *Server) ACLBootstrap(accessorID, secretID string, done func(catalog.Result, error)) {
	if s.stopped {
		done(catalog.Result{}, ErrStopped)
		return
	}
	if s.isACLSecondary() {
		s.forwardACLBootstrap(accessorID, secretID, done)
		return
	}
	if !s.isLeader() {
		_, leader := s.raft.Leader()
		if leader == "" {
			done(catalog.Result{}, ErrNoLeader)
			return
		}
		body, _ := json.Marshal(aclBootstrap{AccessorID: accessorID, SecretID: secretID})
		s.rpcClient.Call(leader, methodACLBootstrap, body, forwardTimeout, func(resp []byte, err error) {
			if err != nil {
				done(catalog.Result{}, fmt.Errorf("forward ACL bootstrap to leader %s: %w", leader, err))
				return
			}
			done(decodeResult(resp))
		})
		return
	}
	reset, err := s.env.Disk().ReadFile(acl.BootstrapResetFile)
	if err != nil && !errors.Is(err, netsim.ErrNotExist) {
		done(catalog.Result{}, fmt.Errorf("read %s: %w", acl.BootstrapResetFile, err))
		return
	}
	cmd, err := catalog.Encode(&catalog.ACLBootstrapRequest{AccessorID: accessorID, SecretID: secretID,
		Now: catalog.TimestampOf(s.env.Now()), ResetIndex: resetIndex(reset)})
	if err != nil {
		done(catalog.Result{}, err)
		return
	}
	s.applyLocal(cmd, func(r catalog.Result, err error) {
		if err == nil && r.OK && len(reset) > 0 {
			if rerr := s.env.Disk().Remove(acl.BootstrapResetFile); rerr != nil {
				s.logger.Warn("removing the used bootstrap reset file failed", zap.Error(rerr))
			}
		}
		done(r, err)
	})
}

// resetIndex reads the reset file's number; anything else counts as none.
func resetIndex(content []byte) uint64 {
	var n uint64
	if _, err := fmt.Sscan(strings.TrimSpace(string(content)), &n); err != nil {
		return 0
	}
	return n
}

// registerACLBootstrap serves methodACLBootstrap on the leader.
func (s *Server) registerACLBootstrap() {
	s.rpcServer.Register(methodACLBootstrap, func(body []byte, reply func([]byte, error)) {
		var req aclBootstrap
		if err := json.Unmarshal(body, &req); err != nil {
			reply(nil, fmt.Errorf("core: bad ACL bootstrap request: %w", err))
			return
		}
		s.ACLBootstrap(req.AccessorID, req.SecretID, func(r catalog.Result, err error) {
			if err != nil {
				reply(nil, err)
				return
			}
			reply(encodeResult(r))
		})
	})
}
