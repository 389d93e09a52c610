package group

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/relay"
	"golang.org/x/crypto/nacl/box"
)

// lockedBuffer collects the relay's log lines from concurrent handlers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.b.Bytes())
}

type testRelay struct {
	url, operator, dir string
	logs               *lockedBuffer
	relay              *relay.Relay
}

// startRelay runs a real relay on loopback with its bbolt file in a temp dir and its
// logs captured.
func startRelay(t testing.TB, opts relay.Options) *testRelay {
	t.Helper()
	tr := &testRelay{dir: t.TempDir(), logs: &lockedBuffer{}}
	opts.Logger = slog.New(slog.NewTextHandler(tr.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r, err := relay.New(tr.dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	tr.relay, tr.operator = r, r.OperatorToken()
	mux := http.NewServeMux()
	mux.Handle(relay.Prefix+"/", r.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	tr.url = srv.URL
	return tr
}

// switchable is a transport that can be taken offline, like a laptop on a train.
type switchable struct {
	offline atomic.Bool
}

func (s *switchable) RoundTrip(req *http.Request) (*http.Response, error) {
	if s.offline.Load() {
		return nil, errors.New("network is unreachable")
	}
	return http.DefaultTransport.RoundTrip(req)
}

type member struct {
	name string
	st   *store.Store
	c    *Client
	net  *switchable
}

func newMember(t testing.TB, name string, m agenda.Meeting) *member {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Import(agenda.Package{Meetings: []agenda.Meeting{m}}); err != nil {
		t.Fatal(err)
	}
	sw := &switchable{}
	return &member{name: name, st: st, net: sw, c: &Client{Store: st, Author: name, HTTP: &http.Client{Transport: sw, Timeout: 30 * time.Second}}}
}

func testMeeting() agenda.Meeting {
	m := agenda.Meeting{
		Body:       agenda.Body{Name: "Teknik- og Miljøudvalget"},
		Kind:       agenda.KindAgenda,
		Title:      "Dagsorden",
		Start:      time.Date(2025, 3, 4, 16, 0, 0, 0, agenda.Copenhagen),
		Premeeting: time.Date(2025, 3, 4, 15, 0, 0, 0, agenda.Copenhagen),
		Location:   "Rådhuset, mødelokale 2",
		Source:     agenda.Source{Format: "example"},
		Items: []agenda.Item{
			{
				Number: "1", Title: "Cykelstier på Hovedgaden", CaseNumber: "24/1234",
				Sections: []agenda.Section{{Heading: "Sagsfremstilling", Text: "Forvaltningen foreslår dobbeltrettede cykelstier."}},
				Recommendations: []agenda.Recommendation{
					{Index: 0, Text: "at der anlægges cykelstier i begge sider af Hovedgaden"},
					{Index: 1, Text: "at udgiften på 4,2 mio. kr. finansieres af puljen til trafiksikkerhed"},
				},
			},
			{Number: "2", Title: "Lukket: Salg af grund", Closed: true},
			{
				Number: "3", Title: "Orientering om vintertjeneste",
				Sections: []agenda.Section{{Heading: "Sagsfremstilling", Text: "Til orientering."}},
			},
		},
	}
	agenda.AssignIDs(&m)
	return m
}

func shareNote(t testing.TB, mb *member, m *agenda.Meeting, item, rec int, stance agenda.Stance, group, text string) agenda.Note {
	t.Helper()
	var r *int
	if rec >= 0 {
		r = &rec
	}
	a, err := agenda.AnchorOn(m, &m.Items[item], r)
	if err != nil {
		t.Fatal(err)
	}
	n := agenda.Note{Anchor: a, Stance: stance, Text: text, Author: mb.name, Visibility: agenda.Private}
	if group != "" {
		n.Visibility, n.Group = agenda.Group, group
	}
	if err := mb.st.SaveNote(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func mustSync(t testing.TB, mb *member) []SyncResult {
	t.Helper()
	res, err := mb.c.Sync(context.Background())
	if err != nil {
		t.Fatalf("%s: sync: %v", mb.name, err)
	}
	return res
}

// setupAB makes A-gruppen with admin A and member B, and V-gruppen with admin C.
func setupABC(t *testing.T) (*testRelay, agenda.Meeting, *member, *member, *member) {
	t.Helper()
	rl := startRelay(t, relay.Options{})
	m := testMeeting()
	a, b, c := newMember(t, "A", m), newMember(t, "B", m), newMember(t, "C", m)
	ctx := context.Background()
	if _, err := a.c.Create(ctx, "A-gruppen", rl.url, rl.operator); err != nil {
		t.Fatal(err)
	}
	code, err := a.c.Invite(ctx, "A-gruppen", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.c.Join(ctx, code, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.c.Create(ctx, "V-gruppen", rl.url, rl.operator); err != nil {
		t.Fatal(err)
	}
	return rl, m, a, b, c
}

func notesOf(t testing.TB, mb *member, meetingID string) []agenda.Note {
	t.Helper()
	ns, err := mb.st.NotesForMeeting(meetingID)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func TestSharedNoteReachesItsGroupAndNoOneElse(t *testing.T) {
	rl, m, a, b, c := setupABC(t)
	const text = "Vi støtter cykelstierne, men vil have belysning med"
	note := shareNote(t, a, &m, 0, 0, agenda.StanceFor, "A-gruppen", text)
	shareNote(t, a, &m, 2, -1, agenda.StanceNone, "", "Privat: spørg til saltlageret")

	mustSync(t, a)
	res := mustSync(t, b)
	if res[0].Applied != 1 {
		t.Errorf("B applied %d versions, want 1: %+v", res[0].Applied, res[0])
	}
	mustSync(t, c)

	// B sees A's note, attributed to A, shared in A-gruppen, on recommendation 1.
	var got *agenda.Note
	for _, n := range notesOf(t, b, m.ID) {
		if n.ID == note.ID {
			got = &n
		}
	}
	if got == nil {
		t.Fatal("B does not have A's shared note after sync")
	}
	if got.Text != text || got.Author != "A" || got.Group != "A-gruppen" || got.Visibility != agenda.Group ||
		got.Stance != agenda.StanceFor || got.Anchor.Recommendation == nil || *got.Anchor.Recommendation != 0 || got.Status != agenda.StatusOK {
		t.Errorf("B's copy of A's note: %+v", got)
	}
	for _, n := range notesOf(t, b, m.ID) {
		if strings.Contains(n.Text, "saltlageret") {
			t.Error("A's private note reached B")
		}
	}
	// B's tally: A for, B without a stance.
	in, err := b.c.BriefInput(m.ID, "A-gruppen")
	if err != nil {
		t.Fatal(err)
	}
	var plain []agenda.Note
	for _, n := range in.Notes {
		plain = append(plain, n.Note)
	}
	if tally := agenda.Tally(plain, in.Members).At(note.Anchor.ItemID, 0).String(); tally != "1 for · 0 imod · 0 undlader · 1 uden holdning" {
		t.Errorf("B's tally on recommendation 1: %q (members %v)", tally, in.Members)
	}
	md, err := b.c.Brief(m.ID, "A-gruppen", "md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(md, []byte("Gruppen: 1 for · 0 imod · 0 undlader · 1 uden holdning")) || !bytes.Contains(md, []byte(text)) {
		t.Errorf("B's brief lacks the tally or the note:\n%s", md)
	}

	// C sees nothing of it.
	for _, n := range notesOf(t, c, m.ID) {
		t.Errorf("C has a note: %+v", n)
	}
	// …and cannot fetch A-gruppen's envelopes with its own token: every attempt refused.
	ag, _ := a.st.Group("A-gruppen")
	cg, _ := c.st.Group("V-gruppen")
	base := rl.url + relay.Prefix + "/v1/groups/" + ag.ID
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/envelopes?after=0", ""},
		{"GET", "/envelopes", ""},
		{"GET", "/members", ""},
		{"POST", "/envelopes", `{"envelopes":[{"id":"00112233445566778899aabbccddeeff","data":"AQEB"}]}`},
		{"POST", "/invites", ""},
		{"DELETE", "/members/" + ag.MemberID, ""},
		{"POST", "/join", `{"public_key":"` + base64.StdEncoding.EncodeToString(cg.PublicKey) + `"}`},
		{"GET", "/chain?after=0", ""},
		{"POST", "/chain", `{"entries":["AAAA"]}`},
	} {
		req, _ := http.NewRequest(tc.method, base+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Authorization", "Bearer "+cg.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := new(bytes.Buffer)
		body.ReadFrom(resp.Body)
		resp.Body.Close()
		want := resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized ||
			(tc.path == "/join" && resp.StatusCode == http.StatusConflict) // an unsigned join: refused before any token is looked at
		if !want {
			t.Errorf("C's token: %s %s → %d, want 403 or 401", tc.method, tc.path, resp.StatusCode)
		}
		if bytes.Contains(body.Bytes(), []byte(`"data"`)) {
			t.Errorf("C's token: %s %s returned envelopes", tc.method, tc.path)
		}
	}

	// The relay's store and logs hold neither the note's text nor the group key nor the
	// group's name, in any encoding a careless implementation might use.
	db, err := os.ReadFile(filepath.Join(rl.dir, relay.FileName))
	if err != nil {
		t.Fatal(err)
	}
	key := ag.Key(ag.Epoch)
	secrets := map[string][]byte{
		"note text":          []byte(text),
		"part of note text":  []byte("belysning"),
		"group name":         []byte("A-gruppen"),
		"group key":          key,
		"group key (hex)":    []byte(hex.EncodeToString(key)),
		"group key (base64)": []byte(base64.StdEncoding.EncodeToString(key)),
		"member token":       []byte(ag.Token),
		"operator token":     []byte(rl.operator),
		"member name":        []byte(`"A"`),
	}
	logs := rl.logs.Bytes()
	if len(logs) == 0 {
		t.Fatal("the relay logged nothing; the log check would be empty")
	}
	for what, s := range secrets {
		if bytes.Contains(db, s) {
			t.Errorf("the relay's bbolt file contains the %s", what)
		}
		if bytes.Contains(logs, s) {
			t.Errorf("the relay's logs contain the %s", what)
		}
	}
	if bytes.Contains(logs, []byte(ag.ID)) {
		t.Error("the relay's logs contain a group id")
	}
	// The file is the relay's and the owner's only.
	if fi, err := os.Stat(filepath.Join(rl.dir, relay.FileName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("relay.db mode: %v %v", fi.Mode(), err)
	}
}

func TestRemovedMemberCannotReadWhatIsWrittenNext(t *testing.T) {
	rl, m, a, b, _ := setupABC(t)
	ctx := context.Background()
	shareNote(t, a, &m, 0, 0, agenda.StanceFor, "A-gruppen", "før fjernelsen")
	mustSync(t, a)
	mustSync(t, b)
	bOld, err := b.st.Group("A-gruppen") // B keeps every key it ever had
	if err != nil {
		t.Fatal(err)
	}
	// B knows A's name and A knows B's (from the sealed profiles).
	ms, err := a.c.Members(ctx, "A-gruppen")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Name == "" || ms[1].Name == "" {
		t.Fatalf("A's view of the members: %+v", ms)
	}

	removed, err := a.c.Remove(ctx, "A-gruppen", "b") // by name, case-insensitive
	if err != nil {
		t.Fatal(err)
	}
	if removed.Name != "B" {
		t.Errorf("removed %+v, want B", removed)
	}
	ag, _ := a.st.Group("A-gruppen")
	if st, _ := rosterOf(ag); ag.Epoch != 2 || st.Epoch != 2 || st.RekeyDue {
		t.Fatalf("after removing B, A's group is at epoch %d (list %d, key change due %v), want 2", ag.Epoch, st.Epoch, st.RekeyDue)
	}
	if ms, _ := a.c.Members(ctx, "A-gruppen"); len(ms) != 1 {
		t.Errorf("members after removal: %+v", ms)
	}

	const secret = "efter fjernelsen: vi stemmer imod"
	shareNote(t, a, &m, 0, 1, agenda.StanceAgainst, "A-gruppen", secret)
	mustSync(t, a)

	// B's dagsorden learns it from the signed list, says so once, and stops.
	res := mustSync(t, b)
	if !res[0].Removed || res[0].Notice != "you were removed from A-gruppen by its admin; its notes you have stay readable here" {
		t.Errorf("the removed member's sync: %+v", res[0])
	}
	res = mustSync(t, b)
	if !res[0].Removed || res[0].Notice != "" || res[0].Pulled != 0 {
		t.Errorf("the removed member's next sync is not quiet: %+v", res[0])
	}
	if l, _ := b.c.List(); len(l) != 1 || !l[0].Removed {
		t.Errorf("B's group list: %+v", l)
	}
	if ns := notesOf(t, b, m.ID); len(ns) != 1 || ns[0].Text != "før fjernelsen" {
		t.Errorf("B's notes from before the removal: %+v", ns)
	}
	// Even with the ciphertext in hand (say the relay's operator hands it over) and
	// every key B ever had, B cannot open what A wrote after the removal.
	rc, _ := a.c.relay(ag.Server, ag.Token)
	page, err := rc.pull(ctx, ag.ID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	opened, afterRemoval := 0, 0
	for _, e := range page.Envelopes {
		h, err := parseEnvelope(e.Data)
		if err != nil || h.kind != kindSealed {
			continue
		}
		pt, errB := open(ag.ID, e.ID, h, bOld.Key)
		if h.epoch >= 2 {
			afterRemoval++
			if errB == nil {
				t.Errorf("B opened an envelope of epoch %d: %s", h.epoch, pt)
			}
		} else if errB == nil {
			opened++
		}
		if errB == nil && bytes.Contains(pt, []byte(secret)) {
			t.Error("B can read the note written after the removal")
		}
	}
	if afterRemoval == 0 || opened == 0 {
		t.Fatalf("expected envelopes from before (%d readable by B) and after (%d) the removal", opened, afterRemoval)
	}
	// The keys envelope has no box for B either.
	for _, e := range page.Envelopes {
		if h, err := parseEnvelope(e.Data); err == nil && h.kind == kindKeys {
			if _, err := openBox(ag.ID, e.ID, h, bOld.MemberID, bOld.PrivateKey, ag.PublicKey, keySize); err == nil {
				t.Error("B can open the new group key")
			}
		}
	}
	_ = rl
}

// A new member gets the key of the current epoch only: what was sealed before stays
// closed to them unless the admin shares the history (group invite --with-history).
func TestNewMemberReadsHistoryOnlyWhenTheAdminSharesIt(t *testing.T) {
	rl := startRelay(t, relay.Options{})
	m := testMeeting()
	a, b, d, e := newMember(t, "A", m), newMember(t, "B", m), newMember(t, "D", m), newMember(t, "E", m)
	ctx := context.Background()
	if _, err := a.c.Create(ctx, "A-gruppen", rl.url, rl.operator); err != nil {
		t.Fatal(err)
	}
	codeB, _ := a.c.Invite(ctx, "A-gruppen", false)
	stale, _ := a.c.Invite(ctx, "A-gruppen", false) // never used: revoked by the removal
	if _, err := b.c.Join(ctx, codeB, ""); err != nil {
		t.Fatal(err)
	}
	shareNote(t, a, &m, 0, 0, agenda.StanceFor, "A-gruppen", "gammel note")
	mustSync(t, a)
	if _, err := a.c.Remove(ctx, "A-gruppen", "B"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.c.Join(ctx, stale, ""); err == nil {
		t.Error("an invite from before the removal still works")
	}
	shareNote(t, a, &m, 0, 1, agenda.StanceAgainst, "A-gruppen", "epoke 2")
	mustSync(t, a)
	codeD, err := a.c.Invite(ctx, "A-gruppen", false)
	if err != nil {
		t.Fatal(err)
	}
	codeE, err := a.c.Invite(ctx, "A-gruppen", true)
	if err != nil {
		t.Fatal(err)
	}
	for _, mb := range []*member{d, e} {
		code := map[*member]string{d: codeD, e: codeE}[mb]
		if _, err := mb.c.Join(ctx, code, ""); err != nil {
			t.Fatal(err)
		}
	}
	shareNote(t, a, &m, 0, 1, agenda.StanceAgainst, "A-gruppen", "ny note")
	mustSync(t, a)
	texts := func(mb *member) map[string]bool {
		out := map[string]bool{}
		for _, n := range notesOf(t, mb, m.ID) {
			out[n.Text] = true
		}
		return out
	}
	// D, without the history: this epoch only. The envelope of epoch 1 does not open with
	// any key D holds.
	res := mustSync(t, d)
	if got := texts(d); got["gammel note"] || !got["epoke 2"] || !got["ny note"] {
		t.Errorf("D (no history) has %v", got)
	}
	if res[0].Unreadable != 0 || res[0].Forged != 0 {
		t.Errorf("D's sync: %+v", res[0])
	}
	dg, _ := d.st.Group("A-gruppen")
	if dg.Key(1) != nil {
		t.Error("D holds the key of epoch 1")
	}
	ag, _ := a.st.Group("A-gruppen")
	rc, _ := a.c.relay(ag.Server, ag.Token)
	page, _ := rc.pull(ctx, ag.ID, 0, 1000)
	epoch1 := 0
	for _, env := range page.Envelopes {
		if h, err := parseEnvelope(env.Data); err == nil && h.kind == kindSealed && h.epoch == 1 {
			epoch1++
			if _, err := open(ag.ID, env.ID, h, dg.Key); err == nil {
				t.Error("D opened an envelope of epoch 1")
			}
			eg, _ := e.st.Group("A-gruppen")
			if _, err := open(ag.ID, env.ID, h, eg.Key); err != nil {
				t.Errorf("E (with the history) cannot open an envelope of epoch 1: %v", err)
			}
		}
	}
	if epoch1 == 0 {
		t.Fatal("no envelope of epoch 1 to try")
	}
	// E, with it: everything.
	res = mustSync(t, e)
	if got := texts(e); !got["gammel note"] || !got["epoke 2"] || !got["ny note"] || res[0].Unreadable != 0 || res[0].Older != 0 {
		t.Errorf("E (history) has %v, sync %+v", got, res[0])
	}
}

func TestConcurrentOfflineEditsAreBothKept(t *testing.T) {
	_, m, a, b, _ := setupABC(t)
	n := shareNote(t, a, &m, 0, 0, agenda.StanceFor, "A-gruppen", "udkast")
	mustSync(t, a)
	mustSync(t, b)

	// Both go offline and edit the same shared note.
	a.net.offline.Store(true)
	b.net.offline.Store(true)
	na, _ := a.st.Note(n.ID)
	na.Text = "A: vi stemmer for"
	if err := a.st.SaveNote(na); err != nil {
		t.Fatal(err)
	}
	nb, _ := b.st.Note(n.ID)
	nb.Text, nb.Stance = "B: vi stemmer imod", agenda.StanceAgainst
	if err := b.st.SaveNote(nb); err != nil {
		t.Fatal(err)
	}
	if _, err := a.c.Sync(context.Background()); err == nil {
		t.Fatal("sync succeeded offline")
	}
	a.net.offline.Store(false)
	b.net.offline.Store(false)
	mustSync(t, a)
	mustSync(t, b)
	mustSync(t, a)

	for _, mb := range []*member{a, b} {
		gn, err := mb.st.GroupNote("A-gruppen", n.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !gn.Conflict() {
			t.Errorf("%s: no conflict, heads %+v", mb.name, gn.Heads)
			continue
		}
		texts := map[string]bool{}
		for _, h := range gn.Heads {
			texts[h.Note.Text] = true
		}
		if !texts["A: vi stemmer for"] || !texts["B: vi stemmer imod"] || len(gn.Heads) != 2 {
			t.Errorf("%s: heads %v, want both edits", mb.name, texts)
		}
		// Both show the same version on top, and the brief lists both versions.
		md, err := mb.c.Brief(m.ID, "A-gruppen", "md")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(md, []byte("A: vi stemmer for")) || !bytes.Contains(md, []byte("B: vi stemmer imod")) || !bytes.Contains(md, []byte("KONFLIKT")) {
			t.Errorf("%s's brief does not show the conflict:\n%s", mb.name, md)
		}
	}
	cfs, err := b.c.Conflicts()
	if err != nil || len(cfs) != 1 || cfs[0].NoteID != n.ID || len(cfs[0].Versions) != 2 || cfs[0].Group != "A-gruppen" {
		t.Fatalf("B's conflicts: %+v %v", cfs, err)
	}
	editors := cfs[0].Versions[0].Editor + cfs[0].Versions[1].Editor
	if editors != "AB" && editors != "BA" {
		t.Errorf("conflict editors %q", editors)
	}
	ga, _ := a.st.GroupNote("A-gruppen", n.ID)
	gb, _ := b.st.GroupNote("A-gruppen", n.ID)
	if ga.Heads[0].Envelope != gb.Heads[0].Envelope {
		t.Error("A and B put different versions on top")
	}
	sa, _ := a.st.Note(n.ID)
	sb, _ := b.st.Note(n.ID)
	if sa.Text != sb.Text {
		t.Errorf("A shows %q, B shows %q", sa.Text, sb.Text)
	}

	// A resolves it; after syncing, both have one version again.
	resolved := *sa
	resolved.Text, resolved.Stance = "Enige: for, med forbehold", agenda.StanceFor
	if err := a.c.Resolve("A-gruppen", resolved); err != nil {
		t.Fatal(err)
	}
	mustSync(t, a)
	mustSync(t, b)
	for _, mb := range []*member{a, b} {
		gn, _ := mb.st.GroupNote("A-gruppen", n.ID)
		got, _ := mb.st.Note(n.ID)
		if gn.Conflict() || got.Text != "Enige: for, med forbehold" {
			t.Errorf("%s after resolving: %d heads, shows %q", mb.name, len(gn.Heads), got.Text)
		}
	}
}

func TestEditOfAnotherMembersNoteSupersedesIt(t *testing.T) {
	_, m, a, b, _ := setupABC(t)
	n := shareNote(t, a, &m, 0, 0, agenda.StanceFor, "A-gruppen", "første udgave")
	mustSync(t, a)
	mustSync(t, b)
	nb, _ := b.st.Note(n.ID)
	nb.Text = "B har rettet en stavefejl"
	if err := b.st.SaveNote(nb); err != nil {
		t.Fatal(err)
	}
	mustSync(t, b)
	mustSync(t, a)
	got, _ := a.st.Note(n.ID)
	gn, _ := a.st.GroupNote("A-gruppen", n.ID)
	if got.Text != "B har rettet en stavefejl" || got.Author != "A" || gn.Conflict() {
		t.Errorf("A after B's edit: %q by %q, %d heads", got.Text, got.Author, len(gn.Heads))
	}
	if gn.Heads[0].EditorName != "B" {
		t.Errorf("editor %q, want B", gn.Heads[0].EditorName)
	}
}

func TestDeletionPropagates(t *testing.T) {
	_, m, a, b, _ := setupABC(t)
	n := shareNote(t, a, &m, 0, 0, agenda.StanceFor, "A-gruppen", "slettes snart")
	mustSync(t, a)
	mustSync(t, b)
	if len(notesOf(t, b, m.ID)) != 1 {
		t.Fatal("B did not get the note")
	}
	if err := a.st.DeleteNote(n.ID); err != nil {
		t.Fatal(err)
	}
	mustSync(t, a)
	mustSync(t, b)
	if ns := notesOf(t, b, m.ID); len(ns) != 0 {
		t.Errorf("B still shows %+v", ns)
	}
	got, err := b.st.Note(n.ID)
	if err != nil || !got.Deleted {
		t.Errorf("B's copy is not a tombstone: %+v %v", got, err)
	}
}

func TestUnsharingWithdrawsTheNoteFromTheGroup(t *testing.T) {
	_, m, a, b, _ := setupABC(t)
	n := shareNote(t, a, &m, 0, 0, agenda.StanceFor, "A-gruppen", "deles kun kort")
	mustSync(t, a)
	mustSync(t, b)
	na, _ := a.st.Note(n.ID)
	na.Visibility, na.Group = agenda.Private, ""
	if err := a.st.SaveNote(na); err != nil {
		t.Fatal(err)
	}
	mustSync(t, a)
	mustSync(t, b)
	if ns := notesOf(t, b, m.ID); len(ns) != 0 {
		t.Errorf("B still shows the unshared note: %+v", ns)
	}
	mine, _ := a.st.Note(n.ID)
	if mine.Deleted || mine.Visibility != agenda.Private || mine.Text != "deles kun kort" {
		t.Errorf("A's own copy after unsharing: %+v", mine)
	}
}

func TestOfflineNotesQueueAndGoOutWithTheNextSync(t *testing.T) {
	_, m, a, b, _ := setupABC(t)
	a.net.offline.Store(true)
	for i, txt := range []string{"første", "anden", "tredje"} {
		shareNote(t, a, &m, 0, i%2, agenda.StanceFor, "A-gruppen", txt)
	}
	if _, err := a.c.Sync(context.Background()); err == nil {
		t.Fatal("sync succeeded offline")
	}
	a.net.offline.Store(false)
	res := mustSync(t, a)
	if res[0].Shared != 3 || res[0].Pushed < 3 {
		t.Errorf("A's sync after coming online: %+v", res[0])
	}
	if ob, _ := a.st.GroupOutbox("A-gruppen"); len(ob) != 0 {
		t.Errorf("outbox not empty after sync: %d", len(ob))
	}
	mustSync(t, b)
	if n := len(notesOf(t, b, m.ID)); n != 3 {
		t.Errorf("B has %d notes, want 3", n)
	}
	// Syncing again changes nothing and sends nothing.
	res = mustSync(t, a)
	if res[0].Shared != 0 || res[0].Pushed != 0 {
		t.Errorf("idle sync: %+v", res[0])
	}
}

func TestGroupListAndInviteRules(t *testing.T) {
	rl, _, a, b, _ := setupABC(t)
	ctx := context.Background()
	list, err := a.c.List()
	if err != nil || len(list) != 1 || list[0].Name != "A-gruppen" || !list[0].Admin || list[0].Epoch != 1 {
		t.Fatalf("A's groups: %+v %v", list, err)
	}
	js, _ := json.Marshal(list)
	ag, _ := a.st.Group("A-gruppen")
	if bytes.Contains(js, []byte(ag.Token)) || bytes.Contains(js, []byte(base64.StdEncoding.EncodeToString(ag.Key(1)))) {
		t.Error("group list shows a secret")
	}
	if _, err := b.c.Invite(ctx, "A-gruppen", false); err == nil {
		t.Error("a member who is not the admin made an invite")
	}
	if _, err := b.c.Remove(ctx, "A-gruppen", "A"); err == nil {
		t.Error("a member who is not the admin removed someone")
	}
	if _, err := a.c.Remove(ctx, "A-gruppen", "A"); err == nil {
		t.Error("the admin removed themselves")
	}
	if _, err := a.c.Create(ctx, "A-gruppen", rl.url, rl.operator); err == nil {
		t.Error("a second group with the same name")
	}
	if _, err := a.c.Create(ctx, "Ny", rl.url, "dgo_forkert"); err == nil {
		t.Error("created a group with a wrong operator token")
	}
	code, _ := a.c.Invite(ctx, "A-gruppen", false)
	if _, err := b.c.Join(ctx, code, ""); err == nil {
		t.Error("B joined a group it is already in")
	}
	e := newMember(t, "E", testMeeting())
	if _, err := e.c.Join(ctx, code, ""); err != nil {
		t.Fatal(err)
	}
	f := newMember(t, "F", testMeeting())
	if _, err := f.c.Join(ctx, code, ""); err == nil {
		t.Error("an invite worked twice")
	}
	// Someone already in an "A-gruppen" (of another body) joins this one under another name.
	h := newMember(t, "H", testMeeting())
	if _, err := h.c.Create(ctx, "A-gruppen", rl.url, rl.operator); err != nil {
		t.Fatal(err)
	}
	code2, _ := a.c.Invite(ctx, "A-gruppen", false)
	if _, err := h.c.Join(ctx, code2, ""); err == nil || !strings.Contains(err.Error(), "another name") {
		t.Errorf("joining a second A-gruppen: %v", err)
	}
	if i, err := h.c.Join(ctx, code2, "A-gruppen (KKR)"); err != nil || i.Name != "A-gruppen (KKR)" {
		t.Errorf("joining under another name: %+v %v", i, err)
	}
	if l, _ := h.c.List(); len(l) != 2 {
		t.Errorf("H's groups: %+v", l)
	}
	if _, err := (&Client{Store: f.st}).Create(ctx, "X", "http://relay.example.dk", ""); err == nil {
		t.Error("plain http to a remote relay was allowed")
	}
}

// forge lets member mb's own dagsorden misbehave: seal makes an envelope (with mb's next
// sequence number), which is pushed with mb's token.
func forge(t *testing.T, mb *member, seal func(g *store.GroupState, a author, id string) []byte) string {
	t.Helper()
	id := newEnvelopeID()
	var data []byte
	err := mb.st.UpdateGroup("A-gruppen", func(g *store.GroupState, _ *store.GroupTx) error {
		a := nextAuthor(g)
		data = seal(g, a, id)
		g.Seq = a.seq
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	g, _ := mb.st.Group("A-gruppen")
	rc, _ := mb.c.relay(g.Server, g.Token)
	if _, err := rc.push(context.Background(), g.ID, []relay.PushEnvelope{{ID: id, Data: data}}); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestOnlyTheListsKeysAreTaken(t *testing.T) {
	_, m, a, b, _ := setupABC(t)
	mustSync(t, a)
	mustSync(t, b)
	ag, _ := a.st.Group("A-gruppen")
	// B makes up a key change: a box from B's key to A's, for epoch 2, signed by B.
	forge(t, b, func(g *store.GroupState, au author, id string) []byte {
		data, err := sealKeys(g.ID, au, id, 2, newKey(), g.PrivateKey, []recipient{{ag.MemberID, ag.PublicKey}})
		if err != nil {
			t.Fatal(err)
		}
		return data
	})
	res := mustSync(t, a)
	if ag2, _ := a.st.Group("A-gruppen"); ag2.Epoch != 1 || ag2.Key(2) != nil {
		t.Errorf("A took a group key the signed list never committed to (epoch %d)", ag2.Epoch)
	}
	if res[0].Unreadable != 1 {
		t.Errorf("the made-up key change was not counted as unreadable: %+v", res[0])
	}
	// Notes still flow.
	shareNote(t, b, &m, 0, 0, agenda.StanceFor, "A-gruppen", "stadig læsbar")
	mustSync(t, b)
	mustSync(t, a)
	if len(notesOf(t, a, m.ID)) != 1 {
		t.Error("A did not get B's note after the made-up key change")
	}
}

// lyingRelay serves a real relay but swaps one member's public key in member lists,
// as a relay that wants the next group key would.
type lyingRelay struct {
	h      http.Handler
	victim atomic.Value // member id
	fake   []byte
}

func (l *lyingRelay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	victim, _ := l.victim.Load().(string)
	if r.Method != "GET" || !strings.HasSuffix(r.URL.Path, "/members") || victim == "" {
		l.h.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	l.h.ServeHTTP(rec, r)
	var mr relay.MembersResponse
	json.Unmarshal(rec.Body.Bytes(), &mr)
	for i := range mr.Members {
		if mr.Members[i].ID == victim {
			mr.Members[i].PublicKey = l.fake
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(mr)
}

func TestARelayCannotSlipInAKeyOfItsOwn(t *testing.T) {
	dir := t.TempDir()
	r, err := relay.New(dir, relay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	fakePub, fakePriv, _ := box.GenerateKey(rand.Reader)
	lr := &lyingRelay{h: r.Handler(), fake: fakePub[:]}
	mux := http.NewServeMux()
	mux.Handle(relay.Prefix+"/", lr)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	m := testMeeting()
	a, b, d := newMember(t, "A", m), newMember(t, "B", m), newMember(t, "D", m)
	ctx := context.Background()
	if _, err := a.c.Create(ctx, "A-gruppen", srv.URL, r.OperatorToken()); err != nil {
		t.Fatal(err)
	}
	for _, mb := range []*member{b, d} {
		code, _ := a.c.Invite(ctx, "A-gruppen", false)
		if _, err := mb.c.Join(ctx, code, ""); err != nil {
			t.Fatal(err)
		}
		mustSync(t, mb)
	}
	mustSync(t, a)
	bg, _ := b.st.Group("A-gruppen")
	lr.victim.Store(bg.MemberID)
	// The relay reports its own key for B; the key change after D's removal goes to the
	// key B signed into the list, and the relay's key opens nothing.
	if _, err := a.c.Remove(ctx, "A-gruppen", "D"); err != nil {
		t.Fatalf("removal while the relay lies about B's key: %v", err)
	}
	mustSync(t, b)
	ag, _ := a.st.Group("A-gruppen")
	bg, _ = b.st.Group("A-gruppen")
	if ag.Epoch != 2 || bg.Epoch != 2 || !bytes.Equal(ag.Key(2), bg.Key(2)) {
		t.Errorf("after the key change: A at epoch %d, B at %d", ag.Epoch, bg.Epoch)
	}
	rc, _ := a.c.relay(ag.Server, ag.Token)
	page, _ := rc.pull(ctx, ag.ID, 0, 1000)
	for _, e := range page.Envelopes {
		if h, err := parseEnvelope(e.Data); err == nil && h.kind == kindKeys {
			if _, err := openBox(ag.ID, e.ID, h, bg.MemberID, fakePriv[:], ag.PublicKey, keySize); err == nil {
				t.Error("the relay's key opens B's box")
			}
		}
	}
}
