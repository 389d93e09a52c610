package feed

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/httpx"
)

// testMeetings builds n meetings of a fictional committee, each with items that have
// sections, recommendations and (when attach > 0) one attachment of attach bytes.
func testMeetings(n, items, attach int) []agenda.Meeting {
	var out []agenda.Meeting
	start := time.Date(2025, 1, 6, 16, 0, 0, 0, agenda.Copenhagen)
	for i := range n {
		m := agenda.Meeting{
			Body:     agenda.Body{Name: []string{"Økonomiudvalget", "Teknik- og Miljøudvalget", "Byrådet"}[i%3]},
			Kind:     agenda.KindAgenda,
			Title:    fmt.Sprintf("Dagsorden %d", i+1),
			Start:    start.AddDate(0, 0, 7*i),
			Location: "Rådhuset, mødelokale 2",
			Source:   agenda.Source{Format: "example", Site: "https://dagsordener.fjordby.dk", PublicationID: fmt.Sprintf("pub-%d", i)},
		}
		for j := range items {
			it := agenda.Item{
				SourceID:   fmt.Sprintf("m%d-i%d", i, j),
				Number:     fmt.Sprint(j + 1),
				Title:      fmt.Sprintf("Sag %d.%d om budget og anlæg", i+1, j+1),
				CaseNumber: fmt.Sprintf("25-%05d", i*100+j),
				Sections: []agenda.Section{
					{Heading: "Sagsfremstilling", Text: fmt.Sprintf("Forvaltningen har udarbejdet et oplæg til møde %d, punkt %d. Se bilag.", i+1, j+1)},
					{Heading: "Indstilling", Text: "Forvaltningen indstiller, at\n\n- udvalget godkender oplægget\n- sagen sendes videre til Byrådet"},
				},
			}
			it.Recommendations = agenda.Recommendations(it.Sections[1].Text)
			if attach > 0 && j == 0 {
				content := bytes.Repeat([]byte(fmt.Sprintf("%%PDF-1.4 bilag %d ", i)), attach/16+1)[:attach]
				it.Attachments = []agenda.Attachment{{SourceID: fmt.Sprintf("b%d", i), Title: "Bilag 1: Oplæg", FileName: "oplaeg.pdf", MediaType: "application/pdf", Content: content}}
			}
			m.Items = append(m.Items, it)
		}
		agenda.AssignIDs(&m)
		out = append(out, m)
	}
	return out
}

func newKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

func publicKey(priv ed25519.PrivateKey) ed25519.PublicKey { return priv.Public().(ed25519.PublicKey) }

func publish(t testing.TB, ms []agenda.Meeting, dir string, priv ed25519.PrivateKey) PublishResult {
	t.Helper()
	res, err := Publish(agenda.Package{Meetings: ms}, dir, priv, PublishOptions{Title: "Test feed"})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// wire counts what crosses the wire, per path: requests, and answers with a body.
type wire struct {
	mu       sync.Mutex
	requests map[string]int
	bodies   map[string]int
	bytes    int64
}

func newWire() *wire { return &wire{requests: map[string]int{}, bodies: map[string]int{}} }

func (w *wire) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.requests, w.bodies, w.bytes = map[string]int{}, map[string]int{}, 0
}

func (w *wire) counts() (requests, bodies int, bytes int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, n := range w.requests {
		requests += n
	}
	for _, n := range w.bodies {
		bodies += n
	}
	return requests, bodies, w.bytes
}

func (w *wire) bodyPaths() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for p, n := range w.bodies {
		for range n {
			out = append(out, p)
		}
	}
	return out
}

// handler wraps h and counts at the server: an answer carries a body when any byte of
// it was written.
func (w *wire) handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		cw := &countingWriter{ResponseWriter: rw}
		h.ServeHTTP(cw, r)
		w.mu.Lock()
		w.requests[r.URL.Path]++
		if cw.n > 0 {
			w.bodies[r.URL.Path]++
			w.bytes += cw.n
		}
		w.mu.Unlock()
	})
}

type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.ResponseWriter.Write(b)
	c.n += int64(n)
	return n, err
}

// transport counts at the client, for servers that are not ours (python's).
func (w *wire) transport(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(r)
		if err != nil {
			return resp, err
		}
		path := r.URL.Path
		resp.Body = &countingBody{ReadCloser: resp.Body, done: func(n int64) {
			w.mu.Lock()
			w.requests[path]++
			if n > 0 {
				w.bodies[path]++
				w.bytes += n
			}
			w.mu.Unlock()
		}}
		return resp, nil
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type countingBody struct {
	io.ReadCloser
	n    int64
	once sync.Once
	done func(int64)
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	return n, err
}

func (b *countingBody) Close() error {
	b.once.Do(func() { b.done(b.n) })
	return b.ReadCloser.Close()
}

type fixture struct {
	t     testing.TB
	dir   string // the feed
	priv  ed25519.PrivateKey
	wire  *wire
	srv   *httptest.Server
	st    *store.Store
	state State
	cache *Cache
	// dropAfter > 0 makes the server drop every connection after that many answers.
	dropAfter, served atomic.Int64
}

func newFixture(t testing.TB, ms []agenda.Meeting) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), priv: newKey(t), wire: newWire()}
	publish(t, ms, f.dir, f.priv)
	feedHandler := Handler(f.dir)
	counted := f.wire.handler(feedHandler)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := f.dropAfter.Load(); n > 0 && f.served.Add(1) > n {
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return
				}
			}
		}
		counted.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	f.st = openStore(t)
	var err error
	if f.cache, err = OpenCache(filepath.Join(f.st.Dir(), "cache")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.cache.Close() })
	return f
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

func (f *fixture) sync() (Result, error) {
	return Sync(context.Background(), f.st, &f.state, Options{
		Source: "test", Location: f.srv.URL, Key: publicKey(f.priv), Cache: f.cache,
		HTTP: httpx.New(httpx.Options{Rate: -1, Retries: -1}),
	})
}

func (f *fixture) mustSync() Result {
	f.t.Helper()
	res, err := f.sync()
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

func export(t testing.TB, st *store.Store) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := st.ExportJSON(&b, ""); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func generation(t testing.TB, st *store.Store) uint64 {
	t.Helper()
	g, err := st.Generation()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func mustReject(t testing.TB, err error, contains string) {
	t.Helper()
	if !errors.Is(err, ErrRejected) {
		t.Fatalf("err = %v, want a rejection", err)
	}
	if !strings.Contains(err.Error(), contains) {
		t.Fatalf("rejection %q does not say %q", err, contains)
	}
	if strings.Count(strings.TrimSuffix(err.Error(), "."), ". ") > 0 || strings.Contains(err.Error(), "\n") {
		t.Fatalf("rejection %q is more than one sentence", err)
	}
}
