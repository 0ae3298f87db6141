package runtime

import (
	"errors"
	"net/http"
	"strings"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/catalog"
)

// catalogRegistration is the body of PUT /v1/catalog/register as the
// official client sends it (api.CatalogRegistration). Fields the catalog
// does not keep (Partition, Locality, a service's Proxy or Connect) are
// accepted and ignored.
type catalogRegistration = catalog.RegisterRequest

// catalogDeregistration is the body of PUT /v1/catalog/deregister.
type catalogDeregistration struct {
	Node       string
	Datacenter string
	ServiceID  string
	CheckID    string
}

// decodeRegistration decodes and checks a catalog registration body.
func decodeRegistration(b []byte, dc string) (*catalog.RegisterRequest, error) {
	var reg catalogRegistration
	if err := decodeJSON(b, &reg); err != nil {
		return nil, err
	}
	if reg.Datacenter != "" && !strings.EqualFold(reg.Datacenter, dc) {
		return nil, errNoPath
	}
	reg.Datacenter = dc
	if reg.Node == "" {
		return nil, badRequest("Missing node name")
	}
	if reg.Service != nil && reg.Service.Service == "" {
		return nil, badRequest("Missing service name")
	}
	return &reg, nil
}

// catalogRegister serves PUT /v1/catalog/register.
func (a *Agent) catalogRegister(w http.ResponseWriter, r *http.Request, _ string) error {
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	reg, err := decodeRegistration(raw, a.cfg.Datacenter)
	if err != nil {
		return err
	}
	if err := permission(registerDecision(authz(r), reg)); err != nil {
		return err
	}
	reg.Now = catalog.TimestampOf(a.env.Now())
	if _, err := a.apply(r.Context(), reg); err != nil {
		return err
	}
	writeBool(w, true)
	return nil
}

// registerDecision is what a catalog registration needs: node write, and
// service write for the service it carries.
func registerDecision(az *acl.Authorizer, reg *catalog.RegisterRequest) acl.Decision {
	if az.NodeWrite(reg.Node) != acl.Allow {
		return acl.Deny
	}
	if reg.Service != nil {
		return az.ServiceWrite(reg.Service.Service)
	}
	return acl.Allow
}

// catalogDeregister serves PUT /v1/catalog/deregister. Removing what is not
// there succeeds, as in Consul.
func (a *Agent) catalogDeregister(w http.ResponseWriter, r *http.Request, _ string) error {
	var d catalogDeregistration
	if err := decodeBody(r, &d); err != nil {
		return err
	}
	if d.Datacenter != "" && !strings.EqualFold(d.Datacenter, a.cfg.Datacenter) {
		return errNoPath
	}
	if d.Node == "" {
		return badRequest("Missing node name")
	}
	if err := permission(authz(r).NodeWrite(d.Node)); err != nil {
		return err
	}
	_, err := a.apply(r.Context(), &catalog.DeregisterRequest{Node: d.Node, ServiceID: d.ServiceID, CheckID: d.CheckID,
		Now: catalog.TimestampOf(a.env.Now())})
	if err != nil && !errors.Is(err, catalog.ErrNodeNotFound) &&
		!errors.Is(err, catalog.ErrServiceNotFound) && !errors.Is(err, catalog.ErrCheckNotFound) {
		return err
	}
	writeBool(w, true)
	return nil
}

// catalogDatacenters serves GET /v1/catalog/datacenters: every datacenter
// the WAN pool knows, nearest first.
func (a *Agent) catalogDatacenters(w http.ResponseWriter, r *http.Request, _ string) error {
	var dcs []string
	if !a.env.Do(func() { dcs = a.server.Datacenters() }) {
		return errShuttingDown
	}
	writeJSON(w, r, dcs)
	return nil
}

// catalogNodes serves GET /v1/catalog/nodes (?node-meta, ?filter).
func (a *Agent) catalogNodes(w http.ResponseWriter, r *http.Request, _ string) error {
	q, err := parseCatalogQuery(r.URL.Query())
	if err != nil {
		return err
	}
	return a.serveRead(w, r, func(ws *catalog.WatchSet) (uint64, any, error) {
		idx, nodes, err := a.server.Catalog().ListNodes(ws, q)
		nodes = visible(authz(r), nodes, canReadNode)
		sortNear(a, r, nodes, func(n *catalog.Node) string { return n.Node })
		return idx, nonNil(nodes), err
	})
}

// catalogServices serves GET /v1/catalog/services: {"name": ["tags"]}.
func (a *Agent) catalogServices(w http.ResponseWriter, r *http.Request, _ string) error {
	q, err := parseCatalogQuery(r.URL.Query())
	if err != nil {
		return err
	}
	return a.serveRead(w, r, func(ws *catalog.WatchSet) (uint64, any, error) {
		idx, services, err := a.server.Catalog().ListServices(ws, q)
		if services == nil {
			services = map[string][]string{}
		}
		for name, tags := range services {
			services[name] = nonNil(tags)
			if authz(r).ServiceRead(name) != acl.Allow {
				delete(services, name)
			}
		}
		return idx, services, err
	})
}

// catalogService serves GET /v1/catalog/service/<name> (?tag, ?node-meta,
// ?filter).
func (a *Agent) catalogService(w http.ResponseWriter, r *http.Request, name string) error {
	return a.serveServiceRead(w, r, name, func(ws *catalog.WatchSet, q catalog.Query) (uint64, any, error) {
		idx, rows, err := a.server.Catalog().ServiceNodes(ws, name, q)
		rows = visible(authz(r), rows, func(az *acl.Authorizer, row *catalog.CatalogService) bool { return az.NodeRead(row.Node) == acl.Allow })
		sortNear(a, r, rows, func(row *catalog.CatalogService) string { return row.Node })
		return idx, nonNil(rows), err
	})
}

// serveServiceRead answers a read of the service name with the catalog
// query the request's parameters give.
func (a *Agent) serveServiceRead(w http.ResponseWriter, r *http.Request, name string,
	read func(*catalog.WatchSet, catalog.Query) (uint64, any, error)) error {
	if name == "" {
		return badRequest("Missing service name")
	}
	q, err := parseCatalogQuery(r.URL.Query())
	if err != nil {
		return err
	}
	return a.serveRead(w, r, func(ws *catalog.WatchSet) (uint64, any, error) { return read(ws, q) })
}

// catalogNodeView is the answer of /v1/catalog/node/<node>: the node and
// its services by ID.
type catalogNodeView struct {
	Node     *catalog.Node
	Services map[string]*catalog.Service
}

// catalogNode serves GET /v1/catalog/node/<node>; an unknown node is
// answered with null, as Consul does.
func (a *Agent) catalogNode(w http.ResponseWriter, r *http.Request, name string) error {
	return a.serveNodeRead(w, r, name, func(ns *catalog.NodeServices) any {
		view := catalogNodeView{Node: ns.Node, Services: make(map[string]*catalog.Service, len(ns.Services))}
		for _, svc := range ns.Services {
			view.Services[svc.ID] = svc
		}
		return view
	})
}

// catalogNodeServicesView is the answer of /v1/catalog/node-services/<node>.
type catalogNodeServicesView struct {
	Node     *catalog.Node
	Services []*catalog.Service
}

// catalogNodeServices serves GET /v1/catalog/node-services/<node>; an
// unknown node is answered with null.
func (a *Agent) catalogNodeServices(w http.ResponseWriter, r *http.Request, name string) error {
	return a.serveNodeRead(w, r, name, func(ns *catalog.NodeServices) any {
		return catalogNodeServicesView{Node: ns.Node, Services: nonNil(ns.Services)}
	})
}

// serveNodeRead answers a read of the node name shaped by view, or null
// when there is no such node.
func (a *Agent) serveNodeRead(w http.ResponseWriter, r *http.Request, name string,
	view func(*catalog.NodeServices) any) error {
	if name == "" {
		return badRequest("Missing node name")
	}
	return a.serveRead(w, r, func(ws *catalog.WatchSet) (uint64, any, error) {
		idx, ns := a.server.Catalog().GetNode(ws, name)
		if ns == nil {
			return idx, nil, nil
		}
		visibleNS := *ns
		visibleNS.Services = visible(authz(r), ns.Services, func(az *acl.Authorizer, svc *catalog.Service) bool { return az.ServiceRead(svc.Service) == acl.Allow })
		return idx, view(&visibleNS), nil
	})
}

// nonNil turns a nil slice into an empty one, so that JSON says [] rather
// than null, as Consul does for empty lists.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
