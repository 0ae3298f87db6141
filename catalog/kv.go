package catalog

import (
	"slices"
	"strings"
)

// KVPair is one entry of the key/value store, with the fields and names of
// Consul's KVPair JSON object (Value is written as base64, null when nil;
// Session is left out when empty).
type KVPair struct {
	Key         string
	CreateIndex uint64
	ModifyIndex uint64
	LockIndex   uint64
	Flags       uint64
	Value       []byte
	Session     string `json:",omitempty"`
}

// kvSet writes key at index, keeping CreateIndex, LockIndex and Session of
// an existing entry. Every set moves ModifyIndex, even an identical one, as
// in Consul, because check-and-set clients compare ModifyIndex.
func (s *State) kvSet(idx uint64, key string, value []byte, flags uint64) {
	old, ok := s.db.kvs.get(key)
	s.kvPut(idx, setRow(idx, key, old, ok, value, flags))
}

// setRow is the row a set of key writes at idx over old (present if ok):
// the new value and flags, with old's CreateIndex, LockIndex and Session.
func setRow(idx uint64, key string, old *KVPair, ok bool, value []byte, flags uint64) *KVPair {
	row := &KVPair{Key: key, CreateIndex: idx, ModifyIndex: idx, Flags: flags, Value: value}
	if ok {
		row.CreateIndex, row.LockIndex, row.Session = old.CreateIndex, old.LockIndex, old.Session
	}
	return row
}

// kvPut stores row, as it is, under its key at idx: it keeps the index of
// held keys by session in step and clears the key's tombstone.
func (s *State) kvPut(idx uint64, row *KVPair) {
	if old, ok := s.db.kvs.get(row.Key); ok && old.Session != "" && old.Session != row.Session {
		s.db.sessionKeys.delete(joinKey(old.Session, row.Key))
	}
	if row.Session != "" {
		s.db.sessionKeys.put(joinKey(row.Session, row.Key), struct{}{})
	}
	s.db.kvs.put(row.Key, row)
	s.db.kvTombstones.delete(row.Key)
	s.touchKV(idx, row.Key)
}

// kvCAS writes key only if its ModifyIndex is cas, or, when cas is 0, only
// if the key does not exist. It reports whether it wrote.
func (s *State) kvCAS(idx uint64, key string, value []byte, flags, cas uint64) bool {
	old, ok := s.db.kvs.get(key)
	if !casHolds(old, ok, cas) {
		return false
	}
	s.kvSet(idx, key, value, flags)
	return true
}

// casHolds reports whether a check-and-set at cas may write over old
// (present if ok): cas is old's ModifyIndex, or 0 and there is no old.
func casHolds(old *KVPair, ok bool, cas uint64) bool {
	if cas == 0 {
		return !ok
	}
	return ok && old.ModifyIndex == cas
}

// kvDelete removes key, held or not, leaving a tombstone at index so that the index of
// every read that covered the key moves forward.
func (s *State) kvDelete(idx uint64, key string) {
	old, ok := s.db.kvs.get(key)
	if !ok {
		return
	}
	if old.Session != "" {
		s.db.sessionKeys.delete(joinKey(old.Session, key))
	}
	s.db.kvs.delete(key)
	s.db.kvTombstones.put(key, idx)
	s.touchKV(idx, key)
}

// kvDeleteCAS removes key only if its ModifyIndex is cas. Deleting a key
// that does not exist succeeds, as in Consul.
func (s *State) kvDeleteCAS(idx uint64, key string, cas uint64) bool {
	old, ok := s.db.kvs.get(key)
	if !ok {
		return true
	}
	if old.ModifyIndex != cas {
		return false
	}
	s.kvDelete(idx, key)
	return true
}

// kvDeleteTree removes every key that starts with prefix.
func (s *State) kvDeleteTree(idx uint64, prefix string) {
	for _, key := range slices.Collect(s.db.kvs.prefix(prefix)) {
		s.kvDelete(idx, key)
	}
}

// kvPrefixIndex is the index of a read of every key under prefix: the
// largest ModifyIndex among them and among the tombstones under it, or the
// KV table's index if there are neither.
func (s *State) kvPrefixIndex(prefix string) uint64 {
	var idx uint64
	for key := range s.db.kvs.prefix(prefix) {
		idx = max(idx, s.db.kvs.at(key).ModifyIndex)
	}
	for key := range s.db.kvTombstones.prefix(prefix) {
		idx = max(idx, s.db.kvTombstones.at(key))
	}
	if idx == 0 {
		idx = s.db.tableIndex[tableKVs]
	}
	return s.answer(idx)
}

// KVGet returns the entry under key, or nil. The index is the entry's
// ModifyIndex, its tombstone's index if it was deleted, or else the KV
// table's index.
func (s *State) KVGet(ws *WatchSet, key string) (uint64, *KVPair) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchKVKey, name: key})
	if e, ok := s.db.kvs.get(key); ok {
		return s.answer(e.ModifyIndex), e
	}
	if t, ok := s.db.kvTombstones.get(key); ok {
		return s.answer(t), nil
	}
	return s.answer(s.db.tableIndex[tableKVs]), nil
}

// KVList returns every entry whose key starts with prefix, in key order.
func (s *State) KVList(ws *WatchSet, prefix string) (uint64, []*KVPair) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchKVPrefix, name: prefix})
	var out []*KVPair
	for key := range s.db.kvs.prefix(prefix) {
		out = append(out, s.db.kvs.at(key))
	}
	return s.kvPrefixIndex(prefix), out
}

// KVKeys returns the keys that start with prefix, in order. With a
// separator, a key that holds the separator after the prefix is cut just
// after its first occurrence there, and repeats are dropped, so
// KVKeys("a/", "/") lists the "directories" and keys directly under a/.
func (s *State) KVKeys(ws *WatchSet, prefix, separator string) (uint64, []string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchKVPrefix, name: prefix})
	var out []string
	for key := range s.db.kvs.prefix(prefix) {
		if separator != "" {
			if i := strings.Index(key[len(prefix):], separator); i >= 0 {
				key = key[:len(prefix)+i+len(separator)]
			}
		}
		if len(out) == 0 || out[len(out)-1] != key {
			out = append(out, key)
		}
	}
	return s.kvPrefixIndex(prefix), out
}
