package swim

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// lone returns a member that knows the given peers as alive, outside any
// network, for tests that inspect its outputs directly.
func lone(t *testing.T, tweak func(*Config), peers ...string) *Member {
	cfg := LocalConfig()
	cfg.Name, cfg.Addr, cfg.Rand = "me", "me:1", rand.New(rand.NewPCG(1, 1))
	if tweak != nil {
		tweak(&cfg)
	}
	m, err := New(cfg, 0)
	require.NoError(t, err)
	for _, p := range peers {
		m.aliveNode(alive{Incarnation: 1, Node: p, Addr: p + ":1"}, false)
	}
	m.Ready()
	return m
}

// sent decodes every packet m produced, by destination.
func sent(t *testing.T, m *Member) map[string][]message {
	out := map[string][]message{}
	for _, p := range m.Ready().Packets {
		msgs, err := decodePacket(p.Payload)
		require.NoError(t, err)
		out[p.To] = append(out[p.To], msgs...)
	}
	return out
}

// probeOf makes m's next probe target node.
func probeOf(m *Member, node string) {
	m.probeIndex = m.index[intern(node)]
	m.startProbe(m.cfg.ProbeInterval)
}

func TestPingToASuspectCarriesTheSuspicionToIt(t *testing.T) {
	for _, buddy := range []bool{true, false} {
		m := lone(t, func(c *Config) { c.DisableBuddy = !buddy }, "b", "c")
		m.suspectNode(suspect{Incarnation: 1, Node: "b", From: "c"})
		m.broadcasts = newBroadcastQueue(10)
		for _, n := range m.nodes {
			n.news = nil
		}
		probeOf(m, "b")
		found := false
		for _, msg := range sent(t, m)["b:1"] {
			if msg.suspect != nil && msg.suspect.Node == "b" {
				found = true
			}
		}
		require.Equal(t, buddy, found, "buddy=%v", buddy)
	}
}

func TestRelayAnswersWithANackWhenTheTargetStaysSilent(t *testing.T) {
	m := lone(t, nil, "a", "c")
	m.Step(0, "a:1", encodePacket([][]byte{frameOf(message{indirectPing: &indirectPing{
		Seq: 77, Target: "c", TargetAddr: "c:1", SourceName: "a", SourceAddr: "a:1", Nack: true}})}))
	out := sent(t, m)
	require.NotEmpty(t, out["c:1"], "the relay pings the target")
	m.Tick(m.cfg.ProbeTimeout)
	var nacks []uint32
	for _, msg := range sent(t, m)["a:1"] {
		if msg.nack != nil {
			nacks = append(nacks, msg.nack.Seq)
		}
	}
	require.Equal(t, []uint32{77}, nacks)
}

func TestMissedNacksRaiseTheHealthScoreAndAnAckLowersIt(t *testing.T) {
	m := lone(t, nil, "b", "c", "d", "e")
	probeOf(m, "b")
	m.Tick(m.probe.timeoutAt)
	require.Equal(t, 3, m.probe.expectedNacks)
	m.Step(m.now, "c:1", encodePacket([][]byte{frameOf(message{nack: &nack{Seq: m.probe.seq}})}))
	m.Tick(m.probe.endAt)
	require.Equal(t, 2, m.HealthScore(), "two of three nacks missed")
	state, _ := stateOf(m, "b")
	require.Equal(t, StateSuspect, state)

	probeOf(m, "c")
	m.Step(m.now, "c:1", encodePacket([][]byte{frameOf(message{ack: &ack{Seq: m.probe.seq}})}))
	require.Equal(t, 1, m.HealthScore())
	require.False(t, m.probe.active)
}

func TestHealthScoreStretchesTheProbeInterval(t *testing.T) {
	m := lone(t, nil, "b")
	m.awareness.apply(3)
	m.nextProbe = 0
	m.Tick(time.Second)
	require.Equal(t, time.Second+4*m.cfg.ProbeInterval, m.nextProbe)
}

func TestSuspicionRunsOutIntoAFailedVerdict(t *testing.T) {
	m := lone(t, nil, "b", "c", "d", "e")
	m.suspectNode(suspect{Incarnation: 1, Node: "b", From: "me"})
	deadline := m.NextDeadline()
	require.Len(t, m.suspicions, 1)
	s := m.suspicions[0]
	require.Equal(t, s.maxTimeout, s.deadline, "alone, a suspicion waits the maximum")
	m.Tick(s.deadline)
	state, _ := stateOf(m, "b")
	require.Equal(t, StateDead, state)
	require.LessOrEqual(t, deadline, s.deadline)
}
