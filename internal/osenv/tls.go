package osenv

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/netsim"
)

// StreamKind is what a stream carries, told from its first message by
// TLS.Classify.
type StreamKind int

const (
	// StreamOther is neither RPC nor Raft (gossip's streams): it is never
	// wrapped in TLS nor refused for the lack of it.
	StreamOther StreamKind = iota
	// StreamInternal is RPC between agents and servers: dialled in TLS
	// when TLS.Client is set, refused in plain text when
	// TLS.RequireIncoming is set.
	StreamInternal
	// StreamServerOnly is Raft: as StreamInternal, and with
	// RequireIncoming the peer's certificate must also pass TLS.IsServer.
	StreamServerOnly
)

// handshakeTimeout bounds a TLS handshake, and the wait for the first byte
// that tells a TLS connection from a plain one.
const handshakeTimeout = 10 * time.Second

// tlsRecordHandshake is the first byte of every TLS connection (a
// handshake record). A plain stream starts with a 4-byte big-endian
// length of at most netsim.MaxMessageBytes, whose first byte is at most
// 0x04, so one byte tells the two apart.
const tlsRecordHandshake = 0x16

// TLS says which streams an Env wraps in TLS. The Env does not know which
// port is the server port, nor which dialled address is a server: it tells
// RPC and Raft streams from others by their first message (Classify), and
// an accepted connection in TLS from a plain one by its first byte. So a
// listener accepts both, and RequireIncoming refuses what must not be
// plain.
type TLS struct {
	// Server is the configuration of accepted TLS connections; nil refuses
	// any connection that starts a TLS handshake.
	Server *tls.Config
	// Client is the configuration of dialled internal streams; nil dials
	// them in plain text.
	Client *tls.Config
	// RequireIncoming refuses an accepted internal stream that did not
	// come over TLS with a certificate the Server configuration verified.
	RequireIncoming bool
	// Classify tells a stream's kind from its first message.
	Classify func(first []byte) StreamKind
	// IsServer, when set, reports whether a verified peer may speak a
	// StreamServerOnly stream.
	IsServer func(tls.ConnectionState) bool
}

// attachDialled runs on the loop once a dialled connection is up. If the
// first queued message says the stream is internal and a client
// configuration is set, it shakes hands (off the loop) before attaching.
func (s *stream) attachDialled(conn net.Conn, h netsim.StreamHandler) {
	t := s.net.env.tls
	if t == nil || t.Client == nil || s.firstKind(t) == StreamOther {
		s.attach(conn, h)
		return
	}
	tc := tls.Client(conn, t.Client)
	go func() {
		if err := handshake(tc); err != nil {
			conn.Close()
			s.net.env.logger.Warn("TLS handshake with a server failed", zap.String("peer", s.remote), zap.Error(err))
			s.finish(fmt.Errorf("osenv: TLS handshake with %s: %w: %v", s.remote, netsim.ErrUnreachable, err))
			return
		}
		if !s.net.env.loop.post(func() { s.attach(tc, h) }) {
			tc.Close()
		}
	}()
}

// firstKind classifies the first message queued on a dialled stream. The
// protocols send their first message in the same callback as the Dial, so
// it is queued by the time the connection is attached.
func (s *stream) firstKind(t *TLS) StreamKind {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 || t.Classify == nil {
		return StreamOther
	}
	return t.Classify(s.queue[0])
}

// acceptTLS runs on its own goroutine for each connection accepted while
// TLS is configured: it tells TLS from plain text by the first byte, shakes
// hands, and attaches the stream with a guard that checks its first
// message.
func (n *network) acceptTLS(conn net.Conn, accept func(netsim.Stream) netsim.StreamHandler) {
	t := n.env.tls
	remote := conn.RemoteAddr().String()
	pc := &peekedConn{Conn: conn, r: bufio.NewReader(conn)}
	conn.SetReadDeadline(time.Now().Add(handshakeTimeout))
	first, err := pc.r.Peek(1)
	conn.SetReadDeadline(time.Time{})
	var wrapped net.Conn = pc
	var state *tls.ConnectionState
	if err == nil && first[0] == tlsRecordHandshake {
		if t.Server == nil {
			n.env.logger.Warn("refused a TLS connection: no certificate is configured for it", zap.String("peer", remote))
			conn.Close()
			return
		}
		tc := tls.Server(pc, t.Server)
		if err := handshake(tc); err != nil {
			n.env.logger.Warn("refused a peer: TLS handshake failed", zap.String("peer", remote), zap.Error(err))
			conn.Close()
			return
		}
		cs := tc.ConnectionState()
		wrapped, state = tc, &cs
	}
	s := newStream(n, remote)
	if !n.env.loop.post(func() { s.attach(wrapped, &guard{t: t, log: n.env.logger, state: state, next: accept(s)}) }) {
		conn.Close()
	}
}

// handshake runs a TLS handshake bounded by handshakeTimeout.
func handshake(tc *tls.Conn) error {
	ctx, cancel := context.WithTimeout(context.Background(), handshakeTimeout)
	defer cancel()
	return tc.HandshakeContext(ctx)
}

// peekedConn is a connection whose first bytes were peeked: reads go
// through the buffer that holds them.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// guard checks an accepted stream's first message against the TLS policy
// and then passes every event on. It runs on the loop.
type guard struct {
	t       *TLS
	log     *zap.Logger
	state   *tls.ConnectionState // nil for a plain connection
	next    netsim.StreamHandler
	checked bool
	// refused drops the messages the reader had already posted when the
	// stream was closed.
	refused bool
}

func (g *guard) HandleMessage(s netsim.Stream, msg []byte) {
	if g.refused {
		return
	}
	if !g.checked {
		g.checked = true
		if reason := g.refusal(msg); reason != "" {
			g.refused = true
			g.log.Warn("refused a peer on the server port: "+reason, zap.String("peer", s.RemoteAddr()))
			s.Close()
			return
		}
	}
	g.next.HandleMessage(s, msg)
}

func (g *guard) HandleClose(s netsim.Stream, err error) { g.next.HandleClose(s, err) }

// refusal is why the stream must be closed, or "".
func (g *guard) refusal(first []byte) string {
	kind := StreamOther
	if g.t.Classify != nil {
		kind = g.t.Classify(first)
	}
	if kind == StreamOther || !g.t.RequireIncoming {
		return ""
	}
	if g.state == nil || len(g.state.VerifiedChains) == 0 {
		return "verify_incoming requires TLS with a certificate from the CA"
	}
	if kind == StreamServerOnly && g.t.IsServer != nil && !g.t.IsServer(*g.state) {
		return "its certificate does not name a server, so it may not speak Raft"
	}
	return ""
}
