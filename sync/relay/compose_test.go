package relay_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/dagsorden/dagsorden/sync/feed"
	"github.com/dagsorden/dagsorden/sync/relay"
)

// TestServeFeedAndRelayTogether is `dagsorden serve FEED_DIR --relay-data DIR` in small:
// one server, the feed at /, the relay under /relay/, each answering its own routes.
func TestServeFeedAndRelayTogether(t *testing.T) {
	feedDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(feedDir, feed.IndexName), []byte(`{"feed":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := relay.New(t.TempDir(), relay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	mux := http.NewServeMux()
	mux.Handle("/", feed.Handler(feedDir))
	mux.Handle(relay.Prefix+"/", r.Handler())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := relay.Server(ln.Addr().String(), mux)
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	resp, err := http.Get(base + "/" + feed.IndexName)
	if err != nil {
		t.Fatal(err)
	}
	var idx map[string]bool
	json.NewDecoder(resp.Body).Decode(&idx)
	resp.Body.Close()
	if resp.StatusCode != 200 || !idx["feed"] {
		t.Errorf("feed index: %d %v", resp.StatusCode, idx)
	}
	key := make([]byte, 32)
	rand.Read(key)
	body, _ := json.Marshal(relay.CreateGroupRequest{PublicKey: key})
	req, _ := http.NewRequest("POST", base+relay.Prefix+"/v1/groups", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+r.OperatorToken())
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("create group through the combined server: %d", resp.StatusCode)
	}
	if resp, err := http.Get(base + relay.Prefix + "/" + feed.IndexName); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("the relay's prefix served a feed file: %d", resp.StatusCode)
		}
	}
}
