package keys_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/store/keys"
)

func TestSessionCache(t *testing.T) {
	run := t.TempDir()
	if err := os.Chmod(run, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_RUNTIME_DIR", run)
	s, ok := keys.SessionCache()
	if !ok {
		t.Fatal("no session cache in a private XDG_RUNTIME_DIR")
	}
	if _, err := s.Get("store abc"); !errors.Is(err, store.ErrKeyNotFound) {
		t.Fatalf("Get of nothing: %v", err)
	}
	key := bytes.Repeat([]byte{7}, 32)
	if err := s.Set("store abc", key); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get("store abc"); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("Get = %x, %v", got, err)
	}
	fi, err := os.Stat(filepath.Join(run, "dagsorden", "store-abc"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, %v", fi, err)
	}
	if di, _ := os.Stat(filepath.Join(run, "dagsorden")); di.Mode().Perm() != 0o700 {
		t.Errorf("cache folder mode %v", di.Mode())
	}
	if err := s.Delete("store abc"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("store abc"); !errors.Is(err, store.ErrKeyNotFound) {
		t.Errorf("second Delete: %v", err)
	}
	if err := s.Set("../escape", key); err == nil {
		t.Error("a name with a path in it was taken")
	}

	// A folder others can enter is no session cache.
	if err := os.Chmod(run, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, ok := keys.SessionCache(); ok {
		t.Error("a world-readable XDG_RUNTIME_DIR was used")
	}
	t.Setenv("XDG_RUNTIME_DIR", "")
	if _, ok := keys.SessionCache(); ok {
		t.Error("a session cache without XDG_RUNTIME_DIR")
	}
}

func TestNoSessionBusNoKeyring(t *testing.T) {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		t.Skip("the keyring is always there")
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	if keys.Available() {
		t.Error("a keyring without a session bus")
	}
}

const childEnv = "DAGSORDEN_KEYS_CHILD"

// TestSecretService runs a real Secret Service (gnome-keyring-daemon in a private D-Bus
// session) and puts a store's key into it: the store opens from the keyring alone, in a
// second process, with no passphrase anywhere.
func TestSecretService(t *testing.T) {
	for _, tool := range []string{"dbus-run-session", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install gnome-keyring dbus)", tool)
		}
	}
	dir := t.TempDir()
	home := t.TempDir() // gnome-keyring keeps its collections under $HOME
	script := `printf 'test' | gnome-keyring-daemon --unlock --components=secrets >/dev/null &&
"$0" -test.run='^TestSecretServiceChild$' -test.count=1 -test.v 2>&1 | sed 's/^/make: /' &&
DAGSORDEN_KEYS_STEP=reopen "$0" -test.run='^TestSecretServiceChild$' -test.count=1 -test.v 2>&1 | sed 's/^/reopen: /'`
	cmd := exec.Command("dbus-run-session", "--", "sh", "-c", script, os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"="+dir, "HOME="+home, "XDG_DATA_HOME="+home, "XDG_RUNTIME_DIR=")
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("the child processes: %v", err)
	}
	if strings.Count(string(out), "--- PASS: TestSecretServiceChild") != 2 {
		t.Fatal("the children did not both pass")
	}
}

// TestSecretServiceChild is not a test on its own: TestSecretService runs it.
func TestSecretServiceChild(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		t.Skip("run by TestSecretService")
	}
	if !keys.Available() {
		t.Fatal("no session bus in the child")
	}
	o := store.Options{Keyring: keys.OS{}} // no passphrase: the keyring alone
	if os.Getenv("DAGSORDEN_KEYS_STEP") == "" {
		s, err := store.OpenWith(dir, o)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if info := s.KeyInfo(); !info.InKeyring || info.HasPassphrase {
			t.Fatalf("KeyInfo %+v", info)
		}
		m := agenda.Meeting{Body: agenda.Body{Name: "Byrådet"}, Title: "Dagsorden", Source: agenda.Source{Format: "test"},
			Items: []agenda.Item{{Number: "1", Title: "Budget"}}}
		agenda.AssignIDs(&m)
		if _, err := s.Import(agenda.Package{Meetings: []agenda.Meeting{m}}); err != nil {
			t.Fatal(err)
		}
		n := agenda.Note{Anchor: agenda.Anchor{ItemID: m.Items[0].ID}, Text: "Hemmelig Skovbrynsplan"}
		if err := s.SaveNote(&n); err != nil {
			t.Fatal(err)
		}
		return
	}
	s, err := store.OpenWith(dir, o)
	if err != nil {
		t.Fatalf("reopen from the Secret Service: %v", err)
	}
	defer s.Close()
	notes, err := s.Notes()
	if err != nil || len(notes) != 1 || notes[0].Text != "Hemmelig Skovbrynsplan" {
		t.Fatalf("notes: %+v, %v", notes, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, store.FileName))
	if err != nil || bytes.Contains(b, []byte("Skovbrynsplan")) {
		t.Fatalf("the note is readable in the file (%v)", err)
	}
}
