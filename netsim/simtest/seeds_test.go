package simtest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/netsim"
)

func TestParseRangeAcceptsRangesAndSingleSeeds(t *testing.T) {
	first, last, err := parseRange("5-10")
	require.NoError(t, err)
	require.Equal(t, [2]uint64{5, 10}, [2]uint64{first, last})
	first, last, err = parseRange("7")
	require.NoError(t, err)
	require.Equal(t, [2]uint64{7, 7}, [2]uint64{first, last})
	for _, bad := range []string{"10-5", "a-b", "1-", ""} {
		_, _, err := parseRange(bad)
		require.Error(t, err, bad)
	}
}

func TestSeedsRunsTheDefaultRangeInOrder(t *testing.T) {
	if *seedFlag != 0 || *seedsFlag != "" {
		t.Skip("seed flags override the default range")
	}
	var ran []uint64
	Seeds(t, 4, 5, func(t *testing.T, seed uint64) { ran = append(ran, seed) })
	require.Equal(t, []uint64{4, 5}, ran)
}

func TestReplayCommandNamesPackageTestAndSeed(t *testing.T) {
	Seeds(t, 1, 1, func(t *testing.T, seed uint64) {
		require.Equal(t,
			"go test ./netsim/simtest -run '^TestReplayCommandNamesPackageTestAndSeed$' -seed=1",
			ReplayCommand(t, 1))
	})
}

func TestTrackedSimulationIsReplayedWithSameTraceHash(t *testing.T) {
	run := func(seed uint64) string {
		sim := netsim.New(seed, netsim.Options{})
		sim.AddHost("a", "dc1", func(env netsim.Env) {
			var tick func()
			tick = func() { env.AfterFunc(time.Duration(env.Rand().IntN(100))*time.Millisecond, tick) }
			tick()
		})
		sim.RunFor(10 * time.Second)
		return sim.TraceHash()
	}
	Seeds(t, 1, 2, func(t *testing.T, seed uint64) {
		sim := New(t, seed, netsim.Options{})
		require.NotNil(t, sim)
		require.Equal(t, run(seed), run(seed))
	})
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"1-10000", "7", "10-5", "-", "1-2-3", "18446744073709551615"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		first, last, err := parseRange(s)
		if err == nil {
			require.LessOrEqual(t, first, last)
		}
	})
}
