package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSlowServersAreGivenUpOn: a site that trickles its answer a byte every 5 s and a
// feed that never sends headers each make `dagsorden sync` fail within 60 s with a line
// naming the source and saying what happened, instead of hanging for ten minutes.
func TestSlowServersAreGivenUpOn(t *testing.T) {
	trickle := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("{"))
		w.(http.Flusher).Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(5 * time.Second):
				w.Write([]byte(" "))
				w.(http.Flusher).Flush()
			}
		}
	}))
	t.Cleanup(trickle.Close)
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(silent.Close)

	for _, tc := range []struct {
		name, kind, url, want string
	}{
		{"trickle", "firstagenda", trickle.URL, "sent its answer too slowly"},
		{"silent", "feed", silent.URL, "sent no answer within 15 s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data := t.TempDir()
			// The sources file is plain TOML beside the store: a site that hangs could
			// not be added with source add (it is asked for its committees).
			list := "[[source]]\nname = \"" + tc.name + "\"\nkind = \"" + tc.kind + "\"\nurl = \"" + tc.url + "\"\n"
			if err := os.WriteFile(filepath.Join(data, "sources.toml"), []byte(list), 0o600); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			r := dagsorden(t, data, "sync")
			took := time.Since(start)
			t.Logf("%s: exit %d after %v: %s", tc.name, r.code, took.Round(time.Millisecond), strings.TrimSpace(r.stderr))
			if r.code == 0 || took > 60*time.Second {
				t.Fatalf("exit %d after %v; want a failure within 60 s", r.code, took)
			}
			line := "dagsorden: source " + tc.name + " failed: "
			if !strings.Contains(r.stderr, line) || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("stderr %q; want a line %q… saying it %s", r.stderr, line, tc.want)
			}
		})
	}
}
