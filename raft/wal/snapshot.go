package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/cairn-sd/cairn/raft"
)

// A snapshot file has three parts: a header, the state machine's data as
// its SnapshotWriter produced it, and a trailer.
//
// Header:
//
//	offset  size  field
//	0       8     magic "CAIRNSNP"
//	8       2     format version, little-endian uint16 (snapshotVersion)
//	10      2     reserved, zero
//	12      4     length M of the encoded meta, little-endian uint32
//	16      M     meta: index u64, term u64, server count u32, then per
//	              server: ID length u16, ID, address length u16, address,
//	              suffrage u8 (all integers little-endian)
//	16+M    4     CRC32C over bytes 0..15+M
//
// Trailer, the file's last 16 bytes:
//
//	0       8     data length D, little-endian uint64
//	8       4     CRC32C over the D data bytes
//	12      4     magic "SNPE"
//
// The data checksum sits in a trailer because a File only appends: the
// data is streamed straight from the state machine, and its length and
// checksum are known only at the end.
const (
	snapshotMagic        = "CAIRNSNP"
	snapshotTrailerMagic = "SNPE"
	snapshotVersion      = 1
	snapshotPrefixBytes  = 16
	snapshotTrailerBytes = 16
	maxSnapshotMetaBytes = 16 << 20
)

// errBadSnapshot wraps every reason a snapshot file fails to decode.
var errBadSnapshot = errors.New("bad snapshot")

// appendSnapshotHeader appends the header for meta to buf.
func appendSnapshotHeader(buf []byte, meta raft.SnapshotMeta) ([]byte, error) {
	start := len(buf)
	buf = append(buf, snapshotMagic...)
	buf = binary.LittleEndian.AppendUint16(buf, snapshotVersion)
	buf = binary.LittleEndian.AppendUint16(buf, 0)
	buf = binary.LittleEndian.AppendUint32(buf, 0) // meta length, set below
	buf = binary.LittleEndian.AppendUint64(buf, meta.Index)
	buf = binary.LittleEndian.AppendUint64(buf, meta.Term)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(meta.Config.Servers)))
	for _, s := range meta.Config.Servers {
		if len(s.ID) > 0xffff || len(s.Address) > 0xffff {
			return nil, fmt.Errorf("wal: server %.40q has an ID or address longer than 65535 bytes", s.ID)
		}
		buf = binary.LittleEndian.AppendUint16(buf, uint16(len(s.ID)))
		buf = append(buf, s.ID...)
		buf = binary.LittleEndian.AppendUint16(buf, uint16(len(s.Address)))
		buf = append(buf, s.Address...)
		buf = append(buf, byte(s.Suffrage))
	}
	metaLen := len(buf) - start - snapshotPrefixBytes
	if metaLen > maxSnapshotMetaBytes {
		return nil, fmt.Errorf("wal: snapshot meta of %d bytes exceeds %d", metaLen, maxSnapshotMetaBytes)
	}
	binary.LittleEndian.PutUint32(buf[start+12:], uint32(metaLen))
	return binary.LittleEndian.AppendUint32(buf, crc32.Checksum(buf[start:], castagnoli)), nil
}

// snapshotHeaderBytes returns the full header length announced by the
// header's first snapshotPrefixBytes bytes.
func snapshotHeaderBytes(prefix []byte) (int, error) {
	if len(prefix) < snapshotPrefixBytes {
		return 0, fmt.Errorf("%w: %d bytes, header needs at least %d", errBadSnapshot, len(prefix), snapshotPrefixBytes)
	}
	if string(prefix[0:8]) != snapshotMagic {
		return 0, fmt.Errorf("%w: bad magic %q", errBadSnapshot, prefix[0:8])
	}
	metaLen := binary.LittleEndian.Uint32(prefix[12:16])
	if metaLen > maxSnapshotMetaBytes {
		return 0, fmt.Errorf("%w: meta length %d exceeds %d", errBadSnapshot, metaLen, maxSnapshotMetaBytes)
	}
	return snapshotPrefixBytes + int(metaLen) + 4, nil
}

// decodeSnapshotHeader decodes a whole header (snapshotHeaderBytes long).
func decodeSnapshotHeader(b []byte) (raft.SnapshotMeta, error) {
	n, err := snapshotHeaderBytes(b)
	if err != nil {
		return raft.SnapshotMeta{}, err
	}
	if len(b) != n {
		return raft.SnapshotMeta{}, fmt.Errorf("%w: header is %d bytes, its meta length wants %d", errBadSnapshot, len(b), n)
	}
	if got, want := crc32.Checksum(b[:n-4], castagnoli), binary.LittleEndian.Uint32(b[n-4:]); got != want {
		return raft.SnapshotMeta{}, fmt.Errorf("%w: header crc %08x, stored %08x", errBadSnapshot, got, want)
	}
	if v := binary.LittleEndian.Uint16(b[8:10]); v != snapshotVersion {
		return raft.SnapshotMeta{}, fmt.Errorf("%w: unsupported snapshot format version %d (this build reads %d)", errBadSnapshot, v, snapshotVersion)
	}
	return decodeSnapshotMeta(b[snapshotPrefixBytes : n-4])
}

// decodeSnapshotMeta decodes the meta part of a header.
func decodeSnapshotMeta(b []byte) (raft.SnapshotMeta, error) {
	r := metaReader{b: b}
	meta := raft.SnapshotMeta{Index: r.u64(), Term: r.u64()}
	count := r.u32()
	// Each server takes at least 5 bytes, which bounds count by the input.
	if uint64(count)*5 > uint64(len(r.b)) {
		return raft.SnapshotMeta{}, fmt.Errorf("%w: %d servers cannot fit in %d bytes", errBadSnapshot, count, len(r.b))
	}
	for range count {
		id := raft.ServerID(r.bytes(int(r.u16())))
		addr := string(r.bytes(int(r.u16())))
		suffrage := raft.Suffrage(r.u8())
		meta.Config.Servers = append(meta.Config.Servers, raft.Server{ID: id, Address: addr, Suffrage: suffrage})
	}
	if r.short {
		return raft.SnapshotMeta{}, fmt.Errorf("%w: meta is cut short", errBadSnapshot)
	}
	if len(r.b) != 0 {
		return raft.SnapshotMeta{}, fmt.Errorf("%w: %d unexpected bytes after the meta", errBadSnapshot, len(r.b))
	}
	return meta, nil
}

// metaReader consumes little-endian fields, remembering if it ran short.
type metaReader struct {
	b     []byte
	short bool
}

func (r *metaReader) bytes(n int) []byte {
	if n > len(r.b) {
		r.short, r.b = true, nil
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *metaReader) u8() uint8 {
	if b := r.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *metaReader) u16() uint16 {
	if b := r.bytes(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (r *metaReader) u32() uint32 {
	if b := r.bytes(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *metaReader) u64() uint64 {
	if b := r.bytes(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

// appendSnapshotTrailer appends the trailer for dataLen bytes with crc.
func appendSnapshotTrailer(buf []byte, dataLen uint64, crc uint32) []byte {
	buf = binary.LittleEndian.AppendUint64(buf, dataLen)
	buf = binary.LittleEndian.AppendUint32(buf, crc)
	return append(buf, snapshotTrailerMagic...)
}

// snapshotLayout locates the parts of a verified snapshot file.
type snapshotLayout struct {
	meta    raft.SnapshotMeta
	dataOff int64
	dataLen int64
}

// verifySnapshot decodes the header and trailer of the size-byte snapshot
// in r and checks the data's checksum by streaming through it once.
func verifySnapshot(r io.ReaderAt, size int64) (snapshotLayout, error) {
	prefix := make([]byte, snapshotPrefixBytes)
	if err := readAt(r, prefix, 0); err != nil {
		return snapshotLayout{}, fmt.Errorf("%w: read header: %v", errBadSnapshot, err)
	}
	n, err := snapshotHeaderBytes(prefix)
	if err != nil {
		return snapshotLayout{}, err
	}
	if int64(n)+snapshotTrailerBytes > size {
		return snapshotLayout{}, fmt.Errorf("%w: %d bytes cannot hold a %d-byte header and the trailer", errBadSnapshot, size, n)
	}
	header := make([]byte, n)
	if err := readAt(r, header, 0); err != nil {
		return snapshotLayout{}, fmt.Errorf("%w: read header: %v", errBadSnapshot, err)
	}
	meta, err := decodeSnapshotHeader(header)
	if err != nil {
		return snapshotLayout{}, err
	}
	trailer := make([]byte, snapshotTrailerBytes)
	if err := readAt(r, trailer, size-snapshotTrailerBytes); err != nil {
		return snapshotLayout{}, fmt.Errorf("%w: read trailer: %v", errBadSnapshot, err)
	}
	if string(trailer[12:16]) != snapshotTrailerMagic {
		return snapshotLayout{}, fmt.Errorf("%w: bad trailer magic %q", errBadSnapshot, trailer[12:16])
	}
	l := snapshotLayout{meta: meta, dataOff: int64(n), dataLen: size - int64(n) - snapshotTrailerBytes}
	if stored := binary.LittleEndian.Uint64(trailer[0:8]); stored != uint64(l.dataLen) {
		return snapshotLayout{}, fmt.Errorf("%w: trailer says %d data bytes, the file holds %d", errBadSnapshot, stored, l.dataLen)
	}
	h := crc32.New(castagnoli)
	if _, err := io.Copy(h, io.NewSectionReader(r, l.dataOff, l.dataLen)); err != nil {
		return snapshotLayout{}, fmt.Errorf("%w: read data: %v", errBadSnapshot, err)
	}
	if got, want := h.Sum32(), binary.LittleEndian.Uint32(trailer[8:12]); got != want {
		return snapshotLayout{}, fmt.Errorf("%w: data crc %08x, stored %08x", errBadSnapshot, got, want)
	}
	return l, nil
}

// readAt fills p from r at off. It accepts the io.EOF that the ReaderAt
// contract allows alongside a full read that ends at the end of the file.
func readAt(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	return err
}
