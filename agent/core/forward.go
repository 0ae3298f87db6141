package core

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/raft/driver"
)

// A follower cannot commit, so it forwards: a write goes to the leader,
// which applies it and answers with the catalog's result; a consistent read
// asks the leader for an index confirmed by a quorum (ReadIndex) and is
// served locally once this server has applied that far, which is
// linearizable without moving the read itself to the leader. Both travel
// over agent/rpc on the server port, which Raft shares.

// RPC methods between servers.
const (
	methodApply     = "Server.Apply"
	methodReadIndex = "Server.ReadIndex"
	// methodAppliedIndex answers the leader's applied index without a
	// quorum round: what a default-mode read on a follower waits for.
	methodAppliedIndex = "Server.AppliedIndex"
	// methodNodeState answers a node's catalog entry (a NodeState in
	// JSON) at default consistency; the body is the node's name.
	methodNodeState = "Server.NodeState"
	// methodRenewSession restarts a session's TTL timer on the leader; the
	// body is the session ID, the answer one byte, 1 if the session exists.
	methodRenewSession = "Server.RenewSession"
)

// forwardTimeout bounds one forwarded request.
const forwardTimeout = 7 * time.Second

// wireResult is a catalog.Result on the wire.
type wireResult struct {
	OK         bool
	Err        string              `json:",omitempty"`
	TxnResults []catalog.TxnResult `json:",omitempty"`
	TxnErrors  []catalog.TxnError  `json:",omitempty"`
}

// registerRPC serves the methods followers call.
func (s *Server) registerRPC() {
	s.rpcServer.Register(methodApply, func(body []byte, reply func([]byte, error)) {
		token, cmd, err := openToken(body)
		if err != nil {
			reply(nil, err)
			return
		}
		s.ApplyAs(token, cmd, func(r catalog.Result, err error) {
			if err != nil {
				reply(nil, noLeaderOr(err))
				return
			}
			reply(encodeResult(r))
		})
	})
	s.rpcServer.Register(methodRenewSession, func(body []byte, reply func([]byte, error)) {
		token, id, err := openToken(body)
		if err != nil {
			reply(nil, err)
			return
		}
		s.RenewSessionAs(token, string(id), func(found bool, err error) {
			if err != nil {
				reply(nil, err)
				return
			}
			if found {
				reply([]byte{1}, nil)
				return
			}
			reply([]byte{0}, nil)
		})
	})
	s.rpcServer.Register(methodReadIndex, func(_ []byte, reply func([]byte, error)) {
		s.raft.ReadIndex(func(err error) {
			if err != nil {
				reply(nil, err)
				return
			}
			reply(binary.BigEndian.AppendUint64(nil, s.raft.Applied()), nil)
		})
	})
	s.rpcServer.Register(methodNodeState, func(body []byte, reply func([]byte, error)) {
		token, node, err := openToken(body)
		if err != nil {
			reply(nil, err)
			return
		}
		s.NodeStateAs(token, string(node), func(ns NodeState, err error) {
			if err != nil {
				reply(nil, noLeaderOr(err))
				return
			}
			b, merr := json.Marshal(ns)
			reply(b, merr)
		})
	})
	s.rpcServer.Register(methodAppliedIndex, func(_ []byte, reply func([]byte, error)) {
		if !s.isLeader() {
			id, addr := s.raft.Leader()
			reply(nil, &driver.NotLeaderError{LeaderID: id, LeaderAddr: addr})
			return
		}
		reply(binary.BigEndian.AppendUint64(nil, s.raft.Applied()), nil)
	})
}

// forwardApply sends a write, with the token it is made for, to the
// leader named by a NotLeaderError.
func (s *Server) forwardApply(leader, token string, cmd []byte, done func(catalog.Result, error)) {
	s.rpcClient.Call(leader, methodApply, sealToken(token, cmd), forwardTimeout, func(resp []byte, err error) {
		if err != nil {
			done(catalog.Result{}, fmt.Errorf("forward write to leader %s: %w", leader, permissionOr(err)))
			return
		}
		r, err := decodeResult(resp)
		if err != nil {
			err = fmt.Errorf("forward write to leader %s: %w", leader, err)
		}
		done(r, err)
	})
}

// encodeResult writes a Result as a wireResult answer.
func encodeResult(r catalog.Result) ([]byte, error) {
	w := wireResult{OK: r.OK, TxnResults: r.TxnResults, TxnErrors: r.TxnErrors}
	if r.Err != nil {
		w.Err = r.Err.Error()
	}
	return json.Marshal(w)
}

// decodeResult reads a wireResult answer.
func decodeResult(resp []byte) (catalog.Result, error) {
	var w wireResult
	if err := json.Unmarshal(resp, &w); err != nil {
		return catalog.Result{}, fmt.Errorf("bad answer to a write: %w", err)
	}
	r := catalog.Result{OK: w.OK, TxnResults: w.TxnResults, TxnErrors: w.TxnErrors}
	if w.Err != "" {
		r.Err = catalogError(w.Err)
	}
	return r, nil
}

// forwardRead asks the leader for an index (method says which: confirmed
// by a quorum, or just applied there) and waits until this server has
// applied it.
func (s *Server) forwardRead(leader, method string, done func(error)) {
	s.rpcClient.Call(leader, method, nil, forwardTimeout, func(resp []byte, err error) {
		if err != nil {
			done(fmt.Errorf("forward read to leader %s: %w", leader, err))
			return
		}
		if len(resp) != 8 {
			done(fmt.Errorf("forward read to leader %s: bad answer of %d bytes", leader, len(resp)))
			return
		}
		s.raft.AwaitApplied(binary.BigEndian.Uint64(resp), done)
	})
}

// noLeaderOr answers ErrNoLeader for a write that never reached a leader
// (none is known, the leader could not be reached, or the server it was
// forwarded to leads no more and knows no other), so that the caller knows
// it is safe to send again; other errors pass unchanged.
func noLeaderOr(err error) error {
	var nl *driver.NotLeaderError
	if errors.As(err, &nl) && nl.LeaderAddr == "" || errors.Is(err, netsim.ErrUnreachable) || isNoLeader(err) {
		return ErrNoLeader
	}
	return err
}

// leaderToForwardTo returns the leader's address if err says this server
// is a follower that knows one.
func leaderToForwardTo(err error) (string, bool) {
	var nl *driver.NotLeaderError
	if errors.As(err, &nl) && nl.LeaderAddr != "" {
		return nl.LeaderAddr, true
	}
	return "", false
}

// catalogErrors are the catalog's sentinel errors, so that a result error
// that crossed the wire as text is again errors.Is-comparable (the HTTP
// layer maps them to statuses).
var catalogErrors = []error{
	catalog.ErrMissingNode, catalog.ErrMissingAddress, catalog.ErrMissingServiceName,
	catalog.ErrMissingCheckID, catalog.ErrBadName, catalog.ErrBadCheckStatus,
	catalog.ErrCheckNodeMismatch, catalog.ErrNodeNotFound, catalog.ErrServiceNotFound,
	catalog.ErrCheckNotFound, catalog.ErrBadFilter,
	// A sentinel whose text starts another's comes first.
	catalog.ErrMissingSessionID, catalog.ErrMissingSession, catalog.ErrSessionExists,
	catalog.ErrBadSessionTTL, catalog.ErrSessionNotFound, catalog.ErrBadSessionBehavior,
	catalog.ErrBadLockDelay, catalog.ErrCheckCritical, catalog.ErrTxnTooLarge, catalog.ErrTxnFailed,
	catalog.ErrMissingACLPolicyID, catalog.ErrInvalidACLPolicy, catalog.ErrACLPolicyNameExists,
	catalog.ErrACLPolicyNotFound, catalog.ErrACLBuiltinPolicy, catalog.ErrMissingACLAccessorID,
	catalog.ErrMissingACLSecretID, catalog.ErrInvalidACLToken, catalog.ErrACLTokenExists,
	catalog.ErrACLSecretInUse, catalog.ErrACLSecretImmutable, catalog.ErrACLLocalImmutable,
	catalog.ErrACLAnonymousToken, acl.ErrBootstrapNotAllowed, acl.ErrBootstrapResetMismatch,
	catalog.ErrBadSnapshot,
}

// catalogError rebuilds a catalog error from its text.
func catalogError(text string) error {
	for _, sentinel := range catalogErrors {
		if rest, ok := strings.CutPrefix(text, sentinel.Error()); ok {
			return fmt.Errorf("%w%s", sentinel, rest)
		}
	}
	return errors.New(text)
}

// isLeader reports whether this server leads.
func (s *Server) isLeader() bool { return s.raft.Role() == raft.Leader }
