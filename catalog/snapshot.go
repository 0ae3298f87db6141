package catalog

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
)

// Snapshot format, version 4 (version 1 lacks the sections marked since 2
// in tableDefs: sessions and lock_delays; versions 1 and 2 lack those
// marked since 3: acl_policies, acl_tokens and acl_bootstrap; versions 1
// to 3 lack those marked since 4: autopilot and prepared_queries):
//
//	magic    8 bytes  "cairncat"
//	version  uint16   big-endian, SnapshotVersion
//	then for each table of tableDefs, in order:
//	  name    uvarint length, bytes
//	  count   uvarint
//	  count × record: uvarint length, JSON bytes
//	crc      uint32   big-endian CRC-32C (Castagnoli) of every byte before it
const (
	snapshotMagic = "cairncat"
	// SnapshotVersion is the version of the snapshot format.
	SnapshotVersion = 4
	// oldestSnapshotVersion is the oldest version this build still reads.
	oldestSnapshotVersion = 1

	maxTableNameBytes = 64
	maxRecordBytes    = 64 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// snapshotWriter serialises a captured db.
type snapshotWriter struct {
	db db
}

// countingWriter counts and checksums what passes through it.
type countingWriter struct {
	w   io.Writer
	n   int64
	crc hash.Hash32
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.crc.Write(p[:n])
	return n, err
}

// WriteTo writes the snapshot to w and returns the number of bytes written.
func (sw *snapshotWriter) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w, crc: crc32.New(castagnoli)}
	bw := bufio.NewWriter(cw)
	if err := sw.writeBody(bw); err != nil {
		return cw.n, fmt.Errorf("catalog: write snapshot: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return cw.n, fmt.Errorf("catalog: write snapshot: %w", err)
	}
	if err := binary.Write(w, binary.BigEndian, cw.crc.Sum32()); err != nil {
		return cw.n, fmt.Errorf("catalog: write snapshot checksum: %w", err)
	}
	return cw.n + 4, nil
}

// writeBody writes everything before the checksum. A bufio.Writer keeps
// its first write error and Flush reports it, so the writes here need no
// checks of their own.
func (sw *snapshotWriter) writeBody(w *bufio.Writer) error {
	w.WriteString(snapshotMagic)
	binary.Write(w, binary.BigEndian, uint16(SnapshotVersion))
	for _, t := range tableDefs {
		if t.since > SnapshotVersion {
			panic(fmt.Sprintf("catalog: table %s is newer than SnapshotVersion", t.name))
		}
		want, n := t.count(&sw.db), 0
		writeBytes(w, []byte(t.name))
		w.Write(binary.AppendUvarint(nil, uint64(want)))
		var record []byte
		emit := func(v any) error {
			var err error
			if record, err = appendRecord(record[:0], v); err != nil {
				return err
			}
			writeBytes(w, record)
			n++
			return nil
		}
		if err := t.write(&sw.db, emit); err != nil {
			return fmt.Errorf("table %s: %w", t.name, err)
		}
		if n != want {
			panic(fmt.Sprintf("catalog: table %s counted %d rows but wrote %d", t.name, want, n))
		}
	}
	return nil
}

// writeBytes writes b with its length in front, as a uvarint written a
// byte at a time so that no buffer escapes for it.
func writeBytes(w *bufio.Writer, b []byte) {
	n := uint64(len(b))
	for ; n >= 0x80; n >>= 7 {
		w.WriteByte(byte(n) | 0x80)
	}
	w.WriteByte(byte(n))
	w.Write(b)
}

// hashingReader checksums every byte read through it.
type hashingReader struct {
	r   *bufio.Reader
	crc hash.Hash32
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.crc.Write(p[:n])
	return n, err
}

func (h *hashingReader) ReadByte() (byte, error) {
	b, err := h.r.ReadByte()
	if err == nil {
		h.crc.Write([]byte{b})
	}
	return b, err
}

// readSnapshot parses a snapshot into a fresh db. Every error wraps
// ErrBadSnapshot.
func readSnapshot(r io.Reader) (db, error) {
	d, err := readSnapshotBody(r)
	if err != nil {
		return db{}, fmt.Errorf("%w: %w", ErrBadSnapshot, err)
	}
	return d, nil
}

func readSnapshotBody(r io.Reader) (db, error) {
	br := bufio.NewReader(r)
	hr := &hashingReader{r: br, crc: crc32.New(castagnoli)}
	head := make([]byte, len(snapshotMagic)+2)
	if _, err := io.ReadFull(hr, head); err != nil {
		return db{}, fmt.Errorf("header: %w", err)
	}
	if string(head[:len(snapshotMagic)]) != snapshotMagic {
		return db{}, errors.New("not a catalog snapshot (bad magic)")
	}
	v := binary.BigEndian.Uint16(head[len(snapshotMagic):])
	if v < oldestSnapshotVersion || v > SnapshotVersion {
		return db{}, fmt.Errorf("version %d, this build reads %d to %d", v, oldestSnapshotVersion, SnapshotVersion)
	}
	d := newDB()
	for _, t := range tableDefs {
		if t.since > v {
			continue
		}
		if err := readTable(hr, &d, t); err != nil {
			return db{}, fmt.Errorf("table %s: %w", t.name, err)
		}
	}
	rebuildServiceNames(&d)
	rebuildSessionIndexes(&d)
	if err := rebuildACLIndexes(&d); err != nil {
		return db{}, err
	}
	sum := hr.crc.Sum32()
	var want uint32
	if err := binary.Read(br, binary.BigEndian, &want); err != nil {
		return db{}, fmt.Errorf("checksum: %w", err)
	}
	if want != sum {
		return db{}, fmt.Errorf("checksum mismatch: stored %08x, computed %08x", want, sum)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return db{}, errors.New("trailing data after the checksum")
	}
	return d, nil
}

func readTable(hr *hashingReader, d *db, t tableDef) error {
	name, err := readBytes(hr, maxTableNameBytes)
	if err != nil {
		return fmt.Errorf("name: %w", err)
	}
	if string(name) != t.name {
		return fmt.Errorf("found section %q where %q belongs", name, t.name)
	}
	count, err := binary.ReadUvarint(hr)
	if err != nil {
		return fmt.Errorf("count: %w", noEOF(err))
	}
	if t.single && count != 1 {
		return fmt.Errorf("%d records, want 1", count)
	}
	for i := uint64(0); i < count; i++ {
		raw, err := readBytes(hr, maxRecordBytes)
		if err != nil {
			return fmt.Errorf("record %d: %w", i, err)
		}
		if err := t.read(d, raw); err != nil {
			return fmt.Errorf("record %d: %w", i, err)
		}
	}
	return nil
}

// readBytes reads a uvarint length and that many bytes, at most limit. The
// buffer grows as bytes arrive, so a forged length cannot make it allocate
// more than the input holds.
func readBytes(hr *hashingReader, limit uint64) ([]byte, error) {
	n, err := binary.ReadUvarint(hr)
	if err != nil {
		return nil, noEOF(err)
	}
	if n > limit {
		return nil, fmt.Errorf("length %d over the limit %d", n, limit)
	}
	var buf bytes.Buffer
	if _, err := io.CopyN(&buf, hr, int64(n)); err != nil {
		return nil, noEOF(err)
	}
	return buf.Bytes(), nil
}

// noEOF turns a clean EOF inside a structure into ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
