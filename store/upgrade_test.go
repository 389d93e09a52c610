package store

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
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
