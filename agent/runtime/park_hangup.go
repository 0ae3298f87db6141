//go:build unix

package runtime

import (
	"errors"
	"net"
	"syscall"
)

// peerGone reports whether the client of a parked connection has closed
// its end. Nothing reads a parked connection, so net/http's usual way of
// noticing (a pending read ending in EOF) does not apply; instead the
// lot's sweeper peeks at the socket without blocking: an orderly close
// reads as zero bytes, a reset as an error, a live idle client as "would
// block", and a pipelined request as data, which stays in the socket.
func peerGone(conn net.Conn) bool {
	raw, ok := rawConn(conn)
	if !ok {
		return false
	}
	var buf [1]byte
	gone := false
	err := raw.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		gone = n == 0 && err == nil || err != nil && !errors.Is(err, syscall.EAGAIN) && !errors.Is(err, syscall.EINTR)
		return true
	})
	return gone || err != nil
}

// rawConn finds the socket under conn's wrappers (TLS, the connection
// limit, a pipelined request's buffer).
func rawConn(conn net.Conn) (syscall.RawConn, bool) {
	for {
		if sc, ok := conn.(syscall.Conn); ok {
			raw, err := sc.SyscallConn()
			return raw, err == nil
		}
		u, ok := conn.(interface{ NetConn() net.Conn })
		if !ok {
			return nil, false
		}
		conn = u.NetConn()
	}
}
