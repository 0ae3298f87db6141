package runtime

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/cairn-sd/cairn/ui"
)

// maxJSONBodyBytes caps the JSON bodies of registrations and check updates.
const maxJSONBodyBytes = 1 << 20

// handlerFunc serves one endpoint; rest is the path after a prefix route's
// prefix (a key, a service name). A returned error is answered as plain
// text with the status statusOf gives it.
type handlerFunc func(w http.ResponseWriter, r *http.Request, rest string) error

// route is one endpoint: an exact path, or a prefix when path ends in "/".
type route struct {
	path    string
	methods []string
	h       handlerFunc
}

var (
	get    = []string{http.MethodGet}
	put    = []string{http.MethodPut}
	kvVerb = []string{http.MethodGet, http.MethodPut, http.MethodDelete}
)

// routes lists the endpoints of the API.
func (a *Agent) routes() []route {
	return []route{
		{"/v1/kv/", kvVerb, a.kv},
		{"/v1/txn", put, a.txn},
		{"/v1/snapshot", []string{http.MethodGet, http.MethodPut}, a.snapshot},
		{"/v1/acl/bootstrap", put, a.aclBootstrap},
		{"/v1/acl/token", put, a.aclTokenCreate},
		{"/v1/acl/token/", kvVerb, a.aclToken},
		{"/v1/acl/tokens", get, a.aclTokenList},
		{"/v1/acl/policy", put, a.aclPolicyCreate},
		{"/v1/acl/policy/", kvVerb, a.aclPolicy},
		{"/v1/acl/policies", get, a.aclPolicyList},
		{"/v1/acl/replication", get, a.aclReplication},
		{"/v1/session/create", put, a.sessionCreate},
		{"/v1/session/destroy/", put, a.sessionDestroy},
		{"/v1/session/renew/", put, a.sessionRenew},
		{"/v1/session/info/", get, a.sessionInfo},
		{"/v1/session/node/", get, a.sessionNode},
		{"/v1/session/list", get, a.sessionList},
		{"/v1/query", []string{http.MethodGet, http.MethodPost}, a.queryRoot},
		{"/v1/query/", kvVerb, a.queryItem},
		{"/v1/catalog/register", put, a.catalogRegister},
		{"/v1/catalog/deregister", put, a.catalogDeregister},
		{"/v1/catalog/datacenters", get, a.catalogDatacenters},
		{"/v1/catalog/nodes", get, a.catalogNodes},
		{"/v1/catalog/services", get, a.catalogServices},
		{"/v1/catalog/service/", get, a.catalogService},
		{"/v1/catalog/node/", get, a.catalogNode},
		{"/v1/catalog/node-services/", get, a.catalogNodeServices},
		{"/v1/health/service/", get, a.healthService},
		{"/v1/health/checks/", get, a.healthChecks},
		{"/v1/health/node/", get, a.healthNode},
		{"/v1/health/state/", get, a.healthState},
		{"/v1/status/leader", get, a.statusLeader},
		{"/v1/status/peers", get, a.statusPeers},
		{"/v1/agent/self", get, a.agentSelf},
		{"/v1/agent/members", get, a.agentMembers},
		{"/v1/agent/join/", put, a.agentJoin},
		{"/v1/agent/leave", put, a.agentLeave},
		{"/v1/agent/force-leave/", put, a.agentForceLeave},
		{"/v1/operator/raft/configuration", get, a.operatorRaftConfiguration},
		{"/v1/operator/raft/peer", []string{http.MethodDelete}, a.operatorRaftPeer},
		{"/v1/operator/raft/transfer-leader", []string{http.MethodPost, http.MethodPut}, a.operatorTransferLeader},
		{"/v1/operator/autopilot/configuration", []string{http.MethodGet, http.MethodPut}, a.operatorAutopilotConfiguration},
		{"/v1/operator/autopilot/health", get, a.operatorAutopilotHealth},
		{"/v1/operator/autopilot/state", get, a.operatorAutopilotState},
		{"/v1/agent/cairn/gossip", get, a.agentCairnGossip},
		{"/v1/operator/keyring", []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete}, a.operatorKeyring},
		{"/v1/agent/services", get, a.agentServices},
		{"/v1/agent/service/", get, a.agentService},
		{"/v1/agent/checks", get, a.agentChecks},
		{"/v1/agent/service/register", put, a.agentServiceRegister},
		{"/v1/agent/service/deregister/", put, a.agentServiceDeregister},
		{"/v1/agent/check/register", put, a.agentCheckRegister},
		{"/v1/agent/check/deregister/", put, a.agentCheckDeregister},
		{"/v1/agent/maintenance", put, a.agentMaintenance},
		{"/v1/agent/reload", put, a.agentReload},
		{"/v1/agent/monitor", get, a.agentMonitor},
		{"/v1/agent/token/", put, a.agentToken},
		{"/v1/agent/metrics", get, a.agentMetricsHandler},
		{"/v1/event/fire/", put, a.agentEventFire},
		{"/v1/event/list", get, a.agentEventList},
		{"/v1/coordinate/nodes", get, a.coordinateNodes},
		{"/v1/coordinate/node/", get, a.coordinateNode},
		{"/v1/coordinate/datacenters", get, a.coordinateDatacenters},
		{"/v1/agent/service/maintenance/", put, a.agentServiceMaintenance},
		{"/v1/agent/health/service/id/", get, a.agentHealthByID},
		{"/v1/agent/health/service/name/", get, a.agentHealthByName},
		{"/v1/agent/check/pass/", put, a.agentCheckTTL("passing")},
		{"/v1/agent/check/warn/", put, a.agentCheckTTL("warning")},
		{"/v1/agent/check/fail/", put, a.agentCheckTTL("critical")},
		{"/v1/agent/check/update/", put, a.agentCheckUpdate},
	}
}

// match finds the route for path: an exact route first, else the longest
// prefix route.
func match(routes []route, path string) (route, string, bool) {
	var best route
	found := false
	for _, rt := range routes {
		if rt.path == path {
			return rt, "", true
		}
		if strings.HasSuffix(rt.path, "/") && strings.HasPrefix(path, rt.path) &&
			(!found || len(rt.path) > len(best.path)) {
			best, found = rt, true
		}
	}
	if !found {
		return route{}, "", false
	}
	return best, strings.TrimPrefix(path, best.path), true
}

// handler dispatches requests to the routes: 404 for unknown paths, 405
// with Consul's "method X not allowed" for wrong methods. A client agent
// relays every request outside /v1/agent/ to a server, and a request for
// another datacenter goes to a server there (relay.go).
func (a *Agent) handler() http.Handler {
	routes := a.routes()
	uiHandler := a.uiHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.cfg.EnableDebug && strings.HasPrefix(r.URL.Path, pprofPrefix) {
			a.servePprof(w, r)
			return
		}
		if uiHandler != nil && !strings.HasPrefix(r.URL.Path, "/v1/") {
			uiHandler.ServeHTTP(w, r)
			return
		}
		rt, rest, ok := match(routes, r.URL.Path)
		if !ok {
			http.NotFound(w, r)
			return
		}
		defer a.observeHTTP(&w, r.Method, rt.path)()
		if !slices.Contains(rt.methods, r.Method) {
			w.Header().Set("Allow", strings.Join(rt.methods, ","))
			writeError(w, &httpError{http.StatusMethodNotAllowed, "method " + r.Method + " not allowed"})
			return
		}
		h := rt.h
		if a.client != nil && !servedLocally(rt.path) {
			h = a.relay
		}
		if dc := a.remoteDatacenter(r); dc != "" && !strings.HasPrefix(rt.path, "/v1/agent/") && rt.path != "/v1/event/list" {
			h = func(w http.ResponseWriter, r *http.Request, _ string) error { return a.relayTo(w, r, dc) }
		}
		if dc := a.globalACLWriteTarget(r, rt.path, rest); dc != "" {
			h = func(w http.ResponseWriter, r *http.Request, _ string) error { return a.relayTo(w, r, dc) }
		}
		err := a.checkRoute(&r, rt, rest)
		if err == nil {
			err = h(w, r, rest)
		}
		switch {
		case err == nil, errors.Is(err, errParked):
		case a.baseCtx.Err() != nil:
			writeError(w, errShuttingDown)
		case r.Context().Err() == nil:
			writeError(w, err)
		}
	})
}

// checkRoute keeps the request's token in its context (a write forwarded
// to the leader carries it), resolves it, unless the request is relayed
// (the server that serves it checks), and refuses it when the route's
// permission is denied. ACL endpoints check for themselves.
func (a *Agent) checkRoute(r **http.Request, rt route, rest string) error {
	if a.acl == nil {
		return nil
	}
	*r = a.withSecret(*r)
	if strings.HasPrefix(rt.path, "/v1/acl/") || strings.HasPrefix(rt.path, "/v1/status/") {
		return nil
	}
	if a.remoteDatacenter(*r) != "" || a.client != nil && !servedLocally(rt.path) {
		return nil
	}
	req, az, err := a.withAuthorizer(*r)
	if err != nil {
		return err
	}
	*r = req
	return permission(a.routeDecision(rt.path, rest, req, az))
}

// servedLocally reports whether a client agent answers a route itself:
// the agent's own endpoints, its events and its view of coordinates.
func servedLocally(path string) bool {
	for _, p := range []string{"/v1/agent/", "/v1/event/", "/v1/coordinate/nodes", "/v1/coordinate/node/"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// uiHandler serves the web UI at ui_content_path when the UI is on, and
// sends "/" there; it is nil when the UI is off.
func (a *Agent) uiHandler() http.Handler {
	if !a.cfg.UIEnabled {
		return nil
	}
	prefix := a.cfg.UIContentPath
	if prefix == "" {
		prefix = "/ui/"
	}
	files := ui.Handler(prefix)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			http.Redirect(w, r, prefix, http.StatusMovedPermanently)
			return
		}
		files.ServeHTTP(w, r)
	})
}

// decodeBody decodes a JSON request body into v (see readBody and
// decodeJSON).
func decodeBody(r *http.Request, v any) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	return decodeJSON(b, v)
}

// readBody reads a JSON request body, refusing one over maxJSONBodyBytes
// with 413.
func readBody(r *http.Request) ([]byte, error) { return readLimited(r, maxJSONBodyBytes) }

// readLimited reads a request body, refusing one over limit bytes with 413.
func readLimited(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, tooLarge(r.ContentLength, limit)
	}
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(limit+1, limit)
		}
		return nil, badRequest("Request body read failed: %v", err)
	}
	return b, nil
}

// decodeJSON decodes a JSON body, answering 400 when it cannot. Unknown
// fields are ignored, as Consul ignores them.
func decodeJSON(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return badRequest("Request decode failed: %v", err)
	}
	return nil
}
