// Package atomicfile writes files so that a reader (or a crash) sees either the old
// content or the new, never a torn mix: write a temp file in the same directory, fsync
// it, rename it over the target, fsync the directory.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Write replaces path with data, mode perm. The directory must exist.
func Write(path string, data []byte, perm os.FileMode) error {
	return write(path, data, perm, true)
}

// WriteNoSync is Write without the fsyncs, for caches whose every read is verified
// (a torn file there is detected and fetched again) and where speed matters more.
func WriteNoSync(path string, data []byte, perm os.FileMode) error {
	return write(path, data, perm, false)
}

// WriteModTime is Write that also sets the file's modification time before the rename,
// so the new content never appears with a stale time (HTTP servers derive
// Last-Modified from it, and clients' If-Modified-Since from that).
func WriteModTime(path string, data []byte, perm os.FileMode, mtime time.Time) error {
	return writeFile(path, data, perm, true, mtime)
}

func write(path string, data []byte, perm os.FileMode, durable bool) error {
	return writeFile(path, data, perm, durable, time.Time{})
}

func writeFile(path string, data []byte, perm os.FileMode, durable bool, mtime time.Time) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if durable {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(tmp, mtime, mtime); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	ok = true
	if durable {
		return SyncDir(dir)
	}
	return nil
}

// SyncDir makes a rename in dir durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
