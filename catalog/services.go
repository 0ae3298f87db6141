package catalog

import (
	"maps"
	"slices"
	"strings"
)

// Service is one service instance on one node, with the fields and names of
// Consul's AgentService JSON object.
type Service struct {
	ID                string
	Service           string
	Tags              []string
	Address           string
	Port              int
	Meta              map[string]string
	TaggedAddresses   map[string]ServiceAddress
	Weights           Weights
	EnableTagOverride bool
	CreateIndex       uint64
	ModifyIndex       uint64
}

// ServiceAddress is one entry of a service's TaggedAddresses.
type ServiceAddress struct {
	Address string
	Port    int
}

// DefaultWeights are the weights of an instance registered without any.
var DefaultWeights = Weights{Passing: 1, Warning: 1}

// Weights are the DNS SRV weights of an instance while passing and while
// warning. Consul defaults both to 1.
type Weights struct {
	Passing int
	Warning int
}

// CatalogService is one row of the catalog view of a service (Consul's
// /v1/catalog/service/<name>): the node's fields and the instance's fields
// flattened into one object with Consul's field names.
type CatalogService struct {
	ID                       string
	Node                     string
	Address                  string
	Datacenter               string
	TaggedAddresses          map[string]string
	NodeMeta                 map[string]string
	ServiceID                string
	ServiceName              string
	ServiceAddress           string
	ServiceTaggedAddresses   map[string]ServiceAddress
	ServiceTags              []string
	ServiceMeta              map[string]string
	ServicePort              int
	ServiceWeights           Weights
	ServiceEnableTagOverride bool
	CreateIndex              uint64
	ModifyIndex              uint64
}

// SameService reports whether two instances carry the same data, ignoring
// indexes.
func SameService(a, b *Service) bool {
	return a.ID == b.ID && a.Service == b.Service && slices.Equal(a.Tags, b.Tags) &&
		a.Address == b.Address && a.Port == b.Port && maps.Equal(a.Meta, b.Meta) &&
		maps.Equal(a.TaggedAddresses, b.TaggedAddresses) && a.Weights == b.Weights &&
		a.EnableTagOverride == b.EnableTagOverride
}

// ensureService inserts or updates the instance svc on node at index.
func (s *State) ensureService(idx uint64, node string, svc *Service) {
	key := joinKey(node, svc.ID)
	old, ok := s.db.services.get(key)
	if ok && SameService(old, svc) {
		return
	}
	row := *svc
	row.CreateIndex, row.ModifyIndex = idx, idx
	if ok {
		row.CreateIndex = old.CreateIndex
		if old.Service != row.Service {
			s.db.serviceNames.delete(joinKey(old.Service, node, old.ID))
			s.touchService(idx, old.Service)
		}
	}
	s.db.services.put(key, &row)
	s.db.serviceNames.put(joinKey(row.Service, node, row.ID), struct{}{})
	s.touchTable(idx, tableServices)
	s.touchService(idx, row.Service)
	s.touchNode(idx, node)
	s.refreshServiceChecks(idx, node, &row)
}

// refreshServiceChecks copies an instance's name and tags into the checks
// bound to it, which carry them as ServiceName and ServiceTags.
func (s *State) refreshServiceChecks(idx uint64, node string, svc *Service) {
	for _, key := range slices.Collect(s.db.checks.prefix(node + "\x00")) {
		c := s.db.checks.at(key)
		if c.ServiceID != svc.ID || (c.ServiceName == svc.Service && slices.Equal(c.ServiceTags, svc.Tags)) {
			continue
		}
		updated := *c
		updated.ServiceName, updated.ServiceTags = svc.Service, svc.Tags
		s.ensureCheck(idx, &updated)
	}
}

// deleteService removes an instance and the checks bound to it.
func (s *State) deleteService(idx uint64, node, id string) {
	svc, ok := s.db.services.get(joinKey(node, id))
	if !ok {
		return
	}
	for _, key := range slices.Collect(s.db.checks.prefix(node + "\x00")) {
		if c := s.db.checks.at(key); c.ServiceID == id {
			s.deleteCheck(idx, node, c.CheckID)
		}
	}
	s.db.services.delete(joinKey(node, id))
	s.db.serviceNames.delete(joinKey(svc.Service, node, id))
	s.touchTable(idx, tableServices)
	s.touchService(idx, svc.Service)
	s.touchNode(idx, node)
}

// touchServicesOnNode marks every service with an instance on node as
// changed: a node's address or node-level checks are part of each of its
// instances' health view.
func (s *State) touchServicesOnNode(idx uint64, node string) {
	for key := range s.db.services.prefix(node + "\x00") {
		s.touchService(idx, s.db.services.at(key).Service)
	}
}

// hasTags reports whether svc carries every tag of want. Tags compare
// without regard to case, as in Consul.
func hasTags(svc *Service, want []string) bool {
	for _, w := range want {
		if !slices.ContainsFunc(svc.Tags, func(t string) bool { return strings.EqualFold(t, w) }) {
			return false
		}
	}
	return true
}

// instances returns the node and instance of every registration of the
// service name that carries all tags and whose node carries nodeMeta, in
// (node, ID) order.
func (s *State) instances(name string, tags []string, nodeMeta map[string]string) ([]*Node, []*Service) {
	var nodes []*Node
	var svcs []*Service
	for key := range s.db.serviceNames.prefix(name + "\x00") {
		parts := splitKey(key)
		svc := s.db.services.at(joinKey(parts[1], parts[2]))
		n := s.db.nodes.at(parts[1])
		if !hasTags(svc, tags) || !matchNodeMeta(n, nodeMeta) {
			continue
		}
		nodes = append(nodes, n)
		svcs = append(svcs, svc)
	}
	return nodes, svcs
}

func catalogService(n *Node, svc *Service) *CatalogService {
	return &CatalogService{
		ID: n.ID, Node: n.Node, Address: n.Address, Datacenter: n.Datacenter,
		TaggedAddresses: n.TaggedAddresses, NodeMeta: n.Meta,
		ServiceID: svc.ID, ServiceName: svc.Service, ServiceAddress: svc.Address,
		ServiceTaggedAddresses: svc.TaggedAddresses, ServiceTags: svc.Tags,
		ServiceMeta: svc.Meta, ServicePort: svc.Port, ServiceWeights: svc.Weights,
		ServiceEnableTagOverride: svc.EnableTagOverride,
		CreateIndex:              svc.CreateIndex, ModifyIndex: svc.ModifyIndex,
	}
}

// ServiceNodes returns the catalog view of the service name: one
// CatalogService per instance that carries all of q.Tags, whose node carries
// q.NodeMeta, and that matches q.Filter (selectors are CatalogService's
// fields: ServiceMeta.version, "web" in ServiceTags).
func (s *State) ServiceNodes(ws *WatchSet, name string, q Query) (uint64, []*CatalogService, error) {
	f, err := compileFilter(q.Filter, CatalogService{})
	if err != nil {
		return 0, nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchService, name: name})
	nodes, svcs := s.instances(name, q.Tags, q.NodeMeta)
	all := make([]*CatalogService, len(svcs))
	for i := range svcs {
		all[i] = catalogService(nodes[i], svcs[i])
	}
	out, err := filterRows(f, all)
	if err != nil {
		return 0, nil, err
	}
	return s.serviceIndex(name), out, nil
}

// ListServices returns every service name with the union of its instances'
// tags, sorted, counting only instances on nodes that carry q.NodeMeta and
// that match q.Filter (over CatalogService). The index is the larger of the
// services and nodes tables' indexes.
func (s *State) ListServices(ws *WatchSet, q Query) (uint64, map[string][]string, error) {
	f, err := compileFilter(q.Filter, CatalogService{})
	if err != nil {
		return 0, nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchTable, name: tableServices})
	s.watch(ws, watchKey{kind: watchTable, name: tableNodes})
	out := make(map[string][]string)
	for key := range s.db.serviceNames.all() {
		parts := splitKey(key)
		svc := s.db.services.at(joinKey(parts[1], parts[2]))
		n := s.db.nodes.at(parts[1])
		if !matchNodeMeta(n, q.NodeMeta) {
			continue
		}
		ok, err := f.match(catalogService(n, svc))
		if err != nil {
			return 0, nil, err
		}
		if !ok {
			continue
		}
		tags := out[svc.Service]
		if tags == nil {
			tags = []string{}
		}
		for _, t := range svc.Tags {
			if !slices.Contains(tags, t) {
				tags = append(tags, t)
			}
		}
		out[svc.Service] = tags
	}
	for _, tags := range out {
		slices.Sort(tags)
	}
	idx := max(s.db.tableIndex[tableServices], s.db.tableIndex[tableNodes])
	return s.answer(idx), out, nil
}
