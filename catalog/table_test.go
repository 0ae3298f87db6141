package catalog

import (
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// frozen is a snapshot of an ordered table with the rows it held when it
// was taken.
type frozen struct {
	table ordered[int]
	rows  map[string]int
}

func TestOrderedTableMatchesASortedSliceAcrossSnapshots(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tab := newOrdered[int]()
	model := map[string]int{}
	var snaps []frozen
	ops := 40000
	if testing.Short() {
		ops = 8000
	}
	for op := range ops {
		key := randomTableKey(rng)
		if rng.IntN(3) == 0 {
			_, had := model[key]
			require.Equal(t, had, tab.delete(key))
			delete(model, key)
		} else {
			tab.put(key, op)
			model[key] = op
		}
		if rng.IntN(2000) == 0 {
			snaps = append(snaps, frozen{table: tab.snapshot(), rows: maps.Clone(model)})
		}
		if op%1000 == 0 {
			checkOrdered(t, &tab, model)
		}
	}
	checkOrdered(t, &tab, model)
	require.Greater(t, len(tab.chunks), 10, "the test exercises many chunks")
	remaining := sortedKeys(model)
	rng.Shuffle(len(remaining), func(i, j int) { remaining[i], remaining[j] = remaining[j], remaining[i] })
	for i, key := range remaining {
		require.True(t, tab.delete(key))
		delete(model, key)
		if i%1000 == 0 {
			checkOrdered(t, &tab, model)
		}
	}
	checkOrdered(t, &tab, model)
	require.Empty(t, tab.chunks, "deleting every key leaves no chunk")
	require.NotEmpty(t, snaps)
	for _, s := range snaps {
		checkOrdered(t, &s.table, s.rows)
	}
}

// randomTableKey draws from about 6,000 keys under a few prefixes, so the
// table holds thousands of keys (many chunks) and deletes empty some.
func randomTableKey(rng *rand.Rand) string {
	return []string{"a/", "b/", "ab/", ""}[rng.IntN(4)] + string(rune('a'+rng.IntN(26))) + string(rune('a'+rng.IntN(26))) + string(rune('0'+rng.IntN(10)))
}

func sortedKeys(m map[string]int) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// checkOrdered compares tab with model: its rows, its keys in order, its
// prefixes, and the shape of its chunks.
func checkOrdered(t *testing.T, tab *ordered[int], model map[string]int) {
	t.Helper()
	keys := sortedKeys(model)
	require.Equal(t, keys, slices.Collect(tab.all()))
	require.Equal(t, len(keys), tab.len())
	for _, p := range []string{"a/", "ab", "b/m", "zz", "", "a/q7"} {
		var want []string
		for _, k := range keys {
			if strings.HasPrefix(k, p) {
				want = append(want, k)
			}
		}
		require.Equal(t, want, slices.Collect(tab.prefix(p)), "prefix %q", p)
		require.Equal(t, len(want) > 0, tab.hasPrefix(p))
	}
	for c, chunk := range tab.chunks {
		require.NotEmpty(t, chunk)
		require.LessOrEqual(t, len(chunk), chunkKeys)
		if c > 0 {
			require.False(t, len(chunk) < chunkKeys/4 && len(tab.chunks[c-1]) < chunkKeys/4,
				"chunks %d and %d are both small enough to merge", c-1, c)
		}
	}
	last, ok := tab.last()
	require.Equal(t, len(keys) > 0, ok)
	if ok {
		require.Equal(t, keys[len(keys)-1], last)
	}
	for k, v := range model {
		got, ok := tab.get(k)
		require.True(t, ok)
		require.Equal(t, v, got)
	}
}

func TestOrderedPrefixStopsWhenTheLoopBreaks(t *testing.T) {
	tab := newOrdered[int]()
	for i, k := range []string{"a", "b1", "b2", "b3", "c"} {
		tab.put(k, i)
	}
	var seen []string
	for k := range tab.prefix("b") {
		seen = append(seen, k)
		if k == "b2" {
			break
		}
	}
	require.Equal(t, []string{"b1", "b2"}, seen)
}
