package rpc

import (
	"errors"
	"fmt"
	"time"

	"github.com/cairn-sd/cairn/netsim"
)

// Errors a call ends with besides the remote handler's own.
var (
	// ErrTimeout: no answer before the call's deadline.
	ErrTimeout = errors.New("rpc: call timed out")
	// ErrConnection: the stream to the server broke before the answer. It
	// wraps the stream's reason: with netsim.ErrUnreachable the server was
	// never reached, so the request was not delivered and is safe to send
	// elsewhere.
	ErrConnection = errors.New("rpc: connection to server lost")
)

// RemoteError is an error returned by the remote handler, carried as text.
type RemoteError struct{ Text string }

func (e *RemoteError) Error() string { return e.Text }

// Client makes calls to servers, keeping one stream per address.
type Client struct {
	env    netsim.Env
	conns  map[string]*clientConn
	nextID uint64
}

// NewClient returns a Client on env; it must be used on env's loop.
func NewClient(env netsim.Env) *Client {
	return &Client{env: env, conns: make(map[string]*clientConn)}
}

type clientConn struct {
	stream netsim.Stream
	calls  map[uint64]*call
}

type call struct {
	done  func(resp []byte, err error)
	timer netsim.Timer
}

// Call sends method(body) to the server at addr; done is called exactly
// once, with the response body, a *RemoteError, ErrTimeout or
// ErrConnection.
//
// A request that cannot even be queued on the cached stream (it broke and
// the news has not arrived yet) never left, so it is sent once more on a
// fresh stream.
func (c *Client) Call(addr, method string, body []byte, timeout time.Duration, done func(resp []byte, err error)) {
	c.nextID++
	id := c.nextID
	req := encode(message{kind: kindRequest, id: id, text: method, body: body})
	cc := c.conn(addr)
	if cc.stream.Send(req) != nil {
		c.forget(addr, cc)
		cc = c.conn(addr)
		if err := cc.stream.Send(req); err != nil {
			c.forget(addr, cc)
			done(nil, fmt.Errorf("%w: %s: %w", ErrConnection, addr, err))
			return
		}
	}
	cl := &call{done: done}
	cc.calls[id] = cl
	cl.timer = c.env.AfterFunc(timeout, func() {
		if cc.calls[id] == cl {
			delete(cc.calls, id)
			done(nil, fmt.Errorf("%w: %s to %s after %v", ErrTimeout, method, addr, timeout))
		}
	})
}

// forget drops a stream from the cache so that the next call dials anew.
func (c *Client) forget(addr string, cc *clientConn) {
	if c.conns[addr] == cc {
		delete(c.conns, addr)
	}
}

// conn returns the live stream to addr, dialling a new one if needed.
func (c *Client) conn(addr string) *clientConn {
	if cc := c.conns[addr]; cc != nil {
		return cc
	}
	cc := &clientConn{calls: make(map[uint64]*call)}
	cc.stream = c.env.Net().Dial(addr, &clientStream{c: c, cc: cc, addr: addr})
	cc.stream.Send([]byte{ProtoRPC})
	c.conns[addr] = cc
	return cc
}

// finish ends one call with its outcome, once.
func (c *Client) finish(cc *clientConn, id uint64, resp []byte, err error) {
	cl, ok := cc.calls[id]
	if !ok {
		return
	}
	delete(cc.calls, id)
	cl.timer.Stop()
	cl.done(resp, err)
}

// Close ends every stream; pending calls fail with ErrConnection.
func (c *Client) Close() {
	for _, addr := range sortedKeys(c.conns) {
		c.conns[addr].stream.Close()
	}
}

type clientStream struct {
	c    *Client
	cc   *clientConn
	addr string
}

func (cs *clientStream) HandleMessage(st netsim.Stream, b []byte) {
	m, err := decode(b)
	if err != nil || m.kind != kindResponse {
		st.Close()
		return
	}
	if m.text != "" {
		cs.c.finish(cs.cc, m.id, nil, &RemoteError{Text: m.text})
		return
	}
	cs.c.finish(cs.cc, m.id, m.body, nil)
}

// HandleClose fails the stream's pending calls, in call order, and
// forgets the stream so that the next call dials again.
func (cs *clientStream) HandleClose(_ netsim.Stream, err error) {
	cs.c.forget(cs.addr, cs.cc)
	for _, id := range sortedKeys(cs.cc.calls) {
		cs.c.finish(cs.cc, id, nil, fmt.Errorf("%w: %s: %w", ErrConnection, cs.addr, err))
	}
}
