package netsim

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"time"
)

// traceVersion opens every trace hash, so that a change of the encoding
// changes every hash instead of silently colliding with old ones.
const traceVersion = "netsim-trace-v1"

// traceKind names one kind of trace record. The values are part of the
// canonical encoding: never renumber them.
type traceKind uint8

const (
	trDeliver    traceKind = 1  // a datagram reached its socket
	trDrop       traceKind = 2  // a datagram was lost; note says why
	trDuplicate  traceKind = 3  // the network duplicated a datagram
	trStreamOpen traceKind = 4  // a stream was accepted
	trStreamMsg  traceKind = 5  // a stream message reached its handler
	trStreamDrop traceKind = 6  // a stream message died with its stream
	trStreamEnd  traceKind = 7  // a stream end was told HandleClose
	trTimer      traceKind = 8  // a node timer fired
	trCall       traceKind = 9  // a workload closure ran
	trFault      traceKind = 10 // a fault was applied; note describes it
	trBoot       traceKind = 11 // a host booted
	trCrash      traceKind = 12 // a host crashed
	trDisk       traceKind = 13 // a disk fault took effect; note describes it
	trNode       traceKind = 14 // a record added by node code (Tracer)
)

var traceNames = [...]string{
	trDeliver: "deliver", trDrop: "drop", trDuplicate: "duplicate",
	trStreamOpen: "stream-open", trStreamMsg: "stream-msg", trStreamDrop: "stream-drop",
	trStreamEnd: "stream-end", trTimer: "timer", trCall: "call", trFault: "fault",
	trBoot: "boot", trCrash: "crash", trDisk: "disk", trNode: "node",
}

// traceFlushBytes is how much encoded trace is buffered before it is fed to
// SHA-256; hashing in blocks is much cheaper than one call per record.
const traceFlushBytes = 8 << 10

// tracer encodes every record canonically into a running SHA-256, and
// optionally prints it as a line of text.
type tracer struct {
	h       hash.Hash
	buf     []byte
	w       io.Writer
	records uint64
}

func newTracer(w io.Writer) *tracer {
	t := &tracer{h: sha256.New(), w: w, buf: make([]byte, 0, traceFlushBytes+1024)}
	t.buf = append(t.buf, traceVersion...)
	return t
}

// record adds one record. The encoding is: kind (1 byte), time (8 bytes,
// big-endian nanoseconds), then host, from, to, note and data, each as a
// uvarint length followed by its bytes. Every record has every field, so
// the encoding is unambiguous.
func (t *tracer) record(k traceKind, at int64, host, from, to, note string, data []byte) {
	t.records++
	b := append(t.buf, byte(k))
	b = binary.BigEndian.AppendUint64(b, uint64(at))
	b = appendField(b, host)
	b = appendField(b, from)
	b = appendField(b, to)
	b = appendField(b, note)
	b = binary.AppendUvarint(b, uint64(len(data)))
	b = append(b, data...)
	t.buf = b
	if len(t.buf) >= traceFlushBytes {
		t.flush()
	}
	if t.w != nil {
		t.print(k, at, host, from, to, note, data)
	}
}

func appendField(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func (t *tracer) flush() {
	t.h.Write(t.buf)
	t.buf = t.buf[:0]
}

// sum is the hex SHA-256 of everything recorded so far.
func (t *tracer) sum() string {
	t.flush()
	return hex.EncodeToString(t.h.Sum(nil))
}

func (t *tracer) print(k traceKind, at int64, host, from, to, note string, data []byte) {
	line := fmt.Sprintf("%16s %-11s", time.Duration(at), traceNames[k])
	if host != "" {
		line += " " + host
	}
	if from != "" || to != "" {
		line += " " + from + " -> " + to
	}
	if note != "" {
		line += " " + note
	}
	if len(data) > 0 {
		line += fmt.Sprintf(" (%d bytes)", len(data))
	}
	fmt.Fprintln(t.w, line)
}
