package firstagenda

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	fa "github.com/dagsorden/dagsorden/agenda/firstagenda"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/httpx"
	"github.com/dagsorden/dagsorden/sync/internal/replay"
)

func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func wantOnly(name string) func(string) bool {
	return func(c string) bool { return agenda.NormalizeTitle(c) == agenda.NormalizeTitle(name) }
}

const committee = "Social- og Handicapudvalget"

func TestSubscribeToOneCommitteeThenReRelease(t *testing.T) {
	r := replay.New(t, replay.Options{})
	c, err := New(r.Start(t), httpx.New(httpx.Options{Rate: -1}))
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	var state State
	// The samples are from 2022–2024, long past: AllAttachments, or none would be fetched.
	opts := Options{Source: "greve", Wants: wantOnly(committee), Attachments: true, AllAttachments: true}
	ctx := context.Background()

	res, err := Sync(ctx, st, c, &state, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := len(r.IDs(committee))
	if r.Count("root") != 1 || r.Count("redirect") != 1 {
		t.Fatalf("session dance: %d front-page visits after %d redirects; want 1 and 1", r.Count("root"), r.Count("redirect"))
	}
	ms, err := st.Meetings()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != want || r.Count("meeting") != want || want != 27 {
		t.Fatalf("store has %d meetings after %d fetched; want the committee's %d (27)", len(ms), r.Count("meeting"), want)
	}
	for _, m := range ms {
		if m.Body.Name != committee {
			t.Fatalf("meeting of %q synced, but only %q was subscribed", m.Body.Name, committee)
		}
	}
	if res.Attachments == 0 || res.Attachments != r.Count("bilag") {
		t.Fatalf("%d attachments fetched (%d requests)", res.Attachments, r.Count("bilag"))
	}
	// Every PDF attachment's content is in the store.
	for _, m := range ms {
		full, _ := st.Meeting(m.ID)
		for _, it := range full.Items {
			for _, a := range it.Attachments {
				if a.MediaType != "application/pdf" {
					continue
				}
				content, err := st.Attachment(a.SHA256)
				if err != nil || !bytes.Contains(content, []byte(a.SourceID)) {
					t.Fatalf("attachment %q of %s not stored: %v", a.Title, m.Title, err)
				}
			}
		}
	}

	// Unchanged: the list only, no meeting fetched, nothing written.
	gen, _ := st.Generation()
	r.Reset()
	if _, err := Sync(ctx, st, c, &state, opts); err != nil {
		t.Fatal(err)
	}
	if r.Count("meeting") != 0 || r.Count("bilag") != 0 || r.Count("list") != 1 {
		t.Fatalf("unchanged site: %d meetings and %d attachments fetched; want none", r.Count("meeting"), r.Count("bilag"))
	}
	if g, _ := st.Generation(); g != gen {
		t.Fatal("an unchanged site caused a store write")
	}

	// Pick an item with a recommendation in one meeting and put a note on it.
	var pubID string
	var target agenda.Item
	var stored *agenda.Meeting
	for _, id := range r.IDs(committee) {
		p, err := fa.ParseSite("x", r.Data(id), r.URL)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Meetings[0].Items {
			if len(it.Recommendations) > 0 && !it.Closed {
				pubID, target = id, it
				stored, _ = st.Meeting(p.Meetings[0].ID)
				break
			}
		}
		if pubID != "" {
			break
		}
	}
	if stored == nil {
		t.Fatal("no item with a recommendation in the committee's meetings")
	}
	si := slices.IndexFunc(stored.Items, func(it agenda.Item) bool { return it.SourceID == target.SourceID })
	rec := 0
	anchor, err := agenda.AnchorOn(stored, &stored.Items[si], &rec)
	if err != nil {
		t.Fatal(err)
	}
	note := &agenda.Note{Anchor: anchor, Stance: agenda.StanceQuestion, Text: "Hvad koster det for borgerne?", Visibility: agenda.Private}
	if err := st.SaveNote(note); err != nil {
		t.Fatal(err)
	}

	// Re-release that meeting with the item retitled.
	r.Edit(t, pubID, func(doc map[string]any) {
		for _, x := range doc["Dagsordenpunkter"].([]any) {
			if it := x.(map[string]any); it["Id"] == target.SourceID {
				it["Navn"] = it["Navn"].(string) + " (revideret)"
			}
		}
	})
	r.SetReleased(pubID, "2025-06-01T10:00:00")
	r.Reset()
	res, err = Sync(ctx, st, c, &state, opts)
	if err != nil {
		t.Fatal(err)
	}
	if r.Count("meeting") != 1 || r.Count("bilag") != 0 {
		t.Fatalf("re-release: %d meetings and %d attachments fetched; want 1 and 0", r.Count("meeting"), r.Count("bilag"))
	}
	if len(res.Imports) != 1 || len(res.Imports[0].Changes) != 1 || res.Imports[0].Changes[0].Kind != agenda.Changed {
		t.Fatalf("re-release imports: %+v; want one meeting with one changed item", res.Imports)
	}
	after, err := st.Meeting(stored.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := st.Meetings(); len(n) != want {
		t.Fatalf("%d meetings after the re-release; want %d (updated in place)", len(n), want)
	}
	if after.Items[si].ID != stored.Items[si].ID || !strings.HasSuffix(after.Items[si].Title, "(revideret)") {
		t.Fatalf("item after re-release: %s %q", after.Items[si].ID, after.Items[si].Title)
	}
	if prev, err := st.PreviousItem(after.Items[si].ID); err != nil || prev.Title != target.Title {
		t.Fatalf("previous version kept for the diff: %v", err)
	}
	got, err := st.Note(note.ID)
	if err != nil || got.Text != note.Text || got.Status != agenda.StatusOK || got.Anchor.ItemID != after.Items[si].ID {
		t.Fatalf("note after the re-release: %+v, %v; want it kept on its item, status ok", got, err)
	}
}

// questions is the smallest body in the samples: 3 meetings, one item with 57
// attachments.
const questions = ".Spørgsmål / Svar til Byrådet 2022-2025"

func TestAttachmentOverTheCapIsKeptAsALink(t *testing.T) {
	r := replay.New(t, replay.Options{})
	// One PDF attachment of the committee is huge.
	big := ""
	for _, id := range r.IDs(questions) {
		var raw struct {
			Dagsordenpunkter []struct {
				Bilag []struct {
					ID            string `json:"Id"`
					HarPdfVersion any
				}
			}
		}
		json.Unmarshal(r.Data(id), &raw)
		for _, it := range raw.Dagsordenpunkter {
			for _, b := range it.Bilag {
				if fmt.Sprint(b.HarPdfVersion) == "true" && big == "" {
					big = b.ID
				}
			}
		}
	}
	if big == "" {
		t.Fatal("no PDF attachment in the committee")
	}
	r.SetBig(big)
	c, _ := New(r.Start(t), httpx.New(httpx.Options{Rate: -1}))
	st := openStore(t)
	var state State
	res, err := Sync(context.Background(), st, c, &state, Options{Wants: wantOnly(questions), Attachments: true, AllAttachments: true, MaxAttachment: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0], "larger than 1 MB") {
		t.Fatalf("skipped = %q; want one sentence about the big attachment", res.Skipped)
	}
	if len(res.Imports) != 3 || res.Attachments < 50 {
		t.Fatalf("%d meetings imported with %d attachments; the big attachment must not stop the others", len(res.Imports), res.Attachments)
	}
}

func TestDryRunFetchesButWritesNothing(t *testing.T) {
	r := replay.New(t, replay.Options{})
	c, _ := New(r.Start(t), httpx.New(httpx.Options{Rate: -1}))
	st := openStore(t)
	var state State
	res, err := Sync(context.Background(), st, c, &state, Options{Wants: wantOnly(questions), Attachments: true, AllAttachments: true, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Planned) != 3 || !res.Planned[0].New || r.Count("bilag") != 0 {
		t.Fatalf("dry run planned %d meetings (%d attachments fetched); want 3 new, none", len(res.Planned), r.Count("bilag"))
	}
	if ms, _ := st.Meetings(); len(ms) != 0 || len(state.Meetings) != 0 {
		t.Fatal("a dry run wrote to the store or the sync state")
	}
}

func TestSitesWithoutReleaseTimes(t *testing.T) {
	r := replay.New(t, replay.Options{})
	c, _ := New(r.Start(t), httpx.New(httpx.Options{Rate: -1}))
	st := openStore(t)
	var state State
	opts := Options{Wants: wantOnly(questions)}
	if _, err := Sync(context.Background(), st, c, &state, opts); err != nil {
		t.Fatal(err)
	}
	// A re-release with the same content: the conditional request answers 304.
	for _, id := range r.IDs(questions) {
		r.SetReleased(id, "2030-01-01T00:00:00")
	}
	r.Reset()
	if _, err := Sync(context.Background(), st, c, &state, opts); err != nil {
		t.Fatal(err)
	}
	if r.Count("not-modified") != 3 || r.Count("meeting") != 3 {
		t.Fatalf("%d of %d meeting requests answered 304; want 3 of 3", r.Count("not-modified"), r.Count("meeting"))
	}
	// No release times at all: meetings held long ago are settled, not fetched again.
	r.SetReleased("", "")
	r.Reset()
	if _, err := Sync(context.Background(), st, c, &state, opts); err != nil {
		t.Fatal(err)
	}
	if r.Count("meeting") != 0 {
		t.Fatalf("%d settled meetings fetched again", r.Count("meeting"))
	}
}

func TestSiteErrors(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"always redirects": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/" {
				w.Write([]byte("hi"))
				return
			}
			http.Redirect(w, r, "/", http.StatusFound)
		},
		"not json":       func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) },
		"no udvalg":      func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"x":1}`)) },
		"not found":      func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
		"server failing": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) },
	} {
		srv := httptest.NewServer(h)
		c, _ := New(srv.URL, httpx.New(httpx.Options{Rate: -1, Retries: 1, Backoff: time.Millisecond}))
		var state State
		_, err := Sync(context.Background(), openStore(t), c, &state, Options{})
		srv.Close()
		if err == nil {
			t.Errorf("%s: no error", name)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: multi-line error %q", name, err)
		}
	}
}

func TestParseCommitteesDropsUnsafeIDs(t *testing.T) {
	cs, err := ParseCommittees([]byte(`{"Udvalg":{"A":[{"Id":"1","Navn":"Byrådet","Historisk":false,"Moeder":[
		{"Id":"0b8a-11","Dato":"2024-01-01T17:00:00+01:00"},{"Id":"../../etc","Dato":""},{"Id":null},{"Id":"a/b"}]}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || len(cs[0].Meetings) != 1 || cs[0].Meetings[0].ID != "0b8a-11" {
		t.Fatalf("committees = %+v", cs)
	}
}

func FuzzParseCommittees(f *testing.F) {
	f.Add([]byte(`{"Udvalg":{"A":[{"Id":"1","Navn":"B","Moeder":[{"Id":"x","Dato":"2024-01-01T00:00:00"}]}]}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := ParseCommittees(data)
		if err != nil {
			return
		}
		for _, c := range cs {
			for _, m := range c.Meetings {
				if !ValidID(m.ID) {
					t.Fatalf("unsafe id %q accepted", m.ID)
				}
			}
		}
	})
}
