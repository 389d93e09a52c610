package group

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/relay"
	"golang.org/x/crypto/nacl/box"
)

// timingTransport measures each request from sending it to the last byte of the answer
// (the relay's latency as a member sees it, without the member's own decoding).
type timingTransport struct {
	rt     http.RoundTripper
	mu     sync.Mutex
	lats   []time.Duration
	byVerb map[string][]time.Duration
}

func (tt *timingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := tt.rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &timedBody{ReadCloser: resp.Body, done: func() {
		d := time.Since(start)
		tt.mu.Lock()
		tt.lats = append(tt.lats, d)
		if tt.byVerb == nil {
			tt.byVerb = map[string][]time.Duration{}
		}
		tt.byVerb[req.Method] = append(tt.byVerb[req.Method], d)
		tt.mu.Unlock()
	}}
	return resp, nil
}

type timedBody struct {
	io.ReadCloser
	once sync.Once
	done func()
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.once.Do(b.done)
	}
	return n, err
}

func (b *timedBody) Close() error {
	b.once.Do(b.done)
	return b.ReadCloser.Close()
}

// TestLoad50Members: 50 members of one group, all at once, each writing 200 notes in 10
// rounds of 20 — seal, push, then pull and open everything new — 10,000 notes in all,
// against a real relay on loopback with its default limits. Every request must succeed,
// every member must end up holding all 10,000 notes, and the latency of the requests is
// reported (p50, p99, max). Skipped with -short and under the race detector (it is a
// measurement; the race detector makes it ten times slower).
func TestLoad50Members(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("load test: run without -short and without -race")
	}
	const (
		members = 50
		rounds  = 10
		perPush = 20
		total   = members * rounds * perPush
	)
	rl := startRelay(t, relay.Options{})
	ctx := context.Background()
	tt := &timingTransport{rt: &http.Transport{MaxIdleConnsPerHost: members}}
	hc := &http.Client{Transport: tt, Timeout: 2 * time.Minute}
	c := &Client{HTTP: hc}
	admin, _ := c.relay(rl.url, "")
	pub, _, _ := box.GenerateKey(rand.Reader)
	created, err := admin.createGroup(ctx, rl.operator, pub[:])
	if err != nil {
		t.Fatal(err)
	}
	admin.token = created.Token
	clients := []*relayClient{admin}
	ids := []string{created.MemberID}
	for range members - 1 {
		inv, err := admin.invite(ctx, created.GroupID)
		if err != nil {
			t.Fatal(err)
		}
		rc, _ := c.relay(rl.url, "")
		pub, _, _ := box.GenerateKey(rand.Reader)
		j, err := rc.join(ctx, created.GroupID, inv.Invite, pub[:])
		if err != nil {
			t.Fatal(err)
		}
		rc.token = j.Token
		clients = append(clients, rc)
		ids = append(ids, j.MemberID)
	}
	key := newKey()
	keyFor := func(e uint64) []byte {
		if e == 1 {
			return key
		}
		return nil
	}

	tt.mu.Lock()
	tt.lats, tt.byVerb = nil, nil // setup requests do not count
	tt.mu.Unlock()
	var (
		mu   sync.Mutex
		errs []error
	)
	timed := func(f func() error) error {
		err := f()
		if err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
		return err
	}
	// Every member opens every envelope (the AEAD proves it intact and from the group);
	// member 0 also decodes every note, which is the members' own work, not the relay's.
	seen := make([]map[string]bool, members)
	start := time.Now()
	var wg sync.WaitGroup
	for m := range members {
		seen[m] = map[string]bool{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rc := clients[m]
			var cursor uint64
			pull := func() error {
				for {
					var page relay.PullResponse
					if err := timed(func() (err error) {
						page, err = rc.pull(ctx, created.GroupID, cursor, pullPage)
						return err
					}); err != nil {
						return err
					}
					for _, e := range page.Envelopes {
						h, err := parseEnvelope(e.Data)
						if err != nil {
							return err
						}
						pt, err := open(created.GroupID, e.ID, h, keyFor)
						if err != nil {
							return fmt.Errorf("envelope %d: %w", e.Seq, err)
						}
						if m == 0 {
							p, err := parsePayload(pt, e.Sender)
							if err != nil || p.Note.Anchor.ItemID != "i" {
								return fmt.Errorf("envelope %d: %v", e.Seq, err)
							}
						}
						seen[m][e.ID] = true
						cursor = e.Seq
					}
					if !page.More {
						return nil
					}
				}
			}
			for r := range rounds {
				batch := make([]relay.PushEnvelope, perPush)
				for i := range batch {
					rec := i % 2
					v := store.GroupVersion{
						Note: agenda.Note{ID: fmt.Sprintf("m%02dr%02dn%02d", m, r, i), Stance: agenda.StanceFor,
							Text:   "Vi støtter indstillingen, men vil have en status på økonomien før budgetforhandlingerne.",
							Author: fmt.Sprintf("Medlem %d", m), Anchor: agenda.Anchor{MeetingID: "m", ItemID: "i", Recommendation: &rec}},
						Vector: map[string]uint64{ids[m]: 1}, Clock: Tick(0, time.Now()), Editor: ids[m], Envelope: newEnvelopeID(),
					}
					p := notePayload(&v)
					data, err := seal(created.GroupID, 1, key, v.Envelope, p.marshal())
					if err != nil {
						t.Error(err)
						return
					}
					batch[i] = relay.PushEnvelope{ID: v.Envelope, Data: data}
				}
				if err := timed(func() error { _, err := rc.push(ctx, created.GroupID, batch); return err }); err != nil {
					return
				}
				if err := pull(); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	// Everyone has pushed: one last pull each brings every member to all notes.
	for m := range members {
		rc := clients[m]
		var cursor uint64
		for {
			page, err := rc.pull(ctx, created.GroupID, cursor, relay.MaxPull)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Envelopes {
				h, _ := parseEnvelope(e.Data)
				if _, err := open(created.GroupID, e.ID, h, keyFor); err != nil {
					t.Fatal(err)
				}
				seen[m][e.ID] = true
				cursor = e.Seq
			}
			if !page.More {
				break
			}
		}
	}
	elapsed := time.Since(start)
	tt.mu.Lock()
	defer tt.mu.Unlock()
	if len(errs) > 0 {
		t.Fatalf("%d errors, the first: %v", len(errs), errs[0])
	}
	for m := range members {
		if len(seen[m]) != total {
			t.Errorf("member %d holds %d notes, want %d", m, len(seen[m]), total)
		}
	}
	latencies := tt.lats
	slices.Sort(latencies)
	q := func(p float64) time.Duration { return latencies[int(p*float64(len(latencies)-1))] }
	for verb, name := range map[string]string{"POST": "push", "GET": "pull"} {
		ls := tt.byVerb[verb]
		slices.Sort(ls)
		t.Logf("load: %s: %d requests, p50 %v, p99 %v", name, len(ls),
			ls[len(ls)/2].Round(time.Millisecond), ls[int(0.99*float64(len(ls)-1))].Round(time.Millisecond))
	}
	t.Logf("load: %d members, %d notes pushed and pulled by every member, %d requests in %v, 0 errors; latency p50 %v, p99 %v, max %v",
		members, total, len(latencies), elapsed.Round(time.Millisecond), q(0.50).Round(time.Microsecond),
		q(0.99).Round(time.Microsecond), latencies[len(latencies)-1].Round(time.Microsecond))
}
