package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// CommandVersion is the version byte that starts every encoded command.
const CommandVersion = 1

// opCode says which request an encoded command carries. Codes are part of
// the log format: never renumber one, only add.
type opCode uint8

const (
	opRegister opCode = iota + 1
	opDeregister
	opUpdateCheck
	opKVSet
	opKVCAS
	opKVDelete
	opKVDeleteCAS
	opKVDeleteTree
	opReap
	opSessionCreate
	opSessionDestroy
	opKVLock
	opKVUnlock
	opTxn
	opACLInit
	opACLBootstrap
	opACLPolicySet
	opACLPolicyDelete
	opACLTokenSet
	opACLTokenDelete
	opSnapshotRestore
	opAutopilotSet
	opACLReplicate
	opQuerySet
	opQueryDelete
)

// Command is a write to the catalog: one of the *Request types below.
type Command interface {
	opCode() opCode
}

// RegisterRequest registers a node, optionally one service instance on it,
// and checks, as Consul's /v1/catalog/register does. With SkipNodeUpdate an
// existing node's row is left as it is. A service with an empty ID gets its
// name as ID, a zero Weights gets {1, 1}; a check with an empty CheckID gets
// its Name, an empty Status is critical, and a check with a ServiceID takes
// the instance's name and tags.
type RegisterRequest struct {
	ID              string
	Node            string
	Address         string
	Datacenter      string
	TaggedAddresses map[string]string
	NodeMeta        map[string]string
	Service         *Service
	Check           *HealthCheck
	Checks          []*HealthCheck
	SkipNodeUpdate  bool
	// Now is the proposer's time, for the lock-delays of sessions that a
	// critical check destroys.
	Now Timestamp `json:",omitempty"`
}

// DeregisterRequest removes, as Consul's /v1/catalog/deregister does, one
// check (CheckID set), or one service instance with its checks (ServiceID
// set), or else the whole node with everything on it.
type DeregisterRequest struct {
	Node      string
	ServiceID string
	CheckID   string
	// Now is the proposer's time, for the lock-delays of the sessions the
	// deregistration destroys.
	Now Timestamp `json:",omitempty"`
}

// UpdateCheckRequest sets the status and output of an existing check (a TTL
// update, or the leader's serfHealth reconciliation).
type UpdateCheckRequest struct {
	Node    string
	CheckID string
	Status  string
	Output  string
	// Now is the proposer's time, for the lock-delays of the sessions a
	// critical status destroys.
	Now Timestamp `json:",omitempty"`
}

// KVSetRequest writes a key unconditionally.
type KVSetRequest struct {
	Key   string
	Value []byte
	Flags uint64
}

// KVCASRequest writes a key only if its ModifyIndex equals Index; Index 0
// means "only if the key does not exist".
type KVCASRequest struct {
	Key   string
	Value []byte
	Flags uint64
	Index uint64
}

// KVDeleteRequest removes a key.
type KVDeleteRequest struct {
	Key string
}

// KVDeleteCASRequest removes a key only if its ModifyIndex equals Index.
type KVDeleteCASRequest struct {
	Key   string
	Index uint64
}

// KVDeleteTreeRequest removes every key that starts with Prefix.
type KVDeleteTreeRequest struct {
	Prefix string
}

// ReapRequest forgets tombstones at or below Index. The leader proposes it
// once a tombstone is old enough that no blocking query can still need it.
type ReapRequest struct {
	Index uint64
}

func (*RegisterRequest) opCode() opCode     { return opRegister }
func (*DeregisterRequest) opCode() opCode   { return opDeregister }
func (*UpdateCheckRequest) opCode() opCode  { return opUpdateCheck }
func (*KVSetRequest) opCode() opCode        { return opKVSet }
func (*KVCASRequest) opCode() opCode        { return opKVCAS }
func (*KVDeleteRequest) opCode() opCode     { return opKVDelete }
func (*KVDeleteCASRequest) opCode() opCode  { return opKVDeleteCAS }
func (*KVDeleteTreeRequest) opCode() opCode { return opKVDeleteTree }
func (*ReapRequest) opCode() opCode         { return opReap }

func (r *RegisterRequest) timestamp() Timestamp    { return r.Now }
func (r *DeregisterRequest) timestamp() Timestamp  { return r.Now }
func (r *UpdateCheckRequest) timestamp() Timestamp { return r.Now }

// newRequest returns an empty request for op, or nil for an unknown op.
func newRequest(op opCode) Command {
	switch op {
	case opRegister:
		return &RegisterRequest{}
	case opDeregister:
		return &DeregisterRequest{}
	case opUpdateCheck:
		return &UpdateCheckRequest{}
	case opKVSet:
		return &KVSetRequest{}
	case opKVCAS:
		return &KVCASRequest{}
	case opKVDelete:
		return &KVDeleteRequest{}
	case opKVDeleteCAS:
		return &KVDeleteCASRequest{}
	case opKVDeleteTree:
		return &KVDeleteTreeRequest{}
	case opReap:
		return &ReapRequest{}
	case opSessionCreate:
		return &SessionCreateRequest{}
	case opSessionDestroy:
		return &SessionDestroyRequest{}
	case opKVLock:
		return &KVLockRequest{}
	case opKVUnlock:
		return &KVUnlockRequest{}
	case opTxn:
		return &TxnRequest{}
	case opACLInit:
		return &ACLInitRequest{}
	case opACLBootstrap:
		return &ACLBootstrapRequest{}
	case opACLPolicySet:
		return &ACLPolicySetRequest{}
	case opACLPolicyDelete:
		return &ACLPolicyDeleteRequest{}
	case opACLTokenSet:
		return &ACLTokenSetRequest{}
	case opACLTokenDelete:
		return &ACLTokenDeleteRequest{}
	case opSnapshotRestore:
		return &SnapshotRestoreRequest{}
	case opACLReplicate:
		return &ACLReplicateRequest{}
	case opAutopilotSet:
		return &AutopilotSetRequest{}
	case opQuerySet:
		return &QuerySetRequest{}
	case opQueryDelete:
		return &QueryDeleteRequest{}
	}
	return nil
}

// ErrBadCommand is returned by Decode, and by Apply as a Result, for bytes
// that are not a command this version understands.
var ErrBadCommand = errors.New("catalog: bad command")

// Encode serialises cmd: the version byte, the op code byte, then the
// request as JSON.
func Encode(cmd Command) ([]byte, error) {
	body, err := json.Marshal(cmd)
	if err != nil {
		return nil, fmt.Errorf("catalog: encode command %d: %w", cmd.opCode(), err)
	}
	return append([]byte{CommandVersion, byte(cmd.opCode())}, body...), nil
}

// Decode parses a command made by Encode. It refuses another version, an
// unknown op code, unknown fields and trailing bytes.
func Decode(b []byte) (Command, error) {
	if len(b) < 2 {
		return nil, fmt.Errorf("%w: %d bytes", ErrBadCommand, len(b))
	}
	if b[0] != CommandVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrBadCommand, b[0], CommandVersion)
	}
	op := opCode(b[1])
	if cmd, ok := decodeKV(op, b[2:]); ok {
		return cmd, nil
	}
	return decodeJSON(op, b[2:])
}

// decodeJSON decodes body, the JSON of a command with op, with
// encoding/json: Decode's general path, for every command decodeKV does
// not take.
func decodeJSON(op opCode, body []byte) (Command, error) {
	cmd := newRequest(op)
	if cmd == nil {
		return nil, fmt.Errorf("%w: unknown op %d", ErrBadCommand, op)
	}
	if err := decodeStrict(body, cmd); err != nil {
		return nil, fmt.Errorf("%w: op %d: %w", ErrBadCommand, op, err)
	}
	return cmd, nil
}

// decodeStrict decodes exactly one JSON value into v, refusing unknown
// fields and anything after the value.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
