package firstagenda

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	fa "github.com/dagsorden/dagsorden/agenda/firstagenda"
	"github.com/dagsorden/dagsorden/internal/shared"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/httpx"
)

// replay is a FirstAgenda site built from the Greve samples: the committee list is made
// from each sample's Udvalg and Moede, dagsorden/{Id} serves the sample, and every
// attachment is a small fake PDF. Like some real sites, its API answers 302 until the
// client holds the anonymous session cookie from GET /.
type replay struct {
	mu       sync.Mutex
	meetings map[string][]byte // publication id → meeting JSON
	released map[string]string
	meta     map[string]sampleMeta
	bigPDF   string // an attachment id served larger than any sane cap
	requests map[string]int
}

type sampleMeta struct {
	CommitteeID, Committee string
	Dato, Begin, Name      string
}

func newReplay(t testing.TB) *replay {
	t.Helper()
	dir := shared.Path(t, "samples", "firstagenda", "greve")
	names, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(names) == 0 {
		t.Skipf("no Greve samples in %s", dir)
	}
	r := &replay{meetings: map[string][]byte{}, released: map[string]string{}, meta: map[string]sampleMeta{}, requests: map[string]int{}}
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		var raw struct {
			ID     string `json:"Id"`
			Udvalg struct{ Id, Navn string }
			Moede  struct {
				Dato, MeetingBeginUtc, Navn string
			}
		}
		if err := json.Unmarshal(data, &raw); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		r.meetings[raw.ID] = data
		r.meta[raw.ID] = sampleMeta{raw.Udvalg.Id, raw.Udvalg.Navn, raw.Moede.Dato, raw.Moede.MeetingBeginUtc, raw.Moede.Navn}
		d, _ := time.Parse(time.RFC3339, raw.Moede.Dato)
		r.released[raw.ID] = d.AddDate(0, 0, -7).Format("2006-01-02T15:04:05")
	}
	return r
}

func (r *replay) count(kind string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests[kind]
}

func (r *replay) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = map[string]int{}
}

func (r *replay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := req.URL.Path
	if p == "/" {
		r.requests["root"]++
		http.SetCookie(w, &http.Cookie{Name: "ASP.NET_SessionId", Value: "anon", Path: "/"})
		w.Write([]byte("<html><body>Dagsordener</body></html>"))
		return
	}
	if strings.HasPrefix(p, "/api/") {
		if c, err := req.Cookie("ASP.NET_SessionId"); err != nil || c.Value != "anon" {
			r.requests["redirect"]++
			http.Redirect(w, req, "/", http.StatusFound)
			return
		}
	}
	switch {
	case p == "/api/agenda/udvalgsliste":
		r.requests["list"]++
		type moede struct {
			Id, Dato, MeetingBeginUtc, ReleasedDate, Navn string
			Afsluttet                                     bool
		}
		type udvalg struct {
			Id, Navn  string
			Historisk bool
			Moeder    []moede
		}
		byID := map[string]*udvalg{}
		var order []string
		for id, m := range r.meta {
			u := byID[m.CommitteeID]
			if u == nil {
				u = &udvalg{Id: m.CommitteeID, Navn: m.Committee}
				byID[m.CommitteeID] = u
				order = append(order, m.CommitteeID)
			}
			u.Moeder = append(u.Moeder, moede{Id: id, Dato: m.Dato, MeetingBeginUtc: m.Begin, ReleasedDate: r.released[id], Navn: m.Name, Afsluttet: true})
		}
		slices.Sort(order)
		list := map[string]map[string][]*udvalg{"Udvalg": {"Udvalg": nil}}
		for _, id := range order {
			list["Udvalg"]["Udvalg"] = append(list["Udvalg"]["Udvalg"], byID[id])
		}
		json.NewEncoder(w).Encode(list)
	case strings.HasPrefix(p, "/api/agenda/dagsorden/"):
		r.requests["meeting"]++
		data, ok := r.meetings[strings.TrimPrefix(p, "/api/agenda/dagsorden/")]
		if !ok {
			http.NotFound(w, req)
			return
		}
		sum := sha256.Sum256(data)
		etag := `"` + hex.EncodeToString(sum[:8]) + `"`
		w.Header().Set("ETag", etag)
		if req.Header.Get("If-None-Match") == etag {
			r.requests["not-modified"]++
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(data)
	case strings.HasPrefix(strings.ToLower(p), "/vis/pdf/bilag/") && req.URL.Query().Get("redirectDirectlyToPdf") == "true":
		r.requests["bilag"]++
		id := p[len("/vis/pdf/bilag/"):]
		w.Header().Set("Content-Type", "application/pdf")
		if id == r.bigPDF {
			w.Write(bytes.Repeat([]byte("%PDF-1.4 stor "), 200000))
			return
		}
		fmt.Fprintf(w, "%%PDF-1.4\n%% bilag %s\n%%%%EOF\n", id)
	default:
		http.NotFound(w, req)
	}
}

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
	r := newReplay(t)
	srv := httptest.NewServer(r)
	defer srv.Close()
	c, err := New(srv.URL, httpx.New(httpx.Options{Rate: -1}))
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	var state State
	opts := Options{Source: "greve", Wants: wantOnly(committee), Attachments: true}
	ctx := context.Background()

	res, err := Sync(ctx, st, c, &state, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, m := range r.meta {
		if m.Committee == committee {
			want++
		}
	}
	if r.count("root") != 1 || r.count("redirect") != 1 {
		t.Fatalf("session dance: %d front-page visits after %d redirects; want 1 and 1", r.count("root"), r.count("redirect"))
	}
	ms, err := st.Meetings()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != want || r.count("meeting") != want || want != 27 {
		t.Fatalf("store has %d meetings after %d fetched; want the committee's %d (27)", len(ms), r.count("meeting"), want)
	}
	for _, m := range ms {
		if m.Body.Name != committee {
			t.Fatalf("meeting of %q synced, but only %q was subscribed", m.Body.Name, committee)
		}
	}
	if res.Attachments == 0 || res.Attachments != r.count("bilag") {
		t.Fatalf("%d attachments fetched (%d requests)", res.Attachments, r.count("bilag"))
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
	r.reset()
	if _, err := Sync(ctx, st, c, &state, opts); err != nil {
		t.Fatal(err)
	}
	if r.count("meeting") != 0 || r.count("bilag") != 0 || r.count("list") != 1 {
		t.Fatalf("unchanged site: %d meetings and %d attachments fetched; want none", r.count("meeting"), r.count("bilag"))
	}
	if g, _ := st.Generation(); g != gen {
		t.Fatal("an unchanged site caused a store write")
	}

	// Pick an item with a recommendation in one meeting and put a note on it.
	var pubID string
	var target agenda.Item
	var stored *agenda.Meeting
	ids := make([]string, 0, len(r.meta))
	for id := range r.meta {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if r.meta[id].Committee != committee {
			continue
		}
		p, err := fa.ParseSite("x", r.meetings[id], srv.URL)
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
	r.mu.Lock()
	var doc map[string]any
	if err := json.Unmarshal(r.meetings[pubID], &doc); err != nil {
		t.Fatal(err)
	}
	for _, x := range doc["Dagsordenpunkter"].([]any) {
		if it := x.(map[string]any); it["Id"] == target.SourceID {
			it["Navn"] = it["Navn"].(string) + " (revideret)"
		}
	}
	r.meetings[pubID], _ = json.Marshal(doc)
	r.released[pubID] = "2025-06-01T10:00:00"
	r.mu.Unlock()
	r.reset()
	res, err = Sync(ctx, st, c, &state, opts)
	if err != nil {
		t.Fatal(err)
	}
	if r.count("meeting") != 1 || r.count("bilag") != 0 {
		t.Fatalf("re-release: %d meetings and %d attachments fetched; want 1 and 0", r.count("meeting"), r.count("bilag"))
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
	r := newReplay(t)
	srv := httptest.NewServer(r)
	defer srv.Close()
	// One PDF attachment of the committee is huge.
	for id, m := range r.meta {
		if m.Committee != questions || r.bigPDF != "" {
			continue
		}
		var raw struct {
			Dagsordenpunkter []struct {
				Bilag []struct {
					ID            string `json:"Id"`
					HarPdfVersion any
				}
			}
		}
		json.Unmarshal(r.meetings[id], &raw)
		for _, it := range raw.Dagsordenpunkter {
			for _, b := range it.Bilag {
				if fmt.Sprint(b.HarPdfVersion) == "true" && r.bigPDF == "" {
					r.bigPDF = b.ID
				}
			}
		}
	}
	if r.bigPDF == "" {
		t.Fatal("no PDF attachment in the committee")
	}
	c, _ := New(srv.URL, httpx.New(httpx.Options{Rate: -1}))
	st := openStore(t)
	var state State
	res, err := Sync(context.Background(), st, c, &state, Options{Wants: wantOnly(questions), Attachments: true, MaxAttachment: 1 << 20})
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
	r := newReplay(t)
	srv := httptest.NewServer(r)
	defer srv.Close()
	c, _ := New(srv.URL, httpx.New(httpx.Options{Rate: -1}))
	st := openStore(t)
	var state State
	res, err := Sync(context.Background(), st, c, &state, Options{Wants: wantOnly(questions), Attachments: true, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Planned) != 3 || !res.Planned[0].New || r.count("bilag") != 0 {
		t.Fatalf("dry run planned %d meetings (%d attachments fetched); want 3 new, none", len(res.Planned), r.count("bilag"))
	}
	if ms, _ := st.Meetings(); len(ms) != 0 || len(state.Meetings) != 0 {
		t.Fatal("a dry run wrote to the store or the sync state")
	}
}

func TestSitesWithoutReleaseTimes(t *testing.T) {
	r := newReplay(t)
	srv := httptest.NewServer(r)
	defer srv.Close()
	c, _ := New(srv.URL, httpx.New(httpx.Options{Rate: -1}))
	st := openStore(t)
	var state State
	opts := Options{Wants: wantOnly(questions)}
	if _, err := Sync(context.Background(), st, c, &state, opts); err != nil {
		t.Fatal(err)
	}
	// A re-release with the same content: the conditional request answers 304.
	r.mu.Lock()
	for id, m := range r.meta {
		if m.Committee == questions {
			r.released[id] = "2030-01-01T00:00:00"
		}
	}
	r.mu.Unlock()
	r.reset()
	if _, err := Sync(context.Background(), st, c, &state, opts); err != nil {
		t.Fatal(err)
	}
	if r.count("not-modified") != 3 || r.count("meeting") != 3 {
		t.Fatalf("%d of %d meeting requests answered 304; want 3 of 3", r.count("not-modified"), r.count("meeting"))
	}
	// No release times at all: meetings held long ago are settled, not fetched again.
	r.mu.Lock()
	for id := range r.released {
		r.released[id] = ""
	}
	r.mu.Unlock()
	r.reset()
	if _, err := Sync(context.Background(), st, c, &state, opts); err != nil {
		t.Fatal(err)
	}
	if r.count("meeting") != 0 {
		t.Fatalf("%d settled meetings fetched again", r.count("meeting"))
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
