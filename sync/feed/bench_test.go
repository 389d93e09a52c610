package feed

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/httpx"
)

// The budgets of issue 4, over loopback: 100 meetings with 20 MB of attachments.
const (
	benchMeetings = 100
	benchAttach   = 200 << 10 // one per meeting: 100 × 200 KB = 20 MB
)

type benchFeed struct {
	ms    []agenda.Meeting
	dir   string
	priv  ed25519.PrivateKey
	srv   *httptest.Server
	wire  *wire
	files []string // every file of the feed, as paths below the server
	bytes int64
}

func newBenchFeed(b *testing.B) *benchFeed {
	b.Helper()
	f := &benchFeed{ms: testMeetings(benchMeetings, 5, benchAttach), dir: b.TempDir(), wire: newWire()}
	f.priv = newKey(b)
	publish(b, f.ms, f.dir, f.priv)
	f.srv = httptest.NewServer(f.wire.handler(Handler(f.dir)))
	b.Cleanup(f.srv.Close)
	f.files = []string{IndexName}
	entries, _ := os.ReadDir(filepath.Join(f.dir, BlobDir))
	for _, e := range entries {
		f.files = append(f.files, BlobDir+"/"+e.Name())
		if fi, err := e.Info(); err == nil {
			f.bytes += fi.Size()
		}
	}
	return f
}

func (f *benchFeed) sync(b *testing.B, dataDir string, state *State) Result {
	st, err := store.Open(dataDir)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	cache, err := OpenCache(filepath.Join(dataDir, "cache"))
	if err != nil {
		b.Fatal(err)
	}
	defer cache.Close()
	res, err := Sync(context.Background(), st, state, Options{Location: f.srv.URL, Key: publicKey(f.priv), Cache: cache,
		HTTP: httpx.New(httpx.Options{Rate: -1, Retries: -1})})
	if err != nil {
		b.Fatal(err)
	}
	return res
}

// BenchmarkFirstSync: an empty store syncs the whole feed (fetch, verify, 100 store
// transactions with the attachments).
func BenchmarkFirstSync(b *testing.B) {
	f := newBenchFeed(b)
	b.SetBytes(f.bytes)
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		b.StartTimer()
		var state State
		if res := f.sync(b, dir, &state); len(res.Imports) != benchMeetings {
			b.Fatalf("%d meetings", len(res.Imports))
		}
	}
}

// nullStore takes what a sync applies and keeps nothing: with it the benchmark measures
// the sync's own part (transfer, verification, cache) without the store's writes.
type nullStore struct{}

func (nullStore) Import(p agenda.Package) ([]store.ImportResult, error) {
	return make([]store.ImportResult, len(p.Meetings)), nil
}
func (nullStore) Meeting(string) (*agenda.Meeting, error) { return nil, store.ErrNotFound }
func (nullStore) HasAttachment(string) (bool, error)      { return false, nil }

// BenchmarkFirstSyncTransfer is BenchmarkFirstSync without the store: fetch, verify,
// cache and assemble the 100 meetings, for comparison with curl.
func BenchmarkFirstSyncTransfer(b *testing.B) {
	f := newBenchFeed(b)
	b.SetBytes(f.bytes)
	for b.Loop() {
		b.StopTimer()
		cache, err := OpenCache(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		var state State
		res, err := Sync(context.Background(), nullStore{}, &state, Options{Location: f.srv.URL, Key: publicKey(f.priv), Cache: cache,
			HTTP: httpx.New(httpx.Options{Rate: -1, Retries: -1})})
		if err != nil || len(res.Imports) != benchMeetings {
			b.Fatalf("%v, %d meetings", err, len(res.Imports))
		}
		cache.Close()
	}
}

// BenchmarkUnchangedResync: the feed did not change since the last sync.
func BenchmarkUnchangedResync(b *testing.B) {
	f := newBenchFeed(b)
	dir := b.TempDir()
	var state State
	f.sync(b, dir, &state)
	f.wire.reset()
	for b.Loop() {
		if res := f.sync(b, dir, &state); !res.NotModified {
			b.Fatal("not a 304")
		}
	}
	_, bodies, _ := f.wire.counts()
	b.ReportMetric(float64(bodies), "bodies")
}

// BenchmarkOneItemChanged: one item of one meeting is edited and re-published.
func BenchmarkOneItemChanged(b *testing.B) {
	f := newBenchFeed(b)
	dir := b.TempDir()
	var state State
	f.sync(b, dir, &state)
	var moved int64
	n := 0
	for b.Loop() {
		b.StopTimer()
		f.ms[42].Items[3].Sections[0].Text = fmt.Sprintf("Ændret tekst nr. %d.", n)
		publish(b, f.ms, f.dir, f.priv)
		f.wire.reset()
		b.StartTimer()
		if res := f.sync(b, dir, &state); len(res.Imports) != 1 {
			b.Fatalf("%d meetings applied", len(res.Imports))
		}
		_, _, by := f.wire.counts()
		moved += by
		n++
	}
	b.ReportMetric(float64(moved)/float64(n), "wire-B/sync")
}

// curlConfig is a curl config that fetches every file of the feed to /dev/null.
func (f *benchFeed) curlConfig(b *testing.B) string {
	var cfg strings.Builder
	for _, p := range f.files {
		fmt.Fprintf(&cfg, "url = \"%s/%s\"\noutput = \"/dev/null\"\n", f.srv.URL, p)
	}
	path := filepath.Join(b.TempDir(), "curl.cfg")
	os.WriteFile(path, []byte(cfg.String()), 0o600)
	return path
}

// BenchmarkCurlSequential fetches the same files with one curl process, one after the
// other over a kept-alive connection: the yardstick for first-sync throughput.
func BenchmarkCurlSequential(b *testing.B) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		b.Skip("curl is not installed")
	}
	f := newBenchFeed(b)
	cfgPath := f.curlConfig(b)
	b.SetBytes(f.bytes)
	for b.Loop() {
		if out, err := exec.Command(curl, "-s", "-f", "-K", cfgPath).CombinedOutput(); err != nil {
			b.Fatalf("curl: %v %s", err, out)
		}
	}
}

// BenchmarkFirstSyncAgainstCurl runs a first sync and curl on the same files side by
// side in every iteration, so the ratio compares the two under the same load (the
// machine is shared): %-of-curl is the sync's throughput as a share of curl's.
func BenchmarkFirstSyncAgainstCurl(b *testing.B) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		b.Skip("curl is not installed")
	}
	f := newBenchFeed(b)
	cfgPath := f.curlConfig(b)
	var syncTime, curlTime time.Duration
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		start := time.Now()
		var state State
		f.sync(b, dir, &state)
		syncTime += time.Since(start)
		start = time.Now()
		if out, err := exec.Command(curl, "-s", "-f", "-K", cfgPath).CombinedOutput(); err != nil {
			b.Fatalf("curl: %v %s", err, out)
		}
		curlTime += time.Since(start)
		b.StartTimer()
	}
	b.ReportMetric(float64(syncTime.Milliseconds())/float64(b.N), "sync-ms")
	b.ReportMetric(float64(curlTime.Milliseconds())/float64(b.N), "curl-ms")
	b.ReportMetric(100*float64(curlTime)/float64(syncTime), "%-of-curl")
}
