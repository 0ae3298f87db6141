package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/catalog"
)

// txnResponse is the body of /v1/txn's answer, as Consul shapes it: the
// results with null errors on success, null results with the errors on
// failure.
type txnResponse struct {
	Results []catalog.TxnResult
	Errors  []catalog.TxnError
}

// txn serves PUT /v1/txn: up to catalog.MaxTxnOps KV operations applied
// all or nothing. The body is limited to limits.txn_max_req_len (413), a
// list longer than MaxTxnOps is 413 as well, and a refused transaction is
// 409 with every failed operation's error.
func (a *Agent) txn(w http.ResponseWriter, r *http.Request, _ string) error {
	limit := int64(a.cfg.Limits.TxnMaxReqLen)
	b, err := readLimited(r, limit)
	if err != nil {
		var he *httpError
		if errors.As(err, &he) && he.status == http.StatusRequestEntityTooLarge {
			return txnTooLarge(max(r.ContentLength, limit+1), limit)
		}
		return err
	}
	ops, err := decodeTxn(b)
	if err != nil {
		return err
	}
	if err := permission(txnDecision(authz(r), ops)); err != nil {
		return err
	}
	res, err := a.applyResult(r.Context(), &catalog.TxnRequest{Ops: ops, Now: catalog.TimestampOf(a.env.Now())})
	if err != nil {
		return err
	}
	if len(res.TxnErrors) > 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		writeJSON(w, r, txnResponse{Errors: res.TxnErrors})
		return nil
	}
	if res.Err != nil {
		return res.Err
	}
	writeJSON(w, r, txnResponse{Results: res.TxnResults})
	return nil
}

// decodeTxn decodes a transaction body, Consul's list of {"KV": {...}}
// operations with base64 values: 400 if it does not parse, 413 if it
// holds more than catalog.MaxTxnOps operations.
func decodeTxn(b []byte) ([]catalog.TxnOp, error) {
	var ops []catalog.TxnOp
	if err := json.Unmarshal(b, &ops); err != nil {
		return nil, badRequest("Failed to parse body: %v", err)
	}
	if len(ops) > catalog.MaxTxnOps {
		return nil, &httpError{http.StatusRequestEntityTooLarge,
			fmt.Sprintf("Transaction contains too many operations (%d > %d)", len(ops), catalog.MaxTxnOps)}
	}
	return ops, nil
}

// txnTooLarge is Consul's 413 for a transaction body over the limit.
func txnTooLarge(size, limit int64) error {
	return &httpError{http.StatusRequestEntityTooLarge,
		fmt.Sprintf("Request body(%d bytes) too large, max size: %d bytes. See https://developer.hashicorp.com/consul/docs/agent/config/config-files#txn_max_req_len.", size, limit)}
}

// txnDecision is what a transaction needs: read on every key it only
// reads or checks, write on every key it changes, write on the whole
// prefix of a delete-tree.
func txnDecision(az *acl.Authorizer, ops []catalog.TxnOp) acl.Decision {
	for _, op := range ops {
		if op.KV == nil {
			continue
		}
		var d acl.Decision
		switch op.KV.Verb {
		case catalog.TxnKVGet, catalog.TxnKVGetTree, catalog.TxnKVCheckIndex, catalog.TxnKVCheckSession, catalog.TxnKVCheckNotExists:
			d = az.KeyRead(op.KV.Key)
		case catalog.TxnKVDeleteTree:
			d = az.KeyWritePrefix(op.KV.Key)
		default:
			d = az.KeyWrite(op.KV.Key)
		}
		if d != acl.Allow {
			return acl.Deny
		}
	}
	return acl.Allow
}
