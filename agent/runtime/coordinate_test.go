package runtime

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/swim"
)

func TestSortByDistancePutsTheNearNodeFirstAndUnknownNodesLast(t *testing.T) {
	at := func(x, height float64) swim.Coordinate {
		return swim.Coordinate{Vec: []float64{x, 0, 0, 0, 0, 0, 0, 0}, Height: height}
	}
	coords := map[string]swim.Coordinate{
		"self":   at(0, 0.010),
		"low":    at(0.001, 0.0001),
		"far":    at(0.5, 0.0001),
		"middle": at(0.1, 0.0001),
	}
	require.Less(t, coords["self"].DistanceTo(coords["low"]), coords["self"].DistanceTo(coords["self"]),
		"the case this guards: a low neighbour is nearer than the model's self-distance")
	rows := []string{"far", "unknown", "low", "self", "middle"}
	sortByDistance(rows, func(s string) string { return s }, "self", coords)
	require.Equal(t, []string{"self", "low", "middle", "far", "unknown"}, rows)

	rows = []string{"far", "low"}
	sortByDistance(rows, func(s string) string { return s }, "nobody", coords)
	require.Equal(t, []string{"far", "low"}, rows, "an unknown near node leaves the order alone")
}
