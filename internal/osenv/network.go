package osenv

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/netsim"
)

// dialTimeout bounds how long a Dial may take before it ends with
// netsim.ErrUnreachable.
const dialTimeout = 5 * time.Second

// network opens sockets bound to the Env's host and remembers them, so that
// Close can shut them all.
type network struct {
	env *Env

	mu      sync.Mutex
	closed  bool
	sockets map[io.Closer]struct{}
}

func newNetwork(e *Env) *network {
	return &network{env: e, sockets: make(map[io.Closer]struct{})}
}

// track registers c for closeAll; it reports false (and closes c) if the
// network is already closed.
func (n *network) track(c io.Closer) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		c.Close()
		return false
	}
	n.sockets[c] = struct{}{}
	return true
}

func (n *network) untrack(c io.Closer) {
	n.mu.Lock()
	delete(n.sockets, c)
	n.mu.Unlock()
}

func (n *network) closeAll() {
	n.mu.Lock()
	n.closed = true
	socks := n.sockets
	n.sockets = nil
	n.mu.Unlock()
	for c := range socks {
		c.Close()
	}
}

func (n *network) hostPort(port int) string {
	return net.JoinHostPort(n.env.host, strconv.Itoa(port))
}

// ListenPacket binds a UDP socket and posts each datagram to the loop.
func (n *network) ListenPacket(port int, h netsim.PacketHandler) (netsim.PacketConn, error) {
	conn, err := net.ListenPacket("udp", n.hostPort(port))
	if err != nil {
		return nil, fmt.Errorf("osenv: listen udp %s: %w", n.hostPort(port), err)
	}
	if !n.track(conn) {
		return nil, netsim.ErrClosed
	}
	go n.readPackets(conn, h)
	return &packetConn{conn: conn, net: n}, nil
}

func (n *network) readPackets(conn net.PacketConn, h netsim.PacketHandler) {
	buf := make([]byte, netsim.MaxDatagramBytes)
	for {
		size, from, err := conn.ReadFrom(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				n.env.logger.Warn("udp read failed", zap.Error(err))
			}
			return
		}
		p := append([]byte(nil), buf[:size]...)
		addr := from.String()
		n.env.loop.post(func() { h(addr, p) })
	}
}

type packetConn struct {
	conn net.PacketConn
	net  *network
}

func (c *packetConn) LocalAddr() netsim.Addr { return c.conn.LocalAddr().String() }

func (c *packetConn) WriteTo(p []byte, to netsim.Addr) error {
	if len(p) > netsim.MaxDatagramBytes {
		return netsim.ErrTooLarge
	}
	addr, err := net.ResolveUDPAddr("udp", to)
	if err != nil {
		return fmt.Errorf("osenv: resolve %s: %w", to, err)
	}
	if _, err := c.conn.WriteTo(p, addr); err != nil {
		return fmt.Errorf("osenv: send udp to %s: %w", to, err)
	}
	return nil
}

func (c *packetConn) Close() error {
	c.net.untrack(c.conn)
	return c.conn.Close()
}

// Listen accepts TCP connections; each becomes a Stream whose handler is the
// one accept returns, called on the loop.
func (n *network) Listen(port int, accept func(netsim.Stream) netsim.StreamHandler) (netsim.Listener, error) {
	ln, err := net.Listen("tcp", n.hostPort(port))
	if err != nil {
		return nil, fmt.Errorf("osenv: listen tcp %s: %w", n.hostPort(port), err)
	}
	if !n.track(ln) {
		return nil, netsim.ErrClosed
	}
	go n.acceptLoop(ln, accept)
	return &listener{ln: ln, net: n}, nil
}

func (n *network) acceptLoop(ln net.Listener, accept func(netsim.Stream) netsim.StreamHandler) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				n.env.logger.Warn("tcp accept failed", zap.Error(err))
			}
			return
		}
		if n.env.tls != nil {
			go n.acceptTLS(conn, accept)
			continue
		}
		s := newStream(n, conn.RemoteAddr().String())
		if !n.env.loop.post(func() { s.attach(conn, accept(s)) }) {
			conn.Close()
			return
		}
	}
}

type listener struct {
	ln  net.Listener
	net *network
}

func (l *listener) Addr() netsim.Addr { return l.ln.Addr().String() }

func (l *listener) Close() error {
	l.net.untrack(l.ln)
	return l.ln.Close()
}

// Dial connects on a goroutine; until then, Send queues.
func (n *network) Dial(addr netsim.Addr, h netsim.StreamHandler) netsim.Stream {
	s := newStream(n, addr)
	s.handler = h
	go func() {
		conn, err := net.DialTimeout("tcp", addr, dialTimeout)
		if err != nil {
			s.finish(fmt.Errorf("osenv: dial %s: %w: %v", addr, netsim.ErrUnreachable, err))
			return
		}
		if !n.env.loop.post(func() { s.attachDialled(conn, h) }) {
			conn.Close()
		}
	}()
	return s
}
