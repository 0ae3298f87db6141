package swim

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// sampleMessages returns one message of every type, for round trips and as
// fuzz seeds.
func sampleMessages() []message {
	coord := NewCoordinate()
	coord.Vec[3] = 0.25
	return []message{
		{ping: &ping{Seq: 7, Target: "b", SourceName: "a", SourceAddr: "a:1"}},
		{indirectPing: &indirectPing{Seq: 8, Target: "c", TargetAddr: "c:1", SourceName: "a", SourceAddr: "a:1", Nack: true}},
		{ack: &ack{Seq: 9, HasCoord: true, Coord: coord}},
		{ack: &ack{Seq: 10}},
		{nack: &nack{Seq: 11}},
		{suspect: &suspect{Incarnation: 3, Node: "c", From: "a"}},
		{alive: &alive{Incarnation: 4, Node: "d", Addr: "d:1", Tags: Tags{"role": "server", "dc": "dc1"}}},
		{dead: &dead{Incarnation: 5, Node: "e", From: "e"}},
		{userEvent: &userEvent{LTime: 12, Name: "deploy", Payload: []byte("v1")}},
		{pushPull: &pushPull{Join: true, EventLTime: 3, Nodes: []pushNode{
			{Name: "a", Addr: "a:1", Incarnation: 1, State: StateAlive},
			{Name: "b", Addr: "b:1", Tags: Tags{"x": "y"}, Incarnation: 2, State: StateLeft}}}},
		{keyQuery: &keyQuery{ID: 13, LTime: 2, Origin: "a", OriginAddr: "a:1",
			RelayFactor: 2, Op: KeyInstall, Key: bytes.Repeat([]byte{3}, 16)}},
		{keyAnswer: &keyAnswer{ID: 13, Node: "b", Err: "swim: key not installed", Keys: [][]byte{{1, 2}}, RelayTo: "a:1"}},
		{refusal: &refusal{Reason: refusedWrongKey}},
	}
}

// resolved parses the tags that decoding left raw, for comparisons.
func resolved(t *testing.T, msgs []message) []message {
	for _, m := range msgs {
		if m.alive != nil {
			require.True(t, m.alive.resolveTags())
		}
	}
	return msgs
}

func TestEveryMessageTypeRoundTrips(t *testing.T) {
	for _, m := range sampleMessages() {
		b := encodePacket([][]byte{frameOf(m)})
		got, err := decodePacket(b)
		require.NoError(t, err)
		require.Len(t, got, 1)
		require.Equal(t, m, resolved(t, got)[0])
	}
}

func TestCompoundPacketCarriesAllFrames(t *testing.T) {
	var frames [][]byte
	for _, m := range sampleMessages() {
		frames = append(frames, frameOf(m))
	}
	got, err := decodePacket(encodePacket(frames))
	require.NoError(t, err)
	require.Equal(t, sampleMessages(), resolved(t, got))
}

func TestDecodeRejectsWrongVersionAndTruncation(t *testing.T) {
	b := encodePacket([][]byte{frameOf(sampleMessages()[0])})
	bad := bytes.Clone(b)
	bad[0] = 2
	_, err := decodePacket(bad)
	require.ErrorIs(t, err, ErrBadMessage)
	for i := range len(b) {
		_, err := decodePacket(b[:i])
		require.ErrorIs(t, err, ErrBadMessage, "prefix %d", i)
	}
}

func fuzzSeeds(f *testing.F) {
	for _, m := range sampleMessages() {
		f.Add(encodePacket([][]byte{frameOf(m)}))
	}
	f.Add([]byte{})
	f.Add([]byte{wireVersion, byte(msgPushPull), 0xff, 0xff, 0xff, 0xff, 0x0f})
}

// FuzzDecode checks that no input makes the decoder panic, and that what it
// accepts re-encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		msgs, err := decodePacket(b)
		if err != nil {
			return
		}
		var frames [][]byte
		for _, m := range msgs {
			frames = append(frames, frameOf(m))
			if m.alive != nil {
				m.alive.resolveTags()
			}
		}
		again, err := decodePacket(encodePacket(frames))
		require.NoError(t, err)
		require.Equal(t, len(msgs), len(again))
	})
}

// FuzzDecryptDecode feeds arbitrary bytes through the receive path of an
// encrypted member, and sealed valid packets too, and checks it never
// panics.
func FuzzDecryptDecode(f *testing.F) {
	sealer, err := NewKeyring(bytes.Repeat([]byte{7}, 16))
	require.NoError(f, err)
	entropy := rand.NewChaCha8([32]byte{1})
	for _, m := range sampleMessages() {
		sealed, err := sealer.Seal(entropy, encodePacket([][]byte{frameOf(m)}))
		require.NoError(f, err)
		f.Add(sealed)
	}
	f.Add([]byte{encryptionVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg := LocalConfig()
		cfg.Name, cfg.Addr, cfg.Rand = "me", "me:1", rand.New(rand.NewPCG(1, 2))
		// A fresh keyring each run: a sealed keyring query may change it.
		kr, err := NewKeyring(bytes.Repeat([]byte{7}, 16))
		require.NoError(t, err)
		cfg.Keyring, cfg.Entropy = kr, rand.NewChaCha8([32]byte{2})
		m, err := New(cfg, 0)
		require.NoError(t, err)
		m.Step(0, "x:1", b)
		_, _ = m.HandleStream(0, "x:1", b)
		m.StreamReply(0, 1, b)
	})
}

// FuzzUnmarshalKeyring checks the keyring file parser on arbitrary input.
func FuzzUnmarshalKeyring(f *testing.F) {
	kr, err := NewKeyring(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 16))
	require.NoError(f, err)
	good, err := kr.MarshalBinary()
	require.NoError(f, err)
	f.Add(good)
	f.Add([]byte(`{"version":1,"keys":[]}`))
	f.Add([]byte(`{"version":2,"keys":["AAAA"]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := UnmarshalKeyring(b)
		if err != nil {
			return
		}
		require.NotEmpty(t, got.List())
	})
}
