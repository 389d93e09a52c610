package store

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

const (
	envCrashDir  = "DAGSORDEN_UPGRADE_CRASH_DIR"
	envCrashStep = "DAGSORDEN_UPGRADE_CRASH_STEP"
)

// TestUpgradeCrashChild is not a test: it is the process TestUpgradeSurvivesACrash
// kills, by exiting at one step of the upgrade without running a single defer.
func TestUpgradeCrashChild(t *testing.T) {
	dir, step := os.Getenv(envCrashDir), os.Getenv(envCrashStep)
	if dir == "" {
		t.Skip("run by TestUpgradeSurvivesACrash")
	}
	upgradeStep = func(s string) {
		if s == step {
			os.Exit(7)
		}
	}
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	os.Exit(3) // the step never came
}

// A process that dies at any step of the upgrade leaves the old store or the new one,
// whole; the next Open finishes the job (or has nothing to do) and leaves nothing in the
// clear behind.
func TestUpgradeSurvivesACrash(t *testing.T) {
	old := readFile(t, filepath.Join("testdata", "v3-plaintext.db"))
	for _, step := range []string{"backup", "migrated", "compacted", "copied", "renamed"} {
		t.Run(step, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			if err := os.WriteFile(path, old, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestUpgradeCrashChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), envCrashDir+"="+dir, envCrashStep+"="+step)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 7 {
				t.Fatalf("the child did not stop at %s: %v\n%s", step, err, out)
			}
			now := readFile(t, path)
			if step != "renamed" && !bytes.Equal(now, old) {
				t.Fatalf("after a crash at %s the store is neither old nor new", step)
			}
			if step == "renamed" {
				db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
				if err != nil {
					t.Fatal(err)
				}
				_ = db.View(func(tx *bolt.Tx) error {
					if v := schemaVersion(tx); v != uint64(len(migrations)) {
						t.Errorf("after the rename: version %d", v)
					}
					return nil
				})
				db.Close()
			}
			forgetUnlocked()
			s, err := Open(dir)
			if err != nil {
				t.Fatalf("Open after a crash at %s: %v", step, err)
			}
			defer s.Close()
			checkReadable(t, s)
			checkIndex(t, s)
			checkSealed(t, dir)
		})
	}
}

// makeBackup is a backup of a small store made with v.
func makeBackup(t testing.TB, v *vault) []byte {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "s.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("x"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), bytes.Repeat([]byte("v"), 3<<20)) // several chunks
	}); err != nil {
		t.Fatal(err)
	}
	path, err := writeBackup(db, t.TempDir(), v)
	if err != nil {
		t.Fatal(err)
	}
	return readFile(t, path)
}

func testVault(t testing.TB, id string) *vault {
	t.Helper()
	v, err := newVault(id, bytes.Repeat([]byte(id[:1]), keySize))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A backup is outside input when it is restored: anything but a whole backup made with
// the store's key is refused with one sentence.
func TestReadBackupBadInput(t *testing.T) {
	v := testVault(t, "aaaa")
	good := makeBackup(t, v)
	var out bytes.Buffer
	if err := readBackup(bytes.NewReader(good), &out, v); err != nil {
		t.Fatalf("a good backup: %v", err)
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 1
	// The last chunk dropped: the one before it is not marked last.
	firstLen := int(good[len(backupMagic)+1+4+0])<<24 | int(good[len(backupMagic)+1+4+1])<<16 | int(good[len(backupMagic)+1+4+2])<<8 | int(good[len(backupMagic)+1+4+3])
	oneChunk := good[:len(backupMagic)+1+4+4+firstLen]
	for name, c := range map[string]struct {
		b []byte
		v *vault
	}{
		"empty":              {nil, v},
		"a store file":       {readFile(t, filepath.Join("testdata", "v3-plaintext.db")), v},
		"cut in a chunk":     {good[:len(good)-100], v},
		"last chunk dropped": {oneChunk, v},
		"a flipped bit":      {flipped, v},
		"another store's":    {good, testVault(t, "bbbb")},
		"huge chunk length":  {append([]byte(backupMagic+"\x04aaaa"), 0xff, 0xff, 0xff, 0xff), v},
	} {
		err := readBackup(bytes.NewReader(c.b), io.Discard, c.v)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %q is not one sentence", name, err)
		}
	}
}

func FuzzReadBackup(f *testing.F) {
	v := testVault(f, "aaaa")
	f.Add(makeBackup(f, v)[:4096])
	f.Add([]byte(backupMagic + "\x04aaaa\x00\x00\x00\x10"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = readBackup(bytes.NewReader(b), io.Discard, v) // must not panic or allocate without bound
	})
}

func FuzzDecodeCrypt(f *testing.F) {
	rec, _ := newCryptRecord("0123", make([]byte, keySize))
	_ = rec.wrap(make([]byte, keySize), "x", testKDF)
	f.Add(encodeCrypt(rec))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeCrypt(b)
		if err != nil {
			return
		}
		// A record that decodes must not make unwrap allocate beyond reason or panic.
		if r.KDF.MemoryKiB <= 1<<10 && r.KDF.Time <= 3 {
			_, _ = r.unwrap("x")
		}
		_ = r.checks(make([]byte, keySize))
	})
}
