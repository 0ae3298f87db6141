package dns

import (
	"errors"
	"slices"
	"strings"

	"github.com/cairn-sd/cairn/catalog"
)

// Source is the catalog as the DNS server reads it. The agent backs it
// with its local catalog (on a server) or with RPCs to the servers (on a
// client). Names arrive as the query spelled them; a Source matches them
// without regard to case, as Consul does. The index returned is the
// catalog index the answer reflects.
type Source interface {
	// Node returns the node of that name, or nil if there is none.
	Node(name string) (*catalog.Node, uint64, error)
	// Nodes returns every node (used to answer PTR queries).
	Nodes() ([]*catalog.Node, uint64, error)
	// ServiceInstances returns the health view of every instance of the
	// service that carries tag (any instance when tag is empty), health
	// checks included; the DNS server applies the health rules itself.
	ServiceInstances(name, tag string) ([]*catalog.CheckServiceNode, uint64, error)
}

// ErrUnknownDatacenter is what a Source of another datacenter fails with
// when no server knows a path to that datacenter; the name is then
// NXDOMAIN, as in Consul.
var ErrUnknownDatacenter = errors.New("dns: unknown datacenter")

// StateSource is a Source reading a *catalog.State directly, as a server
// agent (or a test) does.
type StateSource struct {
	State *catalog.State
}

// Node returns the node name, trying the exact spelling first and then
// any node whose name equals it without regard to case.
func (s StateSource) Node(name string) (*catalog.Node, uint64, error) {
	idx, ns := s.State.GetNode(nil, name)
	if ns != nil {
		return ns.Node, idx, nil
	}
	idx, nodes, err := s.State.ListNodes(nil, catalog.Query{})
	if err != nil {
		return nil, 0, err
	}
	for _, n := range nodes {
		if strings.EqualFold(n.Node, name) {
			return n, idx, nil
		}
	}
	return nil, idx, nil
}

// Nodes returns every node in name order.
func (s StateSource) Nodes() ([]*catalog.Node, uint64, error) {
	idx, nodes, err := s.State.ListNodes(nil, catalog.Query{})
	return nodes, idx, err
}

// ServiceInstances returns the health view of service name filtered by
// tag, falling back to the service names that equal name without regard
// to case when the exact spelling has no instance.
func (s StateSource) ServiceInstances(name, tag string) ([]*catalog.CheckServiceNode, uint64, error) {
	q := catalog.Query{}
	if tag != "" {
		q.Tags = []string{tag}
	}
	idx, rows, err := s.State.CheckServiceNodes(nil, name, q)
	if err != nil || len(rows) > 0 {
		return rows, idx, err
	}
	_, names, err := s.State.ListServices(nil, catalog.Query{})
	if err != nil {
		return nil, 0, err
	}
	var folded []string
	for n := range names {
		if n != name && strings.EqualFold(n, name) {
			folded = append(folded, n)
		}
	}
	slices.Sort(folded)
	for _, n := range folded {
		i, more, err := s.State.CheckServiceNodes(nil, n, q)
		if err != nil {
			return nil, 0, err
		}
		idx = max(idx, i)
		rows = append(rows, more...)
	}
	return rows, idx, nil
}
