package sync

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/source"
)

// testMeetings builds n meetings of a fictional municipality with items, recommendations
// and, when attach > 0, one attachment of attach bytes per meeting.
func testMeetings(n, items, attach int) []agenda.Meeting {
	var out []agenda.Meeting
	start := time.Date(2025, 3, 3, 16, 0, 0, 0, agenda.Copenhagen)
	for i := range n {
		m := agenda.Meeting{
			Body:   agenda.Body{Name: []string{"Økonomiudvalget", "Børne- og Skoleudvalget"}[i%2]},
			Kind:   agenda.KindAgenda,
			Title:  fmt.Sprintf("Møde %d", i+1),
			Start:  start.AddDate(0, 0, 7*i),
			Source: agenda.Source{Format: "example", Site: "https://dagsordener.fjordby.example"},
		}
		for j := range items {
			ind := "Direktionen indstiller, at\n\n- planen godkendes\n- der afsættes midler i budgettet"
			it := agenda.Item{
				SourceID: fmt.Sprintf("m%di%d", i, j), Number: fmt.Sprint(j + 1),
				Title:    fmt.Sprintf("Punkt %d om skolestruktur", j+1),
				Sections: []agenda.Section{{Heading: "Sagsfremstilling", Text: fmt.Sprintf("Tekst til møde %d punkt %d.", i+1, j+1)}, {Heading: "Indstilling", Text: ind}},
			}
			it.Recommendations = agenda.Recommendations(ind)
			if attach > 0 && j == 0 {
				c := make([]byte, attach)
				for k := range c {
					c[k] = byte(i + k*7)
				}
				it.Attachments = []agenda.Attachment{{SourceID: fmt.Sprintf("b%d", i), Title: "Bilag", MediaType: "application/pdf", Content: c}}
			}
			m.Items = append(m.Items, it)
		}
		agenda.AssignIDs(&m)
		out = append(out, m)
	}
	return out
}

// writeNative writes meetings as a dagsorden package file, an input `publish` reads.
func writeNative(t testing.TB, path string, ms []agenda.Meeting) {
	t.Helper()
	data, err := json.Marshal(map[string]any{"format": "dagsorden/1", "meetings": ms})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// newDataDir is a data folder for a test. The old global sources file points nowhere
// real, so nothing a test does can read or write the member's own.
func newDataDir(t testing.TB) string {
	t.Helper()
	t.Setenv("DAGSORDEN_CONFIG", filepath.Join(t.TempDir(), "no-global-sources.toml"))
	return filepath.Join(t.TempDir(), "data")
}

func serveFeed(t testing.TB, dir string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeListener(ctx, l, Handler(dir)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return "http://" + l.Addr().String()
}

func TestEndToEndKeygenPublishServeAddSync(t *testing.T) {
	data := newDataDir(t)
	cfg := source.Path(data)
	work := t.TempDir()
	key := filepath.Join(work, "feed.key")
	fp, err := Keygen(key)
	if err != nil || !strings.HasPrefix(fp, "SHA256:") {
		t.Fatalf("Keygen: %q, %v", fp, err)
	}
	in := filepath.Join(work, "pakke.json")
	writeNative(t, in, testMeetings(4, 3, 0))
	out := filepath.Join(work, "feed")
	pub, err := Publish([]string{in, "../agenda/example/eksempel.json"}, out, key, false)
	if err != nil {
		t.Fatal(err)
	}
	if pub.Meetings != 5 || !pub.IndexChanged || pub.Fingerprint != fp {
		t.Fatalf("publish: %+v", pub)
	}
	url := serveFeed(t, out)

	ctx := context.Background()
	s, err := SourceAdd(ctx, AddOptions{Dir: data, Target: url, Name: "kkr"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Kind != source.KindFeed || s.Fingerprint != fp {
		t.Fatalf("added %+v; want a feed pinned to %s on first use", s, fp)
	}
	if fi, err := os.Stat(cfg); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("config file: %v", err)
	}
	list, err := SourceList(data)
	if err != nil || len(list) != 1 || list[0].Key == "" {
		t.Fatalf("list: %+v, %v", list, err)
	}

	st, err := store.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var reports []Progress
	res, err := Sync(ctx, st, Options{Progress: func(p Progress) { reports = append(reports, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Err != nil {
		t.Fatalf("results: %+v", res)
	}
	if added, _, _ := res[0].Counts(); added != 5 {
		t.Fatalf("%d meetings added, want 5", added)
	}
	if len(reports) == 0 || reports[len(reports)-1].Phase != "done" {
		t.Fatalf("progress reports: %+v", reports)
	}
	res, err = Sync(ctx, st, Options{SourceName: "kkr"})
	if err != nil || !res[0].NotModified || res[0].Requests != 1 || res[0].Bytes != 0 {
		t.Fatalf("second sync: %+v, %v; want not modified after one request", res, err)
	}
	if _, err := Sync(ctx, st, Options{SourceName: "nope"}); err == nil {
		t.Fatal("sync of an unknown source succeeded")
	}
	if err := SourceRemove(data, "kkr"); err != nil {
		t.Fatal(err)
	}
	if list, _ := SourceList(data); len(list) != 0 {
		t.Fatal("source not removed")
	}
}

func TestPublishFromStoreCarriesAttachmentsAndClosedItems(t *testing.T) {
	data := newDataDir(t)
	work := t.TempDir()
	key := filepath.Join(work, "k")
	Keygen(key)
	src, _ := store.Open(filepath.Join(work, "src"))
	ms := testMeetings(3, 2, 5000)
	ms[1].Items[1].Closed = true
	if _, err := src.Import(agenda.Package{Meetings: ms}); err != nil {
		t.Fatal(err)
	}
	src.Close()
	out := filepath.Join(work, "feed")
	if _, err := Publish([]string{filepath.Join(work, "src")}, out, key, true); err != nil {
		t.Fatal(err)
	}
	if _, err := SourceAdd(context.Background(), AddOptions{Dir: data, Target: out, KeyFile: key + ".pub"}); err != nil {
		t.Fatal(err)
	}
	dst, _ := store.Open(data)
	defer dst.Close()
	res, err := Sync(context.Background(), dst, Options{})
	if err != nil || res[0].Err != nil {
		t.Fatalf("%v %+v", err, res)
	}
	m, err := dst.Meeting(ms[1].ID)
	if err != nil || !m.Items[1].Closed {
		t.Fatalf("closed item not carried: %v", err)
	}
	m0, _ := dst.Meeting(ms[0].ID)
	if ok, _ := dst.HasAttachment(m0.Items[0].Attachments[0].SHA256); !ok {
		t.Fatal("attachment content not carried by the feed")
	}
	if _, err := Publish([]string{filepath.Join(work, "nostore")}, out, key, true); err == nil {
		t.Fatal("publishing from a folder without a store succeeded")
	}
}

func TestPublishRefusesBadInputsAndWritesNothing(t *testing.T) {
	work := t.TempDir()
	key := filepath.Join(work, "k")
	Keygen(key)
	good := filepath.Join(work, "good.json")
	writeNative(t, good, testMeetings(1, 1, 0))
	bad := filepath.Join(work, "bad.json")
	os.WriteFile(bad, []byte("{\"format\":\"dagsorden/1\",\"meetings\":[{"), 0o644)
	out := filepath.Join(work, "feed")
	_, err := Publish([]string{good, bad}, out, key, false)
	if err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Fatalf("err = %v; want one naming bad.json", err)
	}
	if _, err := os.Stat(filepath.Join(out, "index.json")); err == nil {
		t.Fatal("an index was written although an input was bad")
	}
	if _, err := Publish([]string{good}, out, filepath.Join(work, "missing.key"), false); err == nil {
		t.Fatal("publish without a key file succeeded")
	}
}

func TestSourceAddFirstAgendaSiteChecksCommittees(t *testing.T) {
	data := newDataDir(t)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/agenda/udvalgsliste":
			w.Write([]byte(`{"Udvalg":{"Udvalg":[{"Id":"1","Navn":"Økonomiudvalget","Moeder":[]},{"Id":"2","Navn":"Byrådet","Moeder":[]}]}}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer site.Close()
	ctx := context.Background()
	_, err := SourceAdd(ctx, AddOptions{Dir: data, Target: site.URL, Committees: []string{"Teknikudvalget"}})
	if err == nil || !strings.Contains(err.Error(), "Byrådet, Økonomiudvalget") {
		t.Fatalf("err = %v; want the list of committees there are", err)
	}
	s, err := SourceAdd(ctx, AddOptions{Dir: data, Target: site.URL, Name: "greve", Committees: []string{"økonomiudvalget"}})
	if err != nil || s.Kind != source.KindFirstAgenda {
		t.Fatalf("%+v, %v", s, err)
	}
	if _, err := SourceAdd(ctx, AddOptions{Dir: data, Target: site.URL, Name: "greve"}); err == nil {
		t.Fatal("a second source with the same name was added")
	}
	if _, err := SourceAdd(ctx, AddOptions{Dir: data, Target: "http://dagsordener.greve.dk"}); err == nil {
		t.Fatal("plain http to a remote host was accepted")
	}
}

func TestFailingSourceDoesNotStopOthers(t *testing.T) {
	data := newDataDir(t)
	work := t.TempDir()
	key := filepath.Join(work, "k")
	Keygen(key)
	in := filepath.Join(work, "p.json")
	writeNative(t, in, testMeetings(2, 1, 0))
	out := filepath.Join(work, "feed")
	if _, err := Publish([]string{in}, out, key, false); err != nil {
		t.Fatal(err)
	}
	url := serveFeed(t, out)
	if _, err := SourceAdd(context.Background(), AddOptions{Dir: data, Target: url, Name: "good"}); err != nil {
		t.Fatal(err)
	}
	// A source whose server has gone away.
	source.Update(source.Path(data), func(c *source.Config) error {
		return c.Add(source.Source{Name: "gone", Kind: source.KindFeed, URL: "http://127.0.0.1:1/feed"})
	})
	st, _ := store.Open(data)
	defer st.Close()
	res, err := Sync(context.Background(), st, Options{})
	if err != nil || len(res) != 2 {
		t.Fatalf("%v, %+v", err, res)
	}
	if res[0].Err != nil || res[1].Err == nil || res[1].Name != "gone" {
		t.Fatalf("results: good=%v gone=%v", res[0].Err, res[1].Err)
	}
}
