package core

import (
	"strings"

	"github.com/cairn-sd/cairn/agent/metrics"
	"github.com/cairn-sd/cairn/netsim"
)

// The Raft package is a deterministic state machine and reads no clock, and
// its log (raft/wal) only counts what it does. The time its writes and
// fsyncs take is measured here instead, outside raft/, by handing the Raft
// driver an Env whose disk times every write and fsync of a log segment
// file with the Env's clock. In the simulator that clock is virtual and a
// disk call takes no time, so the histograms count calls and read zero.

// segmentSuffix ends the names of the Raft log's segment files.
const segmentSuffix = ".seg"

// meteredEnv is an Env whose disk is timed.
type meteredEnv struct {
	netsim.Env
	disk netsim.Disk
}

// Disk returns the timed disk.
func (e meteredEnv) Disk() netsim.Disk { return e.disk }

// timedEnv returns env with a timed disk, or env itself when the server
// records no metrics.
func (s *Server) timedEnv(env netsim.Env) netsim.Env {
	if s.cfg.Metrics == nil {
		return env
	}
	return meteredEnv{Env: env, disk: meteredDisk{Disk: env.Disk(), env: env,
		writes: s.meters.walAppend, syncs: s.meters.walFsync}}
}

// meteredDisk hands out timed files for log segments.
type meteredDisk struct {
	netsim.Disk
	env    netsim.Env
	writes *metrics.Histogram
	syncs  *metrics.Histogram
}

// Create creates a file, timed if it is a log segment.
func (d meteredDisk) Create(name string) (netsim.File, error) {
	f, err := d.Disk.Create(name)
	return d.wrap(name, f), err
}

// Open opens a file, timed if it is a log segment.
func (d meteredDisk) Open(name string) (netsim.File, error) {
	f, err := d.Disk.Open(name)
	return d.wrap(name, f), err
}

// wrap times f if name is a log segment.
func (d meteredDisk) wrap(name string, f netsim.File) netsim.File {
	if f == nil || !strings.HasSuffix(name, segmentSuffix) {
		return f
	}
	return &meteredFile{File: f, d: d}
}

// meteredFile times its writes and fsyncs.
type meteredFile struct {
	netsim.File
	d meteredDisk
}

// Write appends p and records how long it took.
func (f *meteredFile) Write(p []byte) (int, error) {
	start := f.d.env.Now()
	n, err := f.File.Write(p)
	f.d.writes.ObserveDuration(f.d.env.Now().Sub(start))
	return n, err
}

// Sync fsyncs the file and records how long it took.
func (f *meteredFile) Sync() error {
	start := f.d.env.Now()
	err := f.File.Sync()
	f.d.syncs.ObserveDuration(f.d.env.Now().Sub(start))
	return err
}

// SyncAsync starts an fsync of the file and records, when it ends, how long
// it took.
func (f *meteredFile) SyncAsync(done func(error)) {
	start := f.d.env.Now()
	f.File.SyncAsync(func(err error) {
		f.d.syncs.ObserveDuration(f.d.env.Now().Sub(start))
		done(err)
	})
}
