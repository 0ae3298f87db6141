package netsim_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/cairn-sd/cairn/netsim"
)

func TestNodeClockStartsAtEpoch(t *testing.T) {
	sim := netsim.New(1, netsim.Options{})
	p := addProbes(sim, []string{"a"})
	require.Equal(t, netsim.Epoch, p["a"].env.Now())
	sim.RunFor(time.Hour)
	require.Equal(t, netsim.Epoch.Add(time.Hour), p["a"].env.Now())
}

func TestDriftShowsInNodeClockAndTimers(t *testing.T) {
	sim := netsim.New(1, netsim.Options{})
	p := addProbes(sim, []string{"a", "b"})
	sim.SetClock("b", 0, 1000) // 0.1% fast
	var firedAt time.Duration
	p["b"].env.AfterFunc(time.Second, func() { firedAt = sim.Now() })
	sim.RunFor(10 * time.Second)
	require.Equal(t, netsim.Epoch.Add(10*time.Second), p["a"].env.Now())
	require.Equal(t, netsim.Epoch.Add(10*time.Second+10*time.Millisecond), p["b"].env.Now())
	// One local second on a clock 0.1% fast is 1/1.001 s of true time,
	// rounded up to the nanosecond.
	require.Equal(t, time.Duration(999001000), firedAt)
}

func TestSkewStepsTheClock(t *testing.T) {
	sim := netsim.New(1, netsim.Options{})
	p := addProbes(sim, []string{"a"})
	sim.RunFor(time.Second)
	sim.SetClock("a", -5*time.Second, 0)
	require.Equal(t, netsim.Epoch.Add(-4*time.Second), p["a"].env.Now())
	require.Equal(t, p["a"].env.Now(), sim.LocalTime("a"))
	require.Panics(t, func() { sim.SetClock("a", 0, 600_000) })
}

func TestStoppedTimerNeverFires(t *testing.T) {
	sim := netsim.New(1, netsim.Options{})
	p := addProbes(sim, []string{"a"})
	fired := 0
	var stopped []netsim.Timer
	for range 5000 {
		stopped = append(stopped, p["a"].env.AfterFunc(time.Second, func() { fired += 100 }))
	}
	kept := p["a"].env.AfterFunc(2*time.Second, func() { fired++ })
	for _, tm := range stopped {
		require.True(t, tm.Stop())
		require.False(t, tm.Stop())
	}
	sim.RunFor(3 * time.Second)
	require.Equal(t, 1, fired)
	require.False(t, kept.Stop(), "a fired timer cannot be stopped")
}

func TestCrashedNodeTimersNeverFire(t *testing.T) {
	sim := netsim.New(1, netsim.Options{})
	p := addProbes(sim, []string{"a"})
	fired := false
	p["a"].env.AfterFunc(time.Second, func() { fired = true })
	sim.Crash("a")
	require.False(t, sim.Up("a"))
	sim.RunFor(2 * time.Second)
	require.False(t, fired)
}

func TestLoggerStampsVirtualTimeAndHost(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	sim := netsim.New(1, netsim.Options{Logger: zap.New(core)})
	p := addProbes(sim, []string{"a"})
	sim.RunFor(90 * time.Second)
	p["a"].env.Logger().Info("hello")
	entries := logs.All()
	require.Len(t, entries, 1)
	require.Equal(t, netsim.Epoch.Add(90*time.Second), entries[0].Time)
	require.Equal(t, "a", entries[0].ContextMap()["host"])
}

func TestNodeTraceRecordsEnterTheHash(t *testing.T) {
	hash := func(note string) string {
		sim := netsim.New(1, netsim.Options{})
		p := addProbes(sim, []string{"a"})
		tr, ok := p["a"].env.(netsim.Tracer)
		require.True(t, ok)
		tr.Trace(note)
		return sim.TraceHash()
	}
	require.Equal(t, hash("x"), hash("x"))
	require.NotEqual(t, hash("x"), hash("y"))
}

func TestEntropyAndRandAreSeededPerHostAndBoot(t *testing.T) {
	draw := func(seed uint64, restart bool) (uint64, [8]byte) {
		sim := netsim.New(seed, netsim.Options{})
		p := addProbes(sim, []string{"a"})
		if restart {
			sim.Restart("a", true)
			sim.RunFor(0)
		}
		var b [8]byte
		_, err := p["a"].env.Entropy().Read(b[:])
		require.NoError(t, err)
		return p["a"].env.Rand().Uint64(), b
	}
	r1, e1 := draw(1, false)
	r2, e2 := draw(1, false)
	require.Equal(t, r1, r2)
	require.Equal(t, e1, e2)
	r3, e3 := draw(2, false)
	require.NotEqual(t, r1, r3)
	require.NotEqual(t, e1, e3)
	r4, _ := draw(1, true)
	require.NotEqual(t, r1, r4, "a new boot has a new stream")
}
