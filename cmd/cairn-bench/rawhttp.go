package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"time"
)

// rawConn is one keep-alive HTTP/1.1 connection driven by one load
// worker without net/http's client. A request is written with one call
// and its answer read through one buffered reader on the worker's own
// goroutine, as wrk does. net/http's transport runs two goroutines per
// connection and hands every request and answer between them; on a
// 2-core machine shared with the servers under test, that cost is taken
// from the servers and shows up in their figures. A rawConn is not safe
// for concurrent use.
type rawConn struct {
	addr    string
	timeout time.Duration
	conn    net.Conn
	br      *bufio.Reader
	req     []byte
	body    []byte
}

func newRawConn(addr string, timeout time.Duration) *rawConn {
	return &rawConn{addr: addr, timeout: timeout}
}

// do sends one request and returns the answer's status and body (valid
// until the next call). ctx bounds the dial only: a request under way is
// given its answer, or the connection's timeout, so that the end of a
// timed run does not count as a failure. On any error the connection is
// closed, and the next call dials a new one.
func (c *rawConn) do(ctx context.Context, method, path string, body []byte) (int, []byte, error) {
	status, got, err := c.roundTrip(ctx, method, path, body)
	if err != nil {
		c.Close()
		return 0, nil, fmt.Errorf("%s %s%s: %w", method, c.addr, path, err)
	}
	return status, got, nil
}

func (c *rawConn) roundTrip(ctx context.Context, method, path string, body []byte) (int, []byte, error) {
	if c.conn == nil {
		d := net.Dialer{Timeout: 5 * time.Second}
		conn, err := d.DialContext(ctx, "tcp", c.addr)
		if err != nil {
			return 0, nil, err
		}
		c.conn, c.br = conn, bufio.NewReaderSize(conn, 16<<10)
	}
	if err := c.conn.SetDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, nil, err
	}
	c.req = appendRequest(c.req[:0], method, c.addr, path, body)
	if _, err := c.conn.Write(c.req); err != nil {
		return 0, nil, err
	}
	return c.readResponse(method)
}

// appendRequest appends an HTTP/1.1 request with a Content-Length body
// (none for an empty body) to b.
func appendRequest(b []byte, method, host, path string, body []byte) []byte {
	b = append(append(append(append(b, method...), ' '), path...), " HTTP/1.1\r\nHost: "...)
	b = append(append(b, host...), "\r\n"...)
	if len(body) > 0 || method == "PUT" || method == "POST" {
		b = append(strconv.AppendInt(append(b, "Content-Length: "...), int64(len(body)), 10), "\r\n"...)
	}
	return append(append(b, "\r\n"...), body...)
}

var errBadResponse = errors.New("malformed HTTP response")

// maxBody bounds an answer's body: the load runs ask for small ones.
const maxBody = 64 << 20

// readResponse reads one answer: the status line, the headers it needs
// (Content-Length, chunked Transfer-Encoding, Connection: close) and the
// body. An answer to HEAD has no body.
func (c *rawConn) readResponse(method string) (int, []byte, error) {
	line, err := c.line()
	if err != nil {
		return 0, nil, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, nil, fmt.Errorf("%w: status line %q", errBadResponse, line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, fmt.Errorf("%w: status line %q", errBadResponse, line)
	}
	h, err := c.headers()
	if err != nil {
		return 0, nil, err
	}
	switch {
	case method == "HEAD" || status == 204 || status == 304:
		c.body = c.body[:0]
	case h.chunked:
		err = c.readChunked()
	case h.length >= 0:
		err = c.readN(h.length)
	default:
		return 0, nil, fmt.Errorf("%w: no length and no chunked encoding", errBadResponse)
	}
	if err != nil {
		return 0, nil, err
	}
	if h.close {
		c.Close()
	}
	return status, c.body, nil
}

// header holds what readResponse needs from an answer's header block.
type header struct {
	length  int
	chunked bool
	close   bool
}

func (c *rawConn) headers() (header, error) {
	h := header{length: -1}
	for {
		line, err := c.line()
		if err != nil {
			return h, err
		}
		if len(line) == 0 {
			return h, nil
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return h, fmt.Errorf("%w: header line %q", errBadResponse, line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, err := strconv.Atoi(string(value))
			if err != nil || n < 0 || n > maxBody {
				return h, fmt.Errorf("%w: Content-Length %q", errBadResponse, value)
			}
			h.length = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			h.chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			h.close = bytes.EqualFold(value, []byte("close"))
		}
	}
}

// line reads one CRLF-terminated line without its terminator.
func (c *rawConn) line() ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(line[:len(line)-1], []byte("\r")), nil
}

func (c *rawConn) readN(n int) error {
	c.body = slices.Grow(c.body[:0], n)[:n]
	_, err := io.ReadFull(c.br, c.body)
	return err
}

// readChunked reads a chunked body (RFC 9112 section 7.1), ignoring
// chunk extensions and trailers.
func (c *rawConn) readChunked() error {
	c.body = c.body[:0]
	for {
		line, err := c.line()
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseUint(string(bytes.TrimSpace(size)), 16, 31)
		if err != nil || len(c.body)+int(n) > maxBody {
			return fmt.Errorf("%w: chunk size %q", errBadResponse, line)
		}
		if n == 0 {
			for {
				if line, err = c.line(); err != nil || len(line) == 0 {
					return err
				}
			}
		}
		start := len(c.body)
		c.body = slices.Grow(c.body, int(n))[:start+int(n)]
		if _, err := io.ReadFull(c.br, c.body[start:]); err != nil {
			return err
		}
		if line, err = c.line(); err != nil {
			return err
		}
		if len(line) != 0 {
			return fmt.Errorf("%w: chunk not followed by CRLF", errBadResponse)
		}
	}
}

// call makes one request and checks for a 200 answer (and, if want is
// set, that exact body).
func (c *rawConn) call(ctx context.Context, method, path string, body []byte, want string) error {
	status, got, err := c.do(ctx, method, path, body)
	if err != nil {
		return err
	}
	return checkAnswer(method, c.addr+path, status, got, want)
}

// Close closes the connection, if one is open.
func (c *rawConn) Close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn, c.br = nil, nil
	}
}
