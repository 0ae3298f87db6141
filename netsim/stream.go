package netsim

import "fmt"

// Streams model TCP connections as the node sees them: whole messages, in
// order, exactly once, until the stream ends. Each direction of a stream
// is a FIFO of items in flight (the connection request, messages, and a
// graceful close). Every item schedules one delivery event, and each
// delivery event takes the head of its FIFO, so order holds even when a
// busy receiver makes events wait.
//
// When each end hears of the end of its stream:
//   - Close: the closing end gets HandleClose(ErrClosed) at once (as an
//     event at the current time); the peer gets HandleClose(ErrBroken)
//     after every message sent before the Close has arrived.
//   - A crash breaks every stream of the crashed host; a network fault
//     (Partition, Isolate, Cut, CutZones) breaks every stream whose path
//     it cuts in either direction. Messages in flight are dropped at once,
//     and each surviving end gets HandleClose(ErrBroken) one link delay
//     later, drawn separately for each end. A later Heal does not mend a
//     broken stream: the nodes dial again.
//   - A Dial to an unknown host, a host that is down, a port with no
//     listener, or across a partition gets HandleClose(ErrUnreachable): the
//     request travels one link delay to the target, and the refusal one
//     link delay back. A stream broken before it was accepted also ends
//     with ErrUnreachable.
//
// Once a stream has broken or its end has been closed, Send fails with
// ErrClosed.

// itemKind is what travels on a stream direction.
type itemKind uint8

const (
	itemConnect itemKind = iota
	itemMessage
	itemClose
)

type streamItem struct {
	kind itemKind
	msg  []byte
}

// streamDir is one direction of a stream.
type streamDir struct {
	// queue[head:] is in flight; the slice is reused once it drains.
	queue []streamItem
	head  int
	// lastArrival keeps arrivals in send order.
	lastArrival int64
}

// stream is one simulated connection. Side 0 dialed, side 1 accepted.
type stream struct {
	src     *host // dialer
	dst     *host // acceptor; nil if the address named no host
	dstPort int
	ends    [2]*streamEnd
	dirs    [2]streamDir
	broken  bool
}

// streamEnd is one end of a stream, the Stream a node holds.
type streamEnd struct {
	st       *stream
	side     int
	env      *nodeEnv
	h        StreamHandler
	local    Addr
	remote   Addr
	closed   bool // Close was called
	notified bool // HandleClose has been scheduled
}

// listener is a bound stream listener of one boot of a host.
type listener struct {
	env    *nodeEnv
	port   int
	addr   Addr
	accept func(Stream) StreamHandler
	closed bool
}

func (l *listener) Addr() Addr { return l.addr }

func (l *listener) Close() error {
	if l.closed {
		return ErrClosed
	}
	l.closed = true
	if l.env.listeners[l.port] == l {
		delete(l.env.listeners, l.port)
	}
	return nil
}

// Listen binds a stream listener.
func (e *nodeEnv) Listen(port int, accept func(Stream) StreamHandler) (Listener, error) {
	p, err := e.bindPort(port, func(p int) bool { return e.listeners[p] != nil })
	if err != nil {
		return nil, err
	}
	l := &listener{env: e, port: p, addr: joinAddr(e.host.name, p), accept: accept}
	e.listeners[p] = l
	return l, nil
}

// Dial opens a stream to addr; see the comment at the top of this file for
// how a failure is reported.
func (e *nodeEnv) Dial(addr Addr, h StreamHandler) Stream {
	s := e.sim
	st := &stream{src: e.host}
	local := joinAddr(e.host.name, e.nextLocalPort())
	end := &streamEnd{st: st, env: e, h: h, local: local, remote: addr}
	st.ends[0] = end
	name, port, ok := splitAddr(addr)
	st.dst, st.dstPort = s.hosts[name], port
	if !ok || st.dst == nil || e.dead {
		st.dst = nil
		st.broken = true
		delay := s.opts.LAN.latency(s.netRand)
		s.notify(end, ErrUnreachable, 2*delay)
		return end
	}
	s.track(st)
	s.enqueue(st, 0, streamItem{kind: itemConnect})
	return end
}

// nextLocalPort is the port of a dialed stream's local address.
func (e *nodeEnv) nextLocalPort() int {
	p, err := e.bindPort(0, func(int) bool { return false })
	if err != nil {
		return 0
	}
	return p
}

func (end *streamEnd) LocalAddr() Addr  { return end.local }
func (end *streamEnd) RemoteAddr() Addr { return end.remote }

// Send queues a copy of msg toward the peer.
func (end *streamEnd) Send(msg []byte) error {
	if len(msg) > MaxMessageBytes {
		return ErrTooLarge
	}
	if end.closed || end.notified || end.st.broken || end.env.dead {
		return ErrClosed
	}
	end.env.sim.enqueue(end.st, end.side, streamItem{kind: itemMessage, msg: clone(msg)})
	return nil
}

// Close ends the stream gracefully: see the top of this file.
func (end *streamEnd) Close() error {
	if end.closed || end.notified {
		return nil
	}
	end.closed = true
	s := end.env.sim
	if !end.st.broken {
		s.enqueue(end.st, end.side, streamItem{kind: itemClose})
	}
	s.notify(end, ErrClosed, 0)
	return nil
}

// hostOf is the host at side of st.
func (st *stream) hostOf(side int) *host {
	if side == 0 {
		return st.src
	}
	return st.dst
}

// enqueue puts it on the direction from side, to arrive one link delay
// after the sending node's current time and after everything before it.
func (s *Sim) enqueue(st *stream, side int, it streamItem) {
	from, to := st.hostOf(side), st.hostOf(1-side)
	d := &st.dirs[side]
	at := max(from.nodeNow()+s.profile(from, to).latency(s.netRand), d.lastArrival)
	d.lastArrival = at
	d.queue = append(d.queue, it)
	s.schedule(event{at: at, kind: evStream, host: to, st: st, dir: uint8(side)})
}

// deliverStream takes the head item of one direction of st.
func (s *Sim) deliverStream(st *stream, dir uint8) {
	d := &st.dirs[dir]
	if d.head == len(d.queue) {
		return // the stream broke and its queue was dropped
	}
	it := d.queue[d.head]
	d.queue[d.head] = streamItem{}
	d.head++
	if d.head == len(d.queue) {
		d.queue, d.head = d.queue[:0], 0
	}
	recv := st.ends[1-dir]
	switch it.kind {
	case itemConnect:
		s.accept(st)
	case itemMessage:
		if recv.closed || recv.notified {
			s.trace.record(trStreamDrop, s.now, recv.env.host.name, st.ends[dir].local, recv.local, "closed", it.msg)
			return
		}
		s.trace.record(trStreamMsg, s.now, recv.env.host.name, st.ends[dir].local, recv.local, "", it.msg)
		recv.h.HandleMessage(recv, it.msg)
	case itemClose:
		st.broken = true
		s.notify(recv, ErrBroken, 0)
	}
}

// accept completes a connection request, or refuses it.
func (s *Sim) accept(st *stream) {
	env := st.dst.env
	var l *listener
	if env != nil && s.reachable(st.src, st.dst) && s.reachable(st.dst, st.src) {
		l = env.listeners[st.dstPort]
	}
	if l == nil {
		s.breakStream(st)
		return
	}
	dialer := st.ends[0]
	end := &streamEnd{st: st, side: 1, env: env, local: l.addr, remote: dialer.local}
	st.ends[1] = end
	s.trace.record(trStreamOpen, s.now, st.dst.name, dialer.local, l.addr, "", nil)
	end.h = l.accept(end)
	if end.h == nil {
		panic(fmt.Sprintf("netsim: accept on %s returned a nil StreamHandler", l.addr))
	}
}

// notify schedules end's HandleClose(err) after delay, once.
func (s *Sim) notify(end *streamEnd, err error, delay int64) {
	if end.notified || end.env.dead {
		return
	}
	end.notified = true
	h := end.env.host
	s.schedule(event{at: h.nodeNow() + delay, kind: evCall, host: h, fn: func() {
		if end.env.dead {
			return
		}
		s.trace.record(trStreamEnd, s.now, h.name, end.local, end.remote, err.Error(), nil)
		end.h.HandleClose(end, err)
	}})
}

// breakStream cuts st: what is in flight is dropped, and each live end is
// told one link delay later.
func (s *Sim) breakStream(st *stream) {
	if st.broken {
		return
	}
	st.broken = true
	for dir := range st.dirs {
		d := &st.dirs[dir]
		for _, it := range d.queue[d.head:] {
			if it.kind == itemMessage {
				s.trace.record(trStreamDrop, s.now, st.hostOf(dir).name, st.ends[0].local, st.ends[0].remote, "broken", it.msg)
			}
		}
		clear(d.queue)
		d.queue, d.head = d.queue[:0], 0
	}
	reason := ErrBroken
	if st.ends[1] == nil {
		reason = ErrUnreachable
	}
	for side, end := range st.ends {
		if end == nil {
			continue
		}
		delay := s.profile(st.hostOf(side), st.hostOf(1-side)).latency(s.netRand)
		s.notify(end, reason, delay)
	}
}

// breakStreams breaks every live stream for which cut reports true, and
// forgets the streams that have ended.
func (s *Sim) breakStreams(cut func(*stream) bool) {
	live := s.streams[:0]
	for _, st := range s.streams {
		if !st.broken && cut(st) {
			s.breakStream(st)
		}
		if !st.broken {
			live = append(live, st)
		}
	}
	clear(s.streams[len(live):])
	s.streams = live
}

// track adds a new stream to the live list. Ended streams leave the list
// when faults scan it, or here when the list has doubled since it was last
// compacted, so that a long run without faults does not keep them all.
func (s *Sim) track(st *stream) {
	if len(s.streams) >= s.streamsCompactAt {
		s.breakStreams(func(*stream) bool { return false })
		s.streamsCompactAt = max(1024, 2*len(s.streams))
	}
	s.streams = append(s.streams, st)
}
