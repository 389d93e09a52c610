//go:build unix

package store

import (
	"errors"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// announceWaiting holds a shared flock on the wait file until release is called. When
// the file cannot be made (a read-only folder), nobody is told: bulk work then simply
// does not yield to this process.
func announceWaiting(dir string) (release func()) {
	f, err := os.OpenFile(filepath.Join(dir, waitFileName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return func() {}
	}
	if unix.Flock(int(f.Fd()), unix.LOCK_SH) != nil {
		f.Close()
		return func() {}
	}
	return func() { f.Close() } // closing releases the flock
}

// othersWaiting reports whether another process holds the wait file's shared flock.
func othersWaiting(dir string) bool {
	f, err := os.OpenFile(filepath.Join(dir, waitFileName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return errors.Is(err, unix.EWOULDBLOCK)
	}
	unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return false
}
