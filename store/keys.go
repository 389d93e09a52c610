package store

// Where a store's data key is kept, and how Open gets it.
//
// A new store's key goes into the OS keyring (Options.Keyring: Secret Service, Keychain,
// Credential Manager). Where there is none, or when the member gives one, it is also
// wrapped with a passphrase in meta/crypt, so the store opens on any machine (a store on
// a USB stick). A key unwrapped with the passphrase is kept for the rest of the login
// session (Options.Session), so the passphrase is asked once per session, not at every
// command.
//
// Open looks for the key in this order: keys this process has unlocked already, the
// session cache, the OS keyring, the passphrase. A key from a keyring is checked against
// meta/crypt before it is used.

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// Keyring keeps data keys by name outside the store: the OS keyring, the session cache
// (package store/keys has both). Get returns ErrKeyNotFound when it has no such key.
type Keyring interface {
	Get(name string) ([]byte, error)
	Set(name string, key []byte) error
	Delete(name string) error
}

// ErrKeyNotFound: a Keyring has no key of that name.
var ErrKeyNotFound = errors.New("no such key")

// Options say where Open finds and keeps the data key.
type Options struct {
	// Keyring is the OS keyring; nil when there is none to use.
	Keyring Keyring
	// Session keeps a key unwrapped with the passphrase until the login session ends;
	// nil: the passphrase is asked at every Open.
	Session Keyring
	// Passphrase gives the store's passphrase: a new one (to be confirmed) when isNew.
	// When required is false the key is kept elsewhere too, and an interactive source
	// should not ask: it returns "" (a source with a passphrase at hand, such as
	// DAGSORDEN_PASSPHRASE, gives it anyway, and a new store is then wrapped with it).
	// Nil: no passphrase can be had.
	Passphrase func(isNew, required bool) (string, error)
	// Attempts is how often Passphrase is asked again after a wrong one (a person at a
	// terminal mistypes); 0 means once.
	Attempts int
	// KDF are argon2id's parameters for a new passphrase; zero: DefaultKDF.
	KDF KDFParams
	// Notify receives a sentence about long or notable work (a migration, its backup).
	Notify func(string)
}

// EnvPassphrase is the environment variable a script gives the passphrase in.
const EnvPassphrase = "DAGSORDEN_PASSPHRASE"

// EnvPassphraseSource gives $DAGSORDEN_PASSPHRASE, or "" when it is not set.
func EnvPassphraseSource(_, _ bool) (string, error) { return os.Getenv(EnvPassphrase), nil }

// testPassphrase unlocks every store a test binary makes with Open: the keys of test
// stores must not pile up in a developer's keyring, and the child processes of a test
// must open the stores their parent made.
const testPassphrase = "dagsorden test store"

// DefaultOptions are Open's: in a program, DAGSORDEN_PASSPHRASE and the keyring and
// session cache the caller adds (cmd/dagsorden adds the OS keyring, the session cache
// and a terminal prompt); in a test binary, a fixed passphrase with cheap parameters.
func DefaultOptions() Options {
	if testing.Testing() {
		return Options{
			Passphrase: func(bool, bool) (string, error) { return testPassphrase, nil },
			KDF:        testKDF,
		}
	}
	return Options{Passphrase: EnvPassphraseSource}
}

// TestOptions are the options Open uses in a test binary, for tests that add to them.
func TestOptions() Options {
	return Options{Passphrase: func(bool, bool) (string, error) { return testPassphrase, nil }, KDF: testKDF}
}

// keyName names a data key in a Keyring.
func keyName(id string) string { return "store " + id }

// unlocked holds the keys this process has opened, by key id: a second Open of the same
// store (the UI's reload, a test's) does not ask again.
var unlocked sync.Map // key id → []byte

// ErrLocked: the store is encrypted and no key source could give its key.
var ErrLocked = errors.New("the store's key is not available")

// ErrWrongPassphrase: the passphrase given does not open the store.
var ErrWrongPassphrase = errors.New("the passphrase does not open the store")

type lockedError struct {
	dir           string
	hasPassphrase bool
}

func (e *lockedError) Error() string {
	if e.hasPassphrase {
		return fmt.Sprintf("the store in %s is encrypted and its key is not in this machine's keyring: give its passphrase (dagsorden asks for it in a terminal; scripts set %s)", e.dir, EnvPassphrase)
	}
	return fmt.Sprintf("the store in %s is encrypted and its key is not in this machine's keyring, and it has no passphrase: on the machine that made it, run `dagsorden passphrase` to set one", e.dir)
}

func (e *lockedError) Unwrap() error { return ErrLocked }

type wrongPassphraseError struct{ dir string }

func (e *wrongPassphraseError) Error() string {
	return fmt.Sprintf("that passphrase does not open the store in %s; nothing was changed", e.dir)
}

func (e *wrongPassphraseError) Unwrap() error { return ErrWrongPassphrase }

// unlock finds the data key of a store whose meta/crypt is rec.
func (s *Store) unlock(rec *cryptRecord) (*vault, error) {
	use := func(key []byte) (*vault, error) {
		v, err := newVault(rec.KeyID, key)
		if err != nil {
			return nil, err
		}
		v.rec = rec
		unlocked.Store(rec.KeyID, v.key)
		return v, nil
	}
	if k, ok := unlocked.Load(rec.KeyID); ok && rec.checks(k.([]byte)) {
		return use(k.([]byte))
	}
	for _, kr := range []Keyring{s.opts.Session, s.opts.Keyring} {
		if kr == nil {
			continue
		}
		if k, err := kr.Get(keyName(rec.KeyID)); err == nil && rec.checks(k) {
			return use(k)
		}
	}
	if !rec.hasPassphrase() || s.opts.Passphrase == nil {
		return nil, &lockedError{s.dir, rec.hasPassphrase()}
	}
	for attempt := 0; attempt <= s.opts.Attempts; attempt++ {
		p, err := s.opts.Passphrase(false, true)
		if err != nil {
			return nil, fmt.Errorf("the passphrase of the store in %s: %w", s.dir, err)
		}
		if p == "" {
			return nil, &lockedError{s.dir, true}
		}
		key, err := rec.unwrap(p)
		if errors.Is(err, errWrongPassphrase) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("the store in %s: %w", s.dir, err)
		}
		if s.opts.Session != nil {
			_ = s.opts.Session.Set(keyName(rec.KeyID), key) // without a cache it is asked again next time
		}
		return use(key)
	}
	return nil, &wrongPassphraseError{s.dir}
}

// newKey makes the data key of a store about to be created or encrypted: into the OS
// keyring when there is one, wrapped with the passphrase when one is given, and never
// neither. forget undoes what newKey put into keyrings, for when the store is not made
// after all.
func (s *Store) newKey() (v *vault, forget func(), err error) {
	key := make([]byte, keySize)
	rand.Read(key)
	idb := make([]byte, 16)
	rand.Read(idb)
	id := hex.EncodeToString(idb)
	rec, err := newCryptRecord(id, key)
	if err != nil {
		return nil, nil, err
	}
	name := keyName(id)
	var placed []Keyring
	forget = func() {
		for _, kr := range placed {
			_ = kr.Delete(name)
		}
	}
	inKeyring := false
	if s.opts.Keyring != nil {
		if err := s.opts.Keyring.Set(name, key); err == nil {
			inKeyring = true
			placed = append(placed, s.opts.Keyring)
		}
	}
	var p string
	if s.opts.Passphrase != nil {
		if p, err = s.opts.Passphrase(true, !inKeyring); err != nil {
			forget()
			return nil, nil, fmt.Errorf("a passphrase for the store in %s: %w", s.dir, err)
		}
	}
	if p == "" && !inKeyring {
		return nil, nil, fmt.Errorf("there is no keyring on this machine to keep the key of the store in %s: give it a passphrase (dagsorden asks for one in a terminal; scripts set %s)", s.dir, EnvPassphrase)
	}
	if p != "" {
		kdf := s.opts.KDF
		if kdf == (KDFParams{}) {
			kdf = DefaultKDF
		}
		if err := rec.wrap(key, p, kdf); err != nil {
			forget()
			return nil, nil, err
		}
		if s.opts.Session != nil && s.opts.Session.Set(name, key) == nil {
			placed = append(placed, s.opts.Session)
		}
	}
	v, err = newVault(id, key)
	if err != nil {
		forget()
		return nil, nil, err
	}
	v.rec = rec
	return v, forget, nil
}

// KeyInfo says where a store's data key is kept.
type KeyInfo struct {
	KeyID         string
	InKeyring     bool // in this machine's OS keyring
	InSession     bool // cached for this login session
	HasPassphrase bool // wrapped with a passphrase in the store
}

// KeyInfo reports where the store's key is kept.
func (s *Store) KeyInfo() KeyInfo {
	rec := s.vault.rec
	has := func(kr Keyring) bool {
		if kr == nil {
			return false
		}
		k, err := kr.Get(keyName(rec.KeyID))
		return err == nil && rec.checks(k)
	}
	return KeyInfo{KeyID: rec.KeyID, InKeyring: has(s.opts.Keyring), InSession: has(s.opts.Session),
		HasPassphrase: rec.hasPassphrase()}
}

// SetPassphrase wraps the data key with a new passphrase (replacing the old one), so
// the store opens where its key is not in the keyring. It does not re-encrypt anything:
// the data key stays the same.
func (s *Store) SetPassphrase(passphrase string) error {
	if passphrase == "" {
		return errors.New("the passphrase is empty")
	}
	kdf := s.opts.KDF
	if kdf == (KDFParams{}) {
		kdf = DefaultKDF
	}
	rec := *s.vault.rec
	if err := rec.wrap(s.vault.key, passphrase, kdf); err != nil {
		return err
	}
	err := s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyCrypt, encodeCrypt(&rec))
	})
	if err != nil {
		return fmt.Errorf("the passphrase was not set: %w", err)
	}
	s.vault.rec = &rec
	return nil
}

// RememberKey puts the data key into this machine's OS keyring, so the passphrase is not
// asked here again.
func (s *Store) RememberKey() error {
	if s.opts.Keyring == nil {
		return errors.New("there is no keyring on this machine")
	}
	if err := s.opts.Keyring.Set(keyName(s.vault.id), s.vault.key); err != nil {
		return fmt.Errorf("the keyring did not take the key: %w", err)
	}
	return nil
}

// ForgetKey takes the data key out of this machine's OS keyring and the session cache.
// It refuses when the store has no passphrase: the key would be lost, and the store
// with it.
func (s *Store) ForgetKey() error {
	if !s.vault.rec.hasPassphrase() {
		return errors.New("the store has no passphrase: without the key in the keyring nothing could open it; set one first with `dagsorden passphrase`")
	}
	for _, kr := range []Keyring{s.opts.Keyring, s.opts.Session} {
		if kr != nil {
			if err := kr.Delete(keyName(s.vault.id)); err != nil && !errors.Is(err, ErrKeyNotFound) {
				return fmt.Errorf("cannot take the key out of the keyring: %w", err)
			}
		}
	}
	return nil
}

// Lock forgets the key cached for this login session: the next command asks for the
// passphrase again (unless the key is in the OS keyring).
func (s *Store) Lock() error {
	if s.opts.Session == nil {
		return nil
	}
	if err := s.opts.Session.Delete(keyName(s.vault.id)); err != nil && !errors.Is(err, ErrKeyNotFound) {
		return fmt.Errorf("cannot forget the session's key: %w", err)
	}
	return nil
}

// ForgetUnlockedKeys makes this process forget the data keys it has unlocked: the next
// Open looks for its key as a new process would (a benchmark of start-up; a long-running
// process that locks).
func ForgetUnlockedKeys() {
	unlocked.Range(func(k, _ any) bool { unlocked.Delete(k); return true })
}
