package swim

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Wire format, version 1.
//
// A packet is one byte of wireVersion followed by one or more framed
// messages; a frame is the message type (one byte), the body length (uvarint)
// and the body. Packing several frames into one datagram is SWIM's
// piggybacking: a ping or ack carries gossip about other members for free.
// A stream message (push-pull, fallback probe) uses the same layout with
// exactly one frame. Strings and byte slices are length-prefixed, integers
// are uvarints, floats are big-endian IEEE-754 bits.
const wireVersion = 1

// Limits on decoded input, so that a hostile packet cannot make a member
// allocate without bound.
const (
	// maxFramesPerPacket bounds the frames in one packet.
	maxFramesPerPacket = 255
	// MaxTagsBytes bounds the encoded size of a node's tags, as memberlist's
	// 512-byte metadata limit.
	MaxTagsBytes = 512
)

// ErrBadMessage reports a packet or stream message that could not be decoded.
var ErrBadMessage = errors.New("swim: bad message")

// msgType tags each frame.
type msgType uint8

const (
	msgPing msgType = iota + 1
	msgIndirectPing
	msgAck
	msgNack
	msgSuspect
	msgAlive
	msgDead
	msgUserEvent
	msgPushPull
	msgKeyQuery
	msgKeyAnswer
	msgRefusal
)

// message is one decoded frame; exactly one field is set.
type message struct {
	ping         *ping
	indirectPing *indirectPing
	ack          *ack
	nack         *nack
	suspect      *suspect
	alive        *alive
	dead         *dead
	userEvent    *userEvent
	pushPull     *pushPull
	keyQuery     *keyQuery
	keyAnswer    *keyAnswer
	refusal      *refusal
}

// ping asks Target to answer with an ack carrying Seq. Target names the
// intended receiver so that a node that took over the address of a departed
// one does not answer for it. SourceAddr is where to answer (the sender's
// advertised address), SourceName who asks.
type ping struct {
	Seq        uint32
	Target     string
	SourceName string
	SourceAddr string
}

// indirectPing asks the receiver to ping Target at TargetAddr on behalf of
// the sender (SWIM's ping-req). With Nack set the receiver answers with a
// nack if the target stays silent (Lifeguard §IV-A).
type indirectPing struct {
	Seq        uint32
	Target     string
	TargetAddr string
	SourceName string
	SourceAddr string
	Nack       bool
}

// ack answers a ping. It carries the responder's Vivaldi coordinate when it
// has one.
type ack struct {
	Seq      uint32
	HasCoord bool
	Coord    Coordinate
}

// nack tells an indirect prober's requester that the relay is alive but the
// target did not answer.
type nack struct {
	Seq uint32
}

// suspect says From suspects Node at Incarnation.
type suspect struct {
	Incarnation uint32
	Node        string
	From        string
}

// alive says Node is alive at Addr with Tags at Incarnation.
//
// A decoded alive keeps its tags encoded in rawTags until resolveTags is
// called: most alive messages a member receives are old news, dropped on
// their incarnation alone, and parsing their tags would be wasted work.
type alive struct {
	Incarnation uint32
	Node        string
	Addr        string
	Tags        Tags
	rawTags     []byte
}

// resolveTags parses rawTags into Tags, reporting false if they are
// malformed or too large.
func (a *alive) resolveTags() bool {
	if a.rawTags == nil {
		return tagsSize(a.Tags) <= MaxTagsBytes
	}
	if len(a.rawTags) > MaxTagsBytes {
		return false
	}
	r := wireReader{buf: a.rawTags}
	tags := decodeTags(&r)
	if r.err != nil || len(r.buf) != 0 {
		return false
	}
	a.Tags, a.rawTags = tags, nil
	return true
}

// dead says From declared Node dead at Incarnation; From == Node means Node
// left on purpose.
type dead struct {
	Incarnation uint32
	Node        string
	From        string
}

// userEvent is an application broadcast stamped with a Lamport time.
type userEvent struct {
	LTime   uint64
	Name    string
	Payload []byte
}

// pushPull is one side of a full state exchange.
type pushPull struct {
	Join       bool
	EventLTime uint64
	Nodes      []pushNode
}

// pushNode is one member in a push-pull exchange.
type pushNode struct {
	Name        string
	Addr        string
	Tags        Tags
	Incarnation uint32
	State       State
}

// encodeFrame appends one framed message to w.
func encodeFrame(w *wireWriter, m message) {
	var body wireWriter
	t := m.encodeBody(&body)
	w.byte1(byte(t))
	w.bytes(body.buf)
}

func (m message) encodeBody(w *wireWriter) msgType {
	switch {
	case m.ping != nil:
		p := m.ping
		w.uvarint(uint64(p.Seq))
		w.str(p.Target)
		w.str(p.SourceName)
		w.str(p.SourceAddr)
		return msgPing
	case m.indirectPing != nil:
		p := m.indirectPing
		w.uvarint(uint64(p.Seq))
		w.str(p.Target)
		w.str(p.TargetAddr)
		w.str(p.SourceName)
		w.str(p.SourceAddr)
		w.boolean(p.Nack)
		return msgIndirectPing
	case m.ack != nil:
		w.uvarint(uint64(m.ack.Seq))
		w.boolean(m.ack.HasCoord)
		if m.ack.HasCoord {
			encodeCoordinate(w, m.ack.Coord)
		}
		return msgAck
	case m.nack != nil:
		w.uvarint(uint64(m.nack.Seq))
		return msgNack
	case m.suspect != nil:
		w.uvarint(uint64(m.suspect.Incarnation))
		w.str(m.suspect.Node)
		w.str(m.suspect.From)
		return msgSuspect
	case m.alive != nil:
		a := m.alive
		w.uvarint(uint64(a.Incarnation))
		w.str(a.Node)
		w.str(a.Addr)
		if a.rawTags != nil {
			w.buf = append(w.buf, a.rawTags...)
		} else {
			encodeTags(w, a.Tags)
		}
		return msgAlive
	case m.dead != nil:
		w.uvarint(uint64(m.dead.Incarnation))
		w.str(m.dead.Node)
		w.str(m.dead.From)
		return msgDead
	case m.userEvent != nil:
		w.uvarint(m.userEvent.LTime)
		w.str(m.userEvent.Name)
		w.bytes(m.userEvent.Payload)
		return msgUserEvent
	case m.pushPull != nil:
		encodePushPull(w, m.pushPull)
		return msgPushPull
	case m.keyQuery != nil:
		encodeKeyQuery(w, m.keyQuery)
		return msgKeyQuery
	case m.keyAnswer != nil:
		encodeKeyAnswer(w, m.keyAnswer)
		return msgKeyAnswer
	case m.refusal != nil:
		w.byte1(byte(m.refusal.Reason))
		return msgRefusal
	}
	panic("swim: encode of an empty message")
}

func encodePushPull(w *wireWriter, p *pushPull) {
	w.boolean(p.Join)
	w.uvarint(p.EventLTime)
	w.uvarint(uint64(len(p.Nodes)))
	for _, n := range p.Nodes {
		w.str(n.Name)
		w.str(n.Addr)
		encodeTags(w, n.Tags)
		w.uvarint(uint64(n.Incarnation))
		w.byte1(byte(n.State))
	}
}

func encodeCoordinate(w *wireWriter, c Coordinate) {
	w.uvarint(uint64(len(c.Vec)))
	for _, v := range c.Vec {
		w.float(v)
	}
	w.float(c.Error)
	w.float(c.Adjustment)
	w.float(c.Height)
}

// encodeTags writes tags sorted by key, so that equal tags encode equally.
func encodeTags(w *wireWriter, t Tags) {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	w.uvarint(uint64(len(keys)))
	for _, k := range keys {
		w.str(k)
		w.str(t[k])
	}
}

// encodePacket returns a plaintext packet holding the given frames.
func encodePacket(frames [][]byte) []byte {
	w := wireWriter{buf: []byte{wireVersion}}
	for _, f := range frames {
		w.buf = append(w.buf, f...)
	}
	return w.buf
}

// frameOf encodes one message as a frame.
func frameOf(m message) []byte {
	var w wireWriter
	encodeFrame(&w, m)
	return w.buf
}

// newsFrame encodes one message as a frame held in a string of the frame's
// exact size: a queued broadcast keeps its frame until it retires, in every
// member, and a string has the smaller header.
func newsFrame(m message) string {
	var body wireWriter
	t := m.encodeBody(&body)
	var length [binary.MaxVarintLen64]byte
	k := binary.PutUvarint(length[:], uint64(len(body.buf)))
	var frame strings.Builder
	frame.Grow(1 + k + len(body.buf))
	frame.WriteByte(byte(t))
	frame.Write(length[:k])
	frame.Write(body.buf)
	return frame.String()
}

// decodePacket parses a plaintext packet into its messages.
func decodePacket(b []byte) ([]message, error) {
	if len(b) < 1 || b[0] != wireVersion {
		return nil, fmt.Errorf("%w: unknown wire version", ErrBadMessage)
	}
	r := wireReader{buf: b[1:]}
	var out []message
	for len(r.buf) > 0 && r.err == nil {
		if len(out) == maxFramesPerPacket {
			return nil, fmt.Errorf("%w: too many frames", ErrBadMessage)
		}
		t := msgType(r.byte1())
		body := r.bytes()
		if r.err != nil {
			break
		}
		m, err := decodeBody(t, body)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadMessage, r.err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: empty packet", ErrBadMessage)
	}
	return out, nil
}

func decodeBody(t msgType, body []byte) (message, error) {
	r := wireReader{buf: body}
	var m message
	switch t {
	case msgPing:
		m.ping = &ping{Seq: r.uint32v(), Target: r.str(), SourceName: r.str(), SourceAddr: r.str()}
	case msgIndirectPing:
		m.indirectPing = &indirectPing{Seq: r.uint32v(), Target: r.str(), TargetAddr: r.str(),
			SourceName: r.str(), SourceAddr: r.str(), Nack: r.boolean()}
	case msgAck:
		a := &ack{Seq: r.uint32v(), HasCoord: r.boolean()}
		if a.HasCoord {
			a.Coord = decodeCoordinate(&r)
		}
		m.ack = a
	case msgNack:
		m.nack = &nack{Seq: r.uint32v()}
	case msgSuspect:
		m.suspect = &suspect{Incarnation: r.uint32v(), Node: r.str(), From: r.str()}
	case msgAlive:
		a := &alive{Incarnation: r.uint32v(), Node: r.str(), Addr: r.str()}
		a.rawTags, r.buf = r.buf, nil
		m.alive = a
	case msgDead:
		m.dead = &dead{Incarnation: r.uint32v(), Node: r.str(), From: r.str()}
	case msgUserEvent:
		m.userEvent = &userEvent{LTime: r.uvarint(), Name: r.str(), Payload: r.bytes()}
	case msgPushPull:
		m.pushPull = decodePushPull(&r)
	case msgKeyQuery:
		m.keyQuery = decodeKeyQuery(&r)
	case msgKeyAnswer:
		m.keyAnswer = decodeKeyAnswer(&r)
	case msgRefusal:
		m.refusal = &refusal{Reason: refusalReason(r.byte1())}
		if m.refusal.Reason < refusedWrongKey || m.refusal.Reason > refusedEncrypted {
			r.fail()
		}
	default:
		return message{}, fmt.Errorf("%w: unknown message type %d", ErrBadMessage, t)
	}
	if r.err != nil {
		return message{}, fmt.Errorf("%w: type %d: %w", ErrBadMessage, t, r.err)
	}
	if len(r.buf) != 0 {
		return message{}, fmt.Errorf("%w: type %d: trailing bytes", ErrBadMessage, t)
	}
	return m, nil
}

func decodePushPull(r *wireReader) *pushPull {
	p := &pushPull{Join: r.boolean(), EventLTime: r.uvarint()}
	n := r.count()
	for i := 0; i < n && r.err == nil; i++ {
		pn := pushNode{Name: r.str(), Addr: r.str(), Tags: decodeTags(r), Incarnation: r.uint32v()}
		pn.State = State(r.byte1())
		if pn.State > StateLeft {
			r.fail()
		}
		p.Nodes = append(p.Nodes, pn)
	}
	return p
}

func decodeCoordinate(r *wireReader) Coordinate {
	n := r.count()
	if n != coordDimensions {
		r.fail()
		return Coordinate{}
	}
	c := Coordinate{Vec: make([]float64, n)}
	for i := range c.Vec {
		c.Vec[i] = r.float()
	}
	c.Error, c.Adjustment, c.Height = r.float(), r.float(), r.float()
	return c
}

func decodeTags(r *wireReader) Tags {
	n := r.count()
	if n == 0 {
		return nil
	}
	t := make(Tags, n)
	for i := 0; i < n && r.err == nil; i++ {
		k := r.str()
		t[k] = r.str()
	}
	return t
}

// tagsSize is the encoded size of t, checked against MaxTagsBytes.
func tagsSize(t Tags) int {
	var w wireWriter
	encodeTags(&w, t)
	return len(w.buf)
}

// encodeStream encodes a stream message: the version and one frame.
func encodeStream(m message) []byte {
	return encodePacket([][]byte{frameOf(m)})
}

// decodeStream decodes a stream message holding exactly one frame.
func decodeStream(b []byte) (message, error) {
	msgs, err := decodePacket(b)
	if err != nil {
		return message{}, err
	}
	if len(msgs) != 1 {
		return message{}, fmt.Errorf("%w: stream message with %d frames", ErrBadMessage, len(msgs))
	}
	return msgs[0], nil
}
