package netsim

import (
	"fmt"
	"slices"
	"time"
)

// DiskFaults are the disk fault settings of one host.
type DiskFaults struct {
	// TornWrite is the probability, per file with unsynced writes at a
	// crash, that part of the file's last write survives the crash: a
	// prefix of it, which is garbled when the whole write survived and
	// otherwise with probability one half. Without it a crash loses
	// exactly the unsynced writes.
	TornWrite float64
	// FsyncMin and FsyncMax bound the time each File.Sync and
	// Disk.SyncDir takes (uniformly drawn). The node is busy meanwhile:
	// its clock and everything it does afterwards move later.
	FsyncMin time.Duration
	FsyncMax time.Duration
}

// SetDiskFaults sets a host's disk fault settings from now on.
func (s *Sim) SetDiskFaults(name string, f DiskFaults) {
	h := s.mustHost(name)
	h.diskFault = f
	s.trace.record(trFault, s.now, name, "", "", fmt.Sprintf("disk faults torn=%g fsync=%v..%v",
		f.TornWrite, f.FsyncMin, f.FsyncMax), nil)
}

// inFlightSync is a slow sync still under way: until doneAt it is not
// durable, and undo puts the durable state back as it was before it.
type inFlightSync struct {
	doneAt int64
	undo   func()
}

// fsyncDelay makes the node busy for one fsync. The sync already made the
// data durable; if it is slow, it is durable only once it completes, so
// undo is kept and run if the host crashes before then. Without this a
// crash could never fall between a message sent before an fsync and the
// fsync itself, and a driver that acknowledges too early would go unseen.
func (h *host) fsyncDelay(what string, undo func()) {
	if d := h.fsyncAsync(what, undo); d > 0 {
		h.busyUntil = h.nodeNow() + d
	}
}

// fsyncAsync starts one fsync beside the node and returns how long it
// takes (zero without the slow-fsync fault). Until it completes, a crash
// runs undo.
func (h *host) fsyncAsync(what string, undo func()) int64 {
	f := &h.diskFault
	if f.FsyncMax <= 0 {
		return 0
	}
	d := between(h.diskRand, int64(f.FsyncMin), int64(f.FsyncMax))
	if d <= 0 {
		return 0
	}
	start := h.nodeNow()
	h.inFlight = slices.DeleteFunc(h.inFlight, func(s inFlightSync) bool { return s.doneAt <= h.sim.now })
	h.inFlight = append(h.inFlight, inFlightSync{doneAt: start + d, undo: undo})
	h.sim.trace.record(trDisk, start, h.name, "", "", what+" slow "+time.Duration(d).String(), nil)
	return d
}

// undoInFlightSyncs reverts, newest first, the syncs a crash interrupted.
func (h *host) undoInFlightSyncs() {
	for i := len(h.inFlight) - 1; i >= 0; i-- {
		if s := h.inFlight[i]; s.doneAt > h.sim.now {
			s.undo()
			h.sim.trace.record(trDisk, h.sim.now, h.name, "", "", "crash interrupted a sync", nil)
		}
	}
	h.inFlight = nil
}

// crash applies a crash to the disk: names revert to their durable state,
// contents to theirs, except for torn writes.
func (d *disk) crash() {
	h := d.host
	h.undoInFlightSyncs()
	names := make([]string, 0, len(d.durable))
	for n := range d.durable {
		names = append(names, n)
	}
	slices.Sort(names)
	done := make(map[*inode]bool, len(names))
	files := make(map[string]*inode, len(names))
	for _, n := range names {
		ino := d.durable[n]
		files[n] = ino
		if done[ino] {
			continue
		}
		done[ino] = true
		if kept := ino.crash(h); kept > 0 {
			h.sim.trace.record(trDisk, h.sim.now, h.name, "", n,
				fmt.Sprintf("torn write kept %d bytes", kept), nil)
		}
	}
	d.files = files
}

// crash reduces the inode to what survives a crash and reports how many
// bytes beyond the synced content survived.
func (ino *inode) crash(h *host) int {
	survived := ino.durable
	kept := 0
	if ino.prefix && ino.lastLen > 0 && chance(h.diskRand, h.diskFault.TornWrite) {
		k := 1 + h.diskRand.IntN(ino.lastLen)
		end := ino.lastOff + k
		survived = clone(ino.data[:end])
		if k == ino.lastLen || h.diskRand.IntN(2) == 0 {
			for i := ino.lastOff; i < end; i++ {
				survived[i] ^= byte(1 + h.diskRand.IntN(255))
			}
		}
		kept = end - len(ino.durable)
	}
	ino.data = clone(survived)
	ino.durable = clone(survived)
	ino.prefix = true
	ino.lastLen = 0
	return kept
}

// FlipBit flips one bit, chosen from the fault stream, of the synced
// content of a host's file: the medium is corrupted, and reads see it. It
// fails if the file has no synced content.
func (s *Sim) FlipBit(name, file string) error {
	d := s.mustHost(name).disk
	c, err := cleanName(file)
	if err != nil {
		return err
	}
	ino := d.files[c]
	if ino == nil {
		ino = d.durable[c]
	}
	if ino == nil || len(ino.durable) == 0 {
		return fmt.Errorf("netsim: flip bit in %s on %s: no synced content: %w", file, name, ErrNotExist)
	}
	bit := s.faultRand.IntN(len(ino.durable) * 8)
	mask := byte(1) << (bit % 8)
	ino.durable[bit/8] ^= mask
	if ino.prefix && bit/8 < len(ino.data) {
		ino.data[bit/8] ^= mask
	}
	s.trace.record(trFault, s.now, name, "", c, fmt.Sprintf("flip bit %d", bit), nil)
	return nil
}
