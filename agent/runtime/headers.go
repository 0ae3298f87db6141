package runtime

import (
	"encoding/json"
	"net/http"
	"net/textproto"
	"strconv"

	"github.com/cairn-sd/cairn/agent/core"
)

// setQueryMeta writes the headers of every read: X-Consul-Index (never 0),
// X-Consul-KnownLeader, X-Consul-LastContact in milliseconds (the official
// client stops reading headers when it is missing) and
// X-Consul-Effective-Consistency.
func setQueryMeta(w http.ResponseWriter, index uint64, m core.QueryMeta, consistency string) {
	// One backing array holds the four values, each header a one-element
	// slice of it: what Header.Set does, with one allocation instead of four.
	v := []string{strconv.FormatUint(max(index, 1), 10), strconv.FormatBool(m.KnownLeader),
		strconv.FormatInt(m.LastContact.Milliseconds(), 10), consistency}
	h := w.Header()
	for i, key := range queryMetaHeaders {
		h[key] = v[i : i+1 : i+1]
	}
}

// queryMetaHeaders are the names setQueryMeta writes, in canonical form
// as Header.Set would store them.
var queryMetaHeaders = [4]string{
	textproto.CanonicalMIMEHeaderKey("X-Consul-Index"),
	textproto.CanonicalMIMEHeaderKey("X-Consul-KnownLeader"),
	textproto.CanonicalMIMEHeaderKey("X-Consul-LastContact"),
	textproto.CanonicalMIMEHeaderKey("X-Consul-Effective-Consistency"),
}

// writeJSON answers v as JSON, indented with ?pretty. A KV answer
// (kvPairs) is encoded by hand, with the same bytes.
func writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	var b []byte
	var err error
	pretty := has(r.URL.Query(), "pretty")
	switch pairs, isKV := v.(kvPairs); {
	case isKV && !pretty:
		b = pairs.appendJSON(make([]byte, 0, pairs.jsonSizeHint()))
	case pretty:
		b, err = json.MarshalIndent(v, "", "    ")
	default:
		b, err = json.Marshal(v)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// writeBool answers a write with Consul's true/false body.
func writeBool(w http.ResponseWriter, ok bool) {
	w.Header().Set("Content-Type", "application/json")
	if ok {
		w.Write([]byte("true"))
		return
	}
	w.Write([]byte("false"))
}
