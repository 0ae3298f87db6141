package catalog

import (
	"slices"
	"strings"
)

// kvView is the KV table as a sequence of writes sees it: the state's rows
// overlaid with the writes made so far, which reach the state only on
// commit. A transaction runs every operation against what the ones before
// it wrote, then commits all of them or drops the view, so that a refused
// transaction changes nothing, not even an index. Single lock and unlock
// commands use a one-operation view to share the same rules.
type kvView struct {
	s       *State
	idx     uint64
	written map[string]*KVPair // key → its new row, nil once deleted
}

func (s *State) newKVView(idx uint64) *kvView {
	return &kvView{s: s, idx: idx, written: make(map[string]*KVPair)}
}

// get returns the row of key as the view sees it.
func (v *kvView) get(key string) (*KVPair, bool) {
	if row, ok := v.written[key]; ok {
		return row, row != nil
	}
	return v.s.db.kvs.get(key)
}

func (v *kvView) put(row *KVPair) { v.written[row.Key] = row }

func (v *kvView) del(key string) { v.written[key] = nil }

// prefix returns the keys under p that the view holds, in order.
func (v *kvView) prefix(p string) []string {
	keys := slices.Collect(v.s.db.kvs.prefix(p))
	for key := range v.written {
		if strings.HasPrefix(key, p) {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	return slices.DeleteFunc(keys, func(key string) bool {
		row, ok := v.written[key]
		return ok && row == nil
	})
}

// commit writes the view's changes to the state, in key order.
func (v *kvView) commit() {
	keys := make([]string, 0, len(v.written))
	for key := range v.written {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	for _, key := range keys {
		if row := v.written[key]; row != nil {
			v.s.kvPut(v.idx, row)
		} else {
			v.s.kvDelete(v.idx, key)
		}
	}
}
