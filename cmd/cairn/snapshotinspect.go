package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strconv"

	"github.com/cairn-sd/cairn/catalog"
)

// `cairn snapshot inspect FILE` reads a file written by `cairn snapshot
// save` without any agent. The file is the catalog's snapshot format
// (catalog/snapshot.go): a magic, a version, one section per table (its
// name, a record count, then each record as a length and JSON bytes) and a
// CRC-32C of everything before it. inspect walks the sections to count
// each table's records and bytes, checks the checksum, and restores the
// file into an empty catalog, which checks every record as a restore on
// a server would: a file inspect calls valid is one a server accepts.

const snapshotInspectUsage = `
Usage: cairn snapshot inspect FILE

  Displays what a snapshot file holds: its index, size, format version,
  whether its checksum is valid, and the records of each table. A file
  that is damaged or not a snapshot is refused with the reason.
`

// snapshotMagic starts every catalog snapshot.
const snapshotMagic = "cairncat"

// snapshotSection is one table of a snapshot file.
type snapshotSection struct {
	name  string
	count uint64
	bytes int
}

// snapshotInfo is what inspect reports about a file.
type snapshotInfo struct {
	version  uint16
	index    uint64
	size     int
	checksum uint32
	sections []snapshotSection
}

// errBadSnapshotFile refuses a file that is not a whole snapshot.
var errBadSnapshotFile = errors.New("not a valid snapshot")

// runSnapshotInspect prints a snapshot file's summary and table counts.
func runSnapshotInspect(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("snapshot inspect", snapshotInspectUsage, stderr)
	if code, ok := parseArgs(fs, args, 1, stderr); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return usageError(fs, stderr, "Missing FILE argument")
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return reportError(stderr, "Error reading snapshot file", err)
	}
	info, err := inspectSnapshot(data)
	if err != nil {
		return reportError(stderr, "Error inspecting snapshot", err)
	}
	printSnapshotInfo(stdout, info)
	return 0
}

// inspectSnapshot checks a snapshot file and describes it.
func inspectSnapshot(data []byte) (snapshotInfo, error) {
	info, err := walkSnapshot(data)
	if err != nil {
		return snapshotInfo{}, fmt.Errorf("%w: %v", errBadSnapshotFile, err)
	}
	if err := catalog.New(nil).Restore(bytes.NewReader(data)); err != nil {
		return snapshotInfo{}, fmt.Errorf("%w: %v", errBadSnapshotFile, err)
	}
	return info, nil
}

// walkSnapshot reads the structure of a snapshot: header, sections and
// checksum, without decoding the records (but the meta record's index).
func walkSnapshot(data []byte) (snapshotInfo, error) {
	info := snapshotInfo{size: len(data)}
	head := len(snapshotMagic) + 2
	if len(data) < head+4 || string(data[:len(snapshotMagic)]) != snapshotMagic {
		return info, errors.New("bad magic: this is not a cairn snapshot file")
	}
	info.version = binary.BigEndian.Uint16(data[len(snapshotMagic):head])
	if info.version == 0 || info.version > catalog.SnapshotVersion {
		return info, fmt.Errorf("format version %d, this build reads 1 to %d", info.version, catalog.SnapshotVersion)
	}
	body := data[:len(data)-4]
	info.checksum = binary.BigEndian.Uint32(data[len(data)-4:])
	if sum := crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli)); sum != info.checksum {
		return info, fmt.Errorf("checksum mismatch: stored %08x, computed %08x (the file is damaged or truncated)", info.checksum, sum)
	}
	for rest := body[head:]; len(rest) > 0; {
		sec, n, err := readSection(rest)
		if err != nil {
			return info, fmt.Errorf("section %d: %w", len(info.sections)+1, err)
		}
		if sec.name == "meta" && info.index == 0 {
			info.index = metaIndex(rest[:n])
		}
		info.sections = append(info.sections, sec)
		rest = rest[n:]
	}
	return info, nil
}

// readSection reads one section from the front of b and answers it with
// the number of bytes it took.
func readSection(b []byte) (snapshotSection, int, error) {
	name, off, err := readChunk(b, 0, 64)
	if err != nil {
		return snapshotSection{}, 0, fmt.Errorf("name: %w", err)
	}
	sec := snapshotSection{name: string(name)}
	count, n := binary.Uvarint(b[off:])
	if n <= 0 {
		return sec, 0, errors.New("bad record count")
	}
	sec.count, off = count, off+n
	start := off
	for i := uint64(0); i < count; i++ {
		if _, off, err = readChunk(b, off, uint64(len(b))); err != nil {
			return sec, 0, fmt.Errorf("table %s record %d: %w", sec.name, i, err)
		}
	}
	sec.bytes = off - start
	return sec, off, nil
}

// readChunk reads a uvarint length at off and that many bytes after it.
func readChunk(b []byte, off int, limit uint64) ([]byte, int, error) {
	size, n := binary.Uvarint(b[off:])
	if n <= 0 {
		return nil, 0, errors.New("bad length")
	}
	if size > limit || size > uint64(len(b)-off-n) {
		return nil, 0, fmt.Errorf("length %d runs past the end", size)
	}
	start := off + n
	return b[start : start+int(size)], start + int(size), nil
}

// metaIndex reads the last applied index from the meta section, 0 if it
// cannot.
func metaIndex(section []byte) uint64 {
	_, off, err := readChunk(section, 0, 64)
	if err != nil {
		return 0
	}
	_, n := binary.Uvarint(section[off:])
	if n <= 0 {
		return 0
	}
	record, _, err := readChunk(section, off+n, uint64(len(section)))
	if err != nil {
		return 0
	}
	var meta struct{ LastIndex uint64 }
	if json.Unmarshal(record, &meta) != nil {
		return 0
	}
	return meta.LastIndex
}

// printSnapshotInfo prints the summary and the table of sections, in the
// layout of Consul's `snapshot inspect`.
func printSnapshotInfo(w io.Writer, info snapshotInfo) {
	id := fmt.Sprintf("%d-%08x", info.index, info.checksum)
	fmt.Fprintln(w, formatColumns([][]string{
		{"ID", id},
		{"Size", strconv.Itoa(info.size)},
		{"Index", strconv.FormatUint(info.index, 10)},
		{"Term", "not recorded (the file holds the catalog at its index, not Raft's log)"},
		{"Version", strconv.Itoa(int(info.version))},
		{"Checksum", fmt.Sprintf("valid (CRC-32C %08x)", info.checksum)},
	}))
	fmt.Fprintln(w)
	rows := [][]string{{"Table", "Count", "Size"}, {"----", "----", "----"}}
	var count uint64
	total := 0
	for _, s := range info.sections {
		rows = append(rows, []string{s.name, strconv.FormatUint(s.count, 10), strconv.Itoa(s.bytes)})
		count += s.count
		total += s.bytes
	}
	rows = append(rows, []string{"----", "----", "----"}, []string{"Total", strconv.FormatUint(count, 10), strconv.Itoa(total)})
	fmt.Fprintln(w, formatColumns(rows))
}
