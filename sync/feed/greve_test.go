package feed

import (
	"context"
	"crypto/ed25519"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/firstagenda"
	"github.com/dagsorden/dagsorden/internal/shared"
	"github.com/dagsorden/dagsorden/sync/httpx"
)

var greveOnce struct {
	sync.Mutex
	ms []agenda.Meeting
}

// greveMeetings parses the 288 Greve samples with the FirstAgenda importer (once per
// test binary) and returns a copy the caller may edit.
func greveMeetings(t testing.TB) []agenda.Meeting {
	t.Helper()
	greveOnce.Lock()
	defer greveOnce.Unlock()
	if greveOnce.ms == nil {
		greveOnce.ms = parseGreve(t)
	}
	out := slices.Clone(greveOnce.ms)
	for i := range out {
		out[i].Items = slices.Clone(out[i].Items)
		for j := range out[i].Items {
			it := &out[i].Items[j]
			it.Sections = slices.Clone(it.Sections)
			it.Recommendations = slices.Clone(it.Recommendations)
			it.Attachments = slices.Clone(it.Attachments)
		}
	}
	return out
}

func parseGreve(t testing.TB) []agenda.Meeting {
	t.Helper()
	dir := shared.Path(t, "samples", "firstagenda", "greve")
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(names) == 0 {
		t.Skipf("no Greve samples in %s", dir)
	}
	if raceEnabled {
		// Every sixth meeting: the full 288 run without -race (see race_test.go).
		var sample []string
		for i := 0; i < len(names); i += 6 {
			sample = append(sample, names[i])
		}
		names = sample
	}
	var ms []agenda.Meeting
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		p, err := firstagenda.Parse(filepath.Base(n), data)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, p.Meetings...)
	}
	return ms
}

// TestGreveFeed publishes the 288 Greve samples and syncs them. It proves the feed is
// plain files: a static server that is not ours, python3 -m http.server (Last-Modified,
// no ETag), serves it. Where python3 is missing it runs over Handler instead (ETags);
// the smaller tests cover Handler either way.
func TestGreveFeed(t *testing.T) {
	ms := greveMeetings(t)
	dir, priv := t.TempDir(), newKey(t)
	publish(t, ms, dir, priv)
	w := newWire()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Log("python3 is not installed: serving the feed with Handler instead")
		srv := httptest.NewServer(w.handler(Handler(dir)))
		defer srv.Close()
		greveScenario(t, ms, dir, priv, srv.URL, w, httpx.New(httpx.Options{Rate: -1, Retries: -1}))
		return
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(py, "-m", "http.server", "--bind", "127.0.0.1", "--directory", dir, port)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if i > 100 {
			t.Fatalf("python3 -m http.server did not start: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	client := httpx.New(httpx.Options{Rate: -1, Retries: -1, Transport: w.transport(http.DefaultTransport.(*http.Transport).Clone())})
	greveScenario(t, ms, dir, priv, "http://"+addr+"/", w, client)
}

func greveScenario(t *testing.T, ms []agenda.Meeting, dir string, priv ed25519.PrivateKey, url string, w *wire, client *httpx.Client) {
	st := openStore(t)
	cache, err := OpenCache(filepath.Join(st.Dir(), "cache"))
	if err != nil {
		t.Fatal(err)
	}
	var state State
	opts := Options{Location: url, Key: publicKey(priv), Cache: cache, HTTP: client}
	ctx := context.Background()

	res, err := Sync(ctx, st, &state, opts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.Meetings()
	if err != nil {
		t.Fatal(err)
	}
	want := 288
	if raceEnabled {
		want = (288 + 5) / 6
	}
	if len(got) != want || res.Meetings != want {
		t.Fatalf("store has %d meetings (index %d); want the %d Greve meetings", len(got), res.Meetings, want)
	}

	// Unchanged: one request, no body, no write.
	gen := generation(t, st)
	w.reset()
	res, err = Sync(ctx, st, &state, opts)
	if err != nil {
		t.Fatal(err)
	}
	if req, bodies, _ := w.counts(); !res.NotModified || req != 1 || bodies != 0 {
		t.Fatalf("unchanged re-sync: %d requests, %d bodies, notModified=%v; want 1, 0, true", req, bodies, res.NotModified)
	}
	if g := generation(t, st); g != gen {
		t.Fatalf("unchanged re-sync wrote to the store (generation %d → %d)", gen, g)
	}

	// Pick an open item with at least one recommendation and put a note on it.
	mi, ii := -1, -1
	for i := range ms {
		for j, it := range ms[i].Items {
			if !it.Closed && len(it.Recommendations) >= 1 && strings.Contains(it.Recommendations[0].Text, "godkend") {
				mi, ii = i, j
				break
			}
		}
		if mi >= 0 {
			break
		}
	}
	if mi < 0 {
		t.Fatal("no Greve item with a recommendation to approve something")
	}
	m := &ms[mi]
	stored, err := st.Meeting(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	sIdx := slices.IndexFunc(stored.Items, func(it agenda.Item) bool { return it.SourceID == m.Items[ii].SourceID })
	rec := 0
	anchor, err := agenda.AnchorOn(stored, &stored.Items[sIdx], &rec)
	if err != nil {
		t.Fatal(err)
	}
	note := &agenda.Note{Anchor: anchor, Stance: agenda.StanceFor, Text: "Gruppen støtter, men vil have en status om et år.", Visibility: agenda.Private}
	if err := st.SaveNote(note); err != nil {
		t.Fatal(err)
	}

	// Edit the recommendation's wording slightly and re-publish.
	it := &m.Items[ii]
	oldRec := it.Recommendations[0].Text
	newRec := strings.Replace(oldRec, "godkend", "principgodkend", 1)
	it.Recommendations[0].Text = newRec
	for k := range it.Sections {
		it.Sections[k].Text = strings.Replace(it.Sections[k].Text, oldRec, newRec, 1)
	}
	pub := publish(t, ms, dir, priv)
	if pub.NewBlobs != 2 {
		t.Fatalf("re-publishing one edited item wrote %d blobs, want 2", pub.NewBlobs)
	}
	idx := readIndexKey(t, dir, publicKey(priv))
	manifest := readManifest(t, dir, idx.Meetings[slices.IndexFunc(idx.Meetings, func(e IndexMeeting) bool { return e.ID == m.ID })].Manifest.SHA256)
	itemBlob := manifest.Items[ii].Body

	w.reset()
	res, err = Sync(ctx, st, &state, opts)
	if err != nil {
		t.Fatal(err)
	}
	paths := w.bodyPaths()
	slices.Sort(paths)
	wantPaths := []string{"/" + BlobDir + "/" + itemBlob.SHA256, "/" + BlobDir + "/" + idx.Meetings[slices.IndexFunc(idx.Meetings, func(e IndexMeeting) bool { return e.ID == m.ID })].Manifest.SHA256, "/" + IndexName}
	slices.Sort(wantPaths)
	if !slices.Equal(paths, wantPaths) {
		t.Fatalf("bodies after one edited item: %v\nwant only the index, its manifest and its blob: %v", paths, wantPaths)
	}
	_, _, bytes := w.counts()
	t.Logf("one item changed: %d bytes travelled (item blob %d bytes)", bytes, itemBlob.Size)
	if len(res.Imports) != 1 || len(res.Imports[0].Changes) != 1 || res.Imports[0].Changes[0].Kind != agenda.Changed {
		t.Fatalf("imports = %+v; want one meeting with one changed item", res.Imports)
	}
	after, err := st.Meeting(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Items[sIdx].Recommendations[0].Text != newRec {
		t.Fatalf("item not updated in place: %q", after.Items[sIdx].Recommendations[0].Text)
	}
	if prev, err := st.PreviousItem(after.Items[sIdx].ID); err != nil || prev.Recommendations[0].Text != oldRec {
		t.Fatalf("previous version for the diff: %v", err)
	}
	n, err := st.Note(note.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n.Text != note.Text || n.Status != agenda.StatusChanged || n.Anchor.ItemID != after.Items[sIdx].ID || *n.Anchor.Recommendation != 0 {
		t.Fatalf("note after the edit: status %s on %s/%v; want changed, on the same item and recommendation", n.Status, n.Anchor.ItemID, n.Anchor.Recommendation)
	}
	summaries, _ := st.Meetings()
	for _, s := range summaries {
		if s.ID != m.ID {
			continue
		}
		for _, is := range s.Items {
			if is.Changed != (is.ID == after.Items[sIdx].ID) {
				t.Fatalf("item %s marked changed=%v", is.Number, is.Changed)
			}
		}
	}
}

func readIndexKey(t testing.TB, dir string, pub []byte) *Index {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, IndexName))
	if err != nil {
		t.Fatal(err)
	}
	idx, _, err := OpenIndex(data, pub, dir)
	if err != nil {
		t.Fatal(err)
	}
	return idx
}
