package driver

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
)

// Frames on a Raft stream. Each stream message is one frame: a version
// byte, a kind byte and the payload.
const (
	frameVersion = 1

	// frameMessage carries one raft.Message in its binary encoding.
	frameMessage = 1
	// frameSnapshotChunk carries the next bytes of a snapshot file.
	frameSnapshotChunk = 2
	// frameSnapshotEnd carries the MsgSnap that the chunks before it
	// belong to.
	frameSnapshotEnd = 3
	// frameHello opens every stream: the dialling server's ID and Raft
	// address, "id\x00address". A server that is not yet in any
	// configuration (a new member) learns from it where to answer.
	frameHello = 4
)

// snapshotChunkBytes is the size of one snapshot chunk on the wire.
const snapshotChunkBytes = 1 << 20

// errBadFrame reports a frame that cannot be decoded.
var errBadFrame = errors.New("raft: bad frame")

func frame(kind byte, payload []byte) []byte {
	return append([]byte{frameVersion, kind}, payload...)
}

// messageFrame encodes m into a frame of the given kind, in one buffer.
func messageFrame(kind byte, m *raft.Message) []byte {
	b, err := m.AppendBinary([]byte{frameVersion, kind})
	if err != nil {
		panic(fmt.Sprintf("raft: encode %v: %v", m, err))
	}
	return b
}

func parseFrame(b []byte) (kind byte, payload []byte, err error) {
	if len(b) < 2 || b[0] != frameVersion {
		return 0, nil, fmt.Errorf("%w: %d bytes, version %v", errBadFrame, len(b), b[:min(len(b), 1)])
	}
	return b[1], b[2:], nil
}

// peer is the outgoing stream to one server. Answers come back on the
// peer's own outgoing stream to us, so an outgoing stream only sends.
type peer struct {
	id     raft.ServerID
	addr   string
	stream netsim.Stream
	// sendingSnapshot is set while a snapshot is on its way, until the
	// follower answers, the stream breaks or snapshotTimeoutTicks pass.
	sendingSnapshot bool
}

func (p *peer) close() {
	if p.stream != nil {
		p.stream.Close()
		p.stream = nil
	}
}

func sortedPeerIDs(m map[raft.ServerID]*peer) []raft.ServerID {
	ids := make([]raft.ServerID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// addressOf is where a server listens: from the configuration, else from
// the hello of a stream it opened to us.
func (s *Server) addressOf(id raft.ServerID) string {
	for _, srv := range s.Configuration().Servers {
		if srv.ID == id {
			return srv.Address
		}
	}
	return s.introduced[id]
}

// peerFor returns the peer a message goes to, dialling if needed. It
// returns nil for a server with no known address.
func (s *Server) peerFor(id raft.ServerID) *peer {
	addr := s.addressOf(id)
	p := s.peers[id]
	if p != nil && p.addr != addr {
		p.close()
		p = nil
	}
	if addr == "" {
		delete(s.peers, id)
		return nil
	}
	if p == nil {
		p = &peer{id: id, addr: addr}
		s.peers[id] = p
	}
	if p.stream == nil {
		p.stream = s.env.Net().Dial(addr, &outgoing{s: s, p: p})
		if s.cfg.Preamble != nil {
			p.stream.Send(s.cfg.Preamble)
		}
		p.stream.Send(frame(frameHello, []byte(string(s.cfg.ID)+"\x00"+s.cfg.Address)))
	}
	return p
}

// send delivers messages, best effort: a lost message is recovered by the
// protocol's retries.
func (s *Server) send(msgs []raft.Message) {
	for i := range msgs {
		m := &msgs[i]
		p := s.peerFor(m.To)
		if p == nil {
			continue
		}
		if m.Type == raft.MsgSnap {
			s.sendSnapshot(p, m)
			continue
		}
		p.stream.Send(messageFrame(frameMessage, m))
	}
}

// outgoing handles the events of a stream we dialled.
type outgoing struct {
	s *Server
	p *peer
}

func (o *outgoing) HandleMessage(netsim.Stream, []byte) {}

func (o *outgoing) HandleClose(st netsim.Stream, err error) {
	if o.p.stream != st {
		return
	}
	o.p.stream = nil
	if o.p.sendingSnapshot {
		o.p.sendingSnapshot = false
		o.s.core.ReportSnapshot(o.p.id, false)
	}
	o.s.core.ReportUnreachable(o.p.id)
	o.s.kick()
}

// Accept returns the handler for a stream a peer opened to this server.
// The agent calls it for Raft streams on its multiplexed port.
func (s *Server) Accept(netsim.Stream) netsim.StreamHandler { return &incoming{s: s} }

// incoming handles a stream a peer dialled to us, and buffers the chunks
// of a snapshot in transfer.
type incoming struct {
	s        *Server
	snapshot []byte
}

func (in *incoming) HandleMessage(st netsim.Stream, b []byte) {
	s := in.s
	if s.stopped {
		return
	}
	kind, payload, err := parseFrame(b)
	if err != nil {
		s.dropStream(st, err)
		return
	}
	switch kind {
	case frameMessage:
		s.step(st, payload)
	case frameSnapshotChunk:
		in.snapshot = append(in.snapshot, payload...)
	case frameSnapshotEnd:
		s.stepSnapshot(st, payload, in.snapshot)
		in.snapshot = nil
	case frameHello:
		id, addr, ok := strings.Cut(string(payload), "\x00")
		if !ok || id == "" || addr == "" {
			s.dropStream(st, fmt.Errorf("%w: hello %q", errBadFrame, payload))
			return
		}
		s.introduced[raft.ServerID(id)] = addr
	default:
		s.dropStream(st, fmt.Errorf("%w: kind %d", errBadFrame, kind))
	}
}

func (in *incoming) HandleClose(netsim.Stream, error) { in.snapshot = nil }

// stepSnapshot keeps a received snapshot's data by its index, until the
// next Ready says whether the core installs it, and steps its MsgSnap.
func (s *Server) stepSnapshot(st netsim.Stream, payload, data []byte) {
	var m raft.Message
	if err := m.UnmarshalBinary(payload); err != nil || m.Type != raft.MsgSnap || m.Snapshot == nil {
		s.dropStream(st, fmt.Errorf("%w: snapshot end without MsgSnap", errBadFrame))
		return
	}
	s.received[m.Snapshot.Index] = data
	s.step(st, payload)
}

// step decodes and steps one message into the core.
func (s *Server) step(st netsim.Stream, payload []byte) {
	var m raft.Message
	if err := m.UnmarshalBinary(payload); err != nil {
		s.dropStream(st, err)
		return
	}
	if m.Type == raft.MsgAppResp {
		if p := s.peers[m.From]; p != nil {
			p.sendingSnapshot = false
		}
	}
	if err := s.core.Step(m); err != nil {
		s.logger.Debug("dropped message", zap.Stringer("msg", m), zap.Error(err))
		return
	}
	s.kick()
}

// dropStream closes a stream that sent something undecodable.
func (s *Server) dropStream(st netsim.Stream, err error) {
	s.logger.Warn("closing raft stream after a bad frame",
		zap.String("remote", st.RemoteAddr()), zap.Error(err))
	st.Close()
}
