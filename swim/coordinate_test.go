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
	names := []string{"a", "b", "c"}
	// True RTTs: a-b 10ms, b-c 10ms, a-c 20ms.
	rtt := func(i, j int) time.Duration {
		return time.Duration(10*math.Abs(float64(i-j))) * time.Millisecond
	}
	clients := []*vivaldi{newVivaldi(), newVivaldi(), newVivaldi()}
	for range 2000 {
		i, j := rnd.IntN(3), rnd.IntN(3)
		if i == j {
			continue
		}
		clients[i].observe(rnd, names[j], clients[j].coord, rtt(i, j))
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
	v.observe(rand.New(rand.NewPCG(1, 1)), "x", bad, time.Millisecond)
	v.observe(rand.New(rand.NewPCG(1, 1)), "x", Coordinate{Vec: []float64{1}}, time.Millisecond)
	require.Equal(t, before, v.coord)
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
