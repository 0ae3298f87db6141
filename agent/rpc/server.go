package rpc

import (
	"fmt"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/netsim"
)

// Handler serves one method. It must call reply exactly once, at once or
// later (after a Raft commit, say); reply is safe to call after the
// client has gone, and then does nothing.
type Handler func(body []byte, reply func(resp []byte, err error))

// Server dispatches calls to registered handlers.
type Server struct {
	logger   *zap.Logger
	methods  map[string]Handler
	observer Observer // see Observe
}

// NewServer returns a Server with no methods.
func NewServer(logger *zap.Logger) *Server {
	if logger == nil {
		logger = zap.NewNop()
	}
	return &Server{logger: logger, methods: make(map[string]Handler)}
}

// Register makes h serve method; registering a method twice is a
// programming error.
func (s *Server) Register(method string, h Handler) {
	if _, dup := s.methods[method]; dup {
		panic(fmt.Sprintf("rpc: method %q registered twice", method))
	}
	s.methods[method] = h
}

// Accept returns the handler of an RPC stream whose protocol byte has been
// read.
func (s *Server) Accept(netsim.Stream) netsim.StreamHandler { return &serverStream{s: s} }

type serverStream struct {
	s      *Server
	closed bool
}

func (ss *serverStream) HandleMessage(st netsim.Stream, b []byte) {
	m, err := decode(b)
	if err != nil || m.kind != kindRequest {
		ss.s.logger.Warn("closing rpc stream after a bad request", zap.String("remote", st.RemoteAddr()), zap.Error(err))
		st.Close()
		return
	}
	h, ok := ss.s.methods[m.text]
	if !ok {
		st.Send(encode(message{kind: kindResponse, id: m.id, text: fmt.Sprintf("rpc: unknown method %q", m.text)}))
		return
	}
	finish := ss.s.started(m.text)
	replied := false
	h(m.body, func(resp []byte, err error) {
		if replied || ss.closed {
			return
		}
		replied = true
		finish(err)
		out := message{kind: kindResponse, id: m.id, body: resp}
		if err != nil {
			out.text, out.body = err.Error(), nil
			if out.text == "" {
				out.text = "rpc: error without text"
			}
		}
		st.Send(encode(out))
	})
}

func (ss *serverStream) HandleClose(netsim.Stream, error) { ss.closed = true }
