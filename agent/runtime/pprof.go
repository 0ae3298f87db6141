package runtime

import (
	"net/http"
	"net/http/pprof"
	"strings"
)

// pprofPrefix is where enable_debug serves Go's runtime profiles, as
// Consul does: CPU (profile), heap, goroutines, blocking, mutexes and
// execution traces, readable with `go tool pprof` and `go tool trace`.
const pprofPrefix = "/debug/pprof/"

// servePprof answers a profiling request. With ACLs on, the token needs
// operator:read: a profile shows what the agent is doing, and a CPU
// profile or trace costs CPU while it runs.
func (a *Agent) servePprof(w http.ResponseWriter, r *http.Request) {
	if a.acl != nil {
		az, err := a.authorizer(a.withSecret(r))
		if err == nil {
			err = permission(az.OperatorRead())
		}
		if err != nil {
			writeError(w, err)
			return
		}
	}
	switch strings.TrimPrefix(r.URL.Path, pprofPrefix) {
	case "cmdline":
		pprof.Cmdline(w, r)
	case "profile":
		pprof.Profile(w, r)
	case "symbol":
		pprof.Symbol(w, r)
	case "trace":
		pprof.Trace(w, r)
	default:
		pprof.Index(w, r)
	}
}
