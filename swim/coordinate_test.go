package swim

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestVivaldiLearnsALineOfThreeNodes(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 1))
	// True RTTs: a-b 10ms, b-c 10ms, a-c 20ms.
	rtt := func(i, j int) time.Duration {
		return time.Duration(10*math.Abs(float64(i-j))) * time.Millisecond
	}
	clients := []*vivaldi{newVivaldi(), newVivaldi(), newVivaldi()}
	var filters [3][3]latencyFilter
	for range 2000 {
		i, j := rnd.IntN(3), rnd.IntN(3)
		if i == j {
			continue
		}
		clients[i].observe(rnd, &filters[i][j], clients[j].coord, rtt(i, j))
	}
	for i := range 3 {
		for j := range 3 {
			if i == j {
				continue
			}
			est := clients[i].coord.DistanceTo(clients[j].coord)
			require.InDelta(t, float64(rtt(i, j)), float64(est), float64(3*time.Millisecond), "%d-%d", i, j)
		}
	}
}

func TestVivaldiIgnoresInvalidCoordinates(t *testing.T) {
	v := newVivaldi()
	before := v.coord.Clone()
	bad := NewCoordinate()
	bad.Vec[0] = math.NaN()
	var filter latencyFilter
	v.observe(rand.New(rand.NewPCG(1, 1)), &filter, bad, time.Millisecond)
	v.observe(rand.New(rand.NewPCG(1, 1)), &filter, Coordinate{Vec: []float64{1}}, time.Millisecond)
	require.Equal(t, before, v.coord)
	require.Zero(t, filter.count, "an invalid sample is not filtered")
}

func TestLatencyFilterTakesTheMedianOfTheLastThreeSamples(t *testing.T) {
	var f latencyFilter
	require.Equal(t, 5.0, f.add(5))
	require.Equal(t, 5.0, f.add(1), "of two samples, the larger")
	require.Equal(t, 5.0, f.add(9))
	require.Equal(t, 9.0, f.add(100), "the first sample, 5, has left")
	require.Equal(t, [3]float64{9, 100, 2}, func() [3]float64 { f.add(2); return f.samples }(), "oldest first")
}

func TestMembersLearnCoordinatesFromProbes(t *testing.T) {
	h := startPool(t, 20, 6, nil)
	h.run(20 * time.Second)
	a, b := h.members[h.order[0]].m, h.members[h.order[1]].m
	d, ok := a.DistanceTo(a.Name(), b.Name())
	require.True(t, ok)
	// The harness has a 1 ms one-way latency, so the RTT is 2 ms.
	require.InDelta(t, float64(2*time.Millisecond), float64(d), float64(time.Millisecond))
}
