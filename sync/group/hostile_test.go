package group

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/relay"
	"golang.org/x/crypto/nacl/box"
)

// hostileRelay is a real relay with an operator who wants to read the group: it adds a
// member of its own to every member list it answers (it holds that member's X25519 and
// ed25519 private keys), and it can inject envelopes into what members pull, re-serve
// old ones, hold one back or swap two. To slip envelopes in between the real ones, it
// serves every real sequence number times 16 and uses the numbers in between.
type hostileRelay struct {
	h    http.Handler
	fake struct {
		id                string
		boxPub, boxPriv   *[32]byte
		signPub, signPriv []byte
	}
	mu       sync.Mutex
	inject   []relay.Envelope // served once to each member token, after what it pulls
	served   map[string]int   // how many of inject each token got
	withhold string           // an envelope id never served
	swap     bool             // serve the first two envelopes of each answer swapped
	chain    [][]byte         // when set, served as the group's member list
}

const hostileSpread = 16

func newHostileRelay(t testing.TB) (*hostileRelay, string, string) {
	t.Helper()
	r, err := relay.New(t.TempDir(), relay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	hr := &hostileRelay{h: r.Handler(), served: map[string]int{}}
	hr.fake.id = randomHex(8)
	hr.fake.boxPub, hr.fake.boxPriv, _ = box.GenerateKey(rand.Reader)
	hr.fake.signPub, hr.fake.signPriv, _ = ed25519.GenerateKey(rand.Reader)
	mux := http.NewServeMux()
	mux.Handle(relay.Prefix+"/", hr)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return hr, srv.URL, r.OperatorToken()
}

func (hr *hostileRelay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/members"):
		rec := httptest.NewRecorder()
		hr.h.ServeHTTP(rec, r)
		var mr relay.MembersResponse
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &mr) != nil {
			copyAnswer(w, rec)
			return
		}
		mr.Members = append(mr.Members, relay.Member{ID: hr.fake.id, PublicKey: hr.fake.boxPub[:]})
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(mr)
	case r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/envelopes"):
		hr.pull(w, r)
	case r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/chain") && hr.fakeChain() != nil:
		after, _ := strconv.Atoi(r.URL.Query().Get("after"))
		out := relay.ChainResponse{Entries: [][]byte{}}
		if ch := hr.fakeChain(); after < len(ch) {
			out.Entries = ch[after:]
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	default:
		hr.h.ServeHTTP(w, r)
	}
}

func (hr *hostileRelay) fakeChain() [][]byte {
	hr.mu.Lock()
	defer hr.mu.Unlock()
	return hr.chain
}

func copyAnswer(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

func (hr *hostileRelay) pull(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, _ := strconv.ParseUint(q.Get("after"), 10, 64)
	q.Set("after", strconv.FormatUint(after/hostileSpread, 10))
	r2 := r.Clone(r.Context())
	r2.URL.RawQuery = q.Encode()
	rec := httptest.NewRecorder()
	hr.h.ServeHTTP(rec, r2)
	if rec.Code != 200 {
		copyAnswer(w, rec)
		return
	}
	page, err := relay.DecodePull(rec.Body.Bytes())
	if err != nil {
		copyAnswer(w, rec)
		return
	}
	hr.mu.Lock()
	defer hr.mu.Unlock()
	last := after / hostileSpread
	var out []relay.Envelope
	for _, e := range page.Envelopes {
		last = e.Seq
		if e.ID == hr.withhold {
			continue
		}
		e.Seq *= hostileSpread
		out = append(out, e)
	}
	if hr.swap && len(out) >= 2 {
		out[0].Seq, out[1].Seq = out[1].Seq, out[0].Seq
		out[0], out[1] = out[1], out[0]
		out[0].Seq, out[1].Seq = out[1].Seq, out[0].Seq
	}
	if !page.More {
		tok := r.Header.Get("Authorization")
		for k := 1; hr.served[tok] < len(hr.inject) && k < hostileSpread; k++ {
			e := hr.inject[hr.served[tok]]
			e.Seq = last*hostileSpread + uint64(k)
			out = append(out, e)
			hr.served[tok]++
		}
	}
	page.Envelopes = out
	w.Header().Set("Content-Type", relay.PullBinary)
	w.Write(relay.AppendPull(nil, &page))
}

func (hr *hostileRelay) injectOnce(e relay.Envelope) {
	hr.mu.Lock()
	defer hr.mu.Unlock()
	hr.inject = append(hr.inject, e)
}

// allEnvelopes pulls every envelope of A-gruppen with mb's token, past the hostile
// relay's tricks (straight from the relay it wraps).
func (hr *hostileRelay) allEnvelopes(t *testing.T, mb *member) []relay.Envelope {
	t.Helper()
	g, _ := mb.st.Group("A-gruppen")
	req := httptest.NewRequest("GET", relay.Prefix+"/v1/groups/"+g.ID+"/envelopes?after=0&limit=1000", nil)
	req.Header.Set("Authorization", "Bearer "+g.Token)
	rec := httptest.NewRecorder()
	hr.h.ServeHTTP(rec, req)
	var page relay.PullResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil || page.More {
		t.Fatalf("pull all: %d %v", rec.Code, err)
	}
	return page.Envelopes
}

// The scenario: a relay that adds a member of its own to every member list, over
// a group's whole life (create, invites, joins, notes by several members on several
// items, a removal, a new note). Its member never gets a key: every envelope and every
// keys envelope is tried with its private keys. Members see it as a stranger.
func TestAHostileRelayNeverGetsAKey(t *testing.T) {
	hr, url, op := newHostileRelay(t)
	m := testMeeting()
	a, b, c := newMember(t, "Anna", m), newMember(t, "Bo", m), newMember(t, "Carl", m)
	ctx := context.Background()
	if _, err := a.c.Create(ctx, "A-gruppen", url, op); err != nil {
		t.Fatal(err)
	}
	for _, mb := range []*member{b, c} {
		code, err := a.c.Invite(ctx, "A-gruppen", false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := mb.c.Join(ctx, code, ""); err != nil {
			t.Fatal(err)
		}
	}
	// The relay also pushes an envelope as its member: signed with its key, sealed with a
	// key it made up (it has none of the group's).
	ag, _ := a.st.Group("A-gruppen")
	fa := author{id: hr.fake.id, seq: 1, sign: hr.fake.signPriv}
	fakeID := newEnvelopeID()
	injected, _ := seal(ag.ID, fa, 1, newKey(), fakeID, []byte(`{"type":"profile","editor":"`+hr.fake.id+`","editor_name":"Anna"}`))
	hr.injectOnce(relay.Envelope{ID: fakeID, Sender: hr.fake.id, Data: injected})

	shareNote(t, a, &m, 0, 0, agenda.StanceFor, "A-gruppen", "Anna: for cykelstierne")
	shareNote(t, a, &m, 0, 1, agenda.StanceAgainst, "A-gruppen", "Anna: imod finansieringen")
	shareNote(t, b, &m, 0, 0, agenda.StanceFor, "A-gruppen", "Bo: for, med belysning")
	shareNote(t, b, &m, 2, -1, agenda.StanceNone, "A-gruppen", "Bo: spørg til saltlageret")
	shareNote(t, c, &m, 0, 1, agenda.StanceAbstain, "A-gruppen", "Carl: undlader")
	var results []SyncResult
	for range 2 {
		for _, mb := range []*member{a, b, c} {
			results = append(results, mustSync(t, mb)...)
		}
	}
	if _, err := a.c.Remove(ctx, "A-gruppen", "Carl"); err != nil {
		t.Fatal(err)
	}
	shareNote(t, a, &m, 0, 1, agenda.StanceAgainst, "A-gruppen", "efter Carl: vi stemmer imod")
	for _, mb := range []*member{a, b, a, b} {
		results = append(results, mustSync(t, mb)...)
	}

	// Every member saw the stranger and refused its envelope.
	forged := 0
	for _, r := range results {
		if !slices.Contains(r.Strangers, hr.fake.id) {
			t.Errorf("%s's sync does not report the relay's member: %+v", r.Group, r)
		}
		forged += r.Forged
	}
	if forged != 3 { // one for each of A, B and C
		t.Errorf("the relay's envelope was refused %d times, want 3", forged)
	}
	ms, err := a.c.Members(ctx, "A-gruppen")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	unknown := 0
	for _, mi := range ms {
		if mi.Unknown {
			unknown++
			if mi.ID != hr.fake.id {
				t.Errorf("unknown member %s", mi.ID)
			}
			continue
		}
		names = append(names, mi.Name)
	}
	if unknown != 1 || strings.Join(names, ",") != "Anna,Bo" {
		t.Errorf("A's members: %+v", ms)
	}
	// The brief counts only the signed list's members, by their signed names.
	in, err := b.c.BriefInput(m.ID, "A-gruppen")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(in.Members, ",") != "Anna,Bo" {
		t.Errorf("B's brief members: %v", in.Members)
	}

	// The relay's member never received a key: no box in any keys envelope opens with
	// its private key (from any member's key, or its own), nothing sealed opens with
	// anything it holds, and no keys envelope even names it.
	envs := hr.allEnvelopes(t, a)
	senders := [][]byte{hr.fake.boxPub[:]}
	for _, mb := range []*member{a, b, c} {
		g, _ := mb.st.Group("A-gruppen")
		senders = append(senders, g.PublicKey)
	}
	fakeKeys := func(uint64) []byte { return hr.fake.boxPriv[:] }
	keysEnvelopes, sealed := 0, 0
	for _, e := range envs {
		h, err := parseEnvelope(e.Data)
		if err != nil {
			t.Fatalf("envelope %d: %v", e.Seq, err)
		}
		switch h.kind {
		case kindKeys, kindUpgrade:
			keysEnvelopes++
			if slices.Contains(recipients(h), hr.fake.id) {
				t.Errorf("keys envelope %d has a box for the relay's member", e.Seq)
			}
			for _, from := range senders {
				for _, size := range []int{keySize, 64} {
					if k, err := openBox(ag.ID, e.ID, h, hr.fake.id, hr.fake.boxPriv[:], from, size); err == nil {
						t.Errorf("the relay's member opened keys envelope %d: %x", e.Seq, k)
					}
				}
			}
		case kindSealed:
			sealed++
			if _, err := open(ag.ID, e.ID, h, fakeKeys); err == nil {
				t.Errorf("the relay's member opened envelope %d", e.Seq)
			}
		}
	}
	if keysEnvelopes == 0 || sealed < 6 {
		t.Fatalf("the test saw %d keys envelopes and %d sealed ones; it proves nothing", keysEnvelopes, sealed)
	}
	// And the notes went where they should: B has everything, including the note after
	// Carl's removal; nothing written after it opens with Carl's keys.
	bn := notesOf(t, b, m.ID)
	if len(bn) != 6 {
		t.Errorf("B has %d notes, want 6", len(bn))
	}
	cg, _ := c.st.Group("A-gruppen")
	for _, e := range envs {
		if h, _ := parseEnvelope(e.Data); h.kind == kindSealed && h.epoch >= 2 {
			if _, err := open(ag.ID, e.ID, h, cg.Key); err == nil {
				t.Error("Carl opened an envelope sealed after his removal")
			}
		}
	}
}

// A member who holds the group key signs an envelope as another member: refused, and
// the note never appears in the store, the brief or the export. The same for a note
// that claims another member as its creator.
func TestAForgedEnvelopeIsRefused(t *testing.T) {
	_, m, a, b, _ := setupABC(t)
	ctx := context.Background()
	e := newMember(t, "E", m)
	code, _ := a.c.Invite(ctx, "A-gruppen", false)
	if _, err := e.c.Join(ctx, code, ""); err != nil {
		t.Fatal(err)
	}
	shareNote(t, a, &m, 0, 0, agenda.StanceFor, "A-gruppen", "Annas rigtige note")
	for _, mb := range []*member{a, b, e} {
		mustSync(t, mb)
	}
	ag, _ := a.st.Group("A-gruppen")
	rec := 1
	note := func(id, text string) *agenda.Note {
		return &agenda.Note{ID: id, Anchor: agenda.Anchor{MeetingID: m.ID, ItemID: m.Items[0].ID, Recommendation: &rec},
			Stance: agenda.StanceAgainst, Text: text, Author: "A", Visibility: agenda.Group}
	}
	// 1. B seals with the group key, but writes A as the author and signs with B's key.
	forge(t, b, func(g *store.GroupState, au author, id string) []byte {
		au.id, au.seq = ag.MemberID, 1000 // a number of A's not seen yet
		p := payload{Type: typeNote, Note: note("forged-1", "FORFALSKET: A stemmer imod"), Vector: map[string]uint64{ag.MemberID: 1},
			Clock: 1, Editor: ag.MemberID, Creator: ag.MemberID, Origin: noteOrigin(g.ID, "forged-1", au.sign)}
		data, _ := seal(g.ID, au, g.Epoch, g.Key(g.Epoch), id, p.marshal())
		return data
	})
	// 2. B signs as B, but names A as the note's creator (with a signature that is B's).
	forge(t, b, func(g *store.GroupState, au author, id string) []byte {
		p := payload{Type: typeNote, Note: note("forged-2", "FORFALSKET: A's holdning"), Vector: map[string]uint64{au.id: 1},
			Clock: 1, Editor: au.id, Creator: ag.MemberID, Origin: noteOrigin(g.ID, "forged-2", au.sign)}
		data, _ := seal(g.ID, au, g.Epoch, g.Key(g.Epoch), id, p.marshal())
		return data
	})
	// 3. B takes A's real origin of one note for another note id.
	origin := func() []byte {
		gn, _ := a.st.GroupNotes("A-gruppen")
		return gn[0].Origin
	}()
	forge(t, b, func(g *store.GroupState, au author, id string) []byte {
		p := payload{Type: typeNote, Note: note("forged-3", "FORFALSKET: genbrugt underskrift"), Vector: map[string]uint64{au.id: 1},
			Clock: 1, Editor: au.id, Creator: ag.MemberID, Origin: origin}
		data, _ := seal(g.ID, au, g.Epoch, g.Key(g.Epoch), id, p.marshal())
		return data
	})
	// 4. B edits A's real note in A's name: the creator's signature is A's real one, only
	// the envelope's signature tells. And 5. B renames A with a profile in A's name.
	real, _ := a.st.GroupNotes("A-gruppen")
	for i, p := range []payload{
		{Type: typeNote, Note: func() *agenda.Note { n := real[0].Heads[0].Note; n.Text = "FORFALSKET: rettet i A's navn"; return &n }(),
			Vector: map[string]uint64{ag.MemberID: 2}, Clock: 2, Editor: ag.MemberID, Creator: real[0].Creator, Origin: real[0].Origin},
		{Type: typeProfile, Editor: ag.MemberID, EditorName: "FORFALSKET navn"},
	} {
		forge(t, b, func(g *store.GroupState, au author, id string) []byte {
			au.id, au.seq = ag.MemberID, uint64(2000+i)
			data, _ := seal(g.ID, au, g.Epoch, g.Key(g.Epoch), id, p.marshal())
			return data
		})
	}
	for _, mb := range []*member{a, e} {
		res := mustSync(t, mb)
		if res[0].Forged != 5 || res[0].Applied != 0 {
			t.Errorf("%s's sync: %d refused as forged, %d applied; want 5 and 0", mb.name, res[0].Forged, res[0].Applied)
		}
		if g, _ := mb.st.Group("A-gruppen"); nameOf(g, ag.MemberID) != "A" {
			t.Errorf("%s knows A as %q", mb.name, nameOf(g, ag.MemberID))
		}
		for _, n := range notesOf(t, mb, m.ID) {
			if strings.Contains(n.Text, "FORFALSKET") {
				t.Errorf("%s's store has the forged note %q", mb.name, n.Text)
			}
		}
		md, _ := mb.c.Brief(m.ID, "A-gruppen", "md")
		var export bytes.Buffer
		if err := mb.st.ExportJSON(&export, ""); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(md, []byte("FORFALSKET")) || bytes.Contains(export.Bytes(), []byte("FORFALSKET")) {
			t.Errorf("%s's brief or export shows a forged note", mb.name)
		}
		if !bytes.Contains(md, []byte("Annas rigtige note")) {
			t.Errorf("%s's brief lost the real note", mb.name)
		}
	}
	// B's own honest notes still flow.
	shareNote(t, b, &m, 2, -1, agenda.StanceNone, "A-gruppen", "B's ærlige note")
	mustSync(t, b)
	if res := mustSync(t, e); res[0].Applied != 1 || res[0].Forged != 0 {
		t.Errorf("E after B's honest note: %+v", res[0])
	}
}

// A relay that re-sends an envelope (as it was, or the same bytes under a new id) is
// caught: the envelope is counted and never merged. One it holds back shows as missing,
// and one it delivers late as reordered.
func TestReplayedWithheldAndReorderedEnvelopesAreDetected(t *testing.T) {
	hr, url, op := newHostileRelay(t)
	m := testMeeting()
	a, b := newMember(t, "A", m), newMember(t, "B", m)
	ctx := context.Background()
	if _, err := a.c.Create(ctx, "A-gruppen", url, op); err != nil {
		t.Fatal(err)
	}
	code, _ := a.c.Invite(ctx, "A-gruppen", false)
	if _, err := b.c.Join(ctx, code, ""); err != nil {
		t.Fatal(err)
	}
	n := shareNote(t, a, &m, 0, 0, agenda.StanceFor, "A-gruppen", "første udgave")
	mustSync(t, a)
	mustSync(t, b)
	first := hr.allEnvelopes(t, a)
	old := first[len(first)-1] // A's first version of the note
	if h, _ := parseEnvelope(old.Data); h.kind != kindSealed {
		t.Fatal("the last envelope is not A's note")
	}
	// A deletes the note. Then the relay re-serves the old version, as it was and under a
	// new id: merged, an old version is harmless, but it must not even be merged.
	if err := a.st.DeleteNote(n.ID); err != nil {
		t.Fatal(err)
	}
	mustSync(t, a)
	hr.injectOnce(old)
	hr.injectOnce(relay.Envelope{ID: newEnvelopeID(), Sender: old.Sender, Data: old.Data})
	res := mustSync(t, b)
	if res[0].Replayed != 2 || res[0].Applied != 1 || res[0].Forged != 0 {
		t.Errorf("B's sync with two replays: %+v", res[0])
	}
	if ns := notesOf(t, b, m.ID); len(ns) != 0 {
		t.Errorf("B shows %+v after the deletion", ns)
	}
	gn, _ := b.st.GroupNote("A-gruppen", n.ID)
	if len(gn.Heads) != 1 || !gn.Heads[0].Note.Deleted {
		t.Errorf("B's heads after the replay: %+v", gn.Heads)
	}

	// The relay holds back one of A's envelopes: B's sync says one is missing.
	shareNote(t, a, &m, 0, 1, agenda.StanceAgainst, "A-gruppen", "holdes tilbage")
	mustSync(t, a)
	envs := hr.allEnvelopes(t, a)
	held := envs[len(envs)-1]
	hr.mu.Lock()
	hr.withhold = held.ID
	hr.mu.Unlock()
	shareNote(t, a, &m, 2, -1, agenda.StanceNone, "A-gruppen", "kommer igennem")
	mustSync(t, a)
	res = mustSync(t, b)
	if res[0].Missing != 1 || res[0].Applied != 1 {
		t.Errorf("B's sync with one envelope held back: %+v", res[0])
	}
	// Delivered late, it is applied (it is genuine), counted as reordered, and nothing
	// is missing any more.
	hr.mu.Lock()
	hr.withhold = ""
	hr.mu.Unlock()
	hr.injectOnce(held)
	res = mustSync(t, b)
	if res[0].Missing != 0 || res[0].Reordered != 1 || res[0].Applied != 1 {
		t.Errorf("B's sync when the held envelope arrives: %+v", res[0])
	}
	texts := map[string]bool{}
	for _, n := range notesOf(t, b, m.ID) {
		texts[n.Text] = true
	}
	if !texts["holdes tilbage"] || !texts["kommer igennem"] {
		t.Errorf("B's notes: %v", texts)
	}
}

// An admin hands the group over: the new admin may remove, invite and change the key;
// the old one may not, and is told when removed.
func TestAdminHandOver(t *testing.T) {
	_, m, a, b, _ := setupABC(t)
	ctx := context.Background()
	mustSync(t, b)
	mustSync(t, a)
	if _, err := b.c.Invite(ctx, "A-gruppen", false); err == nil {
		t.Fatal("a member invited")
	}
	if _, err := a.c.MakeAdmin(ctx, "A-gruppen", "B", true); err != nil {
		t.Fatal(err)
	}
	if _, err := a.c.Invite(ctx, "A-gruppen", false); err == nil || !strings.Contains(err.Error(), "only an admin") {
		t.Errorf("the old admin invites after the hand-over: %v", err)
	}
	code, err := b.c.Invite(ctx, "A-gruppen", false)
	if err != nil {
		t.Fatalf("the new admin invites: %v", err)
	}
	d := newMember(t, "D", m)
	if _, err := d.c.Join(ctx, code, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := b.c.Remove(ctx, "A-gruppen", "A"); err != nil {
		t.Fatalf("the new admin removes the old one: %v", err)
	}
	shareNote(t, b, &m, 0, 0, agenda.StanceFor, "A-gruppen", "efter overdragelsen")
	mustSync(t, b)
	if res := mustSync(t, a); !res[0].Removed || res[0].Notice == "" {
		t.Errorf("the old admin's sync after the removal: %+v", res[0])
	}
	mustSync(t, d)
	found := false
	for _, n := range notesOf(t, d, m.ID) {
		found = found || n.Text == "efter overdragelsen"
	}
	dg, _ := d.st.Group("A-gruppen")
	if !found || dg.Epoch != 2 {
		t.Errorf("D after the new admin's key change: epoch %d, note %v", dg.Epoch, found)
	}
}
