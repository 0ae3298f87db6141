package wal

import (
	"errors"

	"github.com/cairn-sd/cairn/netsim"
)

// errCrashed is what every disk operation returns once a crashingDisk's
// process has "died".
var errCrashed = errors.New("test: process crashed")

// crashingDisk lets opsLeft mutating operations (creating, writing,
// syncing, truncating, renaming, removing) through and fails every one
// after, so that the disk's state is exactly what a crash at that point
// would find. Reads keep working: they change nothing.
type crashingDisk struct {
	netsim.Disk
	opsLeft int
}

func (d *crashingDisk) op() error {
	if d.opsLeft <= 0 {
		return errCrashed
	}
	d.opsLeft--
	return nil
}

func (d *crashingDisk) Create(name string) (netsim.File, error) {
	if err := d.op(); err != nil {
		return nil, err
	}
	f, err := d.Disk.Create(name)
	if err != nil {
		return nil, err
	}
	return &crashingFile{File: f, disk: d}, nil
}

func (d *crashingDisk) Open(name string) (netsim.File, error) {
	f, err := d.Disk.Open(name)
	if err != nil {
		return nil, err
	}
	return &crashingFile{File: f, disk: d}, nil
}

func (d *crashingDisk) Rename(oldname, newname string) error {
	if err := d.op(); err != nil {
		return err
	}
	return d.Disk.Rename(oldname, newname)
}

func (d *crashingDisk) Remove(name string) error {
	if err := d.op(); err != nil {
		return err
	}
	return d.Disk.Remove(name)
}

func (d *crashingDisk) SyncDir(dir string) error {
	if err := d.op(); err != nil {
		return err
	}
	return d.Disk.SyncDir(dir)
}

type crashingFile struct {
	netsim.File
	disk *crashingDisk
}

func (f *crashingFile) Write(p []byte) (int, error) {
	if err := f.disk.op(); err != nil {
		return 0, err
	}
	return f.File.Write(p)
}

func (f *crashingFile) Sync() error {
	if err := f.disk.op(); err != nil {
		return err
	}
	return f.File.Sync()
}

func (f *crashingFile) SyncAsync(done func(error)) {
	if err := f.disk.op(); err != nil {
		done(err)
		return
	}
	f.File.SyncAsync(done)
}

func (f *crashingFile) Truncate(size int64) error {
	if err := f.disk.op(); err != nil {
		return err
	}
	return f.File.Truncate(size)
}
