package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"

	"github.com/cairn-sd/cairn/raft"
)

// A segment file starts with a fixed header:
//
//	offset  size  field
//	0       8     magic "CAIRNLOG"
//	8       2     format version, little-endian uint16 (segmentVersion)
//	10      2     reserved, zero
//	12      8     index of the segment's first entry
//	20      4     CRC32C over bytes 0..19
//
// and continues with records (see record.go) whose indexes are the header's
// first index, then first+1, and so on without gaps.
const (
	segmentMagic       = "CAIRNLOG"
	segmentVersion     = 1
	segmentHeaderBytes = 24
	segmentSuffix      = ".seg"
)

// ErrCorrupt reports damage to data that was durable: a bad record followed
// by good ones, a bad record in a segment that is not the last, a bad file
// header, a gap or overlap between indexes, or a snapshot whose checksum
// fails. Recovery stops rather than guess; errors wrapping it name the file
// and offset.
var ErrCorrupt = errors.New("wal: corrupt")

// segmentName is the file name of the segment whose first entry is first:
// the index as 20 decimal digits, so that names sort like indexes.
func segmentName(first uint64) string {
	return fmt.Sprintf("%020d%s", first, segmentSuffix)
}

// parseSegmentName returns the first index encoded in a segment file name.
func parseSegmentName(name string) (uint64, bool) {
	digits, ok := strings.CutSuffix(name, segmentSuffix)
	if !ok || len(digits) != 20 {
		return 0, false
	}
	first, err := strconv.ParseUint(digits, 10, 64)
	return first, err == nil
}

// appendSegmentHeader appends the header of a segment starting at first.
func appendSegmentHeader(buf []byte, first uint64) []byte {
	start := len(buf)
	buf = append(buf, segmentMagic...)
	buf = binary.LittleEndian.AppendUint16(buf, segmentVersion)
	buf = binary.LittleEndian.AppendUint16(buf, 0)
	buf = binary.LittleEndian.AppendUint64(buf, first)
	return binary.LittleEndian.AppendUint32(buf, crc32.Checksum(buf[start:], castagnoli))
}

// decodeSegmentHeader checks a segment header and returns its first index.
func decodeSegmentHeader(b []byte) (uint64, error) {
	if len(b) < segmentHeaderBytes {
		return 0, fmt.Errorf("header is %d bytes, want %d", len(b), segmentHeaderBytes)
	}
	if string(b[0:8]) != segmentMagic {
		return 0, fmt.Errorf("bad magic %q", b[0:8])
	}
	if got, want := crc32.Checksum(b[0:20], castagnoli), binary.LittleEndian.Uint32(b[20:24]); got != want {
		return 0, fmt.Errorf("header crc %08x, stored %08x", got, want)
	}
	if v := binary.LittleEndian.Uint16(b[8:10]); v != segmentVersion {
		return 0, fmt.Errorf("unsupported segment format version %d (this build reads %d)", v, segmentVersion)
	}
	return binary.LittleEndian.Uint64(b[12:20]), nil
}

// segmentScan is what a scan of one segment's bytes found.
type segmentScan struct {
	first   uint64       // from the header
	entries []raft.Entry // good records, in order, indexes first, first+1, ...
	offsets []int64      // file offset of each good record
	end     int64        // offset just past the last good record
	// bad is nil when the good records run exactly to the end of the bytes;
	// otherwise it says why the frame at end failed to decode.
	bad error
	// later reports that a valid record was found somewhere after end, so
	// the damage is not a torn tail.
	later bool
}

// scanSegment decodes a whole segment file. It fails only on a bad header;
// damage among the records is described in the result for the caller to
// judge, since only the caller knows whether this is the last segment.
// It never returns a record whose CRC failed.
func scanSegment(b []byte) (segmentScan, error) {
	first, err := decodeSegmentHeader(b)
	if err != nil {
		return segmentScan{}, err
	}
	s := segmentScan{first: first, end: segmentHeaderBytes}
	for s.end < int64(len(b)) {
		e, n, err := decodeRecord(b[s.end:])
		if err == nil && e.Index != first+uint64(len(s.entries)) {
			err = fmt.Errorf("%w: index %d where %d was due", errBadRecord, e.Index, first+uint64(len(s.entries)))
		}
		if err != nil {
			s.bad = err
			s.later = validRecordAfter(b, s.end+1, first+uint64(len(s.entries)))
			return s, nil
		}
		s.entries = append(s.entries, e)
		s.offsets = append(s.offsets, s.end)
		s.end += int64(n)
	}
	return s, nil
}

// validRecordAfter reports whether a record with a valid CRC and an index
// of at least minIndex starts at any offset from `from` on. A crash tears
// only the last write, so nothing valid can follow a torn record; a valid
// record after a bad one means durable data was damaged. A false match
// needs a plausible length, a 32-bit CRC and the index to agree by chance.
func validRecordAfter(b []byte, from int64, minIndex uint64) bool {
	for off := from; off+recordHeaderBytes+entryBodyBytes <= int64(len(b)); off++ {
		if e, _, err := decodeRecord(b[off:]); err == nil && e.Index >= minIndex {
			return true
		}
	}
	return false
}
