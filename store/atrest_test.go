package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dagsorden/dagsorden/agenda"
	bolt "go.etcd.io/bbolt"
)

// mapKeyring is a Keyring in memory: the stand-in for the OS keyring in these tests
// (this machine and CI run none; keys/secretservice_test.go runs the real one).
type mapKeyring struct {
	mu   sync.Mutex
	keys map[string][]byte
}

func newMapKeyring() *mapKeyring { return &mapKeyring{keys: map[string][]byte{}} }

func (k *mapKeyring) Get(name string) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if v, ok := k.keys[name]; ok {
		return bytes.Clone(v), nil
	}
	return nil, ErrKeyNotFound
}

func (k *mapKeyring) Set(name string, key []byte) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys[name] = bytes.Clone(key)
	return nil
}

func (k *mapKeyring) Delete(name string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.keys[name]; !ok {
		return ErrKeyNotFound
	}
	delete(k.keys, name)
	return nil
}

// forgetUnlocked makes this process forget the keys it unlocked, as a new process would.
func forgetUnlocked() { ForgetUnlockedKeys() }

func passphrase(p string) func(bool, bool) (string, error) {
	return func(bool, bool) (string, error) { return p, nil }
}

// checkSealed asserts that no file of dir holds a secret of the fixture, and that grep
// would find the public texts (so the test can fail).
func checkSealed(t *testing.T, dir string) {
	t.Helper()
	for _, s := range atRestSecrets {
		if files := filesHolding(t, dir, s); len(files) > 0 {
			t.Errorf("%q is readable in %v", s, files)
		}
	}
	for _, s := range atRestPublic {
		if files := filesHolding(t, dir, s); len(files) == 0 {
			t.Errorf("the public text %q is not in the store file: the grep proves nothing", s)
		}
	}
}

// checkReadable asserts that the store still shows every secret to its member: search,
// export, the group's state.
func checkReadable(t *testing.T, s *Store) {
	t.Helper()
	for q, kind := range map[string]string{"kvistgaardsplanen": "note", "tornehøjforslaget": "note",
		"vestervang": "item", "blomsterdalsklausulen": "item", "ravnsborgaftalen": "attachment", "hundige": "item"} {
		hits, err := s.Search(q, 5)
		if err != nil || len(hits) == 0 || hits[0].Kind != kind {
			t.Errorf("Search(%q) = %+v, %v; want a %s first", q, hits, err, kind)
		}
	}
	var b bytes.Buffer
	if err := s.ExportJSON(&b, ""); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Meetings []json.RawMessage
		Notes    []struct{ Text string }
	}
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Købesummen fra Vestervang Ejendomme", "Blomsterdalsklausulen", "godkender salget til Vestervang",
		"Spørg til Kvistgaardsplanen og finansieringen", "Gruppen stemmer imod Tornehøjforslaget"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the export lacks %q", want)
		}
	}
	g, err := s.Group("A-gruppen")
	if err != nil {
		t.Fatal(err)
	}
	if g.Token != "relay-token-Hq7ZpX2vN4" || string(g.Key(2)) != "GROUPKEY-EPOCH-2-0123456789abcde" || string(g.PrivateKey) != "PRIVATEKEY-x25519-0123456789abcd" {
		t.Errorf("group state after sealing: %+v", g)
	}
	gn, err := s.GroupNote("A-gruppen", "feedfacefeedfacefeedfacefeedface")
	if err != nil || gn.Heads[0].Note.Text != "Gruppen stemmer imod Tornehøjforslaget" {
		t.Errorf("group note: %+v, %v", gn, err)
	}
	if ob, err := s.GroupOutbox("A-gruppen"); err != nil || len(ob) != 1 || string(ob[0].Data) != "sealed envelope" {
		t.Errorf("outbox: %+v, %v", ob, err)
	}
	m := atRestMeeting()
	sha := m.Items[1].Attachments[0].SHA256
	if sha == "" {
		sum := sha256.Sum256(m.Items[1].Attachments[0].Content)
		sha = strings.ToLower(hexString(sum[:]))
	}
	if c, err := s.Attachment(sha); err != nil || !bytes.Equal(c, m.Items[1].Attachments[0].Content) {
		t.Errorf("the closed item's attachment: %d bytes, %v", len(c), err)
	}
	if pages, err := s.AttachmentText(sha); err != nil || len(pages) != 1 || !strings.Contains(pages[0], "Ravnsborgaftalen") {
		t.Errorf("the closed item's attachment text: %q, %v", pages, err)
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestANewStoreKeepsNotesKeysAndClosedItemsSealed(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fillAtRest(t, s)
	checkSealed(t, dir)
	checkReadable(t, s)
	checkIndex(t, s)
	// A second Open, as a new process would: the key comes from the passphrase.
	forgetUnlocked()
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkReadable(t, s2)
	if fi, err := os.Stat(filepath.Join(dir, FileName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("store file mode: %v, %v", fi.Mode(), err)
	}
}

// A store written by the code before encryption (testdata/v3-plaintext.db, made by
// fillAtRest at version 3) is encrypted in place at Open, with a backup.
func TestAnOldStoreIsEncryptedAtOpenWithABackup(t *testing.T) {
	old := readFile(t, filepath.Join("testdata", "v3-plaintext.db"))
	for _, s := range atRestSecrets {
		if !bytes.Contains(old, []byte(s)) {
			t.Fatalf("the fixture lacks %q: it no longer shows what a plaintext store held", s)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), old, 0o600); err != nil {
		t.Fatal(err)
	}
	var told []string
	o := TestOptions()
	o.Notify = func(s string) { told = append(told, s) }
	s, err := OpenWith(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkSealed(t, dir)
	checkReadable(t, s)
	checkIndex(t, s)
	err = s.view(func(tx *bolt.Tx) error {
		if v := schemaVersion(tx); v != uint64(len(migrations)) {
			t.Errorf("version %d after the migration", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The backup: one file, 0600, named with the time, named in what the user is told,
	// and it decrypts to the old store exactly.
	backups, _ := filepath.Glob(filepath.Join(dir, FileName+".backup-*"))
	if len(backups) != 1 {
		t.Fatalf("backups: %v", backups)
	}
	if fi, _ := os.Stat(backups[0]); fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v", fi.Mode())
	}
	if !strings.Contains(strings.Join(told, "\n"), backups[0]) {
		t.Errorf("the user was told %q, not where the backup is", told)
	}
	f, err := os.Open(backups[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var restored bytes.Buffer
	if err := readBackup(f, &restored, s.vault); err != nil {
		t.Fatal(err)
	}
	// It is the old store: a bbolt file of version 3 with the plaintext note.
	rpath := filepath.Join(t.TempDir(), "restored.db")
	if err := os.WriteFile(rpath, restored.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	rdb, err := bolt.Open(rpath, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("the decrypted backup is no store: %v", err)
	}
	err = rdb.View(func(tx *bolt.Tx) error {
		if v := schemaVersion(tx); v != 3 {
			t.Errorf("the backup is of version %d", v)
		}
		notes, err := allNotes(tx)
		if err != nil || len(notes) != 2 {
			t.Errorf("the backup's notes: %+v, %v", notes, err)
		}
		return nil
	})
	rdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	// Nothing else is left in the folder.
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("data folder holds %v", ents)
	}
}

func TestWrongPassphraseAndMissingKeyAreOneSentenceAndChangeNothing(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	fillAtRest(t, s)
	s.Close()
	forgetUnlocked()
	before := readFile(t, filepath.Join(dir, FileName))

	_, err = OpenWith(dir, Options{Passphrase: passphrase("not the passphrase"), Attempts: 2})
	if !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if msg := err.Error(); strings.Count(msg, ". ") > 0 || !strings.Contains(msg, "passphrase does not open the store") {
		t.Errorf("not one sentence: %q", msg)
	}
	_, err = OpenWith(dir, Options{})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "is encrypted") || !strings.Contains(err.Error(), "DAGSORDEN_PASSPHRASE") {
		t.Errorf("no key: %v", err)
	}
	_, err = OpenWith(dir, Options{Passphrase: passphrase("")})
	if !errors.Is(err, ErrLocked) {
		t.Errorf("an empty passphrase: %v", err)
	}
	if !bytes.Equal(readFile(t, filepath.Join(dir, FileName)), before) {
		t.Error("a failed Open changed the store file")
	}
}

func TestKeyringSessionAndPassphrase(t *testing.T) {
	dir := t.TempDir()
	kr, session := newMapKeyring(), newMapKeyring()
	// A machine with a keyring: no passphrase is asked for a new store.
	asked := false
	o := Options{Keyring: kr, Session: session, KDF: testKDF,
		Passphrase: func(isNew, required bool) (string, error) { asked = asked || required; return "", nil }}
	s, err := OpenWith(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	fillAtRest(t, s)
	if asked || len(kr.keys) != 1 || len(session.keys) != 0 {
		t.Fatalf("asked %v, keyring %d keys, session %d", asked, len(kr.keys), len(session.keys))
	}
	if info := s.KeyInfo(); !info.InKeyring || info.HasPassphrase {
		t.Errorf("KeyInfo %+v", info)
	}
	s.Close()
	forgetUnlocked()
	if _, err := OpenWith(dir, o); err != nil {
		t.Fatalf("reopen with the key in the keyring: %v", err)
	}
	forgetUnlocked()
	// The folder on another machine (no keyring entry) and no passphrase: one sentence
	// that says what to do.
	_, err = OpenWith(dir, Options{Keyring: newMapKeyring(), Passphrase: passphrase("x")})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "dagsorden passphrase") {
		t.Fatalf("no key anywhere: %v", err)
	}
	// Forgetting a key nothing else can open is refused.
	s, err = OpenWith(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ForgetKey(); err == nil {
		t.Fatal("ForgetKey without a passphrase succeeded")
	}
	if err := s.SetPassphrase("korrekt hest batteri"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	forgetUnlocked()
	// Elsewhere: the passphrase opens it, and the session keeps the key.
	other := Options{Keyring: newMapKeyring(), Session: newMapKeyring(), Passphrase: passphrase("korrekt hest batteri")}
	s, err = OpenWith(dir, other)
	if err != nil {
		t.Fatalf("open with the passphrase: %v", err)
	}
	checkReadable(t, s)
	forgetUnlocked()
	other.Passphrase = nil
	if _, err := OpenWith(dir, other); err != nil {
		t.Fatalf("open from the session cache: %v", err)
	}
	if err := s.Lock(); err != nil {
		t.Fatal(err)
	}
	forgetUnlocked()
	if _, err := OpenWith(dir, other); !errors.Is(err, ErrLocked) {
		t.Fatalf("after Lock: %v", err)
	}
	// A changed passphrase: the old one no longer opens it.
	if err := s.SetPassphrase("ny sætning"); err != nil {
		t.Fatal(err)
	}
	forgetUnlocked()
	if _, err := OpenWith(dir, Options{Passphrase: passphrase("korrekt hest batteri")}); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("the old passphrase after a change: %v", err)
	}
	if _, err := OpenWith(dir, Options{Passphrase: passphrase("ny sætning")}); err != nil {
		t.Errorf("the new passphrase: %v", err)
	}
	// Forget it from the keyring now that there is a passphrase.
	s, err = OpenWith(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ForgetKey(); err != nil || len(kr.keys) != 0 {
		t.Errorf("ForgetKey: %v, %d keys left", err, len(kr.keys))
	}
}

// A machine without a keyring and without a passphrase cannot make a store: the key
// would be kept nowhere.
func TestNoKeyringAndNoPassphraseMakesNoStore(t *testing.T) {
	dir := t.TempDir()
	_, err := OpenWith(dir, Options{Passphrase: passphrase("")})
	if err == nil || !strings.Contains(err.Error(), "no keyring") {
		t.Fatalf("Open = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a store was made: %v", err)
	}
}

// The backup an upgrade makes brings the store back as it was, encrypted with the same
// key, and the store it replaces is kept.
func TestRestoreBackup(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), readFile(t, filepath.Join("testdata", "v3-plaintext.db")), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	backups, _ := filepath.Glob(filepath.Join(dir, FileName+".backup-*"))
	if len(backups) != 1 {
		t.Fatalf("backups %v", backups)
	}
	notes, _ := s.Notes()
	later := agenda.Note{Anchor: notes[0].Anchor, Text: "Skrevet efter opgraderingen"}
	if err := s.SaveNote(&later); err != nil {
		t.Fatal(err)
	}
	// A second Store (another process's reading room) has searched and keeps the
	// sealed documents decrypted; it must not take the restored ones for them.
	other, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if hits, _ := other.Search("opgraderingen", 5); len(hits) != 1 {
		t.Fatalf("the later note before the restore: %+v", hits)
	}
	gen := generationOf(t, other)
	kept, err := s.RestoreBackup(backups[0])
	if err != nil {
		t.Fatal(err)
	}
	if g := generationOf(t, other); g <= gen {
		t.Errorf("generation %d after the restore, %d before", g, gen)
	}
	if hits, _ := other.Search("opgraderingen", 5); len(hits) != 0 {
		t.Errorf("the other Store still finds the note the restore removed: %+v", hits)
	}
	if hits, _ := other.Search("kvistgaardsplanen", 5); len(hits) != 1 {
		t.Errorf("the other Store after the restore: %+v", hits)
	}
	if _, err := os.Stat(kept); err != nil {
		t.Errorf("the replaced store was not kept: %v", err)
	}
	after, err := s.Notes()
	if err != nil || len(after) != len(notes) {
		t.Errorf("notes after the restore: %d, %v; want the %d of the backup", len(after), err, len(notes))
	}
	checkReadable(t, s)
	checkIndex(t, s)
	checkSealed(t, dir)
	forgetUnlocked()
	if _, err := Open(dir); err != nil {
		t.Errorf("the restored store does not open with its key: %v", err)
	}
	if _, err := s.RestoreBackup(filepath.Join(dir, FileName)); err == nil {
		t.Error("a store file was taken for a backup")
	}
}

// Every value of the buckets that hold secrets is sealed, in a bucket added later too:
// any bucket whose name begins with "group" (the group protocol's) or "sealed_", and the
// notes. Items and previous versions are sealed exactly when they are closed.
func TestEverySensitiveBucketIsSealed(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fillAtRest(t, s)
	m := atRestMeeting()
	m.Items[1].Decision = "Ændret beslutning." // a previous version of the closed item
	m.Items[0].Title += " (rettet)"            // and of the open one
	if _, err := s.Import(agenda.Package{Meetings: []agenda.Meeting{m}}); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	err = s.view(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			n := string(name)
			always := n == string(bucketNotes) || strings.HasPrefix(n, "group") || strings.HasPrefix(n, "sealed_")
			items := n == string(bucketItems) || n == string(bucketPrevious)
			return b.ForEach(func(k, v []byte) error {
				if v == nil {
					return nil
				}
				want := always
				if items {
					pv, err := openValue(tx, name, k, v)
					if err != nil {
						return err
					}
					r, err := decodeItem(pv)
					if err != nil {
						return err
					}
					want = r.Item.Closed
				}
				if (always || items) && isSealed(v) != want {
					t.Errorf("%s/%x: sealed %v, want %v", n, k, isSealed(v), want)
				}
				if isSealed(v) {
					counts[n]++
				}
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"notes", "groups", "group_notes", "group_outbox", "items", "previous", "sealed_docs", "sealed_blobs", "attachment_text"} {
		if counts[b] == 0 {
			t.Errorf("no sealed value in %s: the fixture does not cover it", b)
		}
	}
}
