package swim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRetransmitLimitIsMultTimesCeilLog10(t *testing.T) {
	cases := []struct{ n, want int }{{0, 0}, {1, 4}, {9, 4}, {10, 8}, {99, 8}, {100, 12}, {1000, 16}}
	for _, c := range cases {
		require.Equal(t, c.want, retransmitLimit(4, c.n), "n=%d", c.n)
	}
}

func TestPushPullIntervalGrowsAbove32Members(t *testing.T) {
	base := 30 * time.Second
	require.Equal(t, base, pushPullScale(base, 32))
	require.Equal(t, 2*base, pushPullScale(base, 33))
	require.Equal(t, 2*base, pushPullScale(base, 64))
	require.Equal(t, 3*base, pushPullScale(base, 65))
	require.Equal(t, 6*base, pushPullScale(base, 1000))
}

func TestSuspicionMinTimeoutScalesWithLog10OfPoolSize(t *testing.T) {
	require.Equal(t, 4*time.Second, suspicionMinTimeout(4, 1, time.Second))
	require.Equal(t, 4*time.Second, suspicionMinTimeout(4, 10, time.Second))
	require.Equal(t, 8*time.Second, suspicionMinTimeout(4, 100, time.Second))
	require.Equal(t, 12*time.Second, suspicionMinTimeout(4, 1000, time.Second))
}

func TestDynamicSuspicionShrinksWithConfirmations(t *testing.T) {
	s := &suspicion{minTimeout: 4 * time.Second, maxTimeout: 24 * time.Second, k: 2,
		confirmed: map[string]bool{"a": true}}
	require.Equal(t, 24*time.Second, s.timeout(0))
	one := s.timeout(1)
	require.Less(t, one, 24*time.Second)
	require.Greater(t, one, 4*time.Second)
	require.Equal(t, 4*time.Second, s.timeout(2))
	require.True(t, s.confirm("b"))
	require.False(t, s.confirm("b"), "a repeated confirmation does not count")
	require.True(t, s.confirm("c"))
	require.False(t, s.confirm("d"), "no more than k confirmations count")
	require.Equal(t, 4*time.Second, s.deadline-s.start)
}

func TestAwarenessClampsAndScales(t *testing.T) {
	a := newAwareness(8, true)
	a.apply(-1)
	require.Equal(t, 0, a.score)
	a.apply(20)
	require.Equal(t, 7, a.score)
	require.Equal(t, 8*time.Second, a.scale(time.Second))
	off := newAwareness(8, false)
	off.apply(5)
	require.Equal(t, time.Second, off.scale(time.Second))
}

// aliveNews is an alive message about node, as the broadcast queue takes it.
func aliveNews(node string, incarnation uint32) message {
	return message{alive: &alive{Incarnation: incarnation, Node: node, Addr: node + ":1"}}
}

func TestBroadcastQueuePrefersFreshAndInvalidatesOld(t *testing.T) {
	q := newBroadcastQueue(100)
	a, b, c := &nodeState{}, &nodeState{}, &nodeState{}
	event := func(payload string) message {
		return message{userEvent: &userEvent{LTime: 1, Name: "deploy", Payload: []byte(payload)}}
	}
	q.queueNode(a, aliveNews("a", 1))
	q.queueNode(b, aliveNews("b", 1))
	q.queueNode(a, aliveNews("a", 2))
	q.queueEvent("e/1", event("1"))
	q.queueEvent("e/1", event("2"))
	require.Equal(t, 3, q.len())
	got := q.take(1000, 2)
	want := []string{newsFrame(event("2")), newsFrame(aliveNews("a", 2)), newsFrame(aliveNews("b", 1))}
	require.Equal(t, want, got)
	q.queueNode(c, aliveNews("c", 1))
	c1 := newsFrame(aliveNews("c", 1))
	got = q.take(len(c1), 2)
	require.Equal(t, []string{c1}, got, "least transmitted first, within budget")
	q.take(1000, 2)
	require.Equal(t, 0, q.len(), "every broadcast retires after its second send")
	require.Nil(t, a.news, "a retired broadcast is unhooked from its row")
	require.Empty(t, q.byKey)
	require.Empty(t, q.keyOf)
}

func TestBroadcastQueueIsBounded(t *testing.T) {
	q := newBroadcastQueue(3)
	rows := []*nodeState{{}, {}, {}, {}}
	for i, n := range rows {
		q.queueNode(n, aliveNews("n", uint32(i)))
	}
	require.Equal(t, 3, q.len())
	require.Nil(t, rows[0].news, "the oldest broadcast was evicted")
}

func TestNewsFrameEncodesLikeAFrame(t *testing.T) {
	news := aliveNews("node-1", 7)
	require.Equal(t, string(frameOf(news)), newsFrame(news))
}

func TestConfigRejectsMissingIdentity(t *testing.T) {
	cfg := LANConfig()
	_, err := New(cfg, 0)
	require.ErrorIs(t, err, ErrConfig)
}

func TestPresetsAreValid(t *testing.T) {
	for _, cfg := range []Config{LANConfig(), WANConfig(), LocalConfig()} {
		cfg.Name, cfg.Addr = "x", "x:1"
		cfg.Rand = newHarness(t, 1).rnd
		_, err := New(cfg, 0)
		require.NoError(t, err)
	}
}
