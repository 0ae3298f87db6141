package catalog

import (
	"maps"
	"slices"
)

// Node is one machine in the catalog. Its fields and their names are those
// of Consul's Node JSON object, so the HTTP layer serialises it as is and
// filter expressions select its fields by Consul's names (Node.Meta.rack).
type Node struct {
	ID              string
	Node            string
	Address         string
	Datacenter      string
	TaggedAddresses map[string]string
	Meta            map[string]string
	CreateIndex     uint64
	ModifyIndex     uint64
}

// SameNode reports whether two nodes carry the same data, ignoring indexes,
// so that an identical re-registration (anti-entropy does many) leaves the
// indexes alone and wakes nobody.
func SameNode(a, b *Node) bool {
	return a.ID == b.ID && a.Node == b.Node && a.Address == b.Address &&
		a.Datacenter == b.Datacenter && maps.Equal(a.TaggedAddresses, b.TaggedAddresses) &&
		maps.Equal(a.Meta, b.Meta)
}

// NodeServices is a node with the service instances registered on it, the
// answer of Consul's /v1/catalog/node/<node>.
type NodeServices struct {
	Node     *Node
	Services []*Service
}

// ensureNode inserts or updates a node at index, keeping its CreateIndex.
func (s *State) ensureNode(idx uint64, n *Node) {
	old, ok := s.db.nodes.get(n.Node)
	if ok && SameNode(old, n) {
		return
	}
	row := *n
	row.CreateIndex, row.ModifyIndex = idx, idx
	if ok {
		row.CreateIndex = old.CreateIndex
	}
	s.db.nodes.put(row.Node, &row)
	s.touchTable(idx, tableNodes)
	s.touchNode(idx, row.Node)
	s.touchServicesOnNode(idx, row.Node)
}

// deleteNode removes a node with every service, check and session on it.
func (s *State) deleteNode(idx uint64, name string) {
	for _, key := range slices.Collect(s.db.services.prefix(name + "\x00")) {
		s.deleteService(idx, name, splitKey(key)[1])
	}
	for _, key := range slices.Collect(s.db.checks.prefix(name + "\x00")) {
		s.deleteCheck(idx, name, splitKey(key)[1])
	}
	s.deleteNodeSessions(idx, name)
	s.db.nodes.delete(name)
	s.touchTable(idx, tableNodes)
	s.touchNode(idx, name)
}

// matchNodeMeta reports whether n carries every key and value of want.
func matchNodeMeta(n *Node, want map[string]string) bool {
	for k, v := range want {
		if got, ok := n.Meta[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// ListNodes returns every node, ordered by name, that carries q.NodeMeta
// and matches q.Filter (selectors are Node's fields: Meta.rack, Address).
// The index is that of the nodes table.
func (s *State) ListNodes(ws *WatchSet, q Query) (uint64, []*Node, error) {
	f, err := compileFilter(q.Filter, Node{})
	if err != nil {
		return 0, nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchTable, name: tableNodes})
	var all []*Node
	for key := range s.db.nodes.all() {
		if n := s.db.nodes.at(key); matchNodeMeta(n, q.NodeMeta) {
			all = append(all, n)
		}
	}
	out, err := filterRows(f, all)
	if err != nil {
		return 0, nil, err
	}
	return s.answer(s.db.tableIndex[tableNodes]), out, nil
}

// GetNode returns a node and its service instances, or nil if there is no
// such node. The index covers the node, its services and its checks, and
// outlives the node as a tombstone.
func (s *State) GetNode(ws *WatchSet, name string) (uint64, *NodeServices) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchNode, name: name})
	idx := s.nodeIndex(name)
	n, ok := s.db.nodes.get(name)
	if !ok {
		return idx, nil
	}
	out := &NodeServices{Node: n}
	for key := range s.db.services.prefix(name + "\x00") {
		out.Services = append(out.Services, s.db.services.at(key))
	}
	return idx, out
}
