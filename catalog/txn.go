package catalog

import "fmt"

// MaxTxnOps is the most operations one transaction may hold, as in Consul.
// Consul also limits the request to 512 KB; that check belongs to the HTTP
// layer, which sees the request's size.
const MaxTxnOps = 64

// KV verbs of a transaction, as Consul's /v1/txn names them.
const (
	TxnKVSet            = "set"
	TxnKVCAS            = "cas"
	TxnKVLock           = "lock"
	TxnKVUnlock         = "unlock"
	TxnKVGet            = "get"
	TxnKVGetTree        = "get-tree"
	TxnKVCheckIndex     = "check-index"
	TxnKVCheckSession   = "check-session"
	TxnKVCheckNotExists = "check-not-exists"
	TxnKVDelete         = "delete"
	TxnKVDeleteTree     = "delete-tree"
	TxnKVDeleteCAS      = "delete-cas"
)

// TxnOp is one operation of a transaction, shaped like an element of
// Consul's /v1/txn request body ({"KV": {...}}), so the HTTP layer can
// decode the body into []TxnOp. Only KV operations exist in cairn; an op
// without KV fails.
type TxnOp struct {
	KV *TxnKVOp
}

// TxnKVOp is a KV operation: Verb says which, and the other fields are its
// arguments as Consul names them (Index for cas, delete-cas and
// check-index; Session for lock, unlock and check-session; Key is the
// prefix for the -tree verbs).
type TxnKVOp struct {
	Verb    string
	Key     string
	Value   []byte
	Flags   uint64
	Index   uint64
	Session string
}

// TxnRequest applies up to MaxTxnOps operations atomically: every
// operation sees the writes of the ones before it, and either all of them
// apply or, if any fails, none does and nothing changes. Now is the
// proposer's time, for the lock-delays of lock operations.
type TxnRequest struct {
	Ops []TxnOp
	Now Timestamp `json:",omitempty"`
}

// TxnResult is one result of a transaction, as in Consul's response: the
// entry a get read (with its value), each entry a get-tree read, or the
// entry a write left or a check looked at (without its value).
type TxnResult struct {
	KV *KVPair
}

// TxnError says why the operation at OpIndex failed, as in Consul's
// response.
type TxnError struct {
	OpIndex int
	What    string
}

func (*TxnRequest) opCode() opCode { return opTxn }

func (r *TxnRequest) timestamp() Timestamp { return r.Now }

// applyTxn runs every operation against a view of the KV table, then
// commits the view only if none failed. A failed transaction answers every
// operation's error, as Consul does, not only the first.
func (s *State) applyTxn(idx uint64, r *TxnRequest) Result {
	if len(r.Ops) > MaxTxnOps {
		return errResult(fmt.Errorf("%w: %d, at most %d", ErrTxnTooLarge, len(r.Ops), MaxTxnOps))
	}
	v := s.newKVView(idx)
	var results []TxnResult
	var errs []TxnError
	for i, op := range r.Ops {
		if op.KV == nil {
			errs = append(errs, TxnError{OpIndex: i, What: "unknown operation: only KV operations are supported"})
			continue
		}
		res, err := v.txnOp(op.KV)
		if err != nil {
			errs = append(errs, TxnError{OpIndex: i, What: err.Error()})
			continue
		}
		results = append(results, res...)
	}
	if len(errs) > 0 {
		return Result{Err: fmt.Errorf("%w: %d of %d operations failed", ErrTxnFailed, len(errs), len(r.Ops)), TxnErrors: errs}
	}
	v.commit()
	return Result{OK: true, TxnResults: results}
}

// txnOp runs one KV operation in v and returns its results.
func (v *kvView) txnOp(op *TxnKVOp) ([]TxnResult, error) {
	switch op.Verb {
	case TxnKVGetTree:
		var out []TxnResult
		for _, key := range v.prefix(op.Key) {
			row, _ := v.get(key)
			out = append(out, TxnResult{KV: row})
		}
		return out, nil
	case TxnKVDelete:
		v.del(op.Key)
		return nil, nil
	case TxnKVDeleteTree:
		for _, key := range v.prefix(op.Key) {
			v.del(key)
		}
		return nil, nil
	case TxnKVDeleteCAS:
		if row, ok := v.get(op.Key); ok && row.ModifyIndex != op.Index {
			return nil, fmt.Errorf("failed to delete key %q, index is stale", op.Key)
		}
		v.del(op.Key)
		return nil, nil
	}
	row, err := v.txnRowOp(op)
	if err != nil || row == nil {
		return nil, err
	}
	if op.Verb != TxnKVGet {
		clone := *row
		clone.Value = nil
		row = &clone
	}
	return []TxnResult{{KV: row}}, nil
}

// txnRowOp runs an operation that answers one entry.
func (v *kvView) txnRowOp(op *TxnKVOp) (*KVPair, error) {
	old, ok := v.get(op.Key)
	switch op.Verb {
	case TxnKVSet:
		row := setRow(v.idx, op.Key, old, ok, op.Value, op.Flags)
		v.put(row)
		return row, nil
	case TxnKVCAS:
		if !casHolds(old, ok, op.Index) {
			return nil, fmt.Errorf("failed to set key %q, index is stale", op.Key)
		}
		row := setRow(v.idx, op.Key, old, ok, op.Value, op.Flags)
		v.put(row)
		return row, nil
	case TxnKVLock:
		return v.lock(op.Key, op.Value, op.Flags, op.Session)
	case TxnKVUnlock:
		return v.unlock(op.Key, op.Value, op.Flags, op.Session)
	case TxnKVCheckNotExists:
		if ok {
			return nil, fmt.Errorf("key %q exists", op.Key)
		}
		return nil, nil
	}
	if !isEntryRead(op.Verb) {
		return nil, fmt.Errorf("unknown KV verb %q", op.Verb)
	}
	if !ok {
		return nil, fmt.Errorf("key %q doesn't exist", op.Key)
	}
	switch {
	case op.Verb == TxnKVCheckIndex && old.ModifyIndex != op.Index:
		return nil, fmt.Errorf("current modify index %d != %d", old.ModifyIndex, op.Index)
	case op.Verb == TxnKVCheckSession && old.Session != op.Session:
		return nil, fmt.Errorf("current session %q != %q", old.Session, op.Session)
	}
	return old, nil
}

// isEntryRead reports whether verb is a read that answers the existing
// entry.
func isEntryRead(verb string) bool {
	return verb == TxnKVGet || verb == TxnKVCheckIndex || verb == TxnKVCheckSession
}
