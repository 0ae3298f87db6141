package catalog

import (
	"encoding/base64"
	"strconv"
	"unicode/utf8"
)

// Every server decodes every command it applies, and KV writes are most of
// the log, so their decoding is worth a fast path. decodeKV reads the KV
// writes in exactly the form Encode writes them (the fields in order, no
// spaces, strings without escapes) with a few byte comparisons instead of
// encoding/json's reflection. It accepts only bytes that the general path
// decodes to the same command, and reports false for anything else, which
// Decode then hands to the general path to decode or refuse; so a refusal
// always comes from the general path, and FuzzDecodeKVMatchesGeneralPath
// checks that both paths agree.

// decodeKV decodes body, the JSON of a command with op, if op is a KV set,
// check-and-set or delete in the form Encode writes. It reports whether it
// did.
func decodeKV(op opCode, body []byte) (Command, bool) {
	p := kvParser{rest: body, ok: true}
	var cmd Command
	switch op {
	case opKVSet:
		r := &KVSetRequest{}
		r.Key, r.Value, r.Flags = p.write()
		cmd = r
	case opKVCAS:
		r := &KVCASRequest{}
		r.Key, r.Value, r.Flags = p.write()
		p.literal(`,"Index":`)
		r.Index = p.uint()
		cmd = r
	case opKVDelete:
		r := &KVDeleteRequest{}
		p.literal(`{"Key":`)
		r.Key = p.str()
		cmd = r
	default:
		return nil, false
	}
	p.literal(`}`)
	return cmd, p.ok && len(p.rest) == 0
}

// kvParser reads JSON in the narrow form decodeKV accepts. The first thing
// it cannot read clears ok, and every later read then returns a zero value,
// so a decoder reads all its fields and checks ok once at the end.
type kvParser struct {
	rest []byte
	ok   bool
}

// write consumes the fields a KV set and a check-and-set begin with, from
// the opening brace on.
func (p *kvParser) write() (key string, value []byte, flags uint64) {
	p.literal(`{"Key":`)
	key = p.str()
	p.literal(`,"Value":`)
	value = p.base64()
	p.literal(`,"Flags":`)
	return key, value, p.uint()
}

// literal consumes s, which must come next.
func (p *kvParser) literal(s string) {
	if !p.ok || len(p.rest) < len(s) || string(p.rest[:len(s)]) != s {
		p.ok = false
		return
	}
	p.rest = p.rest[len(s):]
}

// raw consumes a JSON string without escapes or control characters, in
// valid UTF-8, and returns its content (aliasing the input).
func (p *kvParser) raw() []byte {
	if !p.ok || len(p.rest) == 0 || p.rest[0] != '"' {
		p.ok = false
		return nil
	}
	ascii := true
	for i := 1; i < len(p.rest); i++ {
		c := p.rest[i]
		switch {
		case c == '"':
			s := p.rest[1:i]
			if !ascii && !utf8.Valid(s) {
				p.ok = false
				return nil
			}
			p.rest = p.rest[i+1:]
			return s
		case c == '\\' || c < 0x20:
			p.ok = false
			return nil
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	p.ok = false
	return nil
}

// str consumes a string.
func (p *kvParser) str() string {
	return string(p.raw())
}

// base64 consumes a []byte field: null for nil, or a string in standard
// base64 with padding, as encoding/json writes and reads []byte.
func (p *kvParser) base64() []byte {
	if p.ok && len(p.rest) >= 4 && string(p.rest[:4]) == "null" {
		p.rest = p.rest[4:]
		return nil
	}
	s := p.raw()
	if !p.ok {
		return nil
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(out, s)
	if err != nil {
		p.ok = false
		return nil
	}
	return out[:n]
}

// uint consumes an unsigned integer without a sign, leading zeros,
// fraction or exponent.
func (p *kvParser) uint() uint64 {
	if !p.ok {
		return 0
	}
	n := 0
	for n < len(p.rest) && '0' <= p.rest[n] && p.rest[n] <= '9' {
		n++
	}
	if n == 0 || (n > 1 && p.rest[0] == '0') {
		p.ok = false
		return 0
	}
	v, err := strconv.ParseUint(string(p.rest[:n]), 10, 64)
	if err != nil {
		p.ok = false
		return 0
	}
	p.rest = p.rest[n:]
	return v
}
