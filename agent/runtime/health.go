package runtime

import (
	"net/http"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/catalog"
)

// healthService serves GET /v1/health/service/<name> (?passing, ?tag,
// ?node-meta, ?filter): each instance with its node and checks.
func (a *Agent) healthService(w http.ResponseWriter, r *http.Request, name string) error {
	return a.serveServiceRead(w, r, name, func(ws *catalog.WatchSet, q catalog.Query) (uint64, any, error) {
		idx, rows, err := a.server.Catalog().CheckServiceNodes(ws, name, q)
		rows = visible(authz(r), rows, func(az *acl.Authorizer, row *catalog.CheckServiceNode) bool { return canReadNode(az, row.Node) })
		for _, row := range rows {
			row.Checks = nonNil(filterChecks(authz(r), row.Checks))
		}
		sortNear(a, r, rows, func(row *catalog.CheckServiceNode) string { return row.Node.Node })
		return idx, nonNil(rows), err
	})
}

// healthChecks serves GET /v1/health/checks/<service>.
func (a *Agent) healthChecks(w http.ResponseWriter, r *http.Request, name string) error {
	if name == "" {
		return badRequest("Missing service name")
	}
	return a.serveChecks(w, r, func(ws *catalog.WatchSet, q catalog.Query) (uint64, []*catalog.HealthCheck, error) {
		return a.server.Catalog().ServiceChecks(ws, name, q)
	})
}

// healthNode serves GET /v1/health/node/<node>.
func (a *Agent) healthNode(w http.ResponseWriter, r *http.Request, node string) error {
	if node == "" {
		return badRequest("Missing node name")
	}
	return a.serveChecks(w, r, func(ws *catalog.WatchSet, q catalog.Query) (uint64, []*catalog.HealthCheck, error) {
		return a.server.Catalog().NodeChecks(ws, node, q)
	})
}

// healthState serves GET /v1/health/state/<state>: any, passing, warning
// or critical; another state is 400.
func (a *Agent) healthState(w http.ResponseWriter, r *http.Request, state string) error {
	switch state {
	case catalog.HealthAny, catalog.HealthPassing, catalog.HealthWarning, catalog.HealthCritical:
	default:
		return badRequest("Invalid state %q: must be any, passing, warning or critical", state)
	}
	return a.serveChecks(w, r, func(ws *catalog.WatchSet, q catalog.Query) (uint64, []*catalog.HealthCheck, error) {
		return a.server.Catalog().ChecksInState(ws, state, q)
	})
}

// serveChecks answers a list of checks read by read.
func (a *Agent) serveChecks(w http.ResponseWriter, r *http.Request,
	read func(*catalog.WatchSet, catalog.Query) (uint64, []*catalog.HealthCheck, error)) error {
	q, err := parseCatalogQuery(r.URL.Query())
	if err != nil {
		return err
	}
	return a.serveRead(w, r, func(ws *catalog.WatchSet) (uint64, any, error) {
		idx, checks, err := read(ws, q)
		return idx, nonNil(filterChecks(authz(r), checks)), err
	})
}
