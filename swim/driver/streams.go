package driver

import (
	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/swim"
)

// outStream is the dialling side of one exchange: it sends the request,
// hands the first reply to the member and closes.
type outStream struct {
	node    *Node
	id      uint64
	done    bool
	timeout netsim.Timer
}

func (n *Node) dial(req swim.StreamRequest) {
	o := &outStream{node: n, id: req.ID}
	s := n.env.Net().Dial(req.To, o)
	if err := s.Send(req.Payload); err != nil {
		o.finish(false, nil)
		s.Close()
		return
	}
	n.streamBytesSent += uint64(len(req.Payload))
	o.timeout = n.env.AfterFunc(n.cfg.StreamTimeout, func() { s.Close() })
}

// HandleMessage takes the reply.
func (o *outStream) HandleMessage(s netsim.Stream, msg []byte) {
	o.finish(true, msg)
	s.Close()
}

// HandleClose reports a stream that ended before its reply.
func (o *outStream) HandleClose(netsim.Stream, error) { o.finish(false, nil) }

func (o *outStream) finish(ok bool, reply []byte) {
	if o.done {
		return
	}
	o.done = true
	if o.timeout != nil {
		o.timeout.Stop()
	}
	n := o.node
	if n.stopped {
		return
	}
	if ok {
		n.member.StreamReply(n.now(), o.id, reply)
	} else {
		n.member.StreamFailed(n.now(), o.id)
	}
	n.pump()
}

// inStream answers requests that arrive on the listener.
type inStream struct{ node *Node }

func (n *Node) accept(netsim.Stream) netsim.StreamHandler { return inStream{node: n} }

// HandleMessage answers one request.
func (h inStream) HandleMessage(s netsim.Stream, msg []byte) {
	n := h.node
	if n.stopped {
		s.Close()
		return
	}
	reply, err := n.member.HandleStream(n.now(), s.RemoteAddr(), msg)
	n.pump()
	if err != nil {
		s.Close()
		return
	}
	if err := s.Send(reply); err != nil {
		s.Close()
		return
	}
	n.streamBytesSent += uint64(len(reply))
}

// StreamBytesSent counts the payload bytes the node sent on streams, as
// requests and replies (push-pulls and fallback pings). Datagram bytes are
// in the member's Stats.
func (n *Node) StreamBytesSent() uint64 { return n.streamBytesSent }

// HandleClose needs no action: the dialler owns the exchange.
func (inStream) HandleClose(netsim.Stream, error) {}
