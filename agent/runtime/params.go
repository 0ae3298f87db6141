package runtime

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-sd/cairn/catalog"
)

// Blocking-query waits, as Consul's -default-query-time and -max-query-time.
const (
	defaultWait = 5 * time.Minute
	maxWait     = 10 * time.Minute
)

// queryOptions are the parameters every read accepts.
type queryOptions struct {
	minIndex   uint64
	wait       time.Duration
	stale      bool
	consistent bool
}

// has reports whether a flag-style parameter (?stale, ?recurse) is present;
// its value does not matter, as in Consul.
func has(q url.Values, name string) bool {
	_, ok := q[name]
	return ok
}

// parseQueryOptions reads index, wait, stale and consistent.
func parseQueryOptions(q url.Values) (queryOptions, error) {
	o := queryOptions{stale: has(q, "stale"), consistent: has(q, "consistent"), wait: defaultWait}
	if o.stale && o.consistent {
		return o, badRequest("Cannot specify ?stale with ?consistent, conflicting semantics.")
	}
	if s := q.Get("index"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return o, badRequest("Invalid index")
		}
		o.minIndex = n
	}
	if s := q.Get("wait"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return o, badRequest("Invalid wait time")
		}
		o.wait = min(d, maxWait)
	}
	return o, nil
}

// parseCatalogQuery reads tag (repeatable), node-meta (repeatable k:v),
// filter and passing.
func parseCatalogQuery(q url.Values) (catalog.Query, error) {
	cq := catalog.Query{Tags: q["tag"], Filter: q.Get("filter"), PassingOnly: has(q, "passing")}
	for _, kv := range q["node-meta"] {
		k, v, ok := strings.Cut(kv, ":")
		if !ok || k == "" {
			return cq, badRequest("Invalid node-meta %q: must be key:value", kv)
		}
		if cq.NodeMeta == nil {
			cq.NodeMeta = make(map[string]string)
		}
		cq.NodeMeta[k] = v
	}
	return cq, nil
}

// parseUintParam reads an optional unsigned parameter; name appears in the
// error as Consul spells it ("Invalid flags").
func parseUintParam(q url.Values, key, name string) (uint64, bool, error) {
	s, ok := q[key]
	if !ok {
		return 0, false, nil
	}
	if len(s) == 0 || s[0] == "" {
		return 0, true, badRequest("Invalid %s", name)
	}
	n, err := strconv.ParseUint(s[0], 10, 64)
	if err != nil {
		return 0, true, badRequest("Invalid %s", name)
	}
	return n, true, nil
}

// remoteDatacenter returns the datacenter ?dc names when it is not this
// agent's own, or "".
func (a *Agent) remoteDatacenter(r *http.Request) string {
	dc := r.URL.Query().Get("dc")
	if dc == "" || strings.EqualFold(dc, a.cfg.Datacenter) {
		return ""
	}
	return dc
}
