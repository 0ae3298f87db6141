package netsim

import (
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strings"
)

// The simulated disk keeps two states of everything: what the node sees
// (the page cache) and what is on stable storage. File.Sync copies a file's
// content to stable storage; Disk.SyncDir does the same for the names in
// one directory (creations, renames, removals). A crash throws the cache
// away and keeps stable storage, except that with the torn-write fault part
// of a file's last unsynced write survives, perhaps garbled. Directories
// themselves are durable as soon as MkdirAll returns: the model tracks
// durability of file names and contents, which is what storage code gets
// wrong.

// inode is one file's content.
type inode struct {
	data    []byte // as the node sees it
	durable []byte // as stable storage holds it
	// prefix is true while durable is a prefix of data, so that Sync only
	// has to copy what was appended since the last sync.
	prefix bool
	// lastOff and lastLen locate the last write since the last sync
	// (lastLen is 0 when there is none).
	lastOff, lastLen int
}

// disk is the in-memory file system of one host.
type disk struct {
	host    *host
	files   map[string]*inode // names as the node sees them
	durable map[string]*inode // names as stable storage holds them
	dirs    map[string]bool
}

func newDisk(h *host) *disk {
	return &disk{
		host:    h,
		files:   make(map[string]*inode),
		durable: make(map[string]*inode),
		dirs:    map[string]bool{".": true},
	}
}

// clean normalises a name and rejects one that leaves the data directory.
func cleanName(name string) (string, error) {
	c := path.Clean(name)
	if path.IsAbs(c) || c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("netsim: name %q escapes the data dir", name)
	}
	return c, nil
}

// lookup resolves a file name for operation op.
func (d *disk) lookup(op, name string) (string, *inode, error) {
	c, err := cleanName(name)
	if err != nil {
		return "", nil, err
	}
	ino := d.files[c]
	if ino == nil {
		return c, nil, fmt.Errorf("netsim: %s %s: %w", op, name, ErrNotExist)
	}
	return c, ino, nil
}

// Create creates or truncates a file and opens it for appending.
func (d *disk) Create(name string) (File, error) {
	c, err := cleanName(name)
	if err != nil {
		return nil, err
	}
	if d.dirs[c] {
		return nil, fmt.Errorf("netsim: create %s: is a directory", name)
	}
	if !d.dirs[path.Dir(c)] {
		return nil, fmt.Errorf("netsim: create %s: %w", name, ErrNotExist)
	}
	ino := d.files[c]
	if ino == nil {
		ino = &inode{prefix: true}
		d.files[c] = ino
	} else {
		ino.truncate(0)
	}
	return &file{disk: d, ino: ino, name: c}, nil
}

// Open opens an existing file for reading and appending.
func (d *disk) Open(name string) (File, error) {
	c, ino, err := d.lookup("open", name)
	if err != nil {
		return nil, err
	}
	return &file{disk: d, ino: ino, name: c}, nil
}

// ReadFile returns a copy of a file's content as the node sees it.
func (d *disk) ReadFile(name string) ([]byte, error) {
	_, ino, err := d.lookup("read", name)
	if err != nil {
		return nil, err
	}
	return clone(ino.data), nil
}

// Rename moves oldname to newname, replacing it.
func (d *disk) Rename(oldname, newname string) error {
	oc, ino, err := d.lookup("rename", oldname)
	if err != nil {
		return err
	}
	nc, err := cleanName(newname)
	if err != nil {
		return err
	}
	if !d.dirs[path.Dir(nc)] || d.dirs[nc] {
		return fmt.Errorf("netsim: rename %s to %s: %w", oldname, newname, ErrNotExist)
	}
	delete(d.files, oc)
	d.files[nc] = ino
	return nil
}

// Remove deletes a file name.
func (d *disk) Remove(name string) error {
	c, _, err := d.lookup("remove", name)
	if err != nil {
		return err
	}
	delete(d.files, c)
	return nil
}

// ReadDir lists the files and directories directly in dir, sorted.
func (d *disk) ReadDir(dir string) ([]string, error) {
	c, err := cleanName(dir)
	if err != nil {
		return nil, err
	}
	if !d.dirs[c] {
		return nil, fmt.Errorf("netsim: list %s: %w", dir, ErrNotExist)
	}
	var names []string
	for n := range d.files {
		if path.Dir(n) == c {
			names = append(names, path.Base(n))
		}
	}
	for n := range d.dirs {
		if n != "." && path.Dir(n) == c {
			names = append(names, path.Base(n))
		}
	}
	slices.Sort(names)
	return names, nil
}

// MkdirAll creates dir and its parents, durably.
func (d *disk) MkdirAll(dir string) error {
	c, err := cleanName(dir)
	if err != nil {
		return err
	}
	for ; c != "."; c = path.Dir(c) {
		if d.files[c] != nil {
			return fmt.Errorf("netsim: mkdir %s: %s is a file", dir, c)
		}
		d.dirs[c] = true
	}
	return nil
}

// SyncDir makes the names in dir durable as they stand.
func (d *disk) SyncDir(dir string) error {
	c, err := cleanName(dir)
	if err != nil {
		return err
	}
	if !d.dirs[c] {
		return fmt.Errorf("netsim: sync dir %s: %w", dir, ErrNotExist)
	}
	before := make(map[string]*inode)
	for n, ino := range d.durable {
		if path.Dir(n) == c {
			before[n] = ino
			if d.files[n] == nil {
				delete(d.durable, n)
			}
		}
	}
	for n, ino := range d.files {
		if path.Dir(n) == c {
			d.durable[n] = ino
		}
	}
	d.host.fsyncDelay("sync dir "+c, func() {
		for n := range d.durable {
			if path.Dir(n) == c {
				delete(d.durable, n)
			}
		}
		maps.Copy(d.durable, before)
	})
	return nil
}

// file is an open file handle.
type file struct {
	disk   *disk
	ino    *inode
	name   string
	closed bool
}

// Write appends p.
func (f *file) Write(p []byte) (int, error) {
	if f.closed {
		return 0, ErrClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	ino := f.ino
	ino.lastOff, ino.lastLen = len(ino.data), len(p)
	ino.data = append(ino.data, p...)
	return len(p), nil
}

// ReadAt reads from the content as the node sees it.
func (f *file) ReadAt(p []byte, off int64) (int, error) {
	if f.closed {
		return 0, ErrClosed
	}
	if off < 0 {
		return 0, fmt.Errorf("netsim: read %s at negative offset %d", f.name, off)
	}
	if off >= int64(len(f.ino.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.ino.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *file) Size() int64 { return int64(len(f.ino.data)) }

// Truncate cuts (or extends with zeros) the file to size bytes.
func (f *file) Truncate(size int64) error {
	if f.closed {
		return ErrClosed
	}
	if size < 0 {
		return fmt.Errorf("netsim: truncate %s to %d", f.name, size)
	}
	f.ino.truncate(int(size))
	return nil
}

func (ino *inode) truncate(size int) {
	if size < len(ino.durable) {
		ino.prefix = false
	}
	if size <= len(ino.data) {
		ino.data = ino.data[:size]
	} else {
		ino.data = append(ino.data, make([]byte, size-len(ino.data))...)
	}
	ino.lastLen = 0
}

// Sync makes the file's content durable.
func (f *file) Sync() error {
	if f.closed {
		return ErrClosed
	}
	f.disk.host.fsyncDelay("sync "+f.name, f.ino.sync())
	return nil
}

// SyncAsync makes the file's content durable as Sync does, but the node is
// not busy meanwhile: done is called when the fsync's time has passed, and
// a crash before then undoes it.
func (f *file) SyncAsync(done func(error)) {
	h := f.disk.host
	if f.closed {
		h.env.callSoon(0, func() { done(ErrClosed) })
		return
	}
	d := h.fsyncAsync("sync "+f.name, f.ino.sync())
	h.env.callSoon(d, func() { done(nil) })
}

// sync copies the content to stable storage and returns the function that
// undoes the copy (see inFlightSync).
func (ino *inode) sync() (undo func()) {
	prevDurable, prevPrefix := ino.durable, ino.prefix
	if ino.prefix {
		ino.durable = append(ino.durable, ino.data[len(ino.durable):]...)
	} else {
		ino.durable = clone(ino.data)
		ino.prefix = true
	}
	ino.lastLen = 0
	return func() { ino.durable, ino.prefix = prevDurable, prevPrefix }
}

func (f *file) Close() error {
	if f.closed {
		return ErrClosed
	}
	f.closed = true
	return nil
}
