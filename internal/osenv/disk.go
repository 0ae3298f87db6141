package osenv

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cairn-sd/cairn/netsim"
)

// Disk is a netsim.Disk over the files below a root directory.
type Disk struct {
	root string
	// post hands a finished background fsync back to the Env's loop; a
	// Disk made by NewDisk has no loop and calls done on the fsync's own
	// goroutine.
	post func(func()) bool
}

// NewDisk returns a Disk rooted at dir, creating dir if needed.
func NewDisk(dir string) (*Disk, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("osenv: create data dir %s: %w", dir, err)
	}
	return &Disk{root: dir}, nil
}

// Root is the directory the disk's names are relative to.
func (d *Disk) Root() string { return d.root }

func (d *Disk) path(name string) (string, error) {
	clean := filepath.Clean(filepath.FromSlash(name))
	if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("osenv: name %q escapes the data dir", name)
	}
	return filepath.Join(d.root, clean), nil
}

// wrap turns a missing-file error into netsim.ErrNotExist, keeping the context.
func wrap(op, name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("osenv: %s %s: %w", op, name, netsim.ErrNotExist)
	}
	return fmt.Errorf("osenv: %s %s: %w", op, name, err)
}

// Create creates or truncates a file and opens it for appending.
func (d *Disk) Create(name string) (netsim.File, error) {
	return d.open(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC|os.O_APPEND, "create")
}

// Open opens an existing file for reading and appending.
func (d *Disk) Open(name string) (netsim.File, error) {
	return d.open(name, os.O_RDWR|os.O_APPEND, "open")
}

func (d *Disk) open(name string, flag int, op string) (netsim.File, error) {
	p, err := d.path(name)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p, flag, 0o640)
	if err != nil {
		return nil, wrap(op, name, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, wrap("stat", name, err)
	}
	return &file{f: f, name: name, size: st.Size(), post: d.post}, nil
}

// ReadFile returns the whole content of a file.
func (d *Disk) ReadFile(name string) ([]byte, error) {
	p, err := d.path(name)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, wrap("read", name, err)
	}
	return b, nil
}

// Rename replaces newname with oldname.
func (d *Disk) Rename(oldname, newname string) error {
	op, err := d.path(oldname)
	if err != nil {
		return err
	}
	np, err := d.path(newname)
	if err != nil {
		return err
	}
	if err := os.Rename(op, np); err != nil {
		return wrap("rename", oldname, err)
	}
	return nil
}

// Remove deletes a file.
func (d *Disk) Remove(name string) error {
	p, err := d.path(name)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil {
		return wrap("remove", name, err)
	}
	return nil
}

// ReadDir lists the names in a directory, sorted.
func (d *Disk) ReadDir(dir string) ([]string, error) {
	p, err := d.path(dir)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil, wrap("list", dir, err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names, nil
}

// MkdirAll creates a directory and its parents.
func (d *Disk) MkdirAll(dir string) error {
	p, err := d.path(dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(p, 0o750); err != nil {
		return wrap("mkdir", dir, err)
	}
	return nil
}

// SyncDir fsyncs a directory so that its entries are durable.
func (d *Disk) SyncDir(dir string) error {
	p, err := d.path(dir)
	if err != nil {
		return err
	}
	f, err := os.Open(p)
	if err != nil {
		return wrap("open dir", dir, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return wrap("sync dir", dir, err)
	}
	return nil
}

// file is an open os file in append mode. It tracks its own size, so that
// Size needs no system call and cannot fail.
type file struct {
	f    *os.File
	name string
	size int64
	post func(func()) bool
}

func (f *file) Write(p []byte) (int, error) {
	n, err := f.f.Write(p)
	f.size += int64(n)
	if err != nil {
		return n, wrap("write", f.name, err)
	}
	return n, nil
}

func (f *file) ReadAt(p []byte, off int64) (int, error) {
	return f.f.ReadAt(p, off)
}

func (f *file) Size() int64 { return f.size }

func (f *file) Truncate(size int64) error {
	if err := f.f.Truncate(size); err != nil {
		return wrap("truncate", f.name, err)
	}
	f.size = size
	return nil
}

func (f *file) Sync() error {
	if err := f.f.Sync(); err != nil {
		return wrap("sync", f.name, err)
	}
	return nil
}

// SyncAsync fsyncs on a goroutine of its own and posts done to the loop.
// The loop may write and read the file meanwhile: an *os.File allows
// concurrent use, and fsync covers at least what was written before it
// started.
func (f *file) SyncAsync(done func(error)) {
	go func() {
		err := f.Sync()
		if f.post == nil {
			done(err)
			return
		}
		f.post(func() { done(err) })
	}()
}

func (f *file) Close() error {
	if err := f.f.Close(); err != nil {
		return wrap("close", f.name, err)
	}
	return nil
}
