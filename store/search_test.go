package store_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/firstagenda"
	"github.com/dagsorden/dagsorden/agenda/kltext"
	"github.com/dagsorden/dagsorden/agenda/sbsys"
	"github.com/dagsorden/dagsorden/internal/shared"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/store/search"
)

// seed001 is a store holding ../shared/seeds/001 (KKR Hovedstaden, 21 April 2023) as the
// KL text importer reads it.
func seed001(t *testing.T) (*store.Store, agenda.Meeting) {
	t.Helper()
	data, err := os.ReadFile(shared.Path(t, "seeds", "001_147b9d108b7927a9.txt"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := kltext.Parse("001_147b9d108b7927a9.txt", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Meetings) != 1 {
		t.Fatalf("%d meetings in seeds/001", len(p.Meetings))
	}
	s := openStore(t)
	importOne(t, s, p.Meetings[0])
	return s, p.Meetings[0]
}

func search_(t *testing.T, s *store.Store, q string, limit int) []store.SearchHit {
	t.Helper()
	hits, err := s.Search(q, limit)
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	return hits
}

// matched are the words a hit highlights.
func matched(h store.SearchHit) []string {
	var ws []string
	for _, m := range h.Matches {
		ws = append(ws, h.Snippet[m[0]:m[1]])
	}
	return ws
}

func TestSearchSundhedsklyngerRanksItem35First(t *testing.T) {
	s, m := seed001(t)
	it := findItem(t, &m, "3.5")
	hits := search_(t, s, "sundhedsklynger", 10)
	if len(hits) == 0 {
		t.Fatal("no hits")
	}
	h := hits[0]
	if h.Kind != "item" || h.ItemID != it.ID || h.MeetingID != m.ID || !strings.HasPrefix(h.Title, "3.5 Temadrøftelse om sundhedsområdet") {
		t.Fatalf("first hit %+v, want item 3.5", h)
	}
	if len(h.Matches) == 0 || !strings.HasPrefix(strings.ToLower(matched(h)[0]), "sundhedsklynge") {
		t.Errorf("snippet %q highlights %q", h.Snippet, matched(h))
	}
	if strings.ContainsAny(h.Snippet, "\n#*") || len(h.Snippet) > 200 {
		t.Errorf("snippet is not one short line of plain text: %q", h.Snippet)
	}
	for i := 1; i < len(hits); i++ {
		if hits[i].Score > hits[i-1].Score {
			t.Errorf("hit %d scores %f after %f", i, hits[i].Score, hits[i-1].Score)
		}
	}
	// Its recommendations are hits of their own, pointing at the recommendation.
	recs := 0
	for _, h := range hits {
		if h.Kind == "recommendation" && h.ItemID == it.ID && h.Recommendation != nil &&
			strings.Contains(it.Recommendations[*h.Recommendation].Text, "sundhedsklyngerne") {
			recs++
		}
	}
	if recs != 2 {
		t.Errorf("%d recommendation hits of 3.5, want 2: %+v", recs, hits)
	}
}

// As the member types "sundhedsklynger", item 3.5 is the first hit from "sundhedskl" on:
// the last word matches as a prefix, and a word cut off in its ending still finds its
// stem.
func TestSearchAsYouType(t *testing.T) {
	s, m := seed001(t)
	it := findItem(t, &m, "3.5")
	word := []rune("sundhedsklyngerne")
	for n := 1; n <= len(word); n++ {
		q := string(word[:n])
		hits := search_(t, s, q, 5)
		if n >= len("sundhedskl") && (len(hits) == 0 || hits[0].ItemID != it.ID || hits[0].Kind != "item") {
			t.Errorf("%q: first hit %+v, want item 3.5", q, hits)
		}
	}
	// Two words, the second being typed.
	for _, q := range []string{"akutplan kap", "akutplan kapacitetsudf", "Sundhedsaftale 2024-20"} {
		if hits := search_(t, s, q, 5); len(hits) == 0 || hits[0].ItemID != it.ID {
			t.Errorf("%q: %+v, want item 3.5 first", q, hits)
		}
	}
}

// Greve's committees write "lokalplan", "lokalplanen", "lokalplaner", "lokalplanerne":
// one term. Some of the meetings that say "lokalplan" are imported; "lokalplanerne" finds
// the items saying "lokalplan".
func TestSearchLokalplanerneFindsLokalplan(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(shared.Path(t, "samples", "firstagenda", "greve"), "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Greve samples: %v", err)
	}
	s := openStore(t)
	imported := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte("okalplan")) {
			continue
		}
		p, err := firstagenda.Parse(filepath.Base(f), data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if _, err := s.Import(p); err != nil {
			t.Fatal(err)
		}
		if imported++; imported == 6 {
			break
		}
	}
	a := search.NewAnalyzer()
	for _, q := range []string{"lokalplanerne", "lokalplanerne "} {
		hits := search_(t, s, q, 50)
		if len(hits) < 5 {
			t.Fatalf("%q: %d hits", q, len(hits))
		}
		exact := 0
		for _, h := range hits {
			if h.Kind == "meeting" {
				continue
			}
			ws := matched(h)
			if len(ws) == 0 && !strings.Contains(strings.ToLower(h.Title), "lokalplan") {
				t.Errorf("%q: hit %q shows no lokalplan: %q", q, h.Title, h.Snippet)
			}
			for _, w := range ws {
				f := search.Fold(w)
				if !strings.HasPrefix(a.Stem(f), "lokalplan") {
					t.Errorf("%q highlights %q", q, w)
				}
				if f == "lokalplan" {
					exact++
				}
			}
		}
		if exact == 0 {
			t.Errorf("%q: no hit shows the word \"lokalplan\" itself", q)
		}
	}
}

func TestSearchFindsANoteRightAfterItIsSaved(t *testing.T) {
	s := openStore(t)
	m := kkr()
	importOne(t, s, m)
	if hits := search_(t, s, "psykiatrien", 10); len(hits) != 0 {
		t.Fatalf("found before the note: %+v", hits)
	}
	n := noteOn(t, s, m.ID, "3.1", ptr(1), "Vi vil have psykiatrien med i klyngerne.")
	hits := search_(t, s, "psykiatrien", 10)
	if len(hits) != 1 || hits[0].Kind != "note" || hits[0].NoteID != n.ID || hits[0].ItemID != n.Anchor.ItemID ||
		hits[0].Recommendation == nil || *hits[0].Recommendation != 1 || hits[0].MeetingID != m.ID ||
		hits[0].Title != "3.1 Sundhedsklynger i hovedstaden" {
		t.Fatalf("hits %+v", hits)
	}
	if got := matched(hits[0]); !slices.Equal(got, []string{"psykiatrien"}) {
		t.Errorf("highlights %q in %q", got, hits[0].Snippet)
	}
	// Edited: the old words go, the new ones come.
	n.Text = "Vi vil have almen praksis med."
	if err := s.SaveNote(&n); err != nil {
		t.Fatal(err)
	}
	if hits := search_(t, s, "psykiatrien", 10); len(hits) != 0 {
		t.Errorf("old text still found: %+v", hits)
	}
	if hits := search_(t, s, "almen praksis", 10); len(hits) != 1 || hits[0].NoteID != n.ID {
		t.Errorf("new text: %+v", hits)
	}
	// Deleted: gone from search.
	if err := s.DeleteNote(n.ID); err != nil {
		t.Fatal(err)
	}
	if hits := search_(t, s, "praksis", 10); len(hits) != 0 {
		t.Errorf("deleted note found: %+v", hits)
	}
}

// A re-publication replaces what search finds of the items it changed and removed.
func TestSearchFollowsARepublication(t *testing.T) {
	s := openStore(t)
	m := kkr()
	importOne(t, s, m)
	for _, q := range []string{"praktikpladser", "budgetaftalen", "glostrup"} {
		if len(search_(t, s, q, 10)) == 0 {
			t.Fatalf("%q not found", q)
		}
	}
	next := kkr()
	*findItem(t, &next, "3.2") = item("3.2", "SAG-2023-01200", "Elevpladser på social- og sundhedsområdet",
		"tager orienteringen til efterretning")
	next.Items = slices.DeleteFunc(next.Items, func(it agenda.Item) bool { return it.Number == "4.1" })
	next.Location = "Rødovre Rådhus"
	agenda.AssignIDs(&next)
	importOne(t, s, next)
	for q, want := range map[string]int{"praktikpladser": 0, "budgetaftalen": 0, "glostrup": 0, "elevpladser": 1, "rødovre": 1} {
		hits := search_(t, s, q, 10)
		n := 0
		for _, h := range hits {
			if h.Kind == "item" || h.Kind == "meeting" {
				n++
			}
		}
		if n != want {
			t.Errorf("%q: %d item or meeting hits, want %d: %+v", q, n, want, hits)
		}
	}
	// The renamed item keeps its id.
	if hits := search_(t, s, "elevpladser", 10); hits[0].ItemID != findItem(t, &m, "3.2").ID {
		t.Errorf("renamed item hit %+v", hits[0])
	}
}

// A word that is only inside an attachment's PDF is found, and the hit names the
// attachment and the page.
func TestSearchFindsWordsInAttachmentPDFs(t *testing.T) {
	s := openStore(t)
	m := kkr()
	pdf := store.MakePDF("Høringssvar fra borgerne i Glostrup.", "Side to handler om vindmøllestøj ved Vestvolden.")
	m.Items[2].Attachments[0].Content = pdf
	importOne(t, s, m)
	hits := search_(t, s, "vindmøllestøj", 10)
	if len(hits) != 1 {
		t.Fatalf("hits %+v", hits)
	}
	h := hits[0]
	if h.Kind != "attachment" || h.AttachmentTitle != "Bilag 1: Oversigt" || h.Page != 2 || h.ItemID != m.Items[2].ID ||
		h.AttachmentID != m.Items[2].Attachments[0].ID || h.Title != "3.2 Praktikpladser på social- og sundhedsområdet" ||
		!slices.Equal(matched(h), []string{"vindmøllestøj"}) {
		t.Errorf("hit %+v", h)
	}
	sum := sha256.Sum256(pdf)
	pages, err := s.AttachmentText(hex.EncodeToString(sum[:]))
	if err != nil || len(pages) != 2 || !strings.Contains(pages[1], "vindmøllestøj ved Vestvolden") {
		t.Errorf("AttachmentText: %q, %v", pages, err)
	}
	// The same PDF on an item of another meeting: extracted once, found in both.
	other := kkr()
	other.Start = other.Start.AddDate(0, 1, 0)
	agenda.AssignIDs(&other)
	other.Items[2].Attachments[0].Content = pdf
	importOne(t, s, other)
	if hits := search_(t, s, "vindmøllestøj", 10); len(hits) != 2 || hits[0].MeetingID == hits[1].MeetingID {
		t.Errorf("shared attachment: %+v", hits)
	}
}

func TestAttachmentTextOfContentWithoutText(t *testing.T) {
	s := openStore(t)
	m := kkr()
	broken := []byte("%PDF-1.4\nnot really a PDF")
	// Source ids, as the ESDH importers give them: without one an attachment's id
	// follows its sha256, which the first import fills in (see the report).
	m.Items[2].Attachments[0].Content, m.Items[2].Attachments[0].SourceID = broken, "e1"
	m.Items[3].Attachments = []agenda.Attachment{{Title: "Regneark", SourceID: "e2", Content: []byte("a;b;c\n1;2;3\n")}}
	agenda.AssignIDs(&m)
	importOne(t, s, m) // the import itself succeeds
	sum := sha256.Sum256(broken)
	_, err := s.AttachmentText(hex.EncodeToString(sum[:]))
	if !errors.Is(err, store.ErrNoText) || !strings.Contains(err.Error(), "PDF") {
		t.Errorf("broken PDF: %v", err)
	}
	sum = sha256.Sum256([]byte("a;b;c\n1;2;3\n"))
	if _, err := s.AttachmentText(hex.EncodeToString(sum[:])); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("not a PDF: %v", err)
	}
	// Re-importing does not try the broken PDF again, and writes nothing.
	gen := generation(t, s)
	if res := importOne(t, s, m); !res.Unchanged || generation(t, s) != gen {
		t.Errorf("re-import: %+v", res)
	}
}

// The SBSYS sample's enclosure (KL's letter about the monopoly break) holds words that are
// nowhere in the agenda's XML.
func TestSearchFindsWordsInTheSBSYSEnclosure(t *testing.T) {
	data, err := os.ReadFile(shared.Path(t, "samples", "sbsys", "Publication32.zip"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := sbsys.Parse("Publication32.zip", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range p.Meetings[0].Items {
		if strings.Contains(strings.ToLower(agenda.ItemTextHash(&it)+it.Title+sectionsText(it)), "prisgennemslag") {
			t.Fatal("the word is in the agenda itself: the test proves nothing")
		}
	}
	s := openStore(t)
	if _, err := s.Import(p); err != nil {
		t.Fatal(err)
	}
	hits := search_(t, s, "prisgennemslag", 10)
	if len(hits) != 1 || hits[0].Kind != "attachment" || hits[0].AttachmentTitle != "Brev fra KL til Kommunalbestyrelsen vedr Monopolbrud" ||
		hits[0].Page != 2 || !strings.HasPrefix(hits[0].Title, "3 ") {
		t.Fatalf("hits %+v", hits)
	}
}

func sectionsText(it agenda.Item) string {
	var b strings.Builder
	for _, s := range it.Sections {
		b.WriteString(s.Heading + " " + s.Text + " ")
	}
	return b.String() + it.Decision
}

func TestSearchReadingMaterial(t *testing.T) {
	s := openStore(t)
	doc := agenda.Document{Title: "Nyhedsbrev fra KL", Sections: []agenda.Section{
		{Heading: "Ældreområdet", Text: "Den nye **ældrelov** træder i kraft i 2025."}}}
	doc.ID = agenda.DocumentID(&doc, "")
	if _, err := s.Import(agenda.Package{Documents: []agenda.Document{doc}}); err != nil {
		t.Fatal(err)
	}
	hits := search_(t, s, "ældreloven ", 10)
	if len(hits) != 1 || hits[0].Kind != "document" || hits[0].DocumentID != doc.ID || hits[0].Title != "Nyhedsbrev fra KL" ||
		hits[0].Snippet != "Ældreområdet: Den nye ældrelov træder i kraft i 2025." || !slices.Equal(matched(hits[0]), []string{"ældrelov"}) {
		t.Errorf("hits %+v", hits)
	}
}

func TestSearchQueriesWithoutWords(t *testing.T) {
	s, _ := seed001(t)
	for _, q := range []string{"", "   ", "og at det ", "!!! ???", "\xff\xfe"} {
		if hits := search_(t, s, q, 10); len(hits) != 0 {
			t.Errorf("%q: %d hits", q, len(hits))
		}
	}
	// A long pasted query neither fails nor hangs.
	search_(t, s, strings.Repeat("sundhedsklynger kapacitet ", 200), 10)
}

// When no text holds every word, the ones holding most of them are found, best first.
func TestSearchWithAWordNowhereFindsTheRest(t *testing.T) {
	s, m := seed001(t)
	hits := search_(t, s, "sundhedsklynger akutplan kvantecomputer ", 5)
	if len(hits) == 0 || hits[0].ItemID != findItem(t, &m, "3.5").ID {
		t.Fatalf("hits %+v", hits)
	}
	if limit := search_(t, s, "kommunerne", 3); len(limit) != 3 {
		t.Errorf("limit 3 gave %d hits", len(limit))
	}
}
