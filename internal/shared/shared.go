// Package shared finds the public sample documents in ../shared beside the checkout, for
// tests. They are never copied into the repository; when the folder is absent the tests
// that need it skip with a clear message.
package shared

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the shared folder (the one holding samples/ and seeds/), or skips t.
func Dir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("DAGSORDEN_SHARED"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Skipf("../shared not found: %v", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			s := filepath.Join(filepath.Dir(d), "shared")
			if _, err := os.Stat(filepath.Join(s, "samples")); err != nil {
				t.Skipf("public samples not found at %s (the shared folder beside the checkout); skipping", s)
			}
			return s
		}
		if filepath.Dir(d) == d {
			t.Skip("../shared not found: no go.mod above the test")
		}
	}
}

// Path joins elements below the shared folder, or skips t when the folder is absent.
func Path(t testing.TB, elem ...string) string {
	t.Helper()
	return filepath.Join(append([]string{Dir(t)}, elem...)...)
}
