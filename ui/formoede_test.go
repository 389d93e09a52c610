package ui

import (
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/group"
	"github.com/dagsorden/dagsorden/sync/group/roster"
)

// The group client must satisfy the formøde view's interface, and the store the group list's.
var (
	_ Formoede    = (*group.Client)(nil)
	_ GroupLister = (*store.Store)(nil)
)

// Member ids of the group fixture (16 hex digits, as in a real group).
const (
	mAnne  = "a000000000000001"
	mBo    = "b000000000000002"
	mCarl  = "c000000000000003"
	mDorte = "d000000000000004"
)

func groupClient(st Store) Formoede {
	return &group.Client{Store: st.(*store.Store), Author: "Anne",
		Now: func() time.Time { return testNow }}
}

// groupStore is the fixture meeting, with a fourth item of three recommendations, in a
// real store whose member, Anne, is in A-gruppen with Bo, Carl and Dorte. On item 1:
// recommendation 1 has Anne for and Bo against (the group disagrees); recommendation 2
// has Carl for, in a note Anne edited concurrently (a conflict with two versions);
// recommendation 3 has no stance at all. Anne also has a private note on recommendation
// 1, and a note shared with V-gruppen that A-gruppen must not show. The notes on other
// items share item 1's recommendation indexes, so a tally that does not tell items apart
// shows: on item 4, Carl is against recommendation 1, nobody has a position on 2, and
// Dorte is for 3; Bo abstains on item 3 as a whole.
func groupStore(t testing.TB) *store.Store {
	t.Helper()
	st := fixtureStore(t)
	fm := fixtureMeeting(fixtureStart, "Teknik- og Miljøudvalget")
	fm.Items = append(fm.Items, agenda.Item{Number: "4", Title: "Budgetopfølgning 2027", CaseNumber: "26/180",
		Group: "Sager til beslutning",
		Recommendations: agenda.Recommendations("Forvaltningen indstiller, at udvalget\n\n" +
			"- godkender budgetopfølgningen\n- tager orienteringen om anlæg til efterretning\n- frigiver 0,5 mio. kr. til vejvedligehold")})
	agenda.AssignIDs(&fm)
	if _, err := st.Import(agenda.Package{Meetings: []agenda.Meeting{fm}}); err != nil {
		t.Fatal(err)
	}
	members := []store.GroupMember{{ID: mAnne, Name: "Anne"}, {ID: mBo, Name: "Bo"},
		{ID: mCarl, Name: "Carl"}, {ID: mDorte, Name: "Dorte"}}
	for i := range members {
		members[i].Verified = true // in the group's signed member list
	}
	// A group key and Anne's signed member list (she made the group), so resolving seals
	// the kept version into the outbox as it does for a member of a real group.
	key := make([]byte, 32)
	signPub, signPriv, _ := ed25519.GenerateKey(rand.Reader)
	const gid = "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a"
	genesis := &roster.Entry{Kind: roster.Genesis, Group: gid, Seq: 1, Signer: mAnne, SignKey: signPub,
		BoxKey: make([]byte, 32), Epoch: 1, Commit: roster.KeyCommit(gid, 1, key)}
	if err := genesis.Sign(signPriv); err != nil {
		t.Fatal(err)
	}
	if err := st.AddGroup(&store.GroupState{Name: "A-gruppen", ID: gid, Server: "http://127.0.0.1:1",
		MemberID: mAnne, Author: "Anne", Members: members, Epoch: 1, Keys: []store.EpochKey{{Epoch: 1, Key: key}},
		SignPublic: signPub, SignPrivate: signPriv, RootKey: signPub, Chain: [][]byte{genesis.Raw()}}); err != nil {
		t.Fatal(err)
	}
	if err := st.AddGroup(&store.GroupState{Name: "V-gruppen", ID: "gv", Server: "http://127.0.0.1:1",
		MemberID: "m-anne2", Author: "Anne", Members: []store.GroupMember{{ID: "m-anne2", Name: "Anne"}}}); err != nil {
		t.Fatal(err)
	}
	ms, err := st.Meetings()
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.Meeting(ms[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Items) != 4 || len(m.Items[3].Recommendations) != 3 {
		t.Fatalf("the group fixture meeting has %d items", len(m.Items))
	}
	on := func(item int, author, grp string, rec int, stance agenda.Stance, text string) agenda.Note {
		t.Helper()
		var r *int
		if rec >= 0 {
			r = &rec
		}
		a, err := agenda.AnchorOn(m, &m.Items[item], r)
		if err != nil {
			t.Fatal(err)
		}
		n := agenda.Note{Anchor: a, Author: author, Stance: stance, Text: text, Visibility: agenda.Private}
		if grp != "" {
			n.Visibility, n.Group = agenda.Group, grp
		}
		if err := st.SaveNote(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	save := func(author, grp string, rec int, stance agenda.Stance, text string) agenda.Note {
		t.Helper()
		return on(0, author, grp, rec, stance, text)
	}
	on(3, "Carl", "A-gruppen", 0, agenda.StanceAgainst, "Anlægget er undervurderet.")
	on(3, "Dorte", "A-gruppen", 2, agenda.StanceFor, "")
	on(2, "Bo", "A-gruppen", -1, agenda.StanceAbstain, "")
	save("Anne", "A-gruppen", 0, agenda.StanceFor, "Godt for skolebørnene.")
	save("Bo", "A-gruppen", 0, agenda.StanceAgainst, "For dyrt i år.")
	carl := save("Carl", "A-gruppen", 1, agenda.StanceFor, "Evaluering efter et år er fint.")
	save("Anne", "", 0, agenda.StanceNone, "Min egen tanke: spørg til driften.")
	save("Anne", "V-gruppen", 2, agenda.StanceAgainst, "Kun for V-gruppen.")

	anne := carl
	anne.Text = "Evaluering allerede efter et halvt år."
	err = st.UpdateGroup("A-gruppen", func(g *store.GroupState, tx *store.GroupTx) error {
		return tx.PutNote(&store.GroupNote{
			ID: carl.ID,
			Heads: []store.GroupVersion{
				{Note: carl, Vector: map[string]uint64{mCarl: 2}, Clock: 2, Editor: mCarl, EditorName: "Carl"},
				{Note: anne, Vector: map[string]uint64{mCarl: 1, mAnne: 1}, Clock: 1, Editor: mAnne, EditorName: "Anne"},
			},
			Local: store.NoteSync{Revision: carl.Revision, Vector: map[string]uint64{mCarl: 2}},
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func formoedeDriver(t *testing.T, st *store.Store, opts Options) *driver {
	t.Helper()
	opts.Author = "Anne"
	opts.Group = groupClient(st)
	d := newDriver(t, st, opts, 120, 60)
	d.keys("enter", "F")
	if _, ok := d.m.top().(*formoedeScreen); !ok {
		t.Fatalf("F on the agenda did not open the formøde view:\n%s", d.view())
	}
	return d
}

// itemBlock is the formøde view's lines of one item: from its heading (" N  Title") to the
// next item's, trimmed, one string.
func itemBlock(t *testing.T, view, heading string) string {
	t.Helper()
	var out []string
	in := false
	for _, l := range strings.Split(view, "\n") {
		switch {
		case strings.HasPrefix(l, " "+heading):
			in = true
		case in && (!strings.HasPrefix(l, " ") || len(l) > 1 && l[1] >= '0' && l[1] <= '9'):
			in = false // the next item, or the footer
		}
		if in && strings.TrimSpace(l) != "" {
			out = append(out, strings.TrimSpace(l))
		}
	}
	if len(out) == 0 {
		t.Fatalf("the view has no item %q:\n%s", heading, view)
	}
	return strings.Join(out, "\n")
}

func TestFormoedeShowsTalliesWhoSaidWhatAndMyPrivateNotes(t *testing.T) {
	d := formoedeDriver(t, groupStore(t), Options{})
	d.mustSee("Formøde", "gruppe: A-gruppen", "4 medlemmer",
		"Indstilling 1: godkender projektet",
		"1 for · 1 imod · 0 undlader · 2 uden holdning", "[uenige]",
		"Anne (mig): for", "Godt for skolebørnene.", "Bo: imod", "For dyrt i år.",
		"Indstilling 3: orienterer skolebestyrelsen", "0 for · 0 imod · 0 undlader · 4 uden holdning",
		"mig · privat, kun for dig", "Min egen tanke",
		"⚠ konflikt", "Evaluering efter et år er fint.", "Evaluering allerede efter et halvt år.")
	// Another group's note is not A-gruppen's business.
	d.mustNotSee("Kun for V-gruppen.")
	v := d.view()
	if strings.Count(v, "⚠ konflikt") != 2 {
		t.Fatalf("want both versions of the conflict, got:\n%s", v)
	}
	// Every item counts only its own notes, though the recommendation indexes repeat.
	for heading, want := range map[string][]string{
		"1  Trafiksikker": {
			"Indstilling 1: godkender projektet for 2,1 mio. kr.\n1 for · 1 imod · 0 undlader · 2 uden holdning [uenige]",
			"Indstilling 2: beder om en evaluering efter et år\n1 for · 0 imod · 0 undlader · 3 uden holdning",
			"Indstilling 3: orienterer skolebestyrelsen\n0 for · 0 imod · 0 undlader · 4 uden holdning",
		},
		"2  Køb af grund": {"Hele punktet\n0 for · 0 imod · 0 undlader · 4 uden holdning"},
		"3  Meddelelser":  {"Hele punktet\n0 for · 0 imod · 1 undlader · 3 uden holdning\nBo: undlader"},
		"4  Budgetopfølgning 2027": {
			"Indstilling 1: godkender budgetopfølgningen\n0 for · 1 imod · 0 undlader · 3 uden holdning\nCarl: imod\nAnlægget er undervurderet.",
			"Indstilling 2: tager orienteringen om anlæg til efterretning\n0 for · 0 imod · 0 undlader · 4 uden holdning",
			"Indstilling 3: frigiver 0,5 mio. kr. til vejvedligehold\n1 for · 0 imod · 0 undlader · 3 uden holdning\nDorte: for",
		},
	} {
		block := itemBlock(t, v, heading)
		for _, w := range want {
			if !strings.Contains(block, w) {
				t.Errorf("item %q lacks %q; it shows:\n%s", heading, w, block)
			}
		}
	}
	if b := itemBlock(t, v, "1  Trafiksikker"); strings.Contains(b, "Carl: imod") || strings.Contains(b, "Dorte") {
		t.Errorf("item 1 shows notes of item 4:\n%s", b)
	}
}

func TestFormoedeFilters(t *testing.T) {
	d := formoedeDriver(t, groupStore(t), Options{})
	d.keys("u")
	d.mustSee("hvor vi er uenige", "Indstilling 1:", "Bo: imod")
	d.mustNotSee("Indstilling 2:", "Indstilling 3:", "Meddelelser", "Budgetopfølgning")
	d.keys("i")
	d.mustSee("hvor ingen har taget stilling", "4 uden holdning")
	v := d.view()
	// Where nobody has a position: item 1's third recommendation, item 2 as a whole and
	// item 4's second, whatever the other items' notes on the same indexes say.
	if got, want := itemBlock(t, v, "1  Trafiksikker"), "1  Trafiksikker skolevej på Kirkevej\nIndstilling 3: orienterer skolebestyrelsen\n0 for · 0 imod · 0 undlader · 4 uden holdning"; got != want {
		t.Errorf("item 1 under i:\n%s\nwant:\n%s", got, want)
	}
	if got, want := itemBlock(t, v, "4  Budgetopfølgning"), "4  Budgetopfølgning 2027\nIndstilling 2: tager orienteringen om anlæg til efterretning\n0 for · 0 imod · 0 undlader · 4 uden holdning"; got != want {
		t.Errorf("item 4 under i:\n%s\nwant:\n%s", got, want)
	}
	d.mustSee("2  Køb af grund")
	d.mustNotSee("Meddelelser", "Bo: imod")
	d.keys("i")
	d.mustSee("Indstilling 1:", "Indstilling 2:", "Indstilling 3:", "Meddelelser")
	// The footer names the filter keys.
	d.m.status = ""
	d.mustSee("u uenige", "i ingen holdning")
}

func TestFormoedeSwitchGroupAndOnlyMine(t *testing.T) {
	d := formoedeDriver(t, groupStore(t), Options{})
	d.keys("tab")
	d.mustSee("gruppe: V-gruppen", "Kun for V-gruppen.")
	d.mustNotSee("For dyrt i år.")
	d.keys("tab")
	d.mustSee("kun mine noter", "Godt for skolebørnene.", "Min egen tanke", "Kun for V-gruppen.")
	d.mustNotSee("For dyrt i år.", "Bo: imod")
	d.keys("tab")
	d.mustSee("gruppe: A-gruppen", "Bo: imod")
}

func TestFormoedeResolveKeepsTheChosenVersion(t *testing.T) {
	st := groupStore(t)
	d := formoedeDriver(t, st, Options{})
	d.keys("r")
	d.mustSee("Vælg først en version med c.")
	d.keys("c", "c") // the second version: Anne's
	d.keys("r")
	d.mustSee("Konflikten er løst")
	d.mustNotSee("⚠ konflikt", "Evaluering efter et år er fint.")
	d.mustSee("Evaluering allerede efter et halvt år.")
	// Leaving and coming back still shows it settled.
	d.keys("esc", "F")
	d.mustNotSee("⚠ konflikt")
	d.mustSee("Evaluering allerede efter et halvt år.")
	kept := noteWithText(t, st, "Evaluering allerede efter et halvt år.")

	// The store holds the resolution, not this session: one head, sealed in the outbox
	// for the next sync, and a new program on the same store shows no conflict.
	gn, err := st.GroupNote("A-gruppen", kept.ID)
	if err != nil || gn.Conflict() || gn.Heads[0].Note.Text != kept.Text {
		t.Fatalf("the group note after resolving: %+v %v", gn, err)
	}
	if ob, err := st.GroupOutbox("A-gruppen"); err != nil || len(ob) != 1 || ob[0].Envelope != gn.Heads[0].Envelope {
		t.Fatalf("outbox after resolving: %+v %v", ob, err)
	}
	d2 := formoedeDriver(t, st, Options{})
	d2.mustNotSee("⚠ konflikt", "Evaluering efter et år er fint.")
	d2.mustSee("Evaluering allerede efter et halvt år.")
}

func TestFormoedeWritesTheBrief(t *testing.T) {
	var gotMeeting, gotGroup string
	d := formoedeDriver(t, groupStore(t), Options{WriteBrief: func(meetingID, group string) (string, error) {
		gotMeeting, gotGroup = meetingID, group
		return "/tmp/formoede.md", nil
	}})
	d.keys("B")
	d.mustSee("Formødebrevet er skrevet til /tmp/formoede.md")
	if gotGroup != "A-gruppen" || gotMeeting != d.m.md.meeting.ID {
		t.Fatalf("brief written for %q/%q", gotMeeting, gotGroup)
	}
}

func TestFormoedeHiddenWithoutGroup(t *testing.T) {
	d := newDriver(t, groupStore(t), Options{}, 100, 30)
	d.keys("enter", "F")
	if _, ok := d.m.top().(*agendaScreen); !ok {
		t.Fatalf("F opened %T without a group client", d.m.top())
	}
	d.mustNotSee("F formøde", "B skriv")
	d.keys("?")
	d.mustNotSee("formøde", "skriv formødebrev")
}

// The formøde view in the real program loop: open it, filter, resolve, back.
func TestFlowFormoede(t *testing.T) {
	st := groupStore(t)
	m := newModel(st, Options{Now: func() time.Time { return testNow }, Author: "Anne", Group: groupClient(st)}, nil)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(110, 50))
	waitFor(t, tm, "Teknik- og Miljøudvalget")
	send(tm, "enter")
	waitFor(t, tm, "Sager til beslutning")
	send(tm, "F")
	waitFor(t, tm, "1 for · 1 imod · 0 undlader · 2 uden holdning", "⚠ konflikt")
	send(tm, "u")
	waitFor(t, tm, "hvor vi er uenige")
	send(tm, "u", "c", "c", "r") // filter off, then the second version: Anne's
	waitFor(t, tm, "Konflikten er løst")
	send(tm, "esc", "q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	n, err := st.Note(noteWithText(t, st, "Evaluering allerede efter et halvt år.").ID)
	if err != nil || n.Text != "Evaluering allerede efter et halvt år." {
		t.Fatalf("the kept version is not stored: %v %+v", err, n)
	}
}

func noteWithText(t *testing.T, st *store.Store, text string) agenda.Note {
	t.Helper()
	for _, n := range storedNotes(t, st) {
		if n.Text == text {
			return n
		}
	}
	t.Fatalf("no stored note says %q", text)
	return agenda.Note{}
}
