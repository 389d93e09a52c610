package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigRoundTripAndPermissions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cfg", FileName)
	err := Update(path, func(c *Config) error {
		if err := c.Add(Source{Name: "greve", Kind: KindFirstAgenda, URL: "https://dagsordener.greve.dk", Committees: []string{"Økonomiudvalget"}}); err != nil {
			return err
		}
		return c.Add(Source{Name: "kkr", Kind: KindFeed, URL: "https://kkr.example.org/feed/", Key: "k", Fingerprint: "SHA256:x"})
	})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("config mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Sources) != 2 || c.Sources[0].Committees[0] != "Økonomiudvalget" || c.Sources[1].Key != "k" {
		t.Fatalf("loaded %+v", c.Sources)
	}
	if err := Update(path, func(c *Config) error { return c.Remove("greve") }); err != nil {
		t.Fatal(err)
	}
	c, _ = Load(path)
	if len(c.Sources) != 1 || c.Sources[0].Name != "kkr" {
		t.Fatalf("after remove: %+v", c.Sources)
	}
	if err := c.Remove("greve"); err == nil {
		t.Fatal("removing an absent source succeeded")
	}
}

func TestMissingConfigIsEmpty(t *testing.T) {
	c, err := Load(filepath.Join(t.TempDir(), "nope.toml"))
	if err != nil || len(c.Sources) != 0 {
		t.Fatalf("%v, %v", c, err)
	}
}

func TestLegacyPath(t *testing.T) {
	t.Setenv("DAGSORDEN_CONFIG", "/x/my.toml")
	if p := LegacyPath(); p != "/x/my.toml" {
		t.Errorf("file: %s", p)
	}
	t.Setenv("DAGSORDEN_CONFIG", "/x/dir")
	if p := LegacyPath(); p != "/x/dir/sources.toml" {
		t.Errorf("dir: %s", p)
	}
	t.Setenv("DAGSORDEN_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", "/cfg")
	if p := LegacyPath(); p != "/cfg/dagsorden/sources.toml" {
		t.Errorf("xdg: %s", p)
	}
}

func TestBadConfigs(t *testing.T) {
	for name, text := range map[string]string{
		"not toml":     "[[source]\nname=",
		"unknown key":  "[[source]]\nname='a'\nkind='feed'\nurl='https://a.example'\ncolour='red'\n",
		"unknown kind": "[[source]]\nname='a'\nkind='ftp'\nurl='https://a.example'\n",
		"plain http":   "[[source]]\nname='a'\nkind='feed'\nurl='http://a.example'\n",
		"twice":        "[[source]]\nname='a'\nkind='feed'\nurl='https://a.example'\n[[source]]\nname='a'\nkind='feed'\nurl='https://b.example'\n",
		"slash name":   "[[source]]\nname='../a'\nkind='feed'\nurl='https://a.example'\n",
		"site folder":  "[[source]]\nname='a'\nkind='firstagenda'\nurl='/tmp/x'\n",
		"rel folder":   "[[source]]\nname='a'\nkind='feed'\nurl='feed'\n",
	} {
		p := filepath.Join(t.TempDir(), FileName)
		os.WriteFile(p, []byte(text), 0o600)
		_, err := Load(p)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: multi-line error %q", name, err)
		}
	}
	ok := "[[source]]\nname='a'\nkind='feed'\nurl='http://127.0.0.1:8080/'\n[[source]]\nname='b'\nkind='feed'\nurl='http://x.example/'\ninsecure=true\n"
	p := filepath.Join(t.TempDir(), FileName)
	os.WriteFile(p, []byte(ok), 0o600)
	if _, err := Load(p); err != nil {
		t.Fatalf("loopback http and --insecure: %v", err)
	}
}

func TestWants(t *testing.T) {
	s := Source{Committees: []string{"Økonomiudvalget", "Klima-, Teknik- og Miljøudvalget"}}
	for body, want := range map[string]bool{
		"Økonomiudvalget":                true,
		"økonomiudvalget ":               true,
		"Klima, Teknik og Miljøudvalget": true,
		"Byrådet":                        false,
		"Social- og Handicapudvalget":    false,
	} {
		if got := s.Wants(body); got != want {
			t.Errorf("Wants(%q) = %v", body, got)
		}
	}
	if !(&Source{}).Wants("anything") {
		t.Error("a source without committees wants everything")
	}
}

func FuzzLoad(f *testing.F) {
	f.Add("[[source]]\nname='a'\nkind='feed'\nurl='https://a.example'\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		p := filepath.Join(t.TempDir(), FileName)
		os.WriteFile(p, []byte(text), 0o600)
		c, err := Load(p)
		if err == nil {
			for _, s := range c.Sources {
				if s.Validate() != nil {
					t.Fatalf("loaded an invalid source %+v", s)
				}
			}
		}
	})
}

func TestMoveLegacyOnceAndOnlyIntoAnEmptyFolder(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("DAGSORDEN_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", cfg)
	legacy := LegacyPath()
	if from, err := MoveLegacy(t.TempDir()); from != "" || err != nil {
		t.Fatalf("no old file: %q %v", from, err)
	}
	if err := Update(legacy, func(c *Config) error {
		return c.Add(Source{Name: "greve", Kind: KindFirstAgenda, URL: "https://dagsordener.greve.dk"})
	}); err != nil {
		t.Fatal(err)
	}
	// A folder with its own list keeps it; the old file stays for the default store.
	own := t.TempDir()
	Update(Path(own), func(c *Config) error {
		return c.Add(Source{Name: "kkr", Kind: KindFeed, URL: "https://kkr.example.org"})
	})
	if from, err := MoveLegacy(own); from != "" || err != nil {
		t.Fatalf("folder with its own list: %q %v", from, err)
	}
	dir := filepath.Join(t.TempDir(), "data")
	from, err := MoveLegacy(dir)
	if err != nil || from != legacy {
		t.Fatalf("move: %q %v", from, err)
	}
	c, err := Load(Path(dir))
	if err != nil || len(c.Sources) != 1 || c.Sources[0].Name != "greve" {
		t.Fatalf("moved list: %+v %v", c, err)
	}
	if fi, err := os.Stat(Path(dir)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("moved file: %v %v", fi, err)
	}
	if _, err := os.Stat(legacy); !os.IsNotExist(err) {
		t.Fatalf("the old file is still there: %v", err)
	}
	if from, _ := MoveLegacy(t.TempDir()); from != "" {
		t.Fatal("moved twice")
	}
	// A broken old file is reported, and nothing is written.
	os.WriteFile(legacy, []byte("[[source]\n"), 0o600)
	empty := t.TempDir()
	if _, err := MoveLegacy(empty); err == nil || !strings.Contains(err.Error(), "not valid TOML") {
		t.Fatalf("broken old file: %v", err)
	}
	if _, err := os.Stat(Path(empty)); !os.IsNotExist(err) {
		t.Fatal("a broken old file was copied")
	}
}
