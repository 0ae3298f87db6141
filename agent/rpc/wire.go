package rpc

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Protocol bytes, the first message of every stream to the server port.
const (
	ProtoRaft byte = 1
	ProtoRPC  byte = 2
)

const (
	wireVersion  = 1
	kindRequest  = 1
	kindResponse = 2
	// maxNameBytes bounds a method name or an error text on the wire.
	maxNameBytes = 1 << 16
)

// ErrBadMessage reports an RPC message that cannot be decoded.
var ErrBadMessage = errors.New("rpc: bad message")

// message is one decoded request or response.
type message struct {
	kind byte
	id   uint64
	// text is the method of a request, or the error of a response.
	text string
	body []byte
}

func encode(m message) []byte {
	b := make([]byte, 0, 2+binary.MaxVarintLen64*2+len(m.text)+len(m.body))
	b = append(b, wireVersion, m.kind)
	b = binary.AppendUvarint(b, m.id)
	b = binary.AppendUvarint(b, uint64(len(m.text)))
	b = append(b, m.text...)
	return append(b, m.body...)
}

func decode(b []byte) (message, error) {
	if len(b) < 2 || b[0] != wireVersion {
		return message{}, fmt.Errorf("%w: version %v", ErrBadMessage, b[:min(len(b), 1)])
	}
	m := message{kind: b[1]}
	if m.kind != kindRequest && m.kind != kindResponse {
		return message{}, fmt.Errorf("%w: kind %d", ErrBadMessage, m.kind)
	}
	rest := b[2:]
	id, n := binary.Uvarint(rest)
	if n <= 0 {
		return message{}, fmt.Errorf("%w: call ID", ErrBadMessage)
	}
	rest = rest[n:]
	size, n := binary.Uvarint(rest)
	if n <= 0 || size > maxNameBytes || size > uint64(len(rest)-n) {
		return message{}, fmt.Errorf("%w: text length", ErrBadMessage)
	}
	rest = rest[n:]
	m.id, m.text, m.body = id, string(rest[:size]), rest[size:]
	return m, nil
}
