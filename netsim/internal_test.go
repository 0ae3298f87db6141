package netsim

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEventQueuePopsInTimeThenInsertionOrder(t *testing.T) {
	r := newStream(1, 99)
	var q eventQueue
	for range 5000 {
		q.push(event{at: r.Int64N(100)})
	}
	removed := q.removeIf(func(e *event) bool { return e.seq%3 == 0 })
	require.Equal(t, 1666, removed)
	var prev event
	for i := 0; q.len() > 0; i++ {
		e := q.pop()
		require.NotZero(t, e.seq%3)
		if i > 0 {
			require.True(t, prev.at < e.at || (prev.at == e.at && prev.seq < e.seq),
				"event (%d,%d) after (%d,%d)", e.at, e.seq, prev.at, prev.seq)
		}
		prev = e
	}
}

func TestMulDivRoundsAndDoesNotOverflow(t *testing.T) {
	require.Equal(t, int64(3), mulDiv(10, 1, 3, false))
	require.Equal(t, int64(4), mulDiv(10, 1, 3, true))
	require.Equal(t, int64(-3), mulDiv(-10, 1, 3, false))
	big := int64(math.MaxInt64 / 2)
	require.Equal(t, big/2, mulDiv(big, ppmScale, 2*ppmScale, false))
	c := clock{driftPPM: maxDriftPPM - 1}
	require.Positive(t, c.local(math.MaxInt64/2))
	require.Positive(t, c.toGlobal(math.MaxInt64/2))
}

func TestLatencyStaysInsideTheProfile(t *testing.T) {
	r := newStream(1, 7)
	p := LinkProfile{LatencyMin: 5, LatencyMax: 1 << 40}
	var sum int64
	for range 10000 {
		d := p.latency(r)
		require.GreaterOrEqual(t, d, int64(p.LatencyMin))
		require.LessOrEqual(t, d, int64(p.LatencyMax))
		sum += d / 10000
	}
	// The mean of Min + (Max-Min)·u1·u2 is Min + (Max-Min)/4.
	require.InDelta(t, float64(p.LatencyMax)/4, float64(sum), float64(p.LatencyMax)/20)
}

func FuzzSplitAddr(f *testing.F) {
	for _, s := range []string{"a:1", "host:65535", "h:0", ":80", "a:b:7", "x", "a:99999", "a:-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		host, port, ok := splitAddr(addr)
		if !ok {
			return
		}
		require.NotEmpty(t, host)
		require.True(t, port >= 1 && port <= 65535)
		h2, p2, ok2 := splitAddr(joinAddr(host, port))
		require.True(t, ok2)
		require.Equal(t, host, h2)
		require.Equal(t, port, p2)
	})
}
