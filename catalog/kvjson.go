package catalog

import (
	"encoding/base64"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends p as encoding/json writes it, byte for byte, which
// is also Consul's KVPair object: the value in standard base64 (null when
// nil), Session left out when empty; a nil p is null. It is built without
// reflection because KV pairs are what the API reads most and what a
// snapshot writes most.
func (p *KVPair) AppendJSON(b []byte) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"Key":`...)
	b = appendJSONString(b, p.Key)
	b = append(b, `,"CreateIndex":`...)
	b = strconv.AppendUint(b, p.CreateIndex, 10)
	b = append(b, `,"ModifyIndex":`...)
	b = strconv.AppendUint(b, p.ModifyIndex, 10)
	b = append(b, `,"LockIndex":`...)
	b = strconv.AppendUint(b, p.LockIndex, 10)
	b = append(b, `,"Flags":`...)
	b = strconv.AppendUint(b, p.Flags, 10)
	b = append(b, `,"Value":`...)
	if p.Value == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, p.Value)
		b = append(b, '"')
	}
	if p.Session != "" {
		b = append(b, `,"Session":`...)
		b = appendJSONString(b, p.Session)
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string under encoding/json's
// rules: quote, backslash and control bytes escaped (\b \f \n \r \t by
// name, the rest as \u00XX), <, > and & escaped for HTML, each byte of
// invalid UTF-8 replaced by \ufffd, and U+2028 and U+2029 escaped for
// JSONP. Everything else is copied as is.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	done := 0 // s[:done] is in b
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= ' ' && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[done:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			done = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[done:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[done:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		done = i
	}
	b = append(b, s[done:]...)
	return append(b, '"')
}
