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
	"html/template"
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
	// OnlyNoted leaves out the items nobody wrote or took a stance on (otherwise they
	// are listed one line each, so the printed brief stays short).
	OnlyNoted bool
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
	Blocks    []block
	Orphans   []noteView // notes on items the meeting no longer has
	Generated string
	Left      int // items left out (OnlyNoted)
}

// block is an item with notes, or a run of consecutive items without any, which the
// brief lists one line each: a 38-item agenda with three notes prints on a few pages,
// not 38.
type block struct {
	Item  *itemView
	Quiet []itemView
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
	Status   string        // "teksten er ændret" etc.
	HTML     template.HTML // Text rendered from Markdown, for the HTML brief
}

func buildView(in Input) view {
	m := in.Meeting
	v := view{Group: in.Group}
	v.Title = "Formøde: " + strings.TrimSpace(m.Body.Name)
	if m.Title != "" && !strings.EqualFold(m.Title, m.Body.Name) {
		v.Title += " – " + m.Title
	}
	if !m.Start.IsZero() {
		line := agenda.DanishDateTime(m.Start)
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
		v.Generated = "Udskrevet " + agenda.DanishDateTime(in.Generated)
	}

	byItem := map[string][]Note{}
	items := map[string]bool{}
	for _, it := range m.Items {
		items[it.ID] = true
	}
	for _, n := range in.Notes {
		if !items[n.Anchor.ItemID] {
			if shown(n) {
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
		if !slices.ContainsFunc(notes, shown) {
			if in.OnlyNoted {
				v.Left++
				continue
			}
			if n := len(v.Blocks); n > 0 && v.Blocks[n-1].Item == nil {
				v.Blocks[n-1].Quiet = append(v.Blocks[n-1].Quiet, iv)
			} else {
				v.Blocks = append(v.Blocks, block{Quiet: []itemView{iv}})
			}
			continue
		}
		for _, r := range it.Recommendations {
			rv := recView{Label: fmt.Sprintf("Indstilling %d", r.Index+1), Text: r.Text}
			if in.Group != "" {
				c := tally.At(it.ID, r.Index)
				rv.Tally, rv.Split = c.String(), c.Split()
			}
			for _, n := range notes {
				if recOf(&n.Note) == r.Index && shown(n) {
					rv.Notes = append(rv.Notes, noteOf(n))
				}
			}
			iv.Recs = append(iv.Recs, rv)
		}
		for _, n := range notes {
			r := recOf(&n.Note)
			if (r == -1 || r >= len(it.Recommendations)) && shown(n) {
				iv.ItemNotes = append(iv.ItemNotes, noteOf(n))
			}
		}
		// An item without recommendations gets a tally only when someone took a stance
		// on it: "Eventuelt" needs no "7 uden holdning".
		if c := tally.At(it.ID, -1); in.Group != "" && len(it.Recommendations) == 0 && c.Total() > c.None {
			iv.ItemTally = c.String()
		}
		v.Blocks = append(v.Blocks, block{Item: &iv})
	}
	return v
}

// LeftOut says how many items OnlyNoted left out ("" when none).
func (v view) LeftOut() string {
	switch v.Left {
	case 0:
		return ""
	case 1:
		return "1 punkt uden noter er udeladt."
	}
	return fmt.Sprintf("%d punkter uden noter er udeladt.", v.Left)
}

// shown reports whether the brief shows n: it has words or a stance, and is not deleted
// (a deleted version in conflict is shown, as one of the versions to choose from).
func shown(n Note) bool {
	if n.Deleted {
		return n.Conflict
	}
	return strings.TrimSpace(n.Text) != "" || n.Stance != agenda.StanceNone
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
	switch {
	case who == "" && n.Mine:
		who = "mig" // not "ukendt (mig)": the reader knows who they are
	case who == "":
		who = "ukendt"
	case n.Mine:
		who += " (mig)"
	}
	nv := noteView{Who: who, Stance: StanceLabel(n.Stance), Text: strings.TrimSpace(n.Text), HTML: noteHTML(n.Text),
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

// FileName is the name a brief of meeting m is saved under: "brief-<body>-<date>.<format>"
// ("brief-kkr-hovedstaden-2023-04-21.html"), in ASCII so it survives any file system
// and mail program.
func FileName(m *agenda.Meeting, format string) string {
	if format == "markdown" {
		format = "md"
	}
	name := danishASCII.Replace(strings.ToLower(m.Body.Name))
	var b strings.Builder
	b.WriteString("brief")
	for _, word := range strings.FieldsFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}) {
		b.WriteString("-" + word)
	}
	if !m.Start.IsZero() {
		b.WriteString(m.Start.In(agenda.Copenhagen).Format("-2006-01-02"))
	}
	return b.String() + "." + format
}

var danishASCII = strings.NewReplacer("æ", "ae", "ø", "oe", "å", "aa", "é", "e", "ü", "u", "ö", "oe", "ä", "ae")
