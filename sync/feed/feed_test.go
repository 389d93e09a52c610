package feed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/httpx"
)

func TestSyncIntoEmptyStoreThenUnchanged(t *testing.T) {
	ms := testMeetings(6, 4, packLimit+10)
	f := newFixture(t, ms)
	res := f.mustSync()
	if res.Meetings != 6 || len(res.Imports) != 6 {
		t.Fatalf("index %d meetings, imported %d; want 6 and 6", res.Meetings, len(res.Imports))
	}
	got, err := f.st.Meetings()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 6 {
		t.Fatalf("store has %d meetings, want 6", len(got))
	}
	for _, want := range ms {
		m, err := f.st.Meeting(want.ID)
		if err != nil {
			t.Fatalf("meeting %s %s not in the store under its own id: %v", want.Body.Name, want.Title, err)
		}
		if len(m.Items) != len(want.Items) {
			t.Fatalf("%s: %d items, want %d", want.Title, len(m.Items), len(want.Items))
		}
		for i := range want.Items {
			w, g := want.Items[i], m.Items[i]
			if g.Title != w.Title || !slices.Equal(g.Sections, w.Sections) || !slices.Equal(g.Recommendations, w.Recommendations) {
				t.Fatalf("%s item %s differs after the feed:\n got %+v\nwant %+v", want.Title, w.Number, g, w)
			}
		}
		a := m.Items[0].Attachments[0]
		content, err := f.st.Attachment(a.SHA256)
		if err != nil || !bytes.Equal(content, want.Items[0].Attachments[0].Content) {
			t.Fatalf("attachment of %s not stored intact: %v", want.Title, err)
		}
		if m.Source.Format != "feed" || m.Source.Path != "" {
			t.Fatalf("source = %+v, want format feed and no path", m.Source)
		}
	}
	// Attachments live in the store now, not twice on disk; the small blobs stay
	// cached for the next update.
	for _, want := range ms {
		m, _ := f.st.Meeting(want.ID)
		if f.cache.Has(m.Items[0].Attachments[0].SHA256) {
			t.Fatalf("attachment of %s kept in the cache after it was stored", want.Title)
		}
	}

	gen := generation(t, f.st)
	f.wire.reset()
	res = f.mustSync()
	req, bodies, _ := f.wire.counts()
	if !res.NotModified || req != 1 || bodies != 0 {
		t.Fatalf("unchanged feed: notModified=%v, %d requests, %d bodies; want true, 1, 0", res.NotModified, req, bodies)
	}
	if g := generation(t, f.st); g != gen {
		t.Fatalf("an unchanged re-sync wrote to the store (generation %d → %d)", gen, g)
	}
}

func TestEditOneItemOnlyItsBlobTravels(t *testing.T) {
	ms := testMeetings(5, 5, 2000)
	f := newFixture(t, ms)
	f.mustSync()

	// A note on the recommendation whose item will change, and one on an item that won't.
	target := &ms[2].Items[3]
	stored, err := f.st.Meeting(ms[2].ID)
	if err != nil {
		t.Fatal(err)
	}
	rec := 1
	anchor, err := agenda.AnchorOn(stored, &stored.Items[3], &rec)
	if err != nil {
		t.Fatal(err)
	}
	note := &agenda.Note{Anchor: anchor, Stance: agenda.StanceAgainst, Text: "Vi stemmer imod videresendelsen.", Visibility: agenda.Private}
	if err := f.st.SaveNote(note); err != nil {
		t.Fatal(err)
	}

	target.Sections[0].Text += " Sagen er opdateret med nye tal."
	target.Recommendations[1].Text = "sagen sendes videre til Byrådet med forvaltningens bemærkninger"
	target.Sections[1].Text = "Forvaltningen indstiller, at\n\n- udvalget godkender oplægget\n- " + target.Recommendations[1].Text
	pub := publish(t, ms, f.dir, f.priv)
	if pub.NewBlobs != 2 {
		t.Fatalf("re-publishing one edited item wrote %d new blobs, want 2 (the item, the manifest)", pub.NewBlobs)
	}

	f.wire.reset()
	res := f.mustSync()
	paths := f.wire.bodyPaths()
	slices.Sort(paths)
	if len(paths) != 3 || !slices.Contains(paths, "/index.json") {
		t.Fatalf("bodies fetched: %v; want the index, one manifest and one item blob", paths)
	}
	if res.Fetched != 1 || len(res.Imports) != 1 {
		t.Fatalf("fetched %d meetings, imported %d; want 1 and 1", res.Fetched, len(res.Imports))
	}
	changes := res.Imports[0].Changes
	if len(changes) != 1 || changes[0].Kind != agenda.Changed || changes[0].Number != "4" || !changes[0].Recommendations {
		t.Fatalf("changes = %+v, want item 4 changed in its recommendations", changes)
	}
	m, err := f.st.Meeting(ms[2].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(m.Items[3].Sections[0].Text, "nye tal.") {
		t.Fatalf("item not updated: %q", m.Items[3].Sections[0].Text)
	}
	prev, err := f.st.PreviousItem(m.Items[3].ID)
	if err != nil || strings.Contains(prev.Sections[0].Text, "nye tal") {
		t.Fatalf("previous version of the item for the diff: %v, %v", prev, err)
	}
	got, err := f.st.Note(note.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != note.Text || got.Status != agenda.StatusChanged || got.Anchor.Recommendation == nil || *got.Anchor.Recommendation != 1 {
		t.Fatalf("note after re-publication: %+v; want its text, status changed, on recommendation 1", got)
	}
}

func TestTamperedBlobIsRefused(t *testing.T) {
	ms := testMeetings(4, 3, 1000)
	f := newFixture(t, ms)
	f.mustSync()
	before := export(t, f.st)
	gen := generation(t, f.st)

	ms[1].Items[2].Title = "Ny titel"
	ms[3].Items[0].Sections[0].Text = "Helt ny tekst"
	publish(t, ms, f.dir, f.priv)
	// Tamper with the new item blob of meeting 3 (same size, other content).
	idx := readIndex(t, f.dir, f)
	man := readManifest(t, f.dir, idx.Meetings[3].Manifest.SHA256)
	tamper(t, f.dir, man.Items[0].Body.SHA256)

	_, err := f.sync()
	mustReject(t, err, "does not match its hash")
	if !bytes.Equal(export(t, f.st), before) || generation(t, f.st) != gen {
		t.Fatal("the store changed although the feed was refused")
	}
	// Meeting 1's valid change was not applied either: nothing is applied from a feed
	// that fails verification.
	m, _ := f.st.Meeting(ms[1].ID)
	if m.Items[2].Title == "Ny titel" {
		t.Fatal("a meeting was applied from a feed with a tampered blob")
	}
}

func TestTamperedAttachmentIsRefused(t *testing.T) {
	ms := testMeetings(2, 2, 5000)
	f := newFixture(t, ms)
	man := readManifest(t, f.dir, readIndex(t, f.dir, f).Meetings[0].Manifest.SHA256)
	tamper(t, f.dir, man.Items[0].Attachments[0].SHA256)
	_, err := f.sync()
	mustReject(t, err, "does not match its hash")
	if got, _ := f.st.Meetings(); len(got) != 0 {
		t.Fatalf("%d meetings applied from a refused feed", len(got))
	}
}

func TestFeedSignedByAnotherKeyIsRefused(t *testing.T) {
	ms := testMeetings(3, 2, 0)
	f := newFixture(t, ms)
	f.mustSync()
	before := export(t, f.st)
	ms[0].Items[0].Title = "Ændret af en anden"
	// Someone else takes over the feed folder.
	if _, err := Publish(agenda.Package{Meetings: ms}, f.dir, newKey(t), PublishOptions{}); err == nil {
		t.Fatal("publishing with another key into an existing feed succeeded")
	}
	if _, err := Publish(agenda.Package{Meetings: ms}, f.dir, newKey(t), PublishOptions{ReplaceKey: true}); err != nil {
		t.Fatal(err)
	}
	_, err := f.sync()
	mustReject(t, err, "not the pinned publisher key "+Fingerprint(publicKey(f.priv)))
	if !bytes.Equal(export(t, f.st), before) {
		t.Fatal("the store changed although the feed was refused")
	}
}

func TestAlteredIndexIsRefused(t *testing.T) {
	f := newFixture(t, testMeetings(3, 2, 0))
	p := filepath.Join(f.dir, IndexName)
	data, _ := os.ReadFile(p)
	altered := bytes.Replace(data, []byte("Dagsorden 2"), []byte("Dagsorden X"), 1)
	if bytes.Equal(altered, data) {
		t.Fatal("fixture: title not found in the index")
	}
	os.WriteFile(p, altered, 0o644)
	_, err := f.sync()
	mustReject(t, err, "bad signature")
	if got, _ := f.st.Meetings(); len(got) != 0 {
		t.Fatal("applied a meeting from an index with a bad signature")
	}
}

func TestTrustOnFirstUse(t *testing.T) {
	f := newFixture(t, testMeetings(2, 1, 0))
	res, err := Sync(context.Background(), f.st, &f.state, Options{Location: f.srv.URL, Cache: f.cache})
	if err != nil {
		t.Fatal(err)
	}
	if !res.TrustedOnFirstUse || !res.Key.Equal(publicKey(f.priv)) {
		t.Fatalf("TOFU: trusted=%v key=%s; want the publisher's key %s", res.TrustedOnFirstUse, Fingerprint(res.Key), Fingerprint(publicKey(f.priv)))
	}
}

func TestReplayedOldIndexIsRefused(t *testing.T) {
	ms := testMeetings(2, 2, 0)
	f := newFixture(t, ms)
	old, _ := os.ReadFile(filepath.Join(f.dir, IndexName))
	f.mustSync()
	ms[0].Items[0].Title = "Nyere"
	publish(t, ms, f.dir, f.priv)
	f.mustSync()
	os.WriteFile(filepath.Join(f.dir, IndexName), old, 0o644)
	_, err := f.sync()
	mustReject(t, err, "older than the one already synced")
}

func TestRepublishingTheSameContentLeavesTheIndexAlone(t *testing.T) {
	ms := testMeetings(3, 2, 100)
	dir := t.TempDir()
	priv := newKey(t)
	first := publish(t, ms, dir, priv)
	before, _ := os.ReadFile(filepath.Join(dir, IndexName))
	again := publish(t, ms, dir, priv)
	after, _ := os.ReadFile(filepath.Join(dir, IndexName))
	if !first.IndexChanged || again.IndexChanged || again.NewBlobs != 0 || !bytes.Equal(before, after) {
		t.Fatalf("publishing unchanged content: first %+v, again %+v", first, again)
	}
}

func TestMissingBlobIsRefused(t *testing.T) {
	f := newFixture(t, testMeetings(2, 2, 0))
	man := readManifest(t, f.dir, readIndex(t, f.dir, f).Meetings[1].Manifest.SHA256)
	os.Remove(filepath.Join(f.dir, BlobDir, man.Items[1].Body.SHA256))
	_, err := f.sync()
	mustReject(t, err, "lacks blob")
}

func TestNoFeedThere(t *testing.T) {
	f := newFixture(t, testMeetings(1, 1, 0))
	os.Remove(filepath.Join(f.dir, IndexName))
	_, err := f.sync()
	mustReject(t, err, "there is no dagsorden feed")
}

func TestInterruptedSyncResumesWithoutRefetching(t *testing.T) {
	ms := testMeetings(8, 4, 4000)
	f := newFixture(t, ms)
	f.dropAfter.Store(15) // the network drops after 15 answers
	if _, err := f.sync(); err == nil {
		t.Fatal("sync over a dropping network succeeded")
	}
	if got, _ := f.st.Meetings(); len(got) != 0 {
		t.Fatalf("%d meetings applied before every blob was verified", len(got))
	}
	// What the first attempt finished (verified into the cache) must not travel again.
	f.cache.Close() // as a new process would: reopen and verify the pack
	var finished []string
	filepath.WalkDir(f.cache.dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && ValidHash(d.Name()) {
			finished = append(finished, d.Name())
		}
		return nil
	})
	f.cache.mu.Lock()
	f.cache.openPack()
	for h := range f.cache.index {
		finished = append(finished, h)
	}
	f.cache.mu.Unlock()
	if len(finished) == 0 {
		t.Fatal("the interrupted sync cached nothing; the test proves nothing")
	}
	f.dropAfter.Store(0)
	f.wire.reset()
	f.mustSync()
	for _, h := range finished {
		if n := f.wire.bodies["/"+BlobDir+"/"+h]; n > 0 {
			t.Errorf("blob %s was finished before the interruption and fetched again", h[:12])
		}
	}
	if got, _ := f.st.Meetings(); len(got) != 8 {
		t.Fatalf("after resuming: %d meetings, want 8", len(got))
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	ms := testMeetings(3, 3, 500)
	f := newFixture(t, ms)
	f.mustSync()
	ms[0].Items[1].Title = "Ny titel på punkt 2"
	ms[0].Items = append(ms[0].Items, agenda.Item{Number: "4", Title: "Eventuelt"})
	publish(t, ms, f.dir, f.priv)
	before, gen, state := export(t, f.st), generation(t, f.st), f.state
	res, err := Sync(context.Background(), f.st, &f.state, Options{Location: f.srv.URL, Key: publicKey(f.priv), Cache: f.cache, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Planned) != 1 || len(res.Planned[0].Changes) != 2 {
		t.Fatalf("plan = %+v, want one meeting with two changes", res.Planned)
	}
	if !bytes.Equal(export(t, f.st), before) || generation(t, f.st) != gen || f.state.Published != state.Published {
		t.Fatal("a dry run changed the store or the sync state")
	}
}

func TestSyncFromFolder(t *testing.T) {
	ms := testMeetings(3, 2, 100)
	dir, priv := t.TempDir(), newKey(t)
	publish(t, ms, dir, priv)
	st := openStore(t)
	cache, _ := OpenCache(t.TempDir())
	var state State
	opts := Options{Location: dir, Key: publicKey(priv), Cache: cache}
	if res, err := Sync(context.Background(), st, &state, opts); err != nil || len(res.Imports) != 3 {
		t.Fatalf("sync from a folder: %v, %+v", err, res)
	}
	res, err := Sync(context.Background(), st, &state, opts)
	if err != nil || !res.NotModified || res.Stats.Bodies != 0 {
		t.Fatalf("unchanged folder: %v, %+v", err, res)
	}
}

func TestPlainHTTPRefusedForRemoteHosts(t *testing.T) {
	st := openStore(t)
	cache, _ := OpenCache(t.TempDir())
	var state State
	_, err := Sync(context.Background(), st, &state, Options{Location: "http://feed.example.org/kkr", Cache: cache})
	if !errors.Is(err, httpx.ErrInsecure) {
		t.Fatalf("err = %v, want the plain-http refusal", err)
	}
}

func TestCommitteeFilter(t *testing.T) {
	ms := testMeetings(6, 1, 0)
	f := newFixture(t, ms)
	wants := func(body string) bool { return body == "Byrådet" }
	opts := Options{Location: f.srv.URL, Key: publicKey(f.priv), Cache: f.cache, Wants: wants, Filter: "byrådet"}
	res, err := Sync(context.Background(), f.st, &f.state, opts)
	if err != nil || len(res.Imports) != 2 {
		t.Fatalf("filtered sync: %v, %d imports; want 2 (the Byrådet meetings)", err, len(res.Imports))
	}
	// Widening the filter must not be answered by a 304 for the old selection.
	opts.Wants, opts.Filter = nil, ""
	res, err = Sync(context.Background(), f.st, &f.state, opts)
	if err != nil || res.NotModified || len(res.Imports) != 4 {
		t.Fatalf("widened sync: %v, notModified=%v, %d imports; want the 4 others", err, res.NotModified, len(res.Imports))
	}
}

func TestHandlerServesOnlyTheFeed(t *testing.T) {
	f := newFixture(t, testMeetings(1, 1, 0))
	os.WriteFile(filepath.Join(f.dir, "secret.txt"), []byte("x"), 0o644)
	for _, p := range []string{"/secret.txt", "/blobs/sha256/", "/blobs/sha256/../../secret.txt", "/blobs/sha256/ABC", "/"} {
		resp, err := f.srv.Client().Get(f.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("GET %s = %d, want 404", p, resp.StatusCode)
		}
	}
	resp, err := f.srv.Client().Get(f.srv.URL + "/" + IndexName)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("ETag") == "" || resp.Header.Get("Last-Modified") == "" {
		t.Fatalf("index served without validators: %v", resp.Header)
	}
}

func TestStoreKeepsNotesThroughFeedUpdates(t *testing.T) {
	// A removed item's note becomes orphaned, never deleted.
	ms := testMeetings(1, 3, 0)
	f := newFixture(t, ms)
	f.mustSync()
	m, _ := f.st.Meeting(ms[0].ID)
	anchor, _ := agenda.AnchorOn(m, &m.Items[2], nil)
	n := &agenda.Note{Anchor: anchor, Text: "Husk at spørge til økonomien.", Visibility: agenda.Private}
	if err := f.st.SaveNote(n); err != nil {
		t.Fatal(err)
	}
	ms[0].Items = ms[0].Items[:2]
	publish(t, ms, f.dir, f.priv)
	f.mustSync()
	got, err := f.st.Note(n.ID)
	if err != nil || got.Status != agenda.StatusOrphaned || got.Text != n.Text {
		t.Fatalf("note on a removed item: %+v, %v; want it kept, orphaned", got, err)
	}
	if _, err := f.st.PreviousItem(anchor.ItemID); err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
}

func readIndex(t testing.TB, dir string, f *fixture) *Index {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, IndexName))
	if err != nil {
		t.Fatal(err)
	}
	idx, _, err := OpenIndex(data, publicKey(f.priv), dir)
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

func readManifest(t testing.TB, dir, hash string) *Manifest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, BlobDir, hash))
	if err != nil {
		t.Fatal(err)
	}
	m, err := parseManifest(data, DefaultMaxAttachment)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// tamper flips one byte of a blob in the feed, keeping its size.
func tamper(t testing.TB, dir, hash string) {
	t.Helper()
	p := filepath.Join(dir, BlobDir, hash)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x20
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCachePackSurvivesATornTail(t *testing.T) {
	dir := t.TempDir()
	c, _ := OpenCache(dir)
	blobs := [][]byte{[]byte("eins"), []byte("zwei"), bytes.Repeat([]byte("x"), 3000)}
	var hashes []string
	for _, b := range blobs {
		h := hashOf(b)
		hashes = append(hashes, h)
		if err := c.Put(h, b); err != nil {
			t.Fatal(err)
		}
	}
	big := bytes.Repeat([]byte("stor"), packLimit/4+1)
	if err := c.Put(hashOf(big), big); err != nil {
		t.Fatal(err)
	}
	if err := c.Put(hashes[0], []byte("falsk")); err == nil {
		t.Fatal("Put accepted content that does not match its hash")
	}
	c.Close()
	// A kill in the middle of the last append.
	p := filepath.Join(dir, packName)
	fi, _ := os.Stat(p)
	os.Truncate(p, fi.Size()-100)
	c, _ = OpenCache(dir)
	defer c.Close()
	for i, h := range hashes {
		got, ok := c.Get(h)
		if want := i < 2; ok != want || (ok && !bytes.Equal(got, blobs[i])) {
			t.Fatalf("blob %d after a torn tail: ok=%v, want %v", i, ok, want)
		}
	}
	if got, ok := c.Get(hashOf(big)); !ok || !bytes.Equal(got, big) {
		t.Fatal("large blob file lost")
	}
	// Appends continue after the cut.
	if err := c.Put(hashes[2], blobs[2]); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c2, _ := OpenCache(dir)
	defer c2.Close()
	if !c2.Has(hashes[2]) {
		t.Fatal("blob appended after the repair is lost")
	}
	// A damaged blob file is found out and removed.
	bp := c2.filePath(hashOf(big))
	os.WriteFile(bp, []byte("kaput"), 0o600)
	if _, ok := c2.Get(hashOf(big)); ok {
		t.Fatal("damaged blob file returned")
	}
	if _, err := os.Stat(bp); err == nil {
		t.Fatal("damaged blob file kept")
	}
}

func hashOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestTwoProcessesShareTheCachePack(t *testing.T) {
	dir := t.TempDir()
	a, _ := OpenCache(dir)
	b, _ := OpenCache(dir)
	defer a.Close()
	defer b.Close()
	var hashes []string
	for i := range 20 {
		blob := []byte(fmt.Sprintf("blob %d from %s", i, []string{"a", "b"}[i%2]))
		h := hashOf(blob)
		hashes = append(hashes, h)
		c := a
		if i%2 == 1 {
			c = b
		}
		if err := c.Put(h, blob); err != nil {
			t.Fatal(err)
		}
		if _, ok := c.Get(h); !ok {
			t.Fatalf("blob %d unreadable right after its Put", i)
		}
	}
	fresh, _ := OpenCache(dir)
	defer fresh.Close()
	for i, h := range hashes {
		if _, ok := fresh.Get(h); !ok {
			t.Fatalf("blob %d lost when two caches appended to one pack", i)
		}
	}
}

func TestDocumentsTravelToo(t *testing.T) {
	dir, priv := t.TempDir(), newKey(t)
	doc := agenda.Document{Title: "Nyhedsbrev fra KKR", Date: time.Date(2025, 2, 1, 0, 0, 0, 0, agenda.Copenhagen),
		Source:   agenda.Source{Format: "text", Path: "/home/sekretariat/nyhedsbrev.txt"},
		Sections: []agenda.Section{{Heading: "Nyt om budgettet", Text: "Aftalen er på plads."}}}
	doc.ID = agenda.DocumentID(&doc, "")
	if _, err := Publish(agenda.Package{Meetings: testMeetings(1, 1, 0), Documents: []agenda.Document{doc}}, dir, priv, PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	cache, _ := OpenCache(t.TempDir())
	defer cache.Close()
	var state State
	res, err := Sync(context.Background(), st, &state, Options{Location: dir, Key: publicKey(priv), Cache: cache})
	if err != nil || res.Documents != 1 {
		t.Fatalf("%v, %d documents", err, res.Documents)
	}
	got, err := st.Document(doc.ID)
	if err != nil || got.Sections[0].Text != "Aftalen er på plads." {
		t.Fatalf("document after the feed: %+v, %v", got, err)
	}
	if got.Source.Path != "" {
		t.Fatalf("the publisher's file path %q travelled with the feed", got.Source.Path)
	}
}
