// Package keys keeps the data keys of dagsorden's stores outside the store files: in the
// OS keyring (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows,
// through github.com/zalando/go-keyring), and, for a key unwrapped with the passphrase,
// in a cache that lasts as long as the login session ($XDG_RUNTIME_DIR).
//
// Both satisfy store.Keyring. The package holds no key itself and logs nothing.
package keys

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/dagsorden/dagsorden/store"
	"github.com/zalando/go-keyring"
)

// service is what the keyring files dagsorden's keys under.
const service = "dagsorden"

// OS is the operating system's keyring.
type OS struct{}

// Available reports whether the OS keyring can be asked at all. On Linux and the BSDs
// the Secret Service is reached over the session's D-Bus: without one (a server, a
// container, a text console) there is none, and asking would make the D-Bus library try
// to start a bus of its own.
func Available() bool {
	switch runtime.GOOS {
	case "darwin", "windows":
		return true
	}
	return os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
}

// Get returns the key of that name; store.ErrKeyNotFound when the keyring has none.
func (OS) Get(name string) ([]byte, error) {
	s, err := keyring.Get(service, name)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, store.ErrKeyNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("the keyring: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("the keyring's entry %q is not a dagsorden key", name)
	}
	return key, nil
}

// Set stores a key (base64: some keyrings keep text only).
func (OS) Set(name string, key []byte) error {
	if err := keyring.Set(service, name, base64.StdEncoding.EncodeToString(key)); err != nil {
		return fmt.Errorf("the keyring: %w", err)
	}
	return nil
}

// Delete removes a key; store.ErrKeyNotFound when there was none.
func (OS) Delete(name string) error {
	err := keyring.Delete(service, name)
	if errors.Is(err, keyring.ErrNotFound) {
		return store.ErrKeyNotFound
	}
	if err != nil {
		return fmt.Errorf("the keyring: %w", err)
	}
	return nil
}

// Session caches keys in files of a folder private to the user that the system empties
// when the login session ends: $XDG_RUNTIME_DIR/dagsorden (a tmpfs on systemd systems,
// removed at logout). A key is there only after it was unwrapped with the passphrase,
// and `dagsorden lock` removes it earlier.
type Session struct{ Dir string }

// SessionCache returns the login session's cache, or false when there is none:
// XDG_RUNTIME_DIR is unset, or is not a folder only this user can enter.
func SessionCache() (Session, bool) {
	run := os.Getenv("XDG_RUNTIME_DIR")
	if run == "" || !filepath.IsAbs(run) {
		return Session{}, false
	}
	fi, err := os.Stat(run)
	if err != nil || !fi.IsDir() || fi.Mode().Perm()&0o077 != 0 || !ownedByMe(fi) {
		return Session{}, false
	}
	return Session{Dir: filepath.Join(run, "dagsorden")}, true
}

func (s Session) path(name string) (string, error) {
	file := strings.ReplaceAll(name, " ", "-")
	if file == "" || strings.ContainsAny(file, `/\.`) {
		return "", fmt.Errorf("bad key name %q", name)
	}
	return filepath.Join(s.Dir, file), nil
}

// Get returns the cached key; store.ErrKeyNotFound when there is none.
func (s Session) Get(name string) ([]byte, error) {
	p, err := s.path(name)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, store.ErrKeyNotFound
	}
	return b, err
}

// Set caches a key in a new file of mode 0600, in a folder of mode 0700, replacing the
// old file in one rename.
func (s Session) Set(name string, key []byte) error {
	p, err := s.path(name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return err
	}
	if err := os.Chmod(s.Dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(s.Dir, ".key-*") // 0600
	if err != nil {
		return err
	}
	_, err = f.Write(key)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// Delete removes a cached key; store.ErrKeyNotFound when there was none.
func (s Session) Delete(name string) error {
	p, err := s.path(name)
	if err != nil {
		return err
	}
	err = os.Remove(p)
	if errors.Is(err, os.ErrNotExist) {
		return store.ErrKeyNotFound
	}
	return err
}

// Memory keeps keys in this process only: for a throw-away store (the demo), whose key
// must not outlive it.
type Memory struct {
	mu   sync.Mutex
	keys map[string][]byte
}

// Get returns the key; store.ErrKeyNotFound when there is none.
func (m *Memory) Get(name string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if k, ok := m.keys[name]; ok {
		return bytes.Clone(k), nil
	}
	return nil, store.ErrKeyNotFound
}

// Set keeps a key.
func (m *Memory) Set(name string, key []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.keys == nil {
		m.keys = map[string][]byte{}
	}
	m.keys[name] = bytes.Clone(key)
	return nil
}

// Delete forgets a key.
func (m *Memory) Delete(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.keys[name]; !ok {
		return store.ErrKeyNotFound
	}
	delete(m.keys, name)
	return nil
}

// Clear removes every cached key of the session (`dagsorden lock`); it says how many
// there were.
func (s Session) Clear() (int, error) {
	names, err := filepath.Glob(filepath.Join(s.Dir, "store-*"))
	if err != nil {
		return 0, err
	}
	for _, n := range names {
		if err := os.Remove(n); err != nil && !errors.Is(err, os.ErrNotExist) {
			return 0, err
		}
	}
	return len(names), nil
}
