package netsim_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/netsim"
)

func TestPartitionedDatagramNeverArrivesThenArrivesAfterHeal(t *testing.T) {
	var trace bytes.Buffer
	sim := netsim.New(1, netsim.Options{TraceWriter: &trace})
	p := addProbes(sim, []string{"a", "b"})
	sim.At(time.Second, func() { sim.Partition([]string{"a"}, []string{"b"}) })
	sim.At(2*time.Second, func() { p["a"].send("b", "during") })
	sim.At(5*time.Second, sim.Heal)
	sim.At(6*time.Second, func() { p["a"].send("b", "after") })
	sim.RunUntil(5 * time.Second)
	require.Empty(t, p["b"].got)
	sim.RunUntil(10 * time.Second)
	require.Equal(t, []string{"after"}, p["b"].payloads())
	require.Contains(t, trace.String(), "drop")
	require.Contains(t, trace.String(), "partition")
}

func TestDatagramInFlightWhenPartitionStartsIsDropped(t *testing.T) {
	sim := netsim.New(1, netsim.Options{LAN: netsim.LinkProfile{LatencyMin: 10 * time.Millisecond, LatencyMax: 10 * time.Millisecond}})
	p := addProbes(sim, []string{"a", "b"})
	sim.At(time.Second, func() { p["a"].send("b", "x") })
	sim.At(time.Second+5*time.Millisecond, func() { sim.Isolate("b") })
	sim.RunFor(2 * time.Second)
	require.Empty(t, p["b"].got)
}

func TestCutDropsOneDirectionOnly(t *testing.T) {
	sim := netsim.New(1, netsim.Options{})
	p := addProbes(sim, []string{"a", "b"})
	sim.Cut("a", "b")
	p["a"].send("b", "a->b")
	p["b"].send("a", "b->a")
	sim.RunFor(time.Second)
	require.Empty(t, p["b"].got)
	require.Equal(t, []string{"b->a"}, p["a"].payloads())
}

func TestBridgeReachesBothSidesWhichCannotReachEachOther(t *testing.T) {
	sim := netsim.New(1, netsim.Options{})
	p := addProbes(sim, []string{"a", "b", "c"})
	sim.Partition([]string{"a"}, []string{"b"})
	sim.Bridge("c")
	p["a"].send("b", "a->b")
	p["a"].send("c", "a->c")
	p["c"].send("b", "c->b")
	p["b"].send("c", "b->c")
	sim.RunFor(time.Second)
	require.Equal(t, []string{"c->b"}, p["b"].payloads())
	require.ElementsMatch(t, []string{"a->c", "b->c"}, p["c"].payloads())
}

func TestPartitionLeavesUnnamedHostsTogether(t *testing.T) {
	sim := netsim.New(1, netsim.Options{})
	p := addProbes(sim, []string{"a", "b", "c", "d"})
	sim.Partition([]string{"a", "b"})
	p["c"].send("d", "c->d")
	p["a"].send("b", "a->b")
	p["a"].send("c", "a->c")
	sim.RunFor(time.Second)
	require.Equal(t, []string{"c->d"}, p["d"].payloads())
	require.Equal(t, []string{"a->b"}, p["b"].payloads())
	require.Empty(t, p["c"].got)
}

func TestZoneCutKeepsLANLinks(t *testing.T) {
	sim := netsim.New(1, netsim.Options{})
	p := addProbes(sim, []string{"a1", "a2", "b1"}, "dc1", "dc1", "dc2")
	sim.CutZones("dc1", "dc2")
	p["a1"].send("a2", "lan")
	p["a1"].send("b1", "wan")
	p["b1"].send("a2", "wan back")
	sim.RunFor(time.Second)
	require.Equal(t, []string{"lan"}, p["a2"].payloads())
	require.Empty(t, p["b1"].got)
}

func TestWANLinksAreSlowerThanLANLinks(t *testing.T) {
	sim := netsim.New(1, netsim.Options{})
	p := addProbes(sim, []string{"a", "b", "c"}, "dc1", "dc1", "dc2")
	p["a"].send("b", "lan")
	p["a"].send("c", "wan")
	sim.RunFor(time.Second)
	lan, wan := netsim.LANProfile(), netsim.WANProfile()
	require.LessOrEqual(t, p["b"].got[0].at, lan.LatencyMax)
	require.GreaterOrEqual(t, p["c"].got[0].at, wan.LatencyMin)
}

func TestLossDropsSomeDatagramsButNotAll(t *testing.T) {
	sim := netsim.New(1, netsim.Options{LAN: netsim.LinkProfile{LatencyMin: time.Millisecond, LatencyMax: time.Millisecond, Loss: 0.3}})
	p := addProbes(sim, []string{"a", "b"})
	for i := range 1000 {
		p["a"].send("b", fmt.Sprint(i))
	}
	sim.RunFor(time.Second)
	require.Greater(t, len(p["b"].got), 600)
	require.Less(t, len(p["b"].got), 800)
}

func TestDuplicationDeliversSomeDatagramsTwice(t *testing.T) {
	sim := netsim.New(1, netsim.Options{LAN: netsim.LinkProfile{LatencyMin: time.Millisecond, LatencyMax: 2 * time.Millisecond, Duplicate: 0.2}})
	p := addProbes(sim, []string{"a", "b"})
	for i := range 1000 {
		p["a"].send("b", fmt.Sprint(i))
	}
	sim.RunFor(time.Second)
	got := p["b"].payloads()
	require.Greater(t, len(got), 1100)
	require.Less(t, len(got), 1300)
	slices.Sort(got)
	require.Len(t, slices.Compact(got), 1000)
}

func TestReorderLetsLaterDatagramsOvertake(t *testing.T) {
	order := func(reorder float64) []string {
		sim := netsim.New(1, netsim.Options{LAN: netsim.LinkProfile{LatencyMin: time.Millisecond, LatencyMax: time.Millisecond, Reorder: reorder}})
		p := addProbes(sim, []string{"a", "b"})
		for i := range 100 {
			sim.At(time.Duration(i)*10*time.Microsecond, func() { p["a"].send("b", fmt.Sprintf("%03d", i)) })
		}
		sim.RunFor(time.Second)
		return p["b"].payloads()
	}
	inOrder := order(0)
	require.Len(t, inOrder, 100)
	require.True(t, slices.IsSorted(inOrder))
	shuffled := order(0.3)
	require.Len(t, shuffled, 100)
	require.False(t, slices.IsSorted(shuffled))
}

func TestPortZeroPicksDeterministicFreePortsAndTakenPortFails(t *testing.T) {
	sim := netsim.New(1, netsim.Options{})
	p := addProbes(sim, []string{"a"})
	n := p["a"].env.Net()
	c1, err := n.ListenPacket(0, func(netsim.Addr, []byte) {})
	require.NoError(t, err)
	c2, err := n.ListenPacket(0, func(netsim.Addr, []byte) {})
	require.NoError(t, err)
	require.Equal(t, "a:49152", c1.LocalAddr())
	require.Equal(t, "a:49153", c2.LocalAddr())
	_, err = n.ListenPacket(9, func(netsim.Addr, []byte) {})
	require.ErrorIs(t, err, netsim.ErrPortInUse)
	require.NoError(t, c1.Close())
	require.ErrorIs(t, c1.Close(), netsim.ErrClosed)
	require.ErrorIs(t, c1.WriteTo([]byte("x"), "a:9"), netsim.ErrClosed)
	require.ErrorIs(t, c2.WriteTo(make([]byte, netsim.MaxDatagramBytes+1), "a:9"), netsim.ErrTooLarge)
}

func TestDatagramToClosedPortOrUnknownHostIsDroppedAndTraced(t *testing.T) {
	var trace strings.Builder
	sim := netsim.New(1, netsim.Options{TraceWriter: &trace})
	p := addProbes(sim, []string{"a", "b"})
	require.NoError(t, p["a"].conn.WriteTo([]byte("x"), "b:99"))
	require.NoError(t, p["a"].conn.WriteTo([]byte("x"), "nowhere:9"))
	require.Error(t, p["a"].conn.WriteTo([]byte("x"), "no-port"))
	sim.RunFor(time.Second)
	require.Contains(t, trace.String(), "port closed")
	require.Contains(t, trace.String(), "no route")
}

func TestPausedHostGetsItsDatagramsLateAndNoneLost(t *testing.T) {
	sim := netsim.New(1, netsim.Options{LAN: fixedLAN})
	p := addProbes(sim, []string{"a", "b"})
	sim.At(time.Second, func() { sim.Pause("b", 500*time.Millisecond) })
	for i := range 10 {
		sim.At(time.Second+time.Duration(i)*10*time.Millisecond, func() { p["a"].send("b", fmt.Sprint(i)) })
	}
	sim.RunFor(3 * time.Second)
	require.Len(t, p["b"].got, 10)
	for _, a := range p["b"].got {
		require.Equal(t, 1500*time.Millisecond, a.at)
	}
	require.Equal(t, netsim.Epoch.Add(3*time.Second), p["b"].env.Now())
}
