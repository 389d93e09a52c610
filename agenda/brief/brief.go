// Package brief writes the formøde brief: one document for a party group's meeting
// before the meeting, item by item, with each recommendation, the group's tally of
// stances ("3 for · 1 imod · 1 undlader · 2 uden holdning"), who said what, and the
// notes — or, without a group, just the member's own notes.
//
// It is pure: a meeting and notes in, bytes out (Markdown that reads as plain text in a
// mail, or print-ready HTML on A4 with its own CSS). It does no I/O and knows nothing of
// stores, relays or terminals.
package brief

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
)

// Note is a note as the brief shows it.
type Note struct {
	agenda.Note
	// Mine marks the reader's own notes.
	Mine bool
	// Conflict marks one of several concurrent versions of a shared note: the group has
	// not settled which one stands, so the brief shows them all.
	Conflict bool
	// Editor names who wrote this version when it is not the author.
	Editor string
}

// Input is everything the brief shows.
type Input struct {
	Meeting *agenda.Meeting
	// Group is the party group's name; "" makes a private brief of the reader's notes.
	Group string
	// Members are the names of the group's members: whoever has taken no stance counts
	// as "uden holdning". Without members only those who wrote a note are counted.
	Members []string
	Notes   []Note
	// Generated is when the brief was made (shown on it); zero leaves it out.
	Generated time.Time
}

// Counts is a tally of stances on one recommendation; see agenda.Tally.
type Counts = agenda.Counts

func recOf(n *agenda.Note) int { return agenda.SpotOf(n).Rec }

// StanceLabel is the Danish word the brief uses for a stance.
func StanceLabel(s agenda.Stance) string {
	switch s {
	case agenda.StanceFor:
		return "for"
	case agenda.StanceAgainst:
		return "imod"
	case agenda.StanceAbstain:
		return "undlader"
	case agenda.StanceQuestion:
		return "spørgsmål"
	}
	return ""
}

// view is the brief laid out item by item, shared by both renderings.
type view struct {
	Title     string
	Meta      []string // date and place, formøde, group, generated
	Group     string
	Items     []itemView
	Orphans   []noteView // notes on items the meeting no longer has
	Generated string
}

type itemView struct {
	Number, Title, CaseNumber string
	Closed                    bool
	Recs                      []recView
	ItemNotes                 []noteView // notes on the item as a whole
	ItemTally                 string     // when the item has no recommendations
}

type recView struct {
	Label string // "Indstilling 1"
	Text  string
	Tally string
	Split bool
	Notes []noteView
}

type noteView struct {
	Who      string // author, "(mig)" for mine
	Stance   string
	Text     string
	Conflict bool
	Deleted  bool
	Mine     bool
	Editor   string
	Status   string // "teksten er ændret" etc.
}

func buildView(in Input) view {
	m := in.Meeting
	v := view{Group: in.Group}
	v.Title = "Formøde: " + strings.TrimSpace(m.Body.Name)
	if m.Title != "" && !strings.EqualFold(m.Title, m.Body.Name) {
		v.Title += " – " + m.Title
	}
	if !m.Start.IsZero() {
		line := danishDateTime(m.Start)
		if m.Location != "" {
			line += ", " + m.Location
		}
		v.Meta = append(v.Meta, line)
	} else if m.Location != "" {
		v.Meta = append(v.Meta, m.Location)
	}
	if !m.Premeeting.IsZero() {
		v.Meta = append(v.Meta, "Formøde kl. "+m.Premeeting.In(agenda.Copenhagen).Format("15.04"))
	}
	if in.Group != "" {
		line := "Gruppe: " + in.Group
		if len(in.Members) > 0 {
			line += fmt.Sprintf(" (%d medlemmer: %s)", len(in.Members), strings.Join(in.Members, ", "))
		}
		v.Meta = append(v.Meta, line)
	} else {
		v.Meta = append(v.Meta, "Mine noter")
	}
	if !in.Generated.IsZero() {
		v.Generated = "Udskrevet " + danishDateTime(in.Generated)
	}

	byItem := map[string][]Note{}
	items := map[string]bool{}
	for _, it := range m.Items {
		items[it.ID] = true
	}
	for _, n := range in.Notes {
		if !items[n.Anchor.ItemID] {
			if !n.Deleted {
				v.Orphans = append(v.Orphans, noteOf(n))
			}
			continue
		}
		byItem[n.Anchor.ItemID] = append(byItem[n.Anchor.ItemID], n)
	}
	for _, it := range m.Items {
		notes := byItem[it.ID]
		sortNotes(notes)
		plain := make([]agenda.Note, 0, len(notes))
		for _, n := range notes {
			if !n.Conflict || isTop(n, notes) {
				plain = append(plain, n.Note)
			}
		}
		tally := agenda.Tally(plain, in.Members)
		iv := itemView{Number: it.Number, Title: it.Title, CaseNumber: it.CaseNumber, Closed: it.Closed}
		for _, r := range it.Recommendations {
			rv := recView{Label: fmt.Sprintf("Indstilling %d", r.Index+1), Text: r.Text}
			if in.Group != "" {
				c := tally.At(it.ID, r.Index)
				rv.Tally, rv.Split = c.String(), c.Split()
			}
			for _, n := range notes {
				if recOf(&n.Note) == r.Index {
					rv.Notes = append(rv.Notes, noteOf(n))
				}
			}
			iv.Recs = append(iv.Recs, rv)
		}
		for _, n := range notes {
			r := recOf(&n.Note)
			if r == -1 || r >= len(it.Recommendations) {
				iv.ItemNotes = append(iv.ItemNotes, noteOf(n))
			}
		}
		// An item without recommendations gets a tally only when someone took a stance
		// on it: "Eventuelt" needs no "7 uden holdning".
		if c := tally.At(it.ID, -1); in.Group != "" && len(it.Recommendations) == 0 && c.Total() > c.None {
			iv.ItemTally = c.String()
		}
		v.Items = append(v.Items, iv)
	}
	return v
}

// isTop reports whether n is the first-listed of its note's concurrent versions: only
// that one counts in the tally, so a conflict does not count a person twice.
func isTop(n Note, notes []Note) bool {
	for _, o := range notes {
		if o.ID == n.ID {
			return o.Updated.Equal(n.Updated) && o.Text == n.Text && o.Stance == n.Stance
		}
	}
	return true
}

// sortNotes orders notes by author, then time, keeping a note's conflicting versions
// together.
func sortNotes(ns []Note) {
	slices.SortStableFunc(ns, func(a, b Note) int {
		if c := strings.Compare(strings.ToLower(a.Author), strings.ToLower(b.Author)); c != 0 {
			return c
		}
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		if c := strings.Compare(a.ID, b.ID); c != 0 {
			return c
		}
		return b.Updated.Compare(a.Updated)
	})
}

func noteOf(n Note) noteView {
	who := strings.TrimSpace(n.Author)
	if who == "" {
		who = "ukendt"
	}
	if n.Mine {
		who += " (mig)"
	}
	nv := noteView{Who: who, Stance: StanceLabel(n.Stance), Text: strings.TrimSpace(n.Text),
		Conflict: n.Conflict, Deleted: n.Deleted, Mine: n.Mine}
	if n.Editor != "" && n.Editor != n.Author {
		nv.Editor = n.Editor
	}
	switch n.Status {
	case agenda.StatusChanged:
		nv.Status = "teksten under noten er ændret"
	case agenda.StatusOrphaned:
		nv.Status = "punktet findes ikke længere"
	}
	return nv
}

var (
	danishWeekdays = []string{"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"}
	danishMonths   = []string{"januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
		"september", "oktober", "november", "december"}
)

// danishDateTime: "fredag 21. april 2023 kl. 10.00".
func danishDateTime(t time.Time) string {
	t = t.In(agenda.Copenhagen)
	return fmt.Sprintf("%s %d. %s %d kl. %s", danishWeekdays[t.Weekday()], t.Day(),
		danishMonths[t.Month()-1], t.Year(), t.Format("15.04"))
}
