package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"path"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
)

// The hard state lives in its own small file, hardStateName, replaced
// atomically on every change of term or vote:
//
//	offset  size  field
//	0       8     magic "CAIRNHST"
//	8       2     format version, little-endian uint16 (hardStateVersion)
//	10      2     length V of the vote, little-endian uint16
//	12      8     term
//	20      8     commit index
//	28      V     vote (a raft.ServerID, empty when none)
//	28+V    4     CRC32C over bytes 0..27+V
const (
	hardStateName    = "hardstate"
	hardStateMagic   = "CAIRNHST"
	hardStateVersion = 1
	hardStateFixed   = 28
	maxVoteBytes     = 1 << 10
)

func encodeHardState(hs raft.HardState) []byte {
	buf := make([]byte, 0, hardStateFixed+len(hs.Vote)+4)
	buf = append(buf, hardStateMagic...)
	buf = binary.LittleEndian.AppendUint16(buf, hardStateVersion)
	buf = binary.LittleEndian.AppendUint16(buf, uint16(len(hs.Vote)))
	buf = binary.LittleEndian.AppendUint64(buf, hs.Term)
	buf = binary.LittleEndian.AppendUint64(buf, hs.Commit)
	buf = append(buf, hs.Vote...)
	return binary.LittleEndian.AppendUint32(buf, crc32.Checksum(buf, castagnoli))
}

func decodeHardState(b []byte) (raft.HardState, error) {
	if len(b) < hardStateFixed+4 {
		return raft.HardState{}, fmt.Errorf("%d bytes, want at least %d", len(b), hardStateFixed+4)
	}
	if string(b[0:8]) != hardStateMagic {
		return raft.HardState{}, fmt.Errorf("bad magic %q", b[0:8])
	}
	voteLen := int(binary.LittleEndian.Uint16(b[10:12]))
	if len(b) != hardStateFixed+voteLen+4 {
		return raft.HardState{}, fmt.Errorf("%d bytes, vote length %d wants %d", len(b), voteLen, hardStateFixed+voteLen+4)
	}
	body := b[:hardStateFixed+voteLen]
	if got, want := crc32.Checksum(body, castagnoli), binary.LittleEndian.Uint32(b[len(body):]); got != want {
		return raft.HardState{}, fmt.Errorf("crc %08x, stored %08x", got, want)
	}
	if v := binary.LittleEndian.Uint16(b[8:10]); v != hardStateVersion {
		return raft.HardState{}, fmt.Errorf("unsupported hard state format version %d (this build reads %d)", v, hardStateVersion)
	}
	return raft.HardState{
		Term:   binary.LittleEndian.Uint64(b[12:20]),
		Commit: binary.LittleEndian.Uint64(b[20:28]),
		Vote:   raft.ServerID(b[hardStateFixed : hardStateFixed+voteLen]),
	}, nil
}

// readHardState loads the hard state file in dir; a missing file is the
// zero hard state of a fresh server.
func readHardState(disk netsim.Disk, dir string) (raft.HardState, error) {
	name := path.Join(dir, hardStateName)
	b, err := disk.ReadFile(name)
	if errors.Is(err, netsim.ErrNotExist) {
		return raft.HardState{}, nil
	}
	if err != nil {
		return raft.HardState{}, fmt.Errorf("wal: read %s: %w", name, err)
	}
	hs, err := decodeHardState(b)
	if err != nil {
		return raft.HardState{}, fmt.Errorf("%w: %s at offset 0: %v", ErrCorrupt, name, err)
	}
	return hs, nil
}

// writeHardState replaces the hard state file atomically.
func writeHardState(disk netsim.Disk, dir string, hs raft.HardState) error {
	if len(hs.Vote) > maxVoteBytes {
		return fmt.Errorf("wal: vote %q is longer than %d bytes", hs.Vote, maxVoteBytes)
	}
	b := encodeHardState(hs)
	return writeAtomic(disk, dir, hardStateName, func(f netsim.File) error {
		_, err := f.Write(b)
		return err
	})
}
