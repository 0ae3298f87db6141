package swim

import (
	"encoding/binary"
	"errors"
	"math"
)

// errShortBuffer is the sticky error of a wireReader that ran out of input or
// met a length field larger than what remains.
var errShortBuffer = errors.New("swim: truncated or malformed message")

// wireWriter appends the primitive fields of cairn's binary encoding: unsigned
// varints, length-prefixed strings and byte slices, and IEEE-754 float64s.
type wireWriter struct {
	buf []byte
}

func (w *wireWriter) byte1(b byte) { w.buf = append(w.buf, b) }

func (w *wireWriter) uvarint(v uint64) { w.buf = binary.AppendUvarint(w.buf, v) }

func (w *wireWriter) bytes(b []byte) {
	w.uvarint(uint64(len(b)))
	w.buf = append(w.buf, b...)
}

func (w *wireWriter) str(s string) {
	w.uvarint(uint64(len(s)))
	w.buf = append(w.buf, s...)
}

func (w *wireWriter) float(f float64) {
	w.buf = binary.BigEndian.AppendUint64(w.buf, math.Float64bits(f))
}

func (w *wireWriter) boolean(b bool) {
	if b {
		w.byte1(1)
		return
	}
	w.byte1(0)
}

// wireReader consumes what wireWriter wrote. The first failure sticks: every
// later read returns a zero value, and err reports the failure once at the
// end, so decoders read straight through without checking each field and
// never panic on hostile input.
type wireReader struct {
	buf []byte
	err error
}

func (r *wireReader) fail() { r.err = errShortBuffer; r.buf = nil }

func (r *wireReader) byte1() byte {
	if r.err != nil || len(r.buf) < 1 {
		r.fail()
		return 0
	}
	b := r.buf[0]
	r.buf = r.buf[1:]
	return b
}

func (r *wireReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.buf)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.buf = r.buf[n:]
	return v
}

// uint32v reads a varint that must fit in 32 bits.
func (r *wireReader) uint32v() uint32 {
	v := r.uvarint()
	if v > math.MaxUint32 {
		r.fail()
		return 0
	}
	return uint32(v)
}

// count reads a length or element count and checks it against what remains,
// assuming each element takes at least one byte.
func (r *wireReader) count() int {
	v := r.uvarint()
	if r.err == nil && v > uint64(len(r.buf)) {
		r.fail()
		return 0
	}
	return int(v)
}

func (r *wireReader) bytes() []byte {
	n := r.count()
	if r.err != nil {
		return nil
	}
	b := make([]byte, n)
	copy(b, r.buf[:n])
	r.buf = r.buf[n:]
	return b
}

func (r *wireReader) str() string {
	n := r.count()
	if r.err != nil {
		return ""
	}
	s := string(r.buf[:n])
	r.buf = r.buf[n:]
	return s
}

func (r *wireReader) float() float64 {
	if r.err != nil || len(r.buf) < 8 {
		r.fail()
		return 0
	}
	f := math.Float64frombits(binary.BigEndian.Uint64(r.buf))
	r.buf = r.buf[8:]
	return f
}

func (r *wireReader) boolean() bool {
	switch r.byte1() {
	case 0:
		return false
	case 1:
		return true
	}
	r.fail()
	return false
}
