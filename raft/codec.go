package raft

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// Wire format versions. A decoder accepts exactly the versions it knows.
const (
	// MessageVersion is the first byte of every encoded Message.
	MessageVersion = 1
	// ConfigurationVersion is the first byte of every encoded
	// Configuration (the Data of an EntryConfig entry).
	ConfigurationVersion = 1
)

// Flag bits of an encoded Message.
const (
	flagReject   = 1 << 0
	flagTransfer = 1 << 1
	flagSnapshot = 1 << 2
	flagsKnown   = flagReject | flagTransfer | flagSnapshot
)

// MarshalBinary encodes m: a version byte, the type, the fixed fields as
// uvarints, a flag byte, the context, the entries and an optional snapshot
// description.
func (m *Message) MarshalBinary() ([]byte, error) {
	return m.AppendBinary(nil)
}

// AppendBinary appends m's encoding (MarshalBinary) to b, growing it once,
// so that a transport can put its own header first without a copy.
func (m *Message) AppendBinary(b []byte) ([]byte, error) {
	b = slices.Grow(b, 64+messagePayloadBytes(m))
	b = append(b, MessageVersion, byte(m.Type))
	b = appendString(b, string(m.From))
	b = appendString(b, string(m.To))
	for _, v := range []uint64{m.Term, m.LogTerm, m.Index, m.Commit, m.RejectHint} {
		b = binary.AppendUvarint(b, v)
	}
	var flags byte
	if m.Reject {
		flags |= flagReject
	}
	if m.Transfer {
		flags |= flagTransfer
	}
	if m.Snapshot != nil {
		flags |= flagSnapshot
	}
	b = append(b, flags)
	b = appendBytes(b, m.Context)
	b = binary.AppendUvarint(b, uint64(len(m.Entries)))
	for _, e := range m.Entries {
		b = binary.AppendUvarint(b, e.Index)
		b = binary.AppendUvarint(b, e.Term)
		b = append(b, byte(e.Type))
		b = appendBytes(b, e.Data)
	}
	if m.Snapshot != nil {
		b = binary.AppendUvarint(b, m.Snapshot.Index)
		b = binary.AppendUvarint(b, m.Snapshot.Term)
		b = appendBytes(b, EncodeConfiguration(m.Snapshot.Config))
	}
	return b, nil
}

// messagePayloadBytes estimates the variable part of m's encoding.
func messagePayloadBytes(m *Message) int {
	n := len(m.Context)
	for _, e := range m.Entries {
		n += len(e.Data) + 24
	}
	return n
}

// UnmarshalBinary decodes what MarshalBinary wrote. It rejects unknown
// versions, types and flags, truncated input and trailing bytes with an error
// wrapping ErrInvalidMessage; it never panics. The decoded message does not
// alias data.
func (m *Message) UnmarshalBinary(data []byte) error {
	d := decoder{b: data}
	if v := d.byte(); v != MessageVersion && d.err == nil {
		return fmt.Errorf("%w: version %d", ErrInvalidMessage, v)
	}
	var out Message
	out.Type = MessageType(d.byte())
	out.From = ServerID(d.string())
	out.To = ServerID(d.string())
	out.Term, out.LogTerm, out.Index = d.uvarint(), d.uvarint(), d.uvarint()
	out.Commit, out.RejectHint = d.uvarint(), d.uvarint()
	flags := d.byte()
	out.Reject, out.Transfer = flags&flagReject != 0, flags&flagTransfer != 0
	out.Context = d.bytes()
	out.Entries = d.entries()
	if flags&flagSnapshot != 0 {
		meta := SnapshotMeta{Index: d.uvarint(), Term: d.uvarint()}
		raw := d.bytes()
		if d.err == nil {
			conf, err := DecodeConfiguration(raw)
			if err != nil {
				return fmt.Errorf("%w: snapshot configuration: %w", ErrInvalidMessage, err)
			}
			meta.Config = conf
		}
		out.Snapshot = &meta
	}
	switch {
	case d.err != nil:
		return d.err
	case len(d.b) != 0:
		return fmt.Errorf("%w: %d trailing bytes", ErrInvalidMessage, len(d.b))
	case !out.Type.valid():
		return fmt.Errorf("%w: unknown type %d", ErrInvalidMessage, out.Type)
	case flags&^flagsKnown != 0:
		return fmt.Errorf("%w: unknown flags %#x", ErrInvalidMessage, flags)
	}
	*m = out
	return nil
}

// EncodeConfiguration encodes c as a version byte, the server count, and for
// each server its ID, address and suffrage. Servers are written in the order
// given, which callers keep sorted by ID.
func EncodeConfiguration(c Configuration) []byte {
	b := []byte{ConfigurationVersion}
	b = binary.AppendUvarint(b, uint64(len(c.Servers)))
	for _, s := range c.Servers {
		b = appendString(b, string(s.ID))
		b = appendString(b, s.Address)
		b = append(b, byte(s.Suffrage))
	}
	return b
}

// DecodeConfiguration decodes what EncodeConfiguration wrote. It requires
// non-empty IDs in strictly increasing order and known suffrages, and returns
// an error wrapping ErrInvalidConfiguration otherwise; it never panics.
func DecodeConfiguration(data []byte) (Configuration, error) {
	d := decoder{b: data, invalid: ErrInvalidConfiguration}
	if v := d.byte(); v != ConfigurationVersion && d.err == nil {
		return Configuration{}, fmt.Errorf("%w: version %d", ErrInvalidConfiguration, v)
	}
	n := d.count(3)
	var c Configuration
	for i := uint64(0); i < n && d.err == nil; i++ {
		s := Server{ID: ServerID(d.string()), Address: d.string(), Suffrage: Suffrage(d.byte())}
		if d.err != nil {
			break
		}
		if s.ID == "" || s.Suffrage > Learner || (i > 0 && s.ID <= c.Servers[i-1].ID) {
			return Configuration{}, fmt.Errorf("%w: server %d (%q) out of order or malformed",
				ErrInvalidConfiguration, i, s.ID)
		}
		c.Servers = append(c.Servers, s)
	}
	if d.err == nil && len(d.b) != 0 {
		return Configuration{}, fmt.Errorf("%w: %d trailing bytes", ErrInvalidConfiguration, len(d.b))
	}
	return c, d.err
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBytes(b, p []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(p)))
	return append(b, p...)
}

// decoder reads from b, remembering the first error; after an error every
// read returns a zero value, so callers check err once at the end.
type decoder struct {
	b       []byte
	err     error
	invalid error // the sentinel errors wrap; ErrInvalidMessage if nil
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		sentinel := d.invalid
		if sentinel == nil {
			sentinel = ErrInvalidMessage
		}
		d.err = fmt.Errorf("%w: truncated or malformed %s", sentinel, what)
		d.b = nil
	}
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.b) < 1 {
		d.fail("byte")
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a length that must fit in the remaining input, given that each
// counted item takes at least minBytes.
func (d *decoder) count(minBytes int) uint64 {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)/minBytes) {
		d.fail("count")
		return 0
	}
	return n
}

func (d *decoder) bytes() []byte {
	n := d.count(1)
	if d.err != nil || n == 0 {
		return nil
	}
	p := make([]byte, n)
	copy(p, d.b)
	d.b = d.b[n:]
	return p
}

func (d *decoder) string() string { return string(d.bytes()) }

func (d *decoder) entries() []Entry {
	n := d.count(4)
	if d.err != nil || n == 0 {
		return nil
	}
	ents := make([]Entry, 0, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		e := Entry{Index: d.uvarint(), Term: d.uvarint(), Type: EntryType(d.byte())}
		e.Data = d.bytes()
		if e.Type > EntryConfig {
			d.fail("entry type")
		}
		ents = append(ents, e)
	}
	return ents
}
