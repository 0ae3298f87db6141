package swim

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// This file measures the wire codec on the messages a member sends most:
// the probe's ping, its ack, the ping-req of an indirect probe, and a ping
// carrying eight piggybacked membership updates, the shape of a packet
// during a join or failure wave. Names, addresses and tags are sized like a
// cairn client's (role, dc, a UUID id, vsn).

// benchNodeName and benchNodeAddr name the i-th member of a benchmark pool.
func benchNodeName(i int) string { return fmt.Sprintf("node-%03d.dc1", i) }
func benchNodeAddr(i int) string { return fmt.Sprintf("10.0.%d.%d:8301", i/250, i%250+1) }

// benchUpdates returns n membership updates: mostly alive news with a
// client's tags, with a suspect and a dead among them.
func benchUpdates(n int) []message {
	out := make([]message, 0, n)
	for i := range n {
		name := benchNodeName(10 + i)
		switch i % 4 {
		case 1:
			out = append(out, message{suspect: &suspect{Incarnation: uint32(3 + i), Node: name, From: benchNodeName(1)}})
		case 3:
			out = append(out, message{dead: &dead{Incarnation: uint32(3 + i), Node: name, From: benchNodeName(2)}})
		default:
			out = append(out, message{alive: &alive{Incarnation: uint32(3 + i), Node: name, Addr: benchNodeAddr(10 + i),
				Tags: Tags{"role": "node", "dc": "dc1", "vsn": "1",
					"id": fmt.Sprintf("6f1c0a4e-2d3b-4c5a-9e8f-%012d", i)}}})
		}
	}
	return out
}

// benchPackets returns the benchmarked packets by name, each a list of the
// messages it frames, the first being the packet's own message.
func benchPackets() []struct {
	name string
	msgs []message
} {
	coord := NewCoordinate()
	for i := range coord.Vec {
		coord.Vec[i] = 0.001 * float64(i+1)
	}
	coord.Error, coord.Height = 0.25, 0.0001
	ping := message{ping: &ping{Seq: 4711, Target: benchNodeName(2), SourceName: benchNodeName(1), SourceAddr: benchNodeAddr(1)}}
	return []struct {
		name string
		msgs []message
	}{
		{"ping", []message{ping}},
		{"ack", []message{{ack: &ack{Seq: 4711, HasCoord: true, Coord: coord}}}},
		{"indirect-ping", []message{{indirectPing: &indirectPing{Seq: 4712, Target: benchNodeName(3),
			TargetAddr: benchNodeAddr(3), SourceName: benchNodeName(1), SourceAddr: benchNodeAddr(1), Nack: true}}}},
		{"ping+8-updates", append([]message{ping}, benchUpdates(8)...)},
	}
}

// encodeBenchPacket encodes every message as a frame and packs them, the
// upper bound of what Member.send does (which reuses the gossip frames it
// encoded once when the news was queued).
func encodeBenchPacket(msgs []message) []byte {
	frames := make([][]byte, len(msgs))
	for i, m := range msgs {
		frames[i] = frameOf(m)
	}
	return encodePacket(frames)
}

// requireRoundTrip checks, once and outside any timed loop, that a packet
// decodes to the messages it was encoded from and fits in a LAN datagram.
func requireRoundTrip(b *testing.B, msgs []message, packet []byte) {
	require.LessOrEqual(b, len(packet), LANConfig().PacketSize)
	got, err := decodePacket(packet)
	require.NoError(b, err)
	for _, m := range got {
		if m.alive != nil {
			require.True(b, m.alive.resolveTags())
		}
	}
	require.Equal(b, msgs, got)
}

// benchLoop runs op as the timed body of b and reports the size of the
// packet it handles.
func benchLoop(b *testing.B, packetBytes int, op func() error) {
	b.ReportAllocs()
	for b.Loop() {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(packetBytes), "bytes/msg")
}

// benchEachPacket runs op on every benchmarked packet in a sub-benchmark of
// its own, after checking that the packet round-trips.
func benchEachPacket(b *testing.B, op func(msgs []message, packet []byte) error) {
	for _, p := range benchPackets() {
		b.Run(p.name, func(b *testing.B) {
			packet := encodeBenchPacket(p.msgs)
			requireRoundTrip(b, p.msgs, packet)
			benchLoop(b, len(packet), func() error { return op(p.msgs, packet) })
		})
	}
}

// BenchmarkMessageEncode encodes each benchmarked packet; one op is one
// packet.
func BenchmarkMessageEncode(b *testing.B) {
	benchEachPacket(b, func(msgs []message, _ []byte) error {
		encodeBenchPacket(msgs)
		return nil
	})
}

// BenchmarkMessageDecode decodes each benchmarked packet; one op is one
// packet. Alive news keeps its tags encoded until the member finds it fresh
// (alive.resolveTags), so the tags' parsing is not part of the decode.
func BenchmarkMessageDecode(b *testing.B) {
	benchEachPacket(b, func(_ []message, packet []byte) error {
		_, err := decodePacket(packet)
		return err
	})
}

// BenchmarkPacketSealOpen seals and opens a ping with eight updates under a
// keyring of two 32-byte keys (AES-256-GCM), the primary first as on every
// send; one op is one seal or one open.
func BenchmarkPacketSealOpen(b *testing.B) {
	packets := benchPackets()
	plain := encodeBenchPacket(packets[len(packets)-1].msgs)
	kr, err := NewKeyring(bytes.Repeat([]byte{7}, 32), bytes.Repeat([]byte{9}, 32))
	require.NoError(b, err)
	entropy := rand.NewChaCha8([32]byte{1})
	sealed, err := kr.Seal(entropy, plain)
	require.NoError(b, err)
	require.Len(b, sealed, len(plain)+sealOverhead)
	opened, err := kr.Open(sealed)
	require.NoError(b, err)
	require.Equal(b, plain, opened)

	b.Run("seal", func(b *testing.B) {
		benchLoop(b, len(sealed), func() error {
			_, err := kr.Seal(entropy, plain)
			return err
		})
	})
	b.Run("open", func(b *testing.B) {
		benchLoop(b, len(sealed), func() error {
			_, err := kr.Open(sealed)
			return err
		})
	})
}
