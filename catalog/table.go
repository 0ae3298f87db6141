package catalog

import (
	"sort"
	"strings"
)

// ordered is one table of the catalog: rows by a string key, iterable in key
// order. It is copy-on-write: Snapshot marks every table shared, and the
// first write to a shared table copies its map and key slice before
// changing them, so a captured snapshot keeps seeing the rows it captured
// while Apply goes on. Rows themselves are never changed in place: a write
// stores a new row value.
//
// Inserting or deleting a key moves the tail of the sorted key slice, so
// those cost O(n) in the table's size (a memmove, about 1.6 MB at 100,000
// keys); updating an existing key costs O(1).
type ordered[V any] struct {
	rows   map[string]V
	keys   []string // sorted ascending
	shared bool     // a snapshot holds rows and keys; copy before writing
}

func newOrdered[V any]() ordered[V] {
	return ordered[V]{rows: make(map[string]V)}
}

// get returns the row stored under key.
func (t *ordered[V]) get(key string) (V, bool) {
	v, ok := t.rows[key]
	return v, ok
}

// len returns the number of rows.
func (t *ordered[V]) len() int { return len(t.keys) }

// unshare gives the table its own map and key slice if a snapshot holds the
// current ones.
func (t *ordered[V]) unshare() {
	if !t.shared {
		return
	}
	rows := make(map[string]V, len(t.rows))
	for k, v := range t.rows {
		rows[k] = v
	}
	t.rows = rows
	t.keys = append([]string(nil), t.keys...)
	t.shared = false
}

// put stores v under key, inserting the key in order if it is new.
func (t *ordered[V]) put(key string, v V) {
	t.unshare()
	if _, ok := t.rows[key]; !ok {
		i := sort.SearchStrings(t.keys, key)
		t.keys = append(t.keys, "")
		copy(t.keys[i+1:], t.keys[i:])
		t.keys[i] = key
	}
	t.rows[key] = v
}

// delete removes key; it reports whether the key was present.
func (t *ordered[V]) delete(key string) bool {
	if _, ok := t.rows[key]; !ok {
		return false
	}
	t.unshare()
	delete(t.rows, key)
	i := sort.SearchStrings(t.keys, key)
	t.keys = append(t.keys[:i], t.keys[i+1:]...)
	return true
}

// prefix returns the keys that start with p, in order. The slice aliases
// the table's own key slice and must not be modified or kept across a write.
func (t *ordered[V]) prefix(p string) []string {
	lo := sort.SearchStrings(t.keys, p)
	hi := lo
	for hi < len(t.keys) && strings.HasPrefix(t.keys[hi], p) {
		hi++
	}
	return t.keys[lo:hi]
}

// snapshot returns a copy of the table header that later writes to t will
// not disturb.
func (t *ordered[V]) snapshot() ordered[V] {
	t.shared = true
	return ordered[V]{rows: t.rows, keys: t.keys, shared: true}
}

// joinKey builds a composite key from parts separated by NUL, which sorts
// before every other byte, so all keys that share a first part are
// contiguous and ordered by the next part. Names containing NUL are refused
// at registration, so the parts can be split again.
func joinKey(parts ...string) string {
	return strings.Join(parts, "\x00")
}

// hasNUL reports whether any name contains NUL, which would break
// joinKey's keys apart in the wrong places.
func hasNUL(names ...string) bool {
	for _, n := range names {
		if strings.Contains(n, "\x00") {
			return true
		}
	}
	return false
}

// splitKey undoes joinKey.
func splitKey(key string) []string {
	return strings.Split(key, "\x00")
}
