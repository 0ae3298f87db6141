package runtime

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// rawResponse is the ResponseWriter parked queries answer through: it
// collects the status, headers and body, and bytes renders them as one
// HTTP/1.1 response with the headers net/http would have added (Date,
// Content-Length, a sniffed Content-Type). One rawResponse answers a whole
// batch of identical queries, so each rendering is kept.
type rawResponse struct {
	header   http.Header
	status   int
	body     bytes.Buffer
	rendered [2][]byte // without and with keep-alive
	// relayed is the response encoded as a relayed request's answer
	// (relay.go), kept for the other queries of the batch.
	relayed []byte
}

func newRawResponse() *rawResponse { return &rawResponse{header: make(http.Header)} }

// Header returns the response's headers.
func (w *rawResponse) Header() http.Header { return w.header }

// WriteHeader keeps the first status code.
func (w *rawResponse) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

// Write appends to the body; without an earlier WriteHeader that means 200.
func (w *rawResponse) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

// code is the status answered: 200 if nothing was written.
func (w *rawResponse) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// bytes renders the response, asking the client to close the connection
// unless keepAlive.
func (w *rawResponse) bytes(keepAlive bool) []byte {
	i := 0
	if keepAlive {
		i = 1
	}
	if w.rendered[i] != nil {
		return w.rendered[i]
	}
	h := w.header.Clone()
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	if h.Get("Content-Type") == "" && w.body.Len() > 0 {
		h.Set("Content-Type", http.DetectContentType(w.body.Bytes()))
	}
	h.Set("Content-Length", strconv.Itoa(w.body.Len()))
	if !keepAlive {
		h.Set("Connection", "close")
	}
	var out bytes.Buffer
	out.Grow(w.body.Len() + 512)
	out.WriteString("HTTP/1.1 " + strconv.Itoa(w.code()) + " " + http.StatusText(w.code()) + "\r\n")
	h.Write(&out)
	out.WriteString("\r\n")
	out.Write(w.body.Bytes())
	w.rendered[i] = out.Bytes()
	return w.rendered[i]
}

// bufferedConn is a connection whose first bytes were already read into a
// buffer (a request the client pipelined behind a parked one).
type bufferedConn struct {
	net.Conn
	r io.Reader
}

// withBuffered returns conn reading the n bytes buffered in br first.
func withBuffered(conn net.Conn, br *bufio.Reader, n int) net.Conn {
	head, _ := br.Peek(n)
	return &bufferedConn{Conn: conn, r: io.MultiReader(bytes.NewReader(bytes.Clone(head)), conn)}
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// handbackQueue is how many answered connections may wait for net/http to
// take them back before a worker waits too.
const handbackQueue = 4096

// connQueue is a net.Listener whose Accept hands out the connections
// pushed to it: how a connection taken over by a parked query goes back
// to an http.Server once its answer is written.
type connQueue struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newConnQueue() *connQueue {
	return &connQueue{conns: make(chan net.Conn, handbackQueue), done: make(chan struct{})}
}

// push hands conn to the server, or closes it if the queue is closed.
func (q *connQueue) push(conn net.Conn) {
	select {
	case q.conns <- conn:
	case <-q.done:
		conn.Close()
	}
}

// drain closes the connections pushed but never accepted; call it once
// nothing pushes any more.
func (q *connQueue) drain() {
	for {
		select {
		case c := <-q.conns:
			c.Close()
		default:
			return
		}
	}
}

// Accept returns the next pushed connection.
func (q *connQueue) Accept() (net.Conn, error) {
	select {
	case c := <-q.conns:
		return c, nil
	case <-q.done:
		return nil, net.ErrClosed
	}
}

// Close makes Accept fail from now on.
func (q *connQueue) Close() error {
	q.once.Do(func() { close(q.done) })
	return nil
}

// Addr names no real address: the connections come from other listeners.
func (q *connQueue) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// NetConn returns the connection underneath.
func (c *bufferedConn) NetConn() net.Conn { return c.Conn }
