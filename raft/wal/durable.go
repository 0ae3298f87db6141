package wal

import (
	"fmt"
	"path"
	"strings"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/netsim"
)

// tempSuffix marks a file being written for an atomic replace; one left
// behind by a crash is removed at the next open.
const tempSuffix = ".tmp"

// writeAtomic makes dir/name hold exactly what write produces, or leave it
// as it was: it writes a temporary file, fsyncs it, renames it over name
// and fsyncs the directory. A crash at any point leaves either the old file
// or the new one, and perhaps a stray temporary file that Open removes.
func writeAtomic(disk netsim.Disk, dir, name string, write func(netsim.File) error) error {
	tmp := path.Join(dir, name+tempSuffix)
	if err := writeTemp(disk, tmp, write); err != nil {
		return err
	}
	return renameDurably(disk, dir, tmp, path.Join(dir, name))
}

// writeTemp creates the file tmp with what write produces and fsyncs it.
func writeTemp(disk netsim.Disk, tmp string, write func(netsim.File) error) error {
	f, err := disk.Create(tmp)
	if err != nil {
		return fmt.Errorf("wal: create %s: %w", tmp, err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("wal: write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("wal: sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("wal: close %s: %w", tmp, err)
	}
	return nil
}

// renameDurably renames oldname to newname, both in dir, and fsyncs dir.
func renameDurably(disk netsim.Disk, dir, oldname, newname string) error {
	if err := disk.Rename(oldname, newname); err != nil {
		return fmt.Errorf("wal: rename %s to %s: %w", oldname, newname, err)
	}
	if err := disk.SyncDir(dir); err != nil {
		return fmt.Errorf("wal: sync dir %s: %w", dir, err)
	}
	return nil
}

// removeTemps deletes the temporary files that interrupted atomic writes
// left in dir.
func removeTemps(disk netsim.Disk, logger *zap.Logger, dir string) error {
	names, err := disk.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("wal: list %s: %w", dir, err)
	}
	for _, n := range names {
		if strings.HasSuffix(n, tempSuffix) {
			logger.Info("wal: removing an interrupted temporary file", zap.String("file", path.Join(dir, n)))
			if err := disk.Remove(path.Join(dir, n)); err != nil {
				return fmt.Errorf("wal: remove %s: %w", path.Join(dir, n), err)
			}
		}
	}
	return nil
}

// makeDirDurable creates dir if needed and fsyncs its parent, so that the
// directory's own entry survives a power loss along with the files in it.
func makeDirDurable(disk netsim.Disk, dir string) error {
	if err := disk.MkdirAll(dir); err != nil {
		return fmt.Errorf("wal: create %s: %w", dir, err)
	}
	if err := disk.SyncDir(path.Dir(dir)); err != nil {
		return fmt.Errorf("wal: sync dir %s: %w", path.Dir(dir), err)
	}
	return nil
}
