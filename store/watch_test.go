package store_test

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
)

func watchHits(t *testing.T, s *store.Store) []store.WatchHit {
	t.Helper()
	hits, err := s.WatchHits()
	if err != nil {
		t.Fatal(err)
	}
	return hits
}

func itemText(it *agenda.Item) string {
	var b strings.Builder
	b.WriteString(it.Number + " " + it.Title + "\n" + it.CaseNumber + "\n")
	for _, s := range it.Sections {
		b.WriteString(s.Heading + "\n" + s.Text + "\n")
	}
	b.WriteString(it.Decision + "\n")
	for _, a := range it.Attachments {
		b.WriteString(a.Title + "\n")
	}
	return b.String()
}

// With seeds/001 imported, each watched word lists exactly the items whose text says it,
// by a regular expression standing in for a reader: in agenda order, one line per item.
func TestWatchWordsListTheItemsThatMentionThem(t *testing.T) {
	s, m := seed001(t)
	watched := map[string]*regexp.Regexp{
		"sundhedsklynger": regexp.MustCompile(`(?i)\bsundhedsklynge`),
		// A phrase: its words together. The stop word only holds a place.
		"det nære sundhedsvæsen": regexp.MustCompile(`(?i)\bnære\s+sundhedsvæsen`),
		"Klimaalliancen":         regexp.MustCompile(`(?i)\bklimaallian`),
		// Both words are in the agenda, never together.
		"nære hovedstaden": regexp.MustCompile(`(?i)\bnære\s+hovedstad`),
	}
	for w := range watched {
		if err := s.WatchAdd(w); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string][]string{}
	for _, h := range watchHits(t, s) {
		if h.MeetingID != m.ID || !strings.HasSuffix(h.Meeting, "· 21.04.2023") || !h.Start.Equal(m.Start) {
			t.Errorf("hit names meeting %q %s (%s)", h.Meeting, h.Start, h.MeetingID)
		}
		it := findItem(t, &m, strings.Fields(h.Title)[0])
		if it.ID != h.ItemID || h.Title != it.Number+" "+it.Title || h.AttachmentID != "" {
			t.Errorf("hit %+v", h)
		}
		got[h.Watch] = append(got[h.Watch], it.Number)
	}
	for w, re := range watched {
		var want []string
		for i := range m.Items {
			if re.MatchString(itemText(&m.Items[i])) {
				want = append(want, m.Items[i].Number)
			}
		}
		if w != "nære hovedstaden" && len(want) == 0 {
			t.Fatalf("%q is in no item: the test proves nothing", w)
		}
		if !slices.Equal(got[w], want) {
			t.Errorf("%q lists items %v, want %v", w, got[w], want)
		}
	}
}

// Hits come newest meeting first, the item before its attachments, an attachment once
// with every page that mentions the word; a re-import that drops the word drops the hit.
func TestWatchHitsOrderAttachmentsAndPages(t *testing.T) {
	s := openStore(t)
	meeting := func(day int, title, text string) agenda.Meeting {
		m := agenda.Meeting{Body: agenda.Body{Name: "Teknik- og Miljøudvalget"}, Title: "Dagsorden",
			Start: time.Date(2024, 5, day, 16, 0, 0, 0, agenda.Copenhagen), Source: agenda.Source{Format: "test"},
			Items: []agenda.Item{
				{Number: "1", Title: "Godkendelse af dagsorden"},
				{Number: "2", Title: title, Sections: []agenda.Section{{Heading: "Sagsfremstilling", Text: text}}},
			}}
		agenda.AssignIDs(&m)
		return m
	}
	old := meeting(2, "Vintertjeneste 2024", "Udbud af vintertjeneste og saltning.")
	mid := meeting(9, "Trafikplan", "Ingen sne her.")
	mid.Items[1].Attachments = []agenda.Attachment{{SourceID: "b1", Title: "Bilag 1: Kontrakt",
		Content: store.MakePDF("Side et.", "Vintertjenesten starter 1. november.", "Intet.", "Saltning og vintertjeneste i weekender.")}}
	agenda.AssignIDs(&mid)
	newest := meeting(16, "Budget", "Vintertjeneste koster mere.")
	for _, m := range []agenda.Meeting{old, mid, newest} {
		importOne(t, s, m)
	}
	if err := s.WatchAdd("  Vintertjeneste "); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range watchHits(t, s) {
		d := h.Start.Format("01-02") + " " + strings.Fields(h.Title)[0]
		if h.AttachmentID != "" {
			d += fmt.Sprintf(" %s p%v", h.AttachmentTitle, h.Pages)
		}
		if h.Watch != "Vintertjeneste" {
			t.Errorf("watch %q", h.Watch)
		}
		got = append(got, d)
	}
	want := []string{"05-16 2", "05-09 2 Bilag 1: Kontrakt p[2 4]", "05-02 2"}
	if !slices.Equal(got, want) {
		t.Errorf("hits %q, want %q", got, want)
	}
	// The newest meeting is re-published without the word.
	newest.Items[1].Sections[0].Text = "Budgettet holder."
	importOne(t, s, newest)
	if hits := watchHits(t, s); len(hits) != 2 || hits[0].Start.Day() != 9 {
		t.Errorf("after the re-publication: %+v", hits)
	}
}

func TestWatchAddListRemove(t *testing.T) {
	s := openStore(t)
	for _, w := range []string{"Lokalplan", "mosede  havn", "lokalplan", "Mosede Havn", "budget"} {
		if err := s.WatchAdd(w); err != nil {
			t.Fatalf("WatchAdd(%q): %v", w, err)
		}
	}
	ws, err := s.Watches()
	if err != nil || !slices.Equal(ws, []string{"budget", "Lokalplan", "mosede havn"}) {
		t.Errorf("Watches = %q, %v", ws, err)
	}
	gen := generation(t, s)
	if err := s.WatchAdd("LOKALPLAN"); err != nil || generation(t, s) != gen {
		t.Errorf("watching a word twice: %v, generation %d → %d", err, gen, generation(t, s))
	}
	for _, bad := range []string{"", "   ", "og", "det at", "!!!"} {
		if err := s.WatchAdd(bad); err == nil {
			t.Errorf("WatchAdd(%q) accepted", bad)
		}
	}
	if err := s.WatchRemove("MOSEDE havn"); err != nil {
		t.Fatal(err)
	}
	if err := s.WatchRemove("mosede havn"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("removing it again: %v", err)
	}
	if ws, _ := s.Watches(); !slices.Equal(ws, []string{"budget", "Lokalplan"}) {
		t.Errorf("after remove: %q", ws)
	}
	// Nothing is mentioned in an empty store.
	if hits := watchHits(t, s); len(hits) != 0 {
		t.Errorf("hits in an empty store: %+v", hits)
	}
}
