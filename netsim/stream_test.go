package netsim_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/netsim"
)

// fixedLAN has a constant 10 ms latency, so stream timings are exact.
var fixedLAN = netsim.LinkProfile{LatencyMin: 10 * time.Millisecond, LatencyMax: 10 * time.Millisecond}

func TestStreamDeliversInOrderExactlyOnceEvenToBusyReceiver(t *testing.T) {
	sim := netsim.New(1, netsim.Options{})
	p := addProbes(sim, []string{"a", "b"})
	sim.SetDiskFaults("b", netsim.DiskFaults{FsyncMin: 3 * time.Millisecond, FsyncMax: 20 * time.Millisecond})
	accepted := listenLog(sim, p["b"])
	f, err := p["b"].env.Disk().Create("busy")
	require.NoError(t, err)
	p["b"].env.AfterFunc(time.Millisecond, func() {}) // keep b's timers going
	dialer := &streamLog{sim: sim}
	s := p["a"].env.Net().Dial("b:10", dialer)
	var want []string
	for i := range 200 {
		sim.At(time.Duration(i)*100*time.Microsecond, func() {
			msg := fmt.Sprint(i)
			want = append(want, msg)
			require.NoError(t, s.Send([]byte(msg)))
			if i%10 == 0 {
				require.NoError(t, f.Sync()) // b is busy for a while
			}
		})
	}
	sim.RunFor(5 * time.Second)
	require.Len(t, *accepted, 1)
	require.Equal(t, want, (*accepted)[0].msgs)
	require.Equal(t, "b:10", s.RemoteAddr())
	require.Equal(t, 0, dialer.closes)
}

func TestPartitionBreaksStreamOnBothEndsAfterOneLinkDelay(t *testing.T) {
	sim := netsim.New(1, netsim.Options{LAN: fixedLAN})
	p := addProbes(sim, []string{"a", "b"})
	accepted := listenLog(sim, p["b"])
	dialer := &streamLog{sim: sim}
	s := p["a"].env.Net().Dial("b:10", dialer)
	require.NoError(t, s.Send([]byte("hello")))
	sim.RunFor(time.Second)
	require.Equal(t, []string{"hello"}, (*accepted)[0].msgs)
	require.NoError(t, s.Send([]byte("lost")))
	sim.Partition([]string{"a"}, []string{"b"})
	cutAt := sim.Now()
	sim.RunFor(time.Second)
	for _, l := range []*streamLog{dialer, (*accepted)[0]} {
		require.Equal(t, 1, l.closes)
		require.ErrorIs(t, l.err, netsim.ErrBroken)
		require.Equal(t, cutAt+10*time.Millisecond, l.closedAt)
	}
	require.Equal(t, []string{"hello"}, (*accepted)[0].msgs, "the message in flight is lost")
	require.ErrorIs(t, s.Send([]byte("x")), netsim.ErrClosed)
}

func TestCrashBreaksStreamAndOnlyThePeerIsTold(t *testing.T) {
	sim := netsim.New(1, netsim.Options{LAN: fixedLAN})
	p := addProbes(sim, []string{"a", "b"})
	accepted := listenLog(sim, p["b"])
	dialer := &streamLog{sim: sim}
	p["a"].env.Net().Dial("b:10", dialer)
	sim.RunFor(time.Second)
	require.Len(t, *accepted, 1)
	sim.Crash("a")
	sim.RunFor(time.Second)
	require.Equal(t, 0, dialer.closes, "a crashed node hears nothing")
	require.Equal(t, 1, (*accepted)[0].closes)
	require.ErrorIs(t, (*accepted)[0].err, netsim.ErrBroken)
}

func TestDialFailsWithUnreachable(t *testing.T) {
	// Host c listens on port 10; b does not.
	cases := map[string]func(sim *netsim.Sim){
		"no listener":  nil,
		"host down":    func(sim *netsim.Sim) { sim.Crash("c") },
		"partitioned":  func(sim *netsim.Sim) { sim.Isolate("c") },
		"unknown host": func(*netsim.Sim) {},
	}
	for name, setup := range cases {
		t.Run(name, func(t *testing.T) {
			sim := netsim.New(1, netsim.Options{LAN: fixedLAN})
			p := addProbes(sim, []string{"a", "b", "c"})
			accepted := listenLog(sim, p["c"])
			target := "b:10"
			if setup != nil {
				setup(sim)
				target = "c:10"
			}
			if name == "unknown host" {
				target = "zz:10"
			}
			l := &streamLog{sim: sim}
			s := p["a"].env.Net().Dial(target, l)
			start := sim.Now()
			sim.RunFor(time.Second)
			require.Equal(t, 1, l.closes)
			require.ErrorIs(t, l.err, netsim.ErrUnreachable)
			require.Equal(t, start+20*time.Millisecond, l.closedAt, "one delay out, one back")
			require.Empty(t, *accepted)
			require.ErrorIs(t, s.Send([]byte("x")), netsim.ErrClosed)
		})
	}
}

func TestCloseDeliversEarlierMessagesThenTellsBothEnds(t *testing.T) {
	sim := netsim.New(1, netsim.Options{LAN: fixedLAN})
	p := addProbes(sim, []string{"a", "b"})
	accepted := listenLog(sim, p["b"])
	dialer := &streamLog{sim: sim}
	s := p["a"].env.Net().Dial("b:10", dialer)
	require.NoError(t, s.Send([]byte("1")))
	require.NoError(t, s.Send([]byte("2")))
	require.NoError(t, s.Close())
	require.ErrorIs(t, s.Send([]byte("3")), netsim.ErrClosed)
	sim.RunFor(time.Second)
	require.ErrorIs(t, dialer.err, netsim.ErrClosed)
	require.Equal(t, time.Duration(0), dialer.closedAt)
	peer := (*accepted)[0]
	require.Equal(t, []string{"1", "2"}, peer.msgs)
	require.ErrorIs(t, peer.err, netsim.ErrBroken)
	require.Equal(t, 1, peer.closes)
	require.Equal(t, 1, dialer.closes)
}

func TestAcceptedEndKnowsItsAddresses(t *testing.T) {
	sim := netsim.New(1, netsim.Options{})
	p := addProbes(sim, []string{"a", "b"})
	var accepted netsim.Stream
	_, err := p["b"].env.Net().Listen(10, func(s netsim.Stream) netsim.StreamHandler {
		accepted = s
		return &streamLog{sim: sim}
	})
	require.NoError(t, err)
	s := p["a"].env.Net().Dial("b:10", &streamLog{sim: sim})
	sim.RunFor(time.Second)
	require.NotNil(t, accepted)
	require.Equal(t, "b:10", accepted.LocalAddr())
	require.Equal(t, s.LocalAddr(), accepted.RemoteAddr())
}
