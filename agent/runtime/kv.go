package runtime

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/cairn-sd/cairn/catalog"
)

// kv serves /v1/kv/<key>. Keys may contain slashes; one leading slash is
// stripped.
func (a *Agent) kv(w http.ResponseWriter, r *http.Request, rest string) error {
	key := strings.TrimPrefix(rest, "/")
	switch r.Method {
	case http.MethodGet:
		return a.kvGet(w, r, key)
	case http.MethodPut:
		return a.kvPut(w, r, key)
	}
	return a.kvDelete(w, r, key)
}

// kvGet answers one key, a prefix (?recurse) or the key names under a
// prefix (?keys, cut at ?separator). An absent key, or a prefix with
// nothing under it, is 404 with the index headers.
func (a *Agent) kvGet(w http.ResponseWriter, r *http.Request, key string) error {
	q := r.URL.Query()
	st := a.server.Catalog()
	switch {
	case has(q, "keys"):
		sep := q.Get("separator")
		return a.serveRead(w, r, func(ws *catalog.WatchSet) (uint64, any, error) {
			idx, keys := st.KVKeys(ws, key, sep)
			keys = filterKeys(authz(r), keys)
			if len(keys) == 0 {
				return idx, missing{}, nil
			}
			return idx, keys, nil
		})
	case has(q, "recurse"):
		return a.serveRead(w, r, func(ws *catalog.WatchSet) (uint64, any, error) {
			idx, pairs := st.KVList(ws, key)
			pairs = filterPairs(authz(r), pairs)
			if len(pairs) == 0 {
				return idx, missing{}, nil
			}
			return idx, kvPairs(pairs), nil
		})
	}
	if key == "" {
		return badRequest("Missing key name")
	}
	raw := has(q, "raw")
	return a.serveRead(w, r, func(ws *catalog.WatchSet) (uint64, any, error) {
		idx, pair := st.KVGet(ws, key)
		switch {
		case pair == nil:
			return idx, missing{}, nil
		case raw:
			return idx, rawValue(pair.Value), nil
		}
		return idx, kvPairs{pair}, nil
	})
}

// kvPut writes the raw body as the key's value, with ?flags, and with
// ?cas=<ModifyIndex> only if the key is at that index (0: only if absent),
// with ?acquire=<session> only if the session can take the key's lock, with
// ?release=<session> only if the session holds it. It answers true, or
// false when a check-and-set or a lock lost.
func (a *Agent) kvPut(w http.ResponseWriter, r *http.Request, key string) error {
	if key == "" {
		return badRequest("Missing key name")
	}
	q := r.URL.Query()
	flags, _, err := parseUintParam(q, "flags", "flags")
	if err != nil {
		return err
	}
	cas, isCAS, err := parseUintParam(q, "cas", "cas")
	if err != nil {
		return err
	}
	value, err := readValue(r, int64(a.cfg.Limits.KVMaxValueSize))
	if err != nil {
		return err
	}
	var cmd catalog.Command
	switch {
	case has(q, "acquire"):
		cmd = &catalog.KVLockRequest{Key: key, Value: value, Flags: flags, Session: q.Get("acquire"),
			Now: catalog.TimestampOf(a.env.Now())}
	case has(q, "release"):
		cmd = &catalog.KVUnlockRequest{Key: key, Value: value, Flags: flags, Session: q.Get("release")}
	case isCAS:
		cmd = &catalog.KVCASRequest{Key: key, Value: value, Flags: flags, Index: cas}
	default:
		cmd = &catalog.KVSetRequest{Key: key, Value: value, Flags: flags}
	}
	ok, err := a.apply(r.Context(), cmd)
	if err != nil {
		return err
	}
	writeBool(w, ok)
	return nil
}

// readValue reads a KV value, refusing one over limit with 413. An empty
// body is a nil value, which Consul answers as null.
func readValue(r *http.Request, limit int64) ([]byte, error) {
	b, err := readLimited(r, limit)
	if err != nil || len(b) == 0 {
		return nil, err
	}
	return b, nil
}

// kvDelete removes a key, every key under a prefix (?recurse), or a key
// only at a given index (?cas). It answers true, or false when a
// check-and-set lost.
func (a *Agent) kvDelete(w http.ResponseWriter, r *http.Request, key string) error {
	q := r.URL.Query()
	cas, isCAS, err := parseUintParam(q, "cas", "cas")
	if err != nil {
		return err
	}
	var cmd catalog.Command
	switch {
	case has(q, "recurse"):
		cmd = &catalog.KVDeleteTreeRequest{Prefix: key}
	case key == "":
		return badRequest("Missing key name")
	case isCAS:
		cmd = &catalog.KVDeleteCASRequest{Key: key, Index: cas}
	default:
		cmd = &catalog.KVDeleteRequest{Key: key}
	}
	ok, err := a.apply(r.Context(), cmd)
	if err != nil {
		return err
	}
	writeBool(w, ok)
	return nil
}

// kvPairs is the answer of a KV read. Its JSON is exactly what
// encoding/json writes for []*catalog.KVPair (writeJSON checks it
// byte for byte in a fuzz target), built without reflection because KV
// reads are the API's hottest path.
type kvPairs []*catalog.KVPair

// appendJSON appends the pairs as a JSON array to b.
func (ps kvPairs) appendJSON(b []byte) []byte {
	if ps == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = p.AppendJSON(b)
	}
	return append(b, ']')
}

// jsonSizeHint is about the length of the pairs' JSON, to size a buffer.
func (ps kvPairs) jsonSizeHint() int {
	n := 2
	for _, p := range ps {
		if p != nil {
			n += 128 + len(p.Key) + len(p.Session) + base64.StdEncoding.EncodedLen(len(p.Value))
		}
	}
	return n
}
