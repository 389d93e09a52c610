// Package replay is a FirstAgenda Publication site for tests and benchmarks, replayed
// from the public Greve samples in ../shared (it skips the test when they are absent):
// the committee list is built from each sample's Udvalg and Moede, /api/agenda/dagsorden
// serves the sample (with an ETag, answering If-None-Match with 304), and attachments are
// small fake PDFs. Like real sites, its API answers 302 until the client holds the
// anonymous session cookie from GET /, and with FileStore its attachment addresses
// redirect to a second server, the file store, as FirstAgenda's do to its storage.
//
// It counts every request by kind, with times, and the file store's most downloads at
// once, so tests can check a sync's politeness. It is test code: never imported by the
// program.
package replay

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
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
	"github.com/dagsorden/dagsorden/internal/shared"
)

// Meta is what the committee list says of one publication.
type Meta struct {
	CommitteeID, Committee string
	Dato, Begin, Name      string
}

// Options shape the site.
type Options struct {
	// ShiftNewestOf moves every date of the site by the same whole number of days, so
	// that the newest meeting of this committee is Ahead from now (default 3 days):
	// the samples are from 2022–2024, and what is upcoming and recent matters to a sync.
	ShiftNewestOf string
	Ahead         time.Duration
	// FileStore redirects attachment requests to a second server.
	FileStore bool
	// PDFSize pads each attachment to about this many bytes; FileDelay holds each
	// file-store download this long (so downloads at once can be seen).
	PDFSize   int
	FileDelay time.Duration
	// NoValidators serves meetings without ETag, as some sites do: a client can only
	// compare the content.
	NoValidators bool
}

// Site is the replayed site. Its methods are safe for concurrent use.
type Site struct {
	opts     Options
	mu       sync.Mutex
	meetings map[string][]byte // publication id → meeting JSON
	released map[string]string
	meta     map[string]Meta
	big      string // an attachment id served larger than any sane cap
	requests map[string][]time.Time
	inflight int
	most     int
	// URL and FileURL are the servers' addresses once started.
	URL, FileURL string
}

// New loads the samples; Start serves them.
func New(t testing.TB, opts Options) *Site {
	t.Helper()
	dir := shared.Path(t, "samples", "firstagenda", "greve")
	names, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(names) == 0 {
		t.Skipf("no Greve samples in %s", dir)
	}
	if opts.Ahead == 0 {
		opts.Ahead = 3 * 24 * time.Hour
	}
	s := &Site{opts: opts, meetings: map[string][]byte{}, released: map[string]string{}, meta: map[string]Meta{}, requests: map[string][]time.Time{}}
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
		s.meetings[raw.ID] = data
		s.meta[raw.ID] = Meta{raw.Udvalg.Id, raw.Udvalg.Navn, raw.Moede.Dato, raw.Moede.MeetingBeginUtc, raw.Moede.Navn}
		d, _ := time.Parse(time.RFC3339, raw.Moede.Dato)
		s.released[raw.ID] = d.AddDate(0, 0, -7).Format("2006-01-02T15:04:05")
	}
	if opts.ShiftNewestOf != "" {
		s.shift(t)
	}
	return s
}

// shift moves every meeting by whole days so the newest of the committee is upcoming.
func (s *Site) shift(t testing.TB) {
	var newest time.Time
	for _, m := range s.meta {
		if agenda.NormalizeTitle(m.Committee) != agenda.NormalizeTitle(s.opts.ShiftNewestOf) {
			continue
		}
		if d, err := time.Parse(time.RFC3339, m.Dato); err == nil && d.After(newest) {
			newest = d
		}
	}
	if newest.IsZero() {
		t.Fatalf("no committee %q in the samples", s.opts.ShiftNewestOf)
	}
	days := int(math.Ceil(time.Now().Add(s.opts.Ahead).Sub(newest).Hours() / 24))
	move := func(v string) string {
		d, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return v
		}
		return d.AddDate(0, 0, days).In(agenda.Copenhagen).Format(time.RFC3339)
	}
	for id, m := range s.meta {
		data := s.meetings[id]
		for _, old := range []string{m.Dato, m.Begin} {
			if old != "" {
				data = bytes.ReplaceAll(data, []byte(`"`+old+`"`), []byte(`"`+move(old)+`"`))
			}
		}
		s.meetings[id] = data
		m.Dato, m.Begin = move(m.Dato), move(m.Begin)
		s.meta[id] = m
		d, _ := time.Parse(time.RFC3339, m.Dato)
		s.released[id] = d.AddDate(0, 0, -7).Format("2006-01-02T15:04:05")
	}
}

// Start serves the site (and its file store) until the test ends.
func (s *Site) Start(t testing.TB) string {
	t.Helper()
	if s.opts.FileStore {
		files := httptest.NewServer(http.HandlerFunc(s.serveFile))
		t.Cleanup(files.Close)
		s.FileURL = files.URL
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return srv.URL
}

// IDs lists the committee's publication ids, oldest first.
func (s *Site) IDs(committee string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, m := range s.meta {
		if agenda.NormalizeTitle(m.Committee) == agenda.NormalizeTitle(committee) {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int {
		if c := strings.Compare(s.meta[a].Dato, s.meta[b].Dato); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return ids
}

// Meta returns what the list says of a publication.
func (s *Site) Meta(id string) Meta {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.meta[id]
}

// Data returns a publication's JSON.
func (s *Site) Data(id string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.meetings[id])
}

// Edit changes a publication's JSON in place (released stays as it is unless edit sets
// it): fn gets the decoded document.
func (s *Site) Edit(t testing.TB, id string, fn func(doc map[string]any)) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(s.meetings[id]))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	fn(doc)
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	s.meetings[id] = data
}

// Publish adds a publication (a referat, say) to the site under id.
func (s *Site) Publish(id string, data []byte, m Meta, released string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.meetings[id], s.meta[id], s.released[id] = data, m, released
}

// SetReleased sets what the list says of a publication's release time; id "" sets all.
func (s *Site) SetReleased(id, released string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.released {
		if id == "" || k == id {
			s.released[k] = released
		}
	}
}

// SetFileDelay changes how long each file-store download is held.
func (s *Site) SetFileDelay(d time.Duration) {
	s.mu.Lock()
	s.opts.FileDelay = d
	s.mu.Unlock()
}

// SetBig makes the attachment id far larger than any cap.
func (s *Site) SetBig(id string) {
	s.mu.Lock()
	s.big = id
	s.mu.Unlock()
}

// Count is how many requests of a kind arrived: root, redirect, list, meeting,
// not-modified, bilag (attachment requests at the site), file (file-store downloads).
func (s *Site) Count(kind string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests[kind])
}

// Times are when the requests of a kind arrived.
func (s *Site) Times(kind string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests[kind])
}

// APITimes are the times of every request to the site's API and front page: what its
// request budget covers.
func (s *Site) APITimes() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []time.Time
	for _, k := range []string{"root", "redirect", "list", "meeting"} {
		out = append(out, s.requests[k]...)
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// MostAtOnce is the most file-store downloads that ran at once.
func (s *Site) MostAtOnce() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.most
}

// Reset forgets the counts.
func (s *Site) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = map[string][]time.Time{}
	s.most = 0
}

func (s *Site) count(kind string) {
	s.requests[kind] = append(s.requests[kind], time.Now())
}

func (s *Site) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := req.URL.Path
	if p == "/" {
		s.count("root")
		http.SetCookie(w, &http.Cookie{Name: "ASP.NET_SessionId", Value: "anon", Path: "/"})
		w.Write([]byte("<html><body>Dagsordener</body></html>"))
		return
	}
	if strings.HasPrefix(p, "/api/") {
		if c, err := req.Cookie("ASP.NET_SessionId"); err != nil || c.Value != "anon" {
			s.count("redirect")
			http.Redirect(w, req, "/", http.StatusFound)
			return
		}
	}
	switch {
	case p == "/api/agenda/udvalgsliste":
		s.count("list")
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
		for id, m := range s.meta {
			u := byID[m.CommitteeID]
			if u == nil {
				u = &udvalg{Id: m.CommitteeID, Navn: m.Committee}
				byID[m.CommitteeID] = u
				order = append(order, m.CommitteeID)
			}
			u.Moeder = append(u.Moeder, moede{Id: id, Dato: m.Dato, MeetingBeginUtc: m.Begin, ReleasedDate: s.released[id], Navn: m.Name, Afsluttet: true})
		}
		slices.Sort(order)
		list := map[string]map[string][]*udvalg{"Udvalg": {"Udvalg": nil}}
		for _, id := range order {
			slices.SortFunc(byID[id].Moeder, func(a, b moede) int { return strings.Compare(a.Id, b.Id) })
			list["Udvalg"]["Udvalg"] = append(list["Udvalg"]["Udvalg"], byID[id])
		}
		json.NewEncoder(w).Encode(list)
	case strings.HasPrefix(p, "/api/agenda/dagsorden/"):
		s.count("meeting")
		data, ok := s.meetings[strings.TrimPrefix(p, "/api/agenda/dagsorden/")]
		if !ok {
			http.NotFound(w, req)
			return
		}
		sum := sha256.Sum256(data)
		etag := `"` + hex.EncodeToString(sum[:8]) + `"`
		if !s.opts.NoValidators {
			w.Header().Set("ETag", etag)
		}
		if !s.opts.NoValidators && req.Header.Get("If-None-Match") == etag {
			s.count("not-modified")
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(data)
	case strings.HasPrefix(strings.ToLower(p), "/vis/pdf/bilag/") && req.URL.Query().Get("redirectDirectlyToPdf") == "true":
		s.count("bilag")
		id := p[len("/vis/pdf/bilag/"):]
		if s.FileURL != "" {
			// A presigned address, valid a short while, as FirstAgenda's storage gives.
			http.Redirect(w, req, s.FileURL+"/files/"+id+".pdf?sig=x&se=300", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Write(s.pdf(id))
	default:
		http.NotFound(w, req)
	}
}

func (s *Site) serveFile(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	s.count("file")
	s.inflight++
	s.most = max(s.most, s.inflight)
	id := strings.TrimSuffix(strings.TrimPrefix(req.URL.Path, "/files/"), ".pdf")
	body := s.pdf(id)
	delay := s.opts.FileDelay
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inflight--
		s.mu.Unlock()
	}()
	if req.URL.Query().Get("sig") == "" {
		http.Error(w, "AuthenticationFailed", http.StatusForbidden)
		return
	}
	time.Sleep(delay)
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.Write(body)
}

// pdf is an attachment's content; callers hold mu.
func (s *Site) pdf(id string) []byte {
	if id == s.big {
		return bytes.Repeat([]byte("%PDF-1.4 stor "), 200000)
	}
	b := []byte(fmt.Sprintf("%%PDF-1.4\n%% bilag %s\n", id))
	if pad := s.opts.PDFSize - len(b) - 6; pad > 0 {
		b = append(b, bytes.Repeat([]byte("%"), pad)...)
		b = append(b, '\n')
	}
	return append(b, "%%EOF\n"...)
}
