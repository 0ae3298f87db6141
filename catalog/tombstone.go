package catalog

import "slices"

// reap forgets every tombstone at or below upTo: KV tombstones, and the
// index entries of nodes and service names that no longer exist.
//
// A KV prefix read takes the largest index among the keys and tombstones
// under the prefix, so forgetting a tombstone could move that answer back.
// The floor prevents it: it rises to the largest reaped KV tombstone, and
// every answer is at least the floor. A node or service read without an
// entry falls back to the last applied index, which already covers every
// entry ever reaped, so those reaps need no floor.
func (s *State) reap(upTo uint64) {
	for _, key := range slices.Collect(s.db.kvTombstones.all()) {
		if idx := s.db.kvTombstones.at(key); idx <= upTo {
			s.db.kvTombstones.delete(key)
			s.db.floor = max(s.db.floor, idx)
		}
	}
	for _, name := range slices.Collect(s.db.nodeIndexes.all()) {
		_, live := s.db.nodes.get(name)
		if !live && s.db.nodeIndexes.at(name) <= upTo {
			s.db.nodeIndexes.delete(name)
		}
	}
	for _, name := range slices.Collect(s.db.serviceIndexes.all()) {
		live := s.db.serviceNames.hasPrefix(name + "\x00")
		if !live && s.db.serviceIndexes.at(name) <= upTo {
			s.db.serviceIndexes.delete(name)
		}
	}
}
