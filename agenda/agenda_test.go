package agenda

import (
	"strings"
	"testing"
	"time"
)

func TestRecommendations(t *testing.T) {
	cases := []struct {
		name string
		md   string
		want []string
	}{
		{"single sentence", "Det indstilles, at KKR Hovedstaden godkender referat fra mødet.",
			[]string{"Det indstilles, at KKR Hovedstaden godkender referat fra mødet."}},
		{"bullets after lead-in", "Det indstilles, at KKR Hovedstaden:\n\n- Drøfter potentialer\n- Giver input.",
			[]string{"Drøfter potentialer", "Giver input."}},
		{"star bullets and continuation", "Forvaltningen indstiller, at\n\n* budgettet vedtages\n  som fremlagt\n* skatten fastholdes",
			[]string{"budgettet vedtages som fremlagt", "skatten fastholdes"}},
		{"nested bullets stay with parent", "Det indstilles, at:\n\n- A\n  - a1\n  - a2\n- B",
			[]string{"A\n  - a1\n  - a2", "B"}},
		{"at-lines", "Direktionen indstiller,\n\nat planen vedtages,\n\nat der gives bevilling.",
			[]string{"at planen vedtages,", "at der gives bevilling."}},
		{"numbered", "Det indstilles, at udvalget:\n\n1. godkender A\n2. godkender B",
			[]string{"godkender A", "godkender B"}},
		{"closing prose after bullets ignored", "Det indstilles, at:\n\n- A\n- B\n\nSagen sendes videre til byrådet.",
			[]string{"A", "B"}},
		{"empty", "  \n\n", nil},
		{"italic numbered (Greve)", "*Administrationen indstiller,*\n\n*1. at den foreslåede mødekalender godkendes*\n\n*2. at den faste mødedag bliver mandag.*",
			[]string{"at den foreslåede mødekalender godkendes", "at den faste mødedag bliver mandag."}},
		{"escaped number outside emphasis", "*Centrene indstiller til udvalget,*\n\n1\\. *at der laves en plan*\n\n*2. at planen er 10-årig*",
			[]string{"at der laves en plan", "at planen er 10-årig"}},
		{"lettered sub-points after a colon", "*Center for Teknik indstiller,*\n\n*1. at der meddeles bevilling*\n\n*2. at der igangsættes projekter på følgende adresser:*\n\n*a) Aktivhuset.*\n\n*b) Rådhuset.*\n\n*3. at besparelsen indgår i budgettet*",
			[]string{"at der meddeles bevilling", "at der igangsættes projekter på følgende adresser:\n  - Aktivhuset.\n  - Rådhuset.", "at besparelsen indgår i budgettet"}},
		{"bold single sentence", "**Det indstilles, at referatet godkendes.**",
			[]string{"Det indstilles, at referatet godkendes."}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Recommendations(c.md)
			if len(got) != len(c.want) {
				t.Fatalf("got %d units %+v, want %d %q", len(got), got, len(c.want), c.want)
			}
			for i := range got {
				if got[i].Text != c.want[i] || got[i].Index != i {
					t.Errorf("unit %d = %d %q, want %q", i, got[i].Index, got[i].Text, c.want[i])
				}
			}
		})
	}
}

func FuzzRecommendations(f *testing.F) {
	f.Add("Det indstilles, at:\n\n- A\n  - a1\n- B")
	f.Add("at x\nat y")
	f.Fuzz(func(t *testing.T, md string) {
		for i, r := range Recommendations(md) {
			if r.Index != i || strings.TrimSpace(r.Text) == "" {
				t.Fatalf("bad unit %d: %+v", i, r)
			}
		}
	})
}

func meeting() Meeting {
	m := Meeting{
		Body:  Body{Name: "KKR Hovedstaden"},
		Start: time.Date(2023, 4, 21, 10, 0, 0, 0, Copenhagen),
		Items: []Item{
			{Number: "1.1", Title: "Godkendelse af referat", CaseNumber: "SAG-1", Recommendations: []Recommendation{{0, "Godkender referatet."}}},
			{Number: "3.1", Title: "Erhvervsfremme", CaseNumber: "SAG-2", Recommendations: []Recommendation{{0, "Drøfter potentialer"}, {1, "Giver input til indspil."}}},
			{Number: "3.2", Title: "Klimaalliance", CaseNumber: "SAG-2", Recommendations: []Recommendation{{0, "Tager orienteringen til efterretning"}, {1, "Udpeger en repræsentant"}}},
		},
	}
	AssignIDs(&m)
	return m
}

func noteOn(t *testing.T, m *Meeting, item, rec int) Note {
	t.Helper()
	a, err := AnchorOn(m, &m.Items[item], &rec)
	if err != nil {
		t.Fatal(err)
	}
	return Note{Anchor: a, Text: "min note", Stance: StanceAgainst}
}

func TestAssignIDsStableAndUnique(t *testing.T) {
	a, b := meeting(), meeting()
	if a.ID != b.ID || a.Items[1].ID != b.Items[1].ID {
		t.Fatal("ids differ between two imports of the same meeting")
	}
	seen := map[string]bool{}
	for _, it := range a.Items {
		if seen[it.ID] {
			t.Fatalf("duplicate id %s", it.ID)
		}
		seen[it.ID] = true
	}
	// Two items with the same case number and no title still get distinct ids.
	m := Meeting{Body: Body{Name: "X"}, Items: []Item{{CaseNumber: "S"}, {CaseNumber: "S"}}}
	AssignIDs(&m)
	if m.Items[0].ID == m.Items[1].ID {
		t.Fatal("duplicate keys must get distinct ids")
	}
}

func TestReconcileAndReanchor(t *testing.T) {
	type tc struct {
		name       string
		edit       func(m *Meeting)
		wantStatus NoteStatus
		wantRec    *int
		wantKind   ChangeKind
	}
	one := 1
	cases := []tc{
		{"unchanged", func(m *Meeting) {}, StatusOK, &one, Unchanged},
		{"renumbered and moved", func(m *Meeting) {
			m.Items[0], m.Items[1] = m.Items[1], m.Items[0]
			m.Items[0].Number, m.Items[1].Number = "2.1", "1.1"
		}, StatusOK, &one, Changed},
		{"retitled, same case", func(m *Meeting) { m.Items[1].Title = "Erhvervsfremmestrategi 2024-2027" }, StatusOK, &one, Changed},
		{"wording changed", func(m *Meeting) {
			m.Items[1].Recommendations[1].Text = "Giver input til de to regionale indspil."
		}, StatusChanged, &one, Changed},
		{"recommendation inserted before", func(m *Meeting) {
			it := &m.Items[1]
			it.Recommendations = append([]Recommendation{{0, "Ny første"}}, it.Recommendations...)
			for i := range it.Recommendations {
				it.Recommendations[i].Index = i
			}
		}, StatusOK, func() *int { x := 2; return &x }(), Changed},
		{"recommendation reworded beyond recognition", func(m *Meeting) {
			m.Items[1].Recommendations = []Recommendation{{0, "Helt anderledes tekst om noget andet"}}
		}, StatusChanged, nil, Changed}, // gone: the note stays on the item, flagged
		{"item removed", func(m *Meeting) { m.Items = append(m.Items[:1], m.Items[2:]...) }, StatusOrphaned, &one, Removed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prev := meeting()
			n := noteOn(t, &prev, 1, 1)
			next := meeting()
			c.edit(&next)
			// A re-publication computes fresh ids before reconciling, like an importer.
			AssignIDs(&next)
			changes := Reconcile(&prev, &next)
			Reanchor(&n, &next)
			if n.Status != c.wantStatus {
				t.Errorf("status = %s, want %s", n.Status, c.wantStatus)
			}
			if (n.Anchor.Recommendation == nil) != (c.wantRec == nil) || (c.wantRec != nil && *n.Anchor.Recommendation != *c.wantRec) {
				t.Errorf("recommendation = %v, want %v", n.Anchor.Recommendation, c.wantRec)
			}
			if n.Text != "min note" || n.Stance != StanceAgainst {
				t.Error("note content must never change on re-anchoring")
			}
			var kind ChangeKind
			for _, ch := range changes {
				if ch.ItemID == prev.Items[1].ID {
					kind = ch.Kind
				}
			}
			if kind != c.wantKind {
				t.Errorf("change kind of the noted item = %q, want %q (%+v)", kind, c.wantKind, changes)
			}
		})
	}
}

func TestReconcileNewSourceIDsKeepItems(t *testing.T) {
	prev := meeting()
	for i := range prev.Items {
		prev.Items[i].SourceID = "old-" + prev.Items[i].Number
	}
	AssignIDs(&prev)
	next := meeting()
	for i := range next.Items {
		next.Items[i].SourceID = "new-" + next.Items[i].Number // the referat gets new ids
	}
	AssignIDs(&next)
	Reconcile(&prev, &next)
	for i := range next.Items {
		if next.Items[i].ID != prev.Items[i].ID {
			t.Errorf("item %s lost its identity across a re-publication with new source ids", next.Items[i].Number)
		}
	}
}

func TestReconcileAddedItemNeverTakesRemovedID(t *testing.T) {
	prev := meeting()
	next := meeting()
	next.Items = next.Items[:2]
	next.Items = append(next.Items, Item{Number: "4.1", Title: "Helt nyt punkt", Recommendations: []Recommendation{{0, "Noget nyt"}}})
	AssignIDs(&next)
	changes := Reconcile(&prev, &next)
	kinds := map[ChangeKind]int{}
	for _, c := range changes {
		kinds[c.Kind]++
	}
	if kinds[Added] != 1 || kinds[Removed] != 1 || next.Items[2].ID == prev.Items[2].ID {
		t.Fatalf("changes %+v", changes)
	}
}

func TestItemNoteChangedWhenTextChanges(t *testing.T) {
	prev := meeting()
	a, err := AnchorOn(&prev, &prev.Items[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	n := Note{Anchor: a}
	next := meeting()
	next.Items[0].Decision = "Godkendt."
	Reconcile(&prev, &next)
	Reanchor(&n, &next)
	if n.Status != StatusOK {
		t.Fatalf("a decision alone must not flag an item note: %s", n.Status)
	}
	next.Items[0].Sections = []Section{{Heading: "Baggrund", Text: "Ny tekst"}}
	Reanchor(&n, &next)
	if n.Status != StatusChanged {
		t.Fatalf("status = %s, want changed", n.Status)
	}
}

func TestAnchorOnRejectsBadIndex(t *testing.T) {
	m := meeting()
	bad := 5
	if _, err := AnchorOn(&m, &m.Items[0], &bad); err == nil {
		t.Fatal("want error for recommendation 5 of an item with 1")
	}
}

func TestStances(t *testing.T) {
	s := StanceNone
	var seen []Stance
	for range 5 {
		s = s.Next()
		seen = append(seen, s)
	}
	want := []Stance{StanceFor, StanceAgainst, StanceAbstain, StanceQuestion, StanceNone}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("cycle %v, want %v", seen, want)
		}
	}
	for in, want := range map[string]Stance{"imod": StanceAgainst, "undlader": StanceAbstain, "spørgsmål": StanceQuestion, "FOR": StanceFor, "": StanceNone} {
		if got, err := ParseStance(in); err != nil || got != want {
			t.Errorf("ParseStance(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseStance("måske"); err == nil {
		t.Error("want error for unknown stance")
	}
}

func TestLatestKeepsNewestRelease(t *testing.T) {
	older, newer := meeting(), meeting()
	older.Source.Released = time.Date(2017, 4, 21, 12, 0, 48, 0, Copenhagen)
	newer.Source.Released = time.Date(2017, 4, 21, 12, 24, 3, 0, Copenhagen)
	newer.Items = newer.Items[:2]
	other := meeting()
	other.Body.Name = "Økonomiudvalget"
	AssignIDs(&other)
	// Given newest first, the older one must not win.
	out, dropped := Latest([]Meeting{newer, other, older})
	if dropped != 1 || len(out) != 2 || len(out[0].Items) != 2 || out[1].Body.Name != "Økonomiudvalget" {
		t.Fatalf("dropped %d, out %d meetings, first has %d items", dropped, len(out), len(out[0].Items))
	}
}
