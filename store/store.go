// Package store keeps dagsorden's data in one bbolt file in the data folder: meetings and
// their items, the previous version of changed items, reading material, attachment
// content and its text, the member's notes and what they have read, watch words, and a
// full-text index of all of it (Search, WatchHits), written in the same transaction as
// what it indexes. What a word is (tokens, stems, stop words, snippets, BM25) is decided
// in the pure sub-package store/search; the bbolt side of the index is here.
//
// Two processes share one store: the UI stays open for hours while `dagsorden import` or
// `sync` writes from another terminal. So a Store holds no open file: every method opens
// dagsorden.db, runs one transaction and closes it again (≈ 0.1 ms). Reads take bbolt's
// shared lock, writes the exclusive one; a method that cannot get the lock within two
// seconds returns an error wrapping ErrBusy. Every write is one durable transaction
// (never NoSync): notes are the user's own words and must never be lost.
//
// The sensitive values (notes, group secrets, closed items and their index documents)
// are sealed with a data key of the store's own (crypt.go); Open finds the key in the
// OS keyring, the login session's cache or by the passphrase (keys.go). Readers see
// plaintext: the sealing is inside the store. Retention removes closed items' texts
// some days after their meeting (retention.go).
//
// The store does not parse agenda formats (package agenda and its importers do), does no
// network I/O, and never deletes a note unasked: a note whose item is gone becomes
// orphaned, also when the member removes its meeting (remove.go), unless they ask for
// their notes to go too.
package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// FileName is the store's file inside the data folder.
const FileName = "dagsorden.db"

// lockTimeout bounds the wait for another process's lock: long enough to outlast any
// one transaction, short enough that a person is told what is going on.
const lockTimeout = 2 * time.Second

var (
	// ErrBusy: another process holds the store's lock for longer than the store waits.
	ErrBusy = errors.New("another dagsorden is busy with the data folder")
	// ErrNotFound: no meeting, item, document, note or attachment with that id.
	ErrNotFound = errors.New("not found")
	// ErrClosed: the Store was closed.
	ErrClosed = errors.New("the store is closed")
)

// busyError is the one sentence a person reads when the store is locked.
type busyError struct{ dir string }

func (e *busyError) Error() string {
	return fmt.Sprintf("another dagsorden is busy with the data folder %s; try again in a moment", e.dir)
}

func (e *busyError) Unwrap() error { return ErrBusy }

// notFoundError names what was looked for.
type notFoundError struct{ what, id string }

func (e *notFoundError) Error() string {
	return fmt.Sprintf("there is no %s %q in the store", e.what, e.id)
}

func (e *notFoundError) Unwrap() error { return ErrNotFound }

func notFound(what, id string) error { return &notFoundError{what, id} }

// Store is a data folder. It is safe for use by several goroutines and, through the
// file lock, by several processes.
type Store struct {
	dir, path string

	// mu orders this process's own transactions on the file (shared by every Store of
	// the same path): bbolt's lock is per open file, so two goroutines would otherwise
	// wait for each other by polling it. It also counts who waits (see fair.go).
	mu     *pathMutex
	closed bool

	opts  Options
	vault *vault // the data key; nil only while Open runs
	// sealed is the index of sealed documents, decrypted, kept between searches.
	sealed sealedCache
}

// pathLocks holds one mutex per store file, for every Store of this process.
var pathLocks sync.Map // path → *pathMutex

func pathLock(path string) *pathMutex {
	mu, _ := pathLocks.LoadOrStore(path, new(pathMutex))
	return mu.(*pathMutex)
}

// DefaultDir is the data folder when none is given: $DAGSORDEN_DATA, else
// $XDG_DATA_HOME/dagsorden, else ~/.local/share/dagsorden.
func DefaultDir() string {
	if d := os.Getenv("DAGSORDEN_DATA"); d != "" {
		return d
	}
	// The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
	if d := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "dagsorden")
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return filepath.Join(".local", "share", "dagsorden")
	}
	return filepath.Join(home, ".local", "share", "dagsorden")
}

// Open opens the store in dir with DefaultOptions: see OpenWith.
func Open(dir string) (*Store, error) { return OpenWith(dir, DefaultOptions()) }

// OpenWith opens the store in dir, creating the folder (0700) and the file (0600) when
// they are absent, finds its data key (see keys.go; a new store gets a new one) and runs
// pending migrations: on a copy of the file, swapped in when they are done, after a
// backup of the old file (see upgrade). It keeps no file open.
func OpenWith(dir string, o Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("no data folder given")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("data folder %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the data folder %s: %w", abs, err)
	}
	path := filepath.Join(abs, FileName)
	s := &Store{dir: abs, path: path, mu: pathLock(path), opts: o}
	if _, err := os.Stat(s.path); errors.Is(err, fs.ErrNotExist) {
		if err := s.create(); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("cannot read the store in %s: %w", abs, err)
	}
	if err := s.migrate(); err != nil {
		return nil, err
	}
	return s, nil
}

// create initialises a new store in a temporary file and links it into place, so a
// power cut during bbolt's first initialisation can never leave a half-made
// dagsorden.db. Link, unlike rename, never replaces a store another process has just
// created.
func (s *Store) create() error {
	v, forget, err := s.newKey()
	if err != nil {
		return err
	}
	created := false
	defer func() {
		if !created {
			forget()
		}
	}()
	f, err := os.CreateTemp(s.dir, FileName+".new-*") // mode 0600
	if err != nil {
		return fmt.Errorf("cannot create a store in %s: %w", s.dir, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot create a store in %s: %w", s.dir, err)
	}
	db, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return fmt.Errorf("cannot create a store in %s: %w", s.dir, err)
	}
	dbVaults.Store(db, v)
	err = db.Update(func(tx *bolt.Tx) error { return runMigrations(tx, 0, len(migrations)) })
	dbVaults.Delete(db)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot create a store in %s: %w", s.dir, err)
	}
	if err := os.Link(tmp, s.path); err != nil && !errors.Is(err, fs.ErrExist) {
		// Some file systems have no hard links: rename, unless a store appeared meanwhile.
		if _, serr := os.Stat(s.path); !errors.Is(serr, fs.ErrNotExist) {
			return nil
		}
		if err := os.Rename(tmp, s.path); err != nil {
			return fmt.Errorf("cannot create a store in %s: %w", s.dir, err)
		}
	} else if err != nil {
		return nil // another process made the store first: its key is the one (migrate unlocks it)
	}
	created = true
	s.vault = v
	unlocked.Store(v.id, v.key)
	if !v.rec.hasPassphrase() && s.opts.Notify != nil {
		s.opts.Notify(fmt.Sprintf("The new store in %s is encrypted with a key kept in this machine's keyring. To open it elsewhere, or should the keyring be lost, give it a passphrase: dagsorden passphrase", s.dir))
	}
	return syncDir(s.dir)
}

// syncDir makes the new directory entry durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("cannot sync the data folder %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("cannot sync the data folder %s: %w", dir, err)
	}
	return nil
}

// Close ends the use of the store: it waits for a running operation of this Store and
// makes later calls fail with ErrClosed. It holds no file open, so there is nothing else
// to release.
func (s *Store) Close() error {
	s.mu.acquire(true, time.Now().Add(24*time.Hour), bulk)
	defer s.mu.release(true)
	s.closed = true
	return nil
}

// Dir is the data folder.
func (s *Store) Dir() string { return s.dir }

// lock takes this process's lock on the file (shared for reads), waiting at most until
// deadline: an operation waits for the store at most lockTimeout in all, however many
// goroutines queue before it. A waiting operation that is not bulk work says so, so
// bulk work lets it go first (fair.go).
func (s *Store) lock(readOnly bool, deadline time.Time, mode txMode) (unlock func(), err error) {
	if !s.mu.acquire(!readOnly, deadline, mode) {
		return nil, &busyError{s.dir}
	}
	unlock = func() { s.mu.release(!readOnly) }
	if s.closed {
		unlock()
		return nil, ErrClosed
	}
	return unlock, nil
}

// open opens the bbolt file for one operation, waiting for other processes at most
// until deadline (see openFair). When the file it got the lock of is no longer the one at
// the path (a migration swapped a new file in while this process waited), it opens the
// new one.
func (s *Store) open(readOnly bool, deadline time.Time, mode txMode) (*bolt.DB, error) {
	for {
		wait := time.Until(deadline)
		if wait <= 0 {
			return nil, &busyError{s.dir}
		}
		var f *os.File
		openFile := func(name string, flag int, perm os.FileMode) (*os.File, error) {
			var err error
			f, err = os.OpenFile(name, flag, perm)
			return f, err
		}
		db, err := s.openFair(readOnly, deadline, mode, openFile)
		switch {
		case err == nil:
		case errors.Is(err, bolterrors.ErrTimeout):
			return nil, &busyError{s.dir}
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("the store %s has disappeared; run dagsorden again to make a new one", s.path)
		default:
			return nil, fmt.Errorf("cannot open the store %s: %w", s.path, err)
		}
		if same, err := samePath(f, s.path); err == nil && !same {
			db.Close()
			continue
		}
		if s.vault != nil {
			dbVaults.Store(db, s.vault)
		}
		return db, nil
	}
}

// samePath reports whether f is the file at path.
func samePath(f *os.File, path string) (bool, error) {
	if f == nil {
		return true, nil
	}
	a, err := f.Stat()
	if err != nil {
		return false, err
	}
	b, err := os.Stat(path)
	if err != nil {
		return false, err
	}
	return os.SameFile(a, b), nil
}

// closeDB ends an operation's use of the file.
func (s *Store) closeDB(db *bolt.DB) error {
	dbVaults.Delete(db)
	if err := db.Close(); err != nil {
		return fmt.Errorf("cannot close the store %s: %w", s.path, err)
	}
	return nil
}

// view runs fn in a read-only transaction under the shared file lock. fn must copy out
// whatever it keeps: the memory of a transaction is gone when it ends.
func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	deadline := time.Now().Add(lockTimeout)
	unlock, err := s.lock(true, deadline, short)
	if err != nil {
		return err
	}
	defer unlock()
	db, err := s.open(true, deadline, short)
	if err != nil {
		return err
	}
	err = db.View(fn)
	if cerr := s.closeDB(db); err == nil {
		err = cerr
	}
	return err
}

// errNoChange makes update roll back a transaction that found nothing to write.
var errNoChange = errors.New("nothing to write")

// update runs fn in one write transaction under the exclusive file lock and bumps the
// generation. When fn returns errNoChange the transaction is rolled back and update
// returns nil: the file is not touched at all.
func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	return s.updateMode(fn, short)
}

// updateMode is update for short work or bulk work (see fair.go).
func (s *Store) updateMode(fn func(tx *bolt.Tx) error, mode txMode) error {
	timeout := lockTimeout
	if mode == bulk {
		s.yield()
		timeout = bulkLockTimeout
	}
	deadline := time.Now().Add(timeout)
	unlock, err := s.lock(false, deadline, mode)
	if err != nil {
		return err
	}
	defer unlock()
	db, err := s.open(false, deadline, mode)
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		meta := tx.Bucket(bucketMeta)
		return meta.Put(keyGeneration, u64(readU64(meta.Get(keyGeneration))+1))
	})
	if cerr := s.closeDB(db); err == nil {
		err = cerr
	}
	if errors.Is(err, errNoChange) {
		return nil
	}
	return err
}

// Generation is a counter bumped by every write transaction, by any process: a UI that
// polls it knows when to reload. A write that finds nothing to change leaves it alone.
func (s *Store) Generation() (uint64, error) {
	var g uint64
	err := s.view(func(tx *bolt.Tx) error {
		g = readU64(tx.Bucket(bucketMeta).Get(keyGeneration))
		return nil
	})
	return g, err
}

// now is the time stamps' clock: no monotonic reading (it would not survive the round
// trip through the file), in the zone dagsorden shows times in.
func now() time.Time { return time.Now().Round(0).In(agenda.Copenhagen) }
