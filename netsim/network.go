package netsim

import (
	"fmt"
	"strconv"
	"strings"
)

// splitAddr splits "host:port". It reports false for anything else.
func splitAddr(addr Addr) (string, int, bool) {
	i := strings.LastIndexByte(addr, ':')
	if i <= 0 {
		return "", 0, false
	}
	port, err := strconv.Atoi(addr[i+1:])
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, false
	}
	return addr[:i], port, true
}

func joinAddr(host string, port int) Addr { return host + ":" + strconv.Itoa(port) }

// bindPort picks the port for a new socket or listener: port itself, or
// for port 0 the next free port from firstEphemeralPort up. Ports are
// chosen per boot, in order, so the choice is deterministic.
func (e *nodeEnv) bindPort(port int, taken func(int) bool) (int, error) {
	if e.dead {
		return 0, ErrClosed
	}
	if port < 0 || port > 65535 {
		return 0, fmt.Errorf("netsim: port %d out of range", port)
	}
	if port != 0 {
		if taken(port) {
			return 0, fmt.Errorf("netsim: bind %s:%d: %w", e.host.name, port, ErrPortInUse)
		}
		return port, nil
	}
	for tries := 0; tries < 65536-firstEphemeralPort; tries++ {
		p := e.nextPort
		e.nextPort++
		if e.nextPort > 65535 {
			e.nextPort = firstEphemeralPort
		}
		if !taken(p) {
			return p, nil
		}
	}
	return 0, fmt.Errorf("netsim: no free port on %s: %w", e.host.name, ErrPortInUse)
}

// ListenPacket binds a datagram socket.
func (e *nodeEnv) ListenPacket(port int, h PacketHandler) (PacketConn, error) {
	p, err := e.bindPort(port, func(p int) bool { return e.packets[p] != nil })
	if err != nil {
		return nil, err
	}
	c := &packetConn{env: e, port: p, addr: joinAddr(e.host.name, p), handler: h}
	e.packets[p] = c
	return c, nil
}

// packetConn is a bound datagram socket of one boot of a host.
type packetConn struct {
	env     *nodeEnv
	port    int
	addr    Addr
	handler PacketHandler
	closed  bool
}

func (c *packetConn) LocalAddr() Addr { return c.addr }

func (c *packetConn) Close() error {
	if c.closed {
		return ErrClosed
	}
	c.closed = true
	if c.env.packets[c.port] == c {
		delete(c.env.packets, c.port)
	}
	return nil
}

// datagram is one datagram in flight.
type datagram struct {
	from    Addr
	to      Addr
	src     *host
	dst     *host
	port    int
	payload []byte
}

// WriteTo sends one datagram. Loss, duplication and reordering are drawn
// here, from the network stream; an unreachable or unknown destination
// drops the datagram (and the drop is traced), as a real network would.
func (c *packetConn) WriteTo(payload []byte, to Addr) error {
	if c.closed || c.env.dead {
		return ErrClosed
	}
	if len(payload) > MaxDatagramBytes {
		return ErrTooLarge
	}
	s := c.env.sim
	src := c.env.host
	at := src.nodeNow()
	name, port, ok := splitAddr(to)
	if !ok {
		return fmt.Errorf("netsim: bad address %q", to)
	}
	dst := s.hosts[name]
	if dst == nil {
		s.trace.record(trDrop, at, src.name, c.addr, to, "no route", payload)
		return nil
	}
	if !s.reachable(src, dst) {
		s.trace.record(trDrop, at, src.name, c.addr, to, "partition", payload)
		return nil
	}
	p := s.profile(src, dst)
	if chance(s.netRand, p.Loss) {
		s.trace.record(trDrop, at, src.name, c.addr, to, "loss", payload)
		return nil
	}
	s.sendDatagram(s.newDatagram(c.addr, to, src, dst, port, payload), at, p)
	if chance(s.netRand, p.Duplicate) {
		s.trace.record(trDuplicate, at, src.name, c.addr, to, "", payload)
		s.sendDatagram(s.newDatagram(c.addr, to, src, dst, port, payload), at, p)
	}
	return nil
}

// newDatagram takes a datagram from the free list (or allocates one) and
// fills it with a copy of payload.
func (s *Sim) newDatagram(from, to Addr, src, dst *host, port int, payload []byte) *datagram {
	var dg *datagram
	if n := len(s.freeDatagrams); n > 0 {
		dg = s.freeDatagrams[n-1]
		s.freeDatagrams = s.freeDatagrams[:n-1]
	} else {
		dg = new(datagram)
	}
	*dg = datagram{from: from, to: to, src: src, dst: dst, port: port, payload: clone(payload)}
	return dg
}

// freeDatagram returns a delivered or dropped datagram to the free list;
// its payload now belongs to the receiver (or to nobody).
func (s *Sim) freeDatagram(dg *datagram) {
	*dg = datagram{}
	s.freeDatagrams = append(s.freeDatagrams, dg)
}

// sendDatagram schedules the arrival of dg, sent at time at.
func (s *Sim) sendDatagram(dg *datagram, at int64, p *LinkProfile) {
	at += p.latency(s.netRand)
	if chance(s.netRand, p.Reorder) {
		at += between(s.netRand, 1, int64(p.LatencyMax))
	}
	s.schedule(event{at: at, kind: evDatagram, host: dg.dst, dg: dg})
}

// deliverDatagram hands dg to its socket, if the host is up, the path is
// still open and a socket is bound to the port.
func (s *Sim) deliverDatagram(dg *datagram) {
	env := dg.dst.env
	var why string
	var conn *packetConn
	switch {
	case env == nil:
		why = "host down"
	case !s.reachable(dg.src, dg.dst):
		why = "partition"
	default:
		conn = env.packets[dg.port]
		if conn == nil {
			why = "port closed"
		}
	}
	if conn == nil {
		s.trace.record(trDrop, s.now, dg.dst.name, dg.from, dg.to, why, dg.payload)
		s.freeDatagram(dg)
		return
	}
	s.trace.record(trDeliver, s.now, dg.dst.name, dg.from, dg.to, "", dg.payload)
	from, payload := dg.from, dg.payload
	s.freeDatagram(dg)
	conn.handler(from, payload)
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
