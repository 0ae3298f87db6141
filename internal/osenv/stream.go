package osenv

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/cairn-sd/cairn/netsim"
)

// maxQueuedBytes bounds what Send may queue for a slow peer; past it the
// stream breaks rather than letting memory grow without limit.
const maxQueuedBytes = 256 << 20

// stream is a netsim.Stream over a TCP connection. Messages are framed by a
// 4-byte big-endian length. A reader goroutine posts each message to the
// loop; a writer goroutine drains the send queue.
type stream struct {
	net    *network
	remote string

	// handler and closeSeen are touched only on the loop.
	handler   netsim.StreamHandler
	closeSeen bool

	mu       sync.Mutex
	wake     *sync.Cond
	conn     net.Conn // nil until connected
	local    string
	queue    [][]byte
	queued   int
	finished bool
}

func newStream(n *network, remote string) *stream {
	s := &stream{net: n, remote: remote}
	s.wake = sync.NewCond(&s.mu)
	return s
}

// attach runs on the loop once the connection is up.
func (s *stream) attach(conn net.Conn, h netsim.StreamHandler) {
	s.handler = h
	s.mu.Lock()
	if s.finished {
		s.mu.Unlock()
		conn.Close()
		return
	}
	s.conn = conn
	s.local = conn.LocalAddr().String()
	s.mu.Unlock()
	if !s.net.track(conn) {
		s.finish(netsim.ErrClosed)
		return
	}
	go s.readLoop(conn)
	go s.writeLoop(conn)
}

func (s *stream) LocalAddr() netsim.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.local
}

func (s *stream) RemoteAddr() netsim.Addr { return s.remote }

// Send queues msg for the writer.
func (s *stream) Send(msg []byte) error {
	if len(msg) > netsim.MaxMessageBytes {
		return netsim.ErrTooLarge
	}
	s.mu.Lock()
	if s.finished {
		s.mu.Unlock()
		return netsim.ErrClosed
	}
	if s.queued+len(msg) > maxQueuedBytes {
		s.mu.Unlock()
		s.finish(fmt.Errorf("osenv: send queue to %s full: %w", s.remote, netsim.ErrBroken))
		return netsim.ErrClosed
	}
	s.queue = append(s.queue, msg)
	s.queued += len(msg)
	s.mu.Unlock()
	s.wake.Signal()
	return nil
}

// Close ends the stream; this end's handler sees ErrClosed.
func (s *stream) Close() error {
	s.finish(netsim.ErrClosed)
	return nil
}

// finish ends the stream once, closes the socket and posts HandleClose.
func (s *stream) finish(err error) {
	s.mu.Lock()
	if s.finished {
		s.mu.Unlock()
		return
	}
	s.finished = true
	conn := s.conn
	s.queue = nil
	s.mu.Unlock()
	s.wake.Broadcast()
	if conn != nil {
		s.net.untrack(conn)
		conn.Close()
	}
	s.net.env.loop.post(func() {
		if s.closeSeen || s.handler == nil {
			return
		}
		s.closeSeen = true
		s.handler.HandleClose(s, err)
	})
}

func (s *stream) readLoop(conn net.Conn) {
	r := bufio.NewReaderSize(conn, 64<<10)
	for {
		msg, err := s.readFrame(r)
		if err != nil {
			s.finish(err)
			return
		}
		// Frames that have already arrived whole go to the loop with
		// this one, in one trip: a burst of replies wakes the loop once.
		batch := [][]byte{msg}
		for len(batch) < maxReadBatch && frameBuffered(r) {
			if msg, err = s.readFrame(r); err != nil {
				break
			}
			batch = append(batch, msg)
		}
		s.net.env.loop.post(func() {
			for _, m := range batch {
				if s.closeSeen {
					return
				}
				s.handler.HandleMessage(s, m)
			}
		})
		if err != nil {
			s.finish(err)
			return
		}
	}
}

// maxReadBatch bounds how many received messages one trip to the loop
// hands over.
const maxReadBatch = 256

// readFrame reads one length-prefixed message.
func (s *stream) readFrame(r *bufio.Reader) ([]byte, error) {
	var hdr [frameLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, readErr(err)
	}
	size := binary.BigEndian.Uint32(hdr[:])
	if size > netsim.MaxMessageBytes {
		return nil, fmt.Errorf("osenv: message of %d bytes from %s: %w", size, s.remote, netsim.ErrTooLarge)
	}
	msg := make([]byte, size)
	if _, err := io.ReadFull(r, msg); err != nil {
		return nil, readErr(err)
	}
	return msg, nil
}

// frameBuffered reports whether a whole frame is in r's buffer, so that
// reading it will not block.
func frameBuffered(r *bufio.Reader) bool {
	if r.Buffered() < frameLen {
		return false
	}
	hdr, err := r.Peek(frameLen)
	if err != nil {
		return false
	}
	return uint64(r.Buffered()) >= frameLen+uint64(binary.BigEndian.Uint32(hdr))
}

func readErr(err error) error {
	if errors.Is(err, net.ErrClosed) {
		return netsim.ErrClosed
	}
	return fmt.Errorf("%w: %v", netsim.ErrBroken, err)
}

func (s *stream) writeLoop(conn net.Conn) {
	w := bufio.NewWriterSize(conn, 64<<10)
	var hdr [frameLen]byte
	for {
		s.mu.Lock()
		for len(s.queue) == 0 && !s.finished {
			s.wake.Wait()
		}
		if s.finished {
			s.mu.Unlock()
			return
		}
		batch := s.queue
		s.queue = nil
		s.queued = 0
		s.mu.Unlock()
		for _, msg := range batch {
			putFrameLen(hdr[:], len(msg))
			if _, err := w.Write(hdr[:]); err != nil {
				s.finish(fmt.Errorf("%w: %v", netsim.ErrBroken, err))
				return
			}
			if _, err := w.Write(msg); err != nil {
				s.finish(fmt.Errorf("%w: %v", netsim.ErrBroken, err))
				return
			}
		}
		if err := w.Flush(); err != nil {
			s.finish(fmt.Errorf("%w: %v", netsim.ErrBroken, err))
			return
		}
	}
}
