package store

// Upgrading a store: pending migrations run on a copy of the file, which replaces the
// store only when they all succeeded. A crash at any moment leaves the old store or the
// new one, never half of each; what it leaves besides (the copies) is removed by the
// next upgrade.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Temporary files of an upgrade in the data folder (removed when it ends, or by the next).
const (
	upgradeCopy    = FileName + ".upgrade-*"
	upgradeCompact = FileName + ".compact-*"
)

// upgrade runs the pending migrations. It holds the exclusive lock throughout, so no
// other process writes to the old file meanwhile (a process waiting for the lock finds
// the new file when it gets it: see open). In order:
//
//  1. a backup of the file as it is, beside it, named with the time (BackupName); a
//     store not encrypted yet is backed up encrypted with its new key, so the backup
//     gives away no more than the store;
//  2. a copy of the file, on which the migrations run in one transaction;
//  3. a compacted copy of that copy (migration 4 seals values in place, and bbolt does not
//     clear the pages it frees: the compacted file holds live values only);
//  4. the compacted copy renamed over dagsorden.db, and the folder synced.
func (s *Store) upgrade() error {
	deadline := time.Now().Add(lockTimeout)
	unlock, err := s.lock(false, deadline, short)
	if err != nil {
		return err
	}
	defer unlock()
	old, err := s.open(false, deadline, short)
	if err != nil {
		return err
	}
	defer s.closeDB(old)
	var from uint64
	var rec *cryptRecord
	if err := old.View(func(tx *bolt.Tx) error {
		from = schemaVersion(tx)
		rec, err = readCrypt(tx)
		return err
	}); err != nil {
		return err
	}
	if from >= uint64(len(migrations)) {
		return nil // another process upgraded it while this one waited
	}
	removeLeftovers(s.dir)

	v := s.vault
	var forget func()
	if rec == nil {
		if v, forget, err = s.newKey(); err != nil {
			return err
		}
	} else if v == nil || v.id != rec.KeyID {
		return fmt.Errorf("the store %s changed its key while it was opened: %w", s.path, errDamaged)
	}
	done := false
	defer func() {
		if !done && forget != nil {
			forget()
		}
	}()

	if s.opts.Notify != nil {
		s.opts.Notify(fmt.Sprintf("Upgrading the store in %s (version %d to %d)…", s.dir, from, len(migrations)))
	}
	backup, err := writeBackup(old, s.dir, v)
	if err != nil {
		return fmt.Errorf("cannot back up the store before upgrading it: %w", err)
	}
	upgradeStep("backup")
	tmp, err := s.upgradeCopy(old, from, v)
	if err != nil {
		return fmt.Errorf("cannot upgrade the store %s (it is unchanged; a backup is in %s): %w", s.path, backup, err)
	}
	defer os.Remove(tmp)
	upgradeStep("copied")
	if err := os.Rename(tmp, s.path); err != nil {
		return fmt.Errorf("cannot upgrade the store %s (it is unchanged; a backup is in %s): %w", s.path, backup, err)
	}
	upgradeStep("renamed")
	if err := syncDir(s.dir); err != nil {
		return err
	}
	done = true
	s.vault = v
	unlocked.Store(v.id, v.key)
	if s.opts.Notify != nil {
		what := "upgraded"
		if rec == nil {
			what = "encrypted"
		}
		s.opts.Notify(fmt.Sprintf("The store in %s is %s. A backup of it as it was (encrypted with the store's key) is %s: delete it once all is well, or bring it back with `dagsorden restore %s`.", s.dir, what, backup, backup))
	}
	return nil
}

// upgradeStep is called after each step of an upgrade: the crash test stops the process
// there.
var upgradeStep = func(string) {}

// BackupName is the name of the backup an upgrade at t makes.
func BackupName(t time.Time) string {
	return FileName + ".backup-" + t.UTC().Format("20060102T150405Z")
}

// upgradeCopy copies the store, runs migrations[from:] on the copy, compacts it and
// returns the compacted file, synced to disk.
func (s *Store) upgradeCopy(old *bolt.DB, from uint64, v *vault) (string, error) {
	f, err := os.CreateTemp(s.dir, upgradeCopy)
	if err != nil {
		return "", err
	}
	work := f.Name()
	f.Close()
	defer os.Remove(work) // it may hold the plaintext the migration sealed
	if err := old.View(func(tx *bolt.Tx) error { return tx.CopyFile(work, 0o600) }); err != nil {
		return "", err
	}
	wdb, err := bolt.Open(work, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return "", err
	}
	defer wdb.Close()
	dbVaults.Store(wdb, v)
	defer dbVaults.Delete(wdb)
	if err := wdb.Update(func(tx *bolt.Tx) error {
		return runMigrations(tx, int(from), len(migrations))
	}); err != nil {
		return "", err
	}
	upgradeStep("migrated")
	f, err = os.CreateTemp(s.dir, upgradeCompact)
	if err != nil {
		return "", err
	}
	out := f.Name()
	f.Close()
	os.Remove(out) // bbolt makes it, 0600
	cdb, err := bolt.Open(out, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return "", err
	}
	err = bolt.Compact(cdb, wdb, 32<<20)
	if cerr := cdb.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out)
		return "", err
	}
	upgradeStep("compacted")
	return out, nil
}

// removeLeftovers removes the temporary files of an upgrade a crash interrupted. Only
// upgrade calls it, holding the exclusive lock: no other upgrade is running.
func removeLeftovers(dir string) {
	for _, pattern := range []string{upgradeCopy, upgradeCompact} {
		names, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, n := range names {
			os.Remove(n)
		}
	}
}

// A backup is the store file encrypted with the store's data key, in chunks:
//
//	backupMagic, uvarint length + key id, then chunks: 4-byte big-endian length of the
//	sealed chunk, the sealed chunk
//
// A chunk is sealed like a value (crypt.go) with the associated data "backup", the key id,
// the chunk's number and whether it is the last: chunks cannot be reordered, dropped or
// cut off at the end without failing to open.
const backupMagic = "dagsorden backup 1\n"

const backupChunk = 1 << 20

func backupAD(keyID string, n uint64, last bool) []byte {
	ad := append([]byte("backup\x00"+keyID+"\x00"), u64(n)...)
	if last {
		ad = append(ad, 1)
	}
	return ad
}

// writeBackup writes the file of db, as one read transaction sees it, encrypted with v,
// to a new file named BackupName in dir (0600, synced), and returns its path.
func writeBackup(db *bolt.DB, dir string, v *vault) (path string, err error) {
	now := time.Now()
	var f *os.File
	for i := 1; ; i++ {
		path = filepath.Join(dir, BackupName(now))
		if i > 1 {
			path += fmt.Sprintf("-%d", i) // a retry within the same second
		}
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if !errors.Is(err, os.ErrExist) || i == 100 {
			break
		}
	}
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			os.Remove(path)
		}
	}()
	w := &backupWriter{f: f, v: v, buf: make([]byte, 0, backupChunk)}
	err = w.header()
	if err == nil {
		err = db.View(func(tx *bolt.Tx) error {
			_, err := tx.WriteTo(w)
			return err
		})
	}
	if err == nil {
		err = w.flush(true)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return path, err
}

type backupWriter struct {
	f   *os.File
	v   *vault
	buf []byte
	n   uint64
}

func (w *backupWriter) header() error {
	h := []byte(backupMagic)
	h = append(h, byte(len(w.v.id)))
	h = append(h, w.v.id...)
	_, err := w.f.Write(h)
	return err
}

func (w *backupWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), backupChunk-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		if len(w.buf) == backupChunk {
			if err := w.flush(false); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (w *backupWriter) flush(last bool) error {
	if len(w.buf) == 0 && !last {
		return nil
	}
	sealed := w.v.seal([]byte("backup"), backupAD(w.v.id, w.n, last), w.buf)
	w.n++
	w.buf = w.buf[:0]
	if _, err := w.f.Write(u64(uint64(len(sealed)))[4:]); err != nil {
		return err
	}
	_, err := w.f.Write(sealed)
	return err
}

// errNotBackup: the file is not a backup dagsorden wrote.
var errNotBackup = errors.New("not a dagsorden backup")

// readBackup decrypts a backup into w with the data key v; the backup must have been
// made with that key.
func readBackup(r io.Reader, w io.Writer, v *vault) error {
	h := make([]byte, len(backupMagic)+1)
	if _, err := io.ReadFull(r, h); err != nil || string(h[:len(backupMagic)]) != backupMagic {
		return errNotBackup
	}
	id := make([]byte, h[len(h)-1])
	if _, err := io.ReadFull(r, id); err != nil {
		return errNotBackup
	}
	if string(id) != v.id {
		return errors.New("the backup was made with another store's key")
	}
	var n uint64
	for {
		var lb [4]byte
		if _, err := io.ReadFull(r, lb[:]); err != nil {
			return fmt.Errorf("%w: the backup is cut short", errDamaged)
		}
		l := int(lb[0])<<24 | int(lb[1])<<16 | int(lb[2])<<8 | int(lb[3])
		if l > backupChunk+64 {
			return fmt.Errorf("%w: bad chunk in the backup", errDamaged)
		}
		sealed := make([]byte, l)
		if _, err := io.ReadFull(r, sealed); err != nil {
			return fmt.Errorf("%w: the backup is cut short", errDamaged)
		}
		last := false
		plain, err := v.open([]byte("backup"), backupAD(v.id, n, false), sealed)
		if err != nil {
			if plain, err = v.open([]byte("backup"), backupAD(v.id, n, true), sealed); err != nil {
				return fmt.Errorf("%w: chunk %d of the backup does not open", errDamaged, n)
			}
			last = true
		}
		if _, err := w.Write(plain); err != nil {
			return err
		}
		n++
		if last {
			return nil
		}
	}
}

// RestoreBackup replaces the store with a backup an upgrade made (BackupName), which
// must have been made with this store's key. The backup is decrypted, brought up to the
// current version with the same key and compacted beside the store, and only then put
// in its place: at no moment does the data folder hold a plaintext store under its
// name. The store as it was is kept first, beside it, as kept.
func (s *Store) RestoreBackup(backup string) (kept string, err error) {
	in, err := os.Open(backup)
	if err != nil {
		return "", fmt.Errorf("cannot read the backup: %w", err)
	}
	defer in.Close()
	deadline := time.Now().Add(lockTimeout)
	unlock, err := s.lock(false, deadline, short)
	if err != nil {
		return "", err
	}
	defer unlock()
	cur, err := s.open(false, deadline, short)
	if err != nil {
		return "", err
	}
	defer s.closeDB(cur)
	removeLeftovers(s.dir)

	f, err := os.CreateTemp(s.dir, upgradeCopy)
	if err != nil {
		return "", err
	}
	plain := f.Name()
	defer os.Remove(plain)
	err = readBackup(in, f, s.vault)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("cannot restore %s: %w", backup, err)
	}
	bdb, err := bolt.Open(plain, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return "", fmt.Errorf("cannot restore %s: it holds no store: %w", backup, err)
	}
	defer bdb.Close()
	var from uint64
	if err := bdb.View(func(tx *bolt.Tx) error { from = schemaVersion(tx); return nil }); err != nil {
		return "", err
	}
	if from > uint64(len(migrations)) {
		return "", fmt.Errorf("cannot restore %s: a newer dagsorden wrote it", backup)
	}
	out, err := s.upgradeCopy(bdb, from, s.vault)
	if err != nil {
		return "", fmt.Errorf("cannot restore %s: %w", backup, err)
	}
	defer os.Remove(out)
	if err := continueCounters(cur, out); err != nil {
		return "", fmt.Errorf("cannot restore %s: %w", backup, err)
	}
	kept = filepath.Join(s.dir, FileName+".before-restore-"+time.Now().UTC().Format("20060102T150405Z"))
	if err := cur.View(func(tx *bolt.Tx) error { return tx.CopyFile(kept, 0o600) }); err != nil {
		return "", fmt.Errorf("cannot keep the store before restoring: %w", err)
	}
	if err := os.Rename(out, s.path); err != nil {
		return "", err
	}
	s.sealed.mu.Lock()
	s.sealed.valid = false
	s.sealed.mu.Unlock()
	return kept, syncDir(s.dir)
}

// continueCounters sets the generation counters of the store file at path past those of
// cur, which it replaces: a process that watches the generation sees a change, and one
// that keeps sealed documents decrypted (sealedCache) does not take the restored file's
// documents, whose ids may be the old file's again, for the ones it has.
func continueCounters(cur *bolt.DB, path string) error {
	var gen, sealed uint64
	if err := cur.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		gen, sealed = readU64(meta.Get(keyGeneration)), readU64(meta.Get(keySealedGeneration))
		return nil
	}); err != nil {
		return err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if err := meta.Put(keyGeneration, u64(max(gen, readU64(meta.Get(keyGeneration)))+1)); err != nil {
			return err
		}
		return meta.Put(keySealedGeneration, u64(max(sealed, readU64(meta.Get(keySealedGeneration)))+1))
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}
