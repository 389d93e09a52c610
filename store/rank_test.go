package store_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/firstagenda"
	"github.com/dagsorden/dagsorden/internal/shared"
	"github.com/dagsorden/dagsorden/store"
)

// greve imports the Greve samples whose file names (date and committee) match one of
// the patterns, and returns how many meetings came in.
func greve(t *testing.T, s *store.Store, patterns ...string) int {
	t.Helper()
	dir := shared.Path(t, "samples", "firstagenda", "greve")
	var files []string
	for _, p := range patterns {
		fs, err := filepath.Glob(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, fs...)
	}
	slices.Sort(files)
	files = slices.Compact(files)
	if len(files) == 0 {
		t.Fatalf("no Greve samples match %q", patterns)
	}
	pkg := agenda.Package{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := firstagenda.Parse(filepath.Base(f), data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		pkg.Meetings = append(pkg.Meetings, p.Meetings...)
	}
	if _, err := s.Import(pkg); err != nil {
		t.Fatal(err)
	}
	return len(pkg.Meetings)
}

func searchWith(t *testing.T, s *store.Store, q string, o store.SearchOptions) store.SearchResult {
	t.Helper()
	res, err := s.SearchWith(q, o)
	if err != nil {
		t.Fatalf("SearchWith(%q, %+v): %v", q, o, err)
	}
	return res
}

// Greve's committees of 2022–2024 use "finansiering" in titles ("Finansiering af fortov
// …", "Modeller til finansiering af kunstgræs …", "Restfinansiering af …") and in
// hundreds of texts; the member wrote one note with the word, on KKR's item 3.1. The
// note is the first hit: the member's own words, above every title.
func TestSearchRanksTheMembersNoteFirst(t *testing.T) {
	s, m := seed001(t)
	greve(t, s, "2022-06-*.json", "2022-08-1*.json", "2023-04-2*.json", "2024-11-2*.json")
	n := noteOn(t, s, m.ID, "3.1", nil, "Spørg til finansieringen")
	other := noteOn(t, s, m.ID, "3.2", nil, "Erhvervshuset skal have flere midler.")
	for _, q := range []string{"finansieringen", "finansieringen ", "Finansieringen?"} {
		res := searchWith(t, s, q, store.SearchOptions{Limit: 5})
		if res.Total < 50 {
			t.Fatalf("%q: %d hits in all; the test wants many competing texts", q, res.Total)
		}
		if h := res.Hits[0]; h.Kind != "note" || h.NoteID != n.ID {
			t.Errorf("%q: first hit %s %q, want the note", q, h.Kind, h.Title)
		}
		// Next come the items with the word in their title.
		for _, h := range res.Hits[1:] {
			if h.Kind != "item" || !strings.Contains(strings.ToLower(h.Title), "finansiering") {
				t.Errorf("%q: hit %s %q after the note has no finansiering in its title", q, h.Kind, h.Title)
			}
		}
	}
	// A note without every word is not lifted: "spørg" alone is in many texts.
	for _, h := range searchWith(t, s, "finansieringen midler", store.SearchOptions{Limit: 3}).Hits {
		if h.NoteID == other.ID || h.NoteID == n.ID {
			t.Errorf("a note with one of two words ranks in the first three: %+v", h)
		}
	}
}

// "Budgetopfølgning 0 for 2023" is the whole title of two items (the finance committee's
// and the council's); three more have every word in theirs; many more texts hold them.
func TestSearchRanksAnExactTitleFirst(t *testing.T) {
	s := openStore(t)
	greve(t, s, "2022-01-*.json", "2023-0[12]-*.json", "2023-05-15_*.json", "2024-01-2*.json")
	res := searchWith(t, s, "Budgetopfølgning 0 for 2023", store.SearchOptions{Limit: 50})
	if res.Total < 10 || len(res.Hits) < 10 {
		t.Fatalf("%d hits: the test wants competing texts", res.Total)
	}
	titles := func(hs []store.SearchHit) []string {
		var out []string
		for _, h := range hs {
			out = append(out, h.Kind+" "+h.Title)
		}
		return out
	}
	first := titles(res.Hits[:5])
	for i, h := range res.Hits[:5] {
		_, title, _ := strings.Cut(h.Title, " ")
		switch {
		case i < 2 && title != "Budgetopfølgning 0 for 2023":
			t.Errorf("hit %d is %q, want the items titled the query:\n%s", i+1, h.Title, strings.Join(first, "\n"))
		case i >= 2 && (title == "Budgetopfølgning 0 for 2023" || !strings.Contains(title, "Budgetopfølgning 0") || !strings.Contains(title, "2023")):
			t.Errorf("hit %d is %q, want a title holding every word:\n%s", i+1, h.Title, strings.Join(first, "\n"))
		}
	}
	// The older "Budgetopfølgning 0 2022" is not the title asked for: below those.
	for i, h := range res.Hits {
		if strings.HasSuffix(h.Title, "Budgetopfølgning 0 2022") && i < 5 {
			t.Errorf("2022's item at hit %d", i+1)
		}
	}
	for i := 1; i < len(res.Hits); i++ {
		if res.Hits[i].Score > res.Hits[i-1].Score {
			t.Errorf("hit %d scores %f after %f", i+1, res.Hits[i].Score, res.Hits[i-1].Score)
		}
	}
	// With a space after the last word, and in other letters.
	for _, q := range []string{"budgetopfølgning 0 for 2023 ", "BUDGETOPFØLGNING 0 FOR 2023"} {
		h := searchWith(t, s, q, store.SearchOptions{Limit: 1}).Hits
		if len(h) == 0 || !strings.HasSuffix(h[0].Title, " Budgetopfølgning 0 for 2023") {
			t.Errorf("%q: first hit %v", q, titles(h))
		}
	}
}

// The pages of a search are the full ranking cut in pieces, and Total counts them all.
func TestSearchPagesAndTotal(t *testing.T) {
	s, m := seed001(t)
	greve(t, s, "2023-0[12]-*.json")
	noteOn(t, s, m.ID, "3.5", nil, "Kommunerne skal med.")
	all := searchWith(t, s, "kommune", store.SearchOptions{Limit: 1000})
	if all.Total != len(all.Hits) || all.Total < 40 {
		t.Fatalf("%d hits, Total %d", len(all.Hits), all.Total)
	}
	var paged []store.SearchHit
	for off := 0; off < all.Total+7; off += 7 {
		p := searchWith(t, s, "kommune", store.SearchOptions{Offset: off, Limit: 7})
		if p.Total != all.Total {
			t.Errorf("offset %d: Total %d, want %d", off, p.Total, all.Total)
		}
		paged = append(paged, p.Hits...)
	}
	if len(paged) != len(all.Hits) {
		t.Fatalf("%d hits over the pages, %d at once", len(paged), len(all.Hits))
	}
	for i := range paged {
		if paged[i].Kind != all.Hits[i].Kind || paged[i].ItemID != all.Hits[i].ItemID ||
			paged[i].NoteID != all.Hits[i].NoteID || paged[i].Score != all.Hits[i].Score {
			t.Errorf("hit %d: paged %s %q, at once %s %q", i, paged[i].Kind, paged[i].Title, all.Hits[i].Kind, all.Hits[i].Title)
		}
	}
	if p := searchWith(t, s, "kommune", store.SearchOptions{Offset: all.Total, Limit: 5}); len(p.Hits) != 0 || p.Total != all.Total {
		t.Errorf("past the end: %d hits, Total %d", len(p.Hits), p.Total)
	}
	if p := searchWith(t, s, "kommune", store.SearchOptions{Offset: 5, Limit: math.MaxInt}); len(p.Hits) != all.Total-5 {
		t.Errorf("the largest limit: %d hits after 5 of %d", len(p.Hits), all.Total)
	}
	if p := searchWith(t, s, "og at ", store.SearchOptions{}); p.Total != 0 || len(p.Hits) != 0 {
		t.Errorf("stop words: %+v", p)
	}
}

// A search within a meeting finds what the search of everything finds in that meeting,
// in the same order: its header, items, recommendations, attachment pages, its closed
// items and the notes on it; nothing of the other meetings, not their notes either.
func TestSearchWithinAMeeting(t *testing.T) {
	s := openStore(t)
	a, b := kkr(), kkr()
	b.Start = b.Start.AddDate(0, 1, 0)
	b.Items[3].Closed = true // "Orientering om budgetaftalen", sealed
	b.Items[2].Attachments[0].Content = store.MakePDF("Orientering om sundhedsområdet i hovedstaden.")
	agenda.AssignIDs(&b)
	importOne(t, s, a)
	importOne(t, s, b)
	noteOn(t, s, a.ID, "3.1", nil, "Orientering om klyngerne til gruppen.")
	noteOn(t, s, b.ID, "4.1", nil, "Orientering: spørg til budgetaftalen.")
	for _, q := range []string{"orientering", "orienteringen til", "hovedstaden", "budgetaftalen", "sundhed"} {
		all := searchWith(t, s, q, store.SearchOptions{Limit: 1000})
		for _, mt := range []agenda.Meeting{a, b} {
			var want []string
			for _, h := range all.Hits {
				if h.MeetingID == mt.ID {
					want = append(want, fmt.Sprintf("%s %s %s %d %.6f", h.Kind, h.Title, h.NoteID, h.Page, h.Score))
				}
			}
			res := searchWith(t, s, q, store.SearchOptions{MeetingID: mt.ID, Limit: 1000})
			var got []string
			for _, h := range res.Hits {
				got = append(got, fmt.Sprintf("%s %s %s %d %.6f", h.Kind, h.Title, h.NoteID, h.Page, h.Score))
			}
			if !slices.Equal(got, want) || res.Total != len(want) {
				t.Errorf("%q in %s: Total %d\n%s\nwant\n%s", q, mt.Start.Format("2006-01"), res.Total,
					strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	}
	// What the test relies on: each kind is somewhere in meeting b's results.
	kinds := map[string]bool{}
	for _, q := range []string{"orientering", "hovedstaden", "budgetaftalen", "sundhedsområdet"} {
		for _, h := range searchWith(t, s, q, store.SearchOptions{MeetingID: b.ID, Limit: 100}).Hits {
			kinds[h.Kind] = true
			if h.ItemID == b.Items[3].ID {
				kinds["closed"] = true
			}
		}
	}
	for _, k := range []string{"meeting", "item", "recommendation", "note", "attachment", "closed"} {
		if !kinds[k] {
			t.Errorf("no %s hit within meeting b: %v", k, kinds)
		}
	}
	if _, err := s.SearchWith("orientering", store.SearchOptions{MeetingID: "no-such-meeting"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown meeting: %v", err)
	}
}
