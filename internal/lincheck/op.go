package lincheck

import (
	"fmt"
	"strings"
)

// Kind says what an operation does.
type Kind uint8

const (
	// Get reads one key.
	Get Kind = iota + 1
	// Put writes one key unconditionally.
	Put
	// CAS writes one key only if its ModifyIndex is Op.Index (0: only if
	// the key does not exist).
	CAS
	// Txn applies Op.Ops all or nothing.
	Txn
)

// Verbs of a transaction's operations, as Consul's /v1/txn names them.
const (
	VerbGet        = "get"
	VerbSet        = "set"
	VerbCAS        = "cas"
	VerbCheckIndex = "check-index"
)

// TxnOp is one operation of a transaction. A get fails the transaction
// if the key does not exist; a check-index fails it unless the key exists
// with ModifyIndex Index; a cas fails it as a CAS would.
type TxnOp struct {
	Verb  string
	Key   string
	Value string
	Index uint64
}

// Op is an operation as the client invoked it. Every value a Put, CAS or
// set writes must be one never written before in the history.
type Op struct {
	Kind  Kind
	Key   string  // Get, Put, CAS
	Value string  // Put, CAS: the value written
	Index uint64  // CAS: the ModifyIndex required
	Ops   []TxnOp // Txn
}

// Entry is a key as a read saw it: whether it exists, its value and its
// ModifyIndex.
type Entry struct {
	Found bool
	Value string
	Index uint64
}

// Outcome is what the client was answered.
//
//   - Get: Entry is the key as read.
//   - Put: OK is true.
//   - CAS: OK says whether the write applied.
//   - Txn: OK says whether the transaction committed; if it did, Entries
//     holds one Entry per operation: for a get the entry read, for a set
//     or cas the ModifyIndex it left (its value is the op's), for a
//     check-index the ModifyIndex it saw.
type Outcome struct {
	OK      bool
	Entry   Entry
	Entries []Entry
}

// unknown is the output of an operation whose outcome is unknown.
type unknown struct{}

// keys returns the keys op touches, in order of first appearance.
func (op Op) keys() []string {
	if op.Kind != Txn {
		return []string{op.Key}
	}
	var out []string
	for _, t := range op.Ops {
		if !contains(out, t.Key) {
			out = append(out, t.Key)
		}
	}
	return out
}

// writes reports whether op may change the state.
func (op Op) writes() bool {
	if op.Kind != Txn {
		return op.Kind != Get
	}
	for _, t := range op.Ops {
		if t.Verb == VerbSet || t.Verb == VerbCAS {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// String describes op for porcupine's visualization.
func (op Op) String() string {
	switch op.Kind {
	case Get:
		return fmt.Sprintf("get %s", op.Key)
	case Put:
		return fmt.Sprintf("put %s=%s", op.Key, op.Value)
	case CAS:
		return fmt.Sprintf("cas %s=%s if index %d", op.Key, op.Value, op.Index)
	}
	parts := make([]string, len(op.Ops))
	for i, t := range op.Ops {
		switch t.Verb {
		case VerbGet:
			parts[i] = "get " + t.Key
		case VerbSet:
			parts[i] = fmt.Sprintf("set %s=%s", t.Key, t.Value)
		case VerbCAS:
			parts[i] = fmt.Sprintf("cas %s=%s if %d", t.Key, t.Value, t.Index)
		default:
			parts[i] = fmt.Sprintf("%s %s %d", t.Verb, t.Key, t.Index)
		}
	}
	return "txn[" + strings.Join(parts, "; ") + "]"
}

// String describes e for porcupine's visualization.
func (e Entry) String() string {
	if !e.Found {
		return "none"
	}
	return fmt.Sprintf("%s@%d", e.Value, e.Index)
}
