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
// order.
//
// The sorted keys are cut into chunks of at most chunkKeys, so inserting or
// deleting a key moves the keys of one chunk, not of the whole table: a
// binary search finds the chunk, another finds the place in it, a full
// chunk is split in two and a small one merged into a neighbour. The rows
// are kept in rowShards maps, picked by a hash of the key, so that
// updating an existing key touches one map.
//
// The table is copy-on-write at the grain of one chunk and one shard:
// snapshot gives the snapshot the current chunks and shards and takes
// ownership of none of them, and the first write to a chunk or shard the
// table does not own copies it first (and the list of chunks, once, a
// pointer per chunk). A captured snapshot keeps seeing the rows it
// captured while Apply goes on, and the write after a snapshot copies
// about 1/rowShards of the rows and one chunk, not the table. Rows
// themselves are never changed in place: a write stores a new row value.
type ordered[V any] struct {
	shards [rowShards]map[string]V
	n      int
	chunks [][]string // the keys ascending, in non-empty runs of at most chunkKeys
	// ownShard and ownChunk say which shards and which chunks this table
	// may change in place, and a nil ownChunk that it does not own the
	// list of chunks; what it does not own a snapshot may hold.
	ownShard [rowShards]bool
	ownChunk []bool
}

// rowShards is the number of maps a table's rows are spread over.
const rowShards = 64

func newOrdered[V any]() ordered[V] {
	return ordered[V]{ownChunk: []bool{}}
}

// shardOf picks key's shard by FNV-1a, which is deterministic, unlike the
// runtime's map hash.
func shardOf(key string) int {
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * 16777619
	}
	return int(h % rowShards)
}

// get returns the row stored under key.
func (t *ordered[V]) get(key string) (V, bool) {
	v, ok := t.shards[shardOf(key)][key]
	return v, ok
}

// at returns the row stored under key, or V's zero value.
func (t *ordered[V]) at(key string) V {
	return t.shards[shardOf(key)][key]
}

// len returns the number of rows.
func (t *ordered[V]) len() int { return t.n }

// shard returns shard j, copied first unless the table owns it.
func (t *ordered[V]) shard(j int) map[string]V {
	if !t.ownShard[j] || t.shards[j] == nil {
		if t.shards[j] == nil {
			t.shards[j] = make(map[string]V)
		} else {
			t.shards[j] = maps.Clone(t.shards[j])
		}
		t.ownShard[j] = true
	}
	return t.shards[j]
}

// ownList copies the list of chunks unless the table owns it.
func (t *ordered[V]) ownList() {
	if t.ownChunk == nil {
		t.chunks = slices.Clone(t.chunks)
		t.ownChunk = make([]bool, len(t.chunks))
	}
}

// chunk returns chunk c for changing, copied first unless the table owns
// it.
func (t *ordered[V]) chunk(c int) []string {
	t.ownList()
	if !t.ownChunk[c] {
		t.chunks[c] = slices.Clone(t.chunks[c])
		t.ownChunk[c] = true
	}
	return t.chunks[c]
}

// put stores v under key, inserting the key in order if it is new.
func (t *ordered[V]) put(key string, v V) {
	m := t.shard(shardOf(key))
	n := len(m)
	m[key] = v
	if len(m) > n {
		t.n++
		t.insert(key)
	}
}

// insert adds a new key to the chunks, splitting a chunk that grows past
// chunkKeys.
func (t *ordered[V]) insert(key string) {
	c, i := t.find(key)
	if c == len(t.chunks) {
		if c == 0 {
			t.addChunk(0, nil)
		} else {
			c--
		}
		i = len(t.chunks[c])
	}
	keys := slices.Insert(t.chunk(c), i, key)
	if len(keys) <= chunkKeys {
		t.chunks[c] = keys
		return
	}
	half := len(keys) / 2
	t.chunks[c] = keys[:half]
	t.addChunk(c+1, slices.Clone(keys[half:]))
}

// addChunk inserts an owned chunk at position c.
func (t *ordered[V]) addChunk(c int, keys []string) {
	t.ownList()
	t.chunks = slices.Insert(t.chunks, c, keys)
	t.ownChunk = slices.Insert(t.ownChunk, c, true)
}

// delete removes key; it reports whether the key was present.
func (t *ordered[V]) delete(key string) bool {
	j := shardOf(key)
	if _, ok := t.shards[j][key]; !ok {
		return false
	}
	delete(t.shard(j), key)
	t.n--
	c, i := t.find(key)
	keys := slices.Delete(t.chunk(c), i, i+1)
	t.chunks[c] = keys
	switch {
	case len(keys) == 0:
		t.dropChunk(c)
	case len(keys) < chunkKeys/4:
		t.mergeSmall(c)
	}
	return true
}

// mergeSmall merges chunk c, which shrank below chunkKeys/4 keys, into a
// neighbour they fit in together, the next one first. So no two
// neighbouring chunks are both that small, and a table that lost most of
// its keys keeps few chunks.
func (t *ordered[V]) mergeSmall(c int) {
	for _, left := range []int{c, c - 1} {
		if left < 0 || left+1 >= len(t.chunks) || len(t.chunks[left])+len(t.chunks[left+1]) > chunkKeys {
			continue
		}
		merged := append(t.chunk(left), t.chunks[left+1]...)
		t.chunks[left] = merged
		t.dropChunk(left + 1)
		return
	}
}

// dropChunk removes chunk c from the list.
func (t *ordered[V]) dropChunk(c int) {
	t.ownList()
	t.chunks = slices.Delete(t.chunks, c, c+1)
	t.ownChunk = slices.Delete(t.ownChunk, c, c+1)
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

// snapshot returns a copy of the table that later writes to t will not
// disturb: from now on t owns none of the chunks and shards it shares with
// the copy.
func (t *ordered[V]) snapshot() ordered[V] {
	snap := ordered[V]{shards: t.shards, n: t.n, chunks: t.chunks}
	t.ownShard = [rowShards]bool{}
	t.ownChunk = nil
	return snap
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
