package group

import (
	"context"
	"crypto/ed25519"
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
	"github.com/dagsorden/dagsorden/sync/group/roster"
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
	// The group with its signed member list: the admin's genesis, an invite per member in
	// one append, and each member's signed join claim.
	admin, _ := c.relay(rl.url, "")
	key := newKey()
	gid := randomHex(16)
	authors := make([]author, members)
	signKeys := map[string]ed25519.PublicKey{}
	for i := range authors {
		pub, priv, _ := ed25519.GenerateKey(rand.Reader)
		authors[i] = author{id: randomHex(8), sign: priv}
		signKeys[authors[i].id] = pub
	}
	pub, _, _ := box.GenerateKey(rand.Reader)
	genesis := &roster.Entry{Kind: roster.Genesis, Group: gid, Seq: 1, Signer: authors[0].id, SignKey: signKeys[authors[0].id],
		BoxKey: pub[:], Epoch: 1, Commit: roster.KeyCommit(gid, 1, key)}
	genesis.Sign(authors[0].sign)
	created, err := admin.createGroup(ctx, rl.operator, pub[:], genesis.Raw())
	if err != nil {
		t.Fatal(err)
	}
	admin.token = created.Token
	invites := make([]ed25519.PrivateKey, members)
	var raws [][]byte
	prev, seq := genesis.Hash(), uint64(1)
	for i := 1; i < members; i++ {
		secret := make([]byte, 32)
		rand.Read(secret)
		invites[i], _ = roster.InviteKey(secret)
		seq++
		e := &roster.Entry{Kind: roster.Invite, Group: gid, Seq: seq, Prev: prev, Signer: authors[0].id,
			InviteKey: invites[i].Public().(ed25519.PublicKey), Expires: time.Now().Add(time.Hour).Unix()}
		e.Sign(authors[0].sign)
		raws = append(raws, e.Raw())
		prev = e.Hash()
	}
	if err := admin.appendChain(ctx, gid, raws); err != nil {
		t.Fatal(err)
	}
	clients := []*relayClient{admin}
	for i := 1; i < members; i++ {
		rc, _ := c.relay(rl.url, "")
		pub, _, _ := box.GenerateKey(rand.Reader)
		claim, _ := roster.NewJoin(gid, authors[i].id, authors[i].sign, pub[:], invites[i])
		j, err := rc.join(ctx, gid, pub[:], claim.Raw())
		if err != nil {
			t.Fatal(err)
		}
		rc.token = j.Token
		clients = append(clients, rc)
	}
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
	// member 0 also checks every author's signature and decodes every note, which is the
	// members' own work, not the relay's (done by all 50 at once, it would measure this
	// machine's two cores rather than the relay).
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
							if !h.verify(created.GroupID, e.ID, signKeys[h.author]) {
								return fmt.Errorf("envelope %d: the author's signature does not verify", e.Seq)
							}
							p, err := parsePayload(pt, h.author)
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
						Vector: map[string]uint64{authors[m].id: 1}, Clock: Tick(0, time.Now()), Editor: authors[m].id, Envelope: newEnvelopeID(),
					}
					p := notePayload(&v)
					a := authors[m]
					a.seq = uint64(r*perPush + i + 1)
					data, err := seal(created.GroupID, a, 1, key, v.Envelope, p.marshal())
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
