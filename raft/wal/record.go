package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/cairn-sd/cairn/raft"
)

// castagnoli is the CRC32C table used by every checksum in this package.
// CRC32C (the Castagnoli polynomial) has hardware support on amd64 and arm64
// and detects every burst error of up to 32 bits.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// A record is one length-prefixed, checksummed frame in a segment:
//
//	offset  size  field
//	0       4     body length L, little-endian uint32
//	4       4     CRC32C over bytes 0..3 and the L body bytes
//	8       L     body
//
// The body of an entry record (kind 1) is:
//
//	0       1     kind = 1
//	1       8     entry index
//	9       8     entry term
//	17      1     entry type (raft.EntryType)
//	18      L-18  entry data
const (
	recordHeaderBytes = 8
	entryBodyBytes    = 18
	// MaxEntryDataBytes bounds one entry's data. It matches the largest
	// message the transport carries, so any entry the leader could send
	// fits in a record.
	MaxEntryDataBytes  = 64 << 20
	maxRecordBodyBytes = entryBodyBytes + MaxEntryDataBytes
)

// recordKindEntry marks a record that holds one raft.Entry. It is the only
// kind of format version 1; a reader meeting another kind treats the record
// as corrupt, since its CRC was valid only if a newer writer made it.
const recordKindEntry = 1

// errBadRecord is why a frame failed to decode; the scanner turns it into
// a torn tail or ErrCorrupt depending on where it sits.
var errBadRecord = errors.New("bad record")

// recordBytes is the encoded size of an entry record.
func recordBytes(e raft.Entry) int {
	return recordHeaderBytes + entryBodyBytes + len(e.Data)
}

// appendRecord appends the encoding of e to buf.
func appendRecord(buf []byte, e raft.Entry) []byte {
	start := len(buf)
	bodyLen := entryBodyBytes + len(e.Data)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(bodyLen))
	buf = binary.LittleEndian.AppendUint32(buf, 0) // CRC, filled in below
	buf = append(buf, recordKindEntry)
	buf = binary.LittleEndian.AppendUint64(buf, e.Index)
	buf = binary.LittleEndian.AppendUint64(buf, e.Term)
	buf = append(buf, byte(e.Type))
	buf = append(buf, e.Data...)
	crc := crc32.Update(0, castagnoli, buf[start:start+4])
	crc = crc32.Update(crc, castagnoli, buf[start+recordHeaderBytes:])
	binary.LittleEndian.PutUint32(buf[start+4:], crc)
	return buf
}

// decodeRecord decodes the record at the start of b. It returns the entry
// and the number of bytes the record occupies. The entry's Data aliases b
// and is nil when empty. Every failure (too short, implausible length, CRC
// mismatch, unknown kind) wraps errBadRecord: to the decoder a cut record and
// a corrupt one look alike; they differ only by where they sit in the file.
func decodeRecord(b []byte) (raft.Entry, int, error) {
	if len(b) < recordHeaderBytes {
		return raft.Entry{}, 0, fmt.Errorf("%w: %d bytes left, header needs %d", errBadRecord, len(b), recordHeaderBytes)
	}
	bodyLen := binary.LittleEndian.Uint32(b[0:4])
	if bodyLen < entryBodyBytes || bodyLen > maxRecordBodyBytes {
		return raft.Entry{}, 0, fmt.Errorf("%w: implausible body length %d", errBadRecord, bodyLen)
	}
	n := recordHeaderBytes + int(bodyLen)
	if len(b) < n {
		return raft.Entry{}, 0, fmt.Errorf("%w: %d bytes left, record needs %d", errBadRecord, len(b), n)
	}
	want := binary.LittleEndian.Uint32(b[4:8])
	body := b[recordHeaderBytes:n]
	got := crc32.Update(crc32.Update(0, castagnoli, b[0:4]), castagnoli, body)
	if got != want {
		return raft.Entry{}, 0, fmt.Errorf("%w: crc %08x, stored %08x", errBadRecord, got, want)
	}
	if body[0] != recordKindEntry {
		return raft.Entry{}, 0, fmt.Errorf("%w: unknown record kind %d", errBadRecord, body[0])
	}
	e := raft.Entry{
		Index: binary.LittleEndian.Uint64(body[1:9]),
		Term:  binary.LittleEndian.Uint64(body[9:17]),
		Type:  raft.EntryType(body[17]),
	}
	if len(body) > entryBodyBytes {
		e.Data = body[entryBodyBytes:]
	}
	return e, n, nil
}
