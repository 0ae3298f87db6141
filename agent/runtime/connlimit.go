package runtime

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// tooManyConnsBody is Consul's answer to a client over
// limits.http_max_conns_per_client.
const tooManyConnsBody = "Your IP is issuing too many concurrent connections, please rate limit your calls\n"

// connLimiter caps the open HTTP connections per client IP. A connection
// over the cap is answered with a bare 429 response and closed, before any
// request on it is read.
type connLimiter struct {
	max  int
	mu   sync.Mutex
	open map[string]int
}

func newConnLimiter(maxPerClient int) *connLimiter {
	return &connLimiter{max: maxPerClient, open: make(map[string]int)}
}

// wrap returns a listener whose connections count against the limit.
func (l *connLimiter) wrap(ln net.Listener) net.Listener { return &limitedListener{Listener: ln, l: l} }

// acquire counts a new connection from ip and reports whether it is within
// the limit. A limit of 0 or less means no limit.
func (l *connLimiter) acquire(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.max > 0 && l.open[ip] >= l.max {
		return false
	}
	l.open[ip]++
	return true
}

func (l *connLimiter) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip]--; l.open[ip] <= 0 {
		delete(l.open, ip)
	}
}

type limitedListener struct {
	net.Listener
	l *connLimiter
}

// Accept returns the next connection within the limit, refusing the others.
func (ll *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := ll.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := clientIP(c.RemoteAddr())
		if ll.l.acquire(ip) {
			return &limitedConn{Conn: c, release: func() { ll.l.release(ip) }}, nil
		}
		go refuse(c)
	}
}

// refuse reads the first request of a connection over the limit, answers
// it with 429 and closes the connection. (Answering before the request
// arrives would confuse clients, which take it for a stray response.)
func refuse(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return
	}
	req.Body.Close()
	fmt.Fprintf(c, "HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain; charset=utf-8\r\n"+
		"Content-Length: %d\r\nConnection: close\r\n\r\n%s", len(tooManyConnsBody), tooManyConnsBody)
}

func clientIP(addr net.Addr) string {
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	return host
}

// limitedConn releases its slot once, when closed.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

// NetConn returns the connection underneath, for a parked query's check
// that its client is still there (park_hangup.go).
func (c *limitedConn) NetConn() net.Conn { return c.Conn }
