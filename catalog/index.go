package catalog

// Table names. They name the sections of a snapshot and the table-wide
// watches, and key the per-table indexes.
const (
	tableNodes    = "nodes"
	tableServices = "services"
	tableChecks   = "checks"
	tableKVs      = "kvs"
	tableSessions = "sessions"

	tableACLPolicies  = "acl_policies"
	tableACLTokens    = "acl_tokens"
	tableACLBootstrap = "acl_bootstrap"
)

// answer turns the index a read computed into the index it reports: never
// below the floors (see tombstone.go and Restore) and never 0, because a blocking
// query sent with index 0 means "do not block", so a client handed 0 would
// spin, and consul-template treats 0 as "start over".
func (s *State) answer(idx uint64) uint64 {
	return max(idx, s.db.floor, s.restoreFloor, 1)
}

// touchTable records that table changed at idx and wakes its watchers.
func (s *State) touchTable(idx uint64, table string) {
	s.db.tableIndex[table] = idx
	s.watches.fire(watchKey{kind: watchTable, name: table})
}

// touchNode records that something visible through the node name (its row,
// an instance on it, a check on it) changed at idx. The entry outlives the
// node as its tombstone until Reap.
func (s *State) touchNode(idx uint64, name string) {
	s.db.nodeIndexes.put(name, idx)
	s.watches.fire(watchKey{kind: watchNode, name: name})
}

// touchService records that the health or catalog view of the service name
// changed at idx: an instance, one of its checks, or its node. The entry
// outlives the last instance as the service's tombstone until Reap.
func (s *State) touchService(idx uint64, name string) {
	s.db.serviceIndexes.put(name, idx)
	s.watches.fire(watchKey{kind: watchService, name: name})
}

// touchKV records that key changed at idx and wakes the watchers of the key
// and of every prefix of it: len(key)+1 lookups, none of which allocate.
func (s *State) touchKV(idx uint64, key string) {
	s.db.tableIndex[tableKVs] = idx
	s.watches.fireKV(key)
}

// nodeIndex is the index of a read about the node name: its entry (live or
// tombstone), or, once that was reaped or never existed, the last applied
// index, which is at least every entry ever reaped.
func (s *State) nodeIndex(name string) uint64 {
	if idx, ok := s.db.nodeIndexes.get(name); ok {
		return s.answer(idx)
	}
	return s.answer(s.db.lastIndex)
}

// serviceIndex is nodeIndex for a service name.
func (s *State) serviceIndex(name string) uint64 {
	if idx, ok := s.db.serviceIndexes.get(name); ok {
		return s.answer(idx)
	}
	return s.answer(s.db.lastIndex)
}
