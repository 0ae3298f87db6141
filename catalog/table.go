package catalog

import (
	"iter"
	"maps"
	"slices"
	"sort"
	"strings"
)

// chunkKeys is the most keys one chunk of an ordered table holds. Inserting
// or deleting a key moves at most this many keys, and splitting a full
// chunk moves one entry per chunk (at most n/(chunkKeys/2) of them while
// no key is deleted), so both stay small at 100,000 keys.
const chunkKeys = 256

// ordered is one table of the catalog: rows by a string key, iterable in key
// order. It is copy-on-write: Snapshot marks every table shared, and the
// first write to a shared table copies its map and key chunks before
// changing them, so a captured snapshot keeps seeing the rows it captured
// while Apply goes on. Rows themselves are never changed in place: a write
// stores a new row value.
//
// The sorted keys are cut into chunks of at most chunkKeys, so inserting or
// deleting a key moves the keys of one chunk, not of the whole table: a
// binary search finds the chunk, another finds the place in it, and a full
// chunk is split in two. Updating an existing key touches only the map.
type ordered[V any] struct {
	rows   map[string]V
	chunks [][]string // the keys ascending, in non-empty runs of at most chunkKeys
	shared bool       // a snapshot holds rows and chunks; copy before writing
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
func (t *ordered[V]) len() int { return len(t.rows) }

// unshare gives the table its own map and chunks if a snapshot holds the
// current ones.
func (t *ordered[V]) unshare() {
	if !t.shared {
		return
	}
	t.rows = maps.Clone(t.rows)
	chunks := make([][]string, len(t.chunks))
	for i, c := range t.chunks {
		chunks[i] = slices.Clip(slices.Clone(c))
	}
	t.chunks = chunks
	t.shared = false
}

// find returns where key is, or would be inserted: the chunk that holds
// the first key not less than key, and the place in it. Past the last key
// it returns len(t.chunks).
func (t *ordered[V]) find(key string) (chunk, i int) {
	chunk = sort.Search(len(t.chunks), func(c int) bool {
		keys := t.chunks[c]
		return keys[len(keys)-1] >= key
	})
	if chunk == len(t.chunks) {
		return chunk, 0
	}
	return chunk, sort.SearchStrings(t.chunks[chunk], key)
}

// put stores v under key, inserting the key in order if it is new (the
// map grew: one map operation instead of a lookup and a store).
func (t *ordered[V]) put(key string, v V) {
	t.unshare()
	n := len(t.rows)
	t.rows[key] = v
	if len(t.rows) > n {
		t.insert(key)
	}
}

// insert adds a new key to the chunks, splitting a chunk that grows past
// chunkKeys.
func (t *ordered[V]) insert(key string) {
	c, i := t.find(key)
	if c == len(t.chunks) {
		if c == 0 {
			t.chunks = append(t.chunks, nil)
		} else {
			c--
		}
		i = len(t.chunks[c])
	}
	keys := slices.Insert(t.chunks[c], i, key)
	if len(keys) <= chunkKeys {
		t.chunks[c] = keys
		return
	}
	half := len(keys) / 2
	right := slices.Clone(keys[half:])
	t.chunks[c] = keys[:half]
	t.chunks = slices.Insert(t.chunks, c+1, right)
}

// delete removes key; it reports whether the key was present.
func (t *ordered[V]) delete(key string) bool {
	if _, ok := t.rows[key]; !ok {
		return false
	}
	t.unshare()
	delete(t.rows, key)
	c, i := t.find(key)
	keys := slices.Delete(t.chunks[c], i, i+1)
	if len(keys) == 0 {
		t.chunks = slices.Delete(t.chunks, c, c+1)
	} else {
		t.chunks[c] = keys
	}
	return true
}

// all returns the keys in order. The table must not change while the
// sequence runs; collect it (slices.Collect) to change the table on the way.
func (t *ordered[V]) all() iter.Seq[string] {
	return t.prefix("")
}

// prefix returns the keys that start with p, in order, under the rules of
// all.
func (t *ordered[V]) prefix(p string) iter.Seq[string] {
	return func(yield func(string) bool) {
		c, i := t.find(p)
		for ; c < len(t.chunks); c, i = c+1, 0 {
			for _, key := range t.chunks[c][i:] {
				if !strings.HasPrefix(key, p) || !yield(key) {
					return
				}
			}
		}
	}
}

// hasPrefix reports whether any key starts with p.
func (t *ordered[V]) hasPrefix(p string) bool {
	for range t.prefix(p) {
		return true
	}
	return false
}

// last returns the greatest key, if the table has any.
func (t *ordered[V]) last() (string, bool) {
	if len(t.chunks) == 0 {
		return "", false
	}
	keys := t.chunks[len(t.chunks)-1]
	return keys[len(keys)-1], true
}

// snapshot returns a copy of the table header that later writes to t will
// not disturb.
func (t *ordered[V]) snapshot() ordered[V] {
	t.shared = true
	return ordered[V]{rows: t.rows, chunks: t.chunks, shared: true}
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
