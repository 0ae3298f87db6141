package runtime

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/cairn-sd/cairn/agent/core"
)

// setQueryMeta writes the headers of every read: X-Consul-Index (never 0),
// X-Consul-KnownLeader, X-Consul-LastContact in milliseconds (the official
// client stops reading headers when it is missing) and
// X-Consul-Effective-Consistency.
func setQueryMeta(w http.ResponseWriter, index uint64, m core.QueryMeta, consistency string) {
	h := w.Header()
	h.Set("X-Consul-Index", strconv.FormatUint(max(index, 1), 10))
	h.Set("X-Consul-KnownLeader", strconv.FormatBool(m.KnownLeader))
	h.Set("X-Consul-LastContact", strconv.FormatInt(m.LastContact.Milliseconds(), 10))
	h.Set("X-Consul-Effective-Consistency", consistency)
}

// writeJSON answers v as JSON, indented with ?pretty.
func writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	var b []byte
	var err error
	if has(r.URL.Query(), "pretty") {
		b, err = json.MarshalIndent(v, "", "    ")
	} else {
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
