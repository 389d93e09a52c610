package agenda

import (
	"fmt"
	"strings"
	"time"
)

// Stance is a member's position on a recommendation.
type Stance string

const (
	StanceNone     Stance = ""
	StanceFor      Stance = "for"
	StanceAgainst  Stance = "against"
	StanceAbstain  Stance = "abstain"
	StanceQuestion Stance = "question"
)

// Stances in the order the UI cycles them: none → for → against → abstain → question.
var Stances = []Stance{StanceNone, StanceFor, StanceAgainst, StanceAbstain, StanceQuestion}

// ParseStance accepts the English names and the Danish ones the UI shows.
func ParseStance(s string) (Stance, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "none", "ingen":
		return StanceNone, nil
	case "for":
		return StanceFor, nil
	case "against", "imod":
		return StanceAgainst, nil
	case "abstain", "undlader":
		return StanceAbstain, nil
	case "question", "spørgsmål", "spoergsmaal":
		return StanceQuestion, nil
	}
	return "", fmt.Errorf("unknown stance %q (use for, against, abstain, question or none)", s)
}

// Next is the stance after s in the UI's cycle.
func (s Stance) Next() Stance {
	for i, x := range Stances {
		if x == s {
			return Stances[(i+1)%len(Stances)]
		}
	}
	return StanceNone
}

// Visibility says who may read a note.
type Visibility string

const (
	Private Visibility = "private"
	Group   Visibility = "group"
)

// NoteStatus says how a note's anchor fits the current version of the agenda.
type NoteStatus string

const (
	// StatusOK: the note sits on the text it was written on.
	StatusOK NoteStatus = "ok"
	// StatusChanged: the item is there but the text the note was written on changed.
	StatusChanged NoteStatus = "changed"
	// StatusOrphaned: the item is gone from the agenda. The note is kept, never deleted,
	// and listed under "Noter uden sted".
	StatusOrphaned NoteStatus = "orphaned"
)

// Quote is the text a note was written on, with a little context, after W3C Web
// Annotation's TextQuoteSelector: exact text plus prefix and suffix, so the spot can be
// found again after the text around it shifts.
type Quote struct {
	Exact  string `json:"exact"`
	Prefix string `json:"prefix,omitempty"`
	Suffix string `json:"suffix,omitempty"`
}

// Anchor is where a note sits.
type Anchor struct {
	MeetingID string `json:"meeting_id"`
	ItemID    string `json:"item_id"`
	// Recommendation is the 0-based index, or nil for a note on the whole item.
	Recommendation *int `json:"recommendation"`
	// Quote is the recommendation's text (or the item's title for an item note) when the
	// note was anchored; it re-finds the recommendation after re-publication.
	Quote Quote `json:"quote"`
	// TextHash is ItemTextHash of the item when the note was anchored: an item note is
	// "changed" when the item's text no longer hashes the same.
	TextHash string `json:"text_hash,omitempty"`
	// ItemNumber, ItemTitle and CaseNumber are kept so an orphaned note still says
	// where it was.
	ItemNumber string `json:"item_number,omitempty"`
	ItemTitle  string `json:"item_title,omitempty"`
	CaseNumber string `json:"case_number,omitempty"`
}

// Note is the member's own words on an item or a recommendation. It must never be lost.
type Note struct {
	ID         string     `json:"id"`
	Anchor     Anchor     `json:"anchor"`
	Stance     Stance     `json:"stance"`
	Text       string     `json:"text"` // Markdown
	Visibility Visibility `json:"visibility"`
	Group      string     `json:"group,omitempty"`
	Author     string     `json:"author,omitempty"`
	Created    time.Time  `json:"created"`
	Updated    time.Time  `json:"updated"`
	// Revision grows by one with every save, so merges can tell versions apart.
	Revision uint64     `json:"revision"`
	Status   NoteStatus `json:"status"`
	Deleted  bool       `json:"deleted,omitempty"` // a tombstone, for group sync
}

// AnchorOn builds the anchor for a note on item it of meeting m, on recommendation rec
// (nil for the whole item). It fails when rec is out of range.
func AnchorOn(m *Meeting, it *Item, rec *int) (Anchor, error) {
	a := Anchor{
		MeetingID:  m.ID,
		ItemID:     it.ID,
		ItemNumber: it.Number,
		ItemTitle:  it.Title,
		CaseNumber: it.CaseNumber,
		TextHash:   ItemTextHash(it),
	}
	if rec == nil {
		a.Quote = Quote{Exact: it.Title}
		return a, nil
	}
	i := *rec
	if i < 0 || i >= len(it.Recommendations) {
		return Anchor{}, fmt.Errorf("item %s has %d recommendations; there is no recommendation %d", it.Number, len(it.Recommendations), i)
	}
	r := i
	a.Recommendation = &r
	a.Quote = quoteAt(it.Recommendations, i)
	return a, nil
}

const quoteContext = 32

func quoteAt(recs []Recommendation, i int) Quote {
	q := Quote{Exact: recs[i].Text}
	if i > 0 {
		q.Prefix = lastRunes(recs[i-1].Text, quoteContext)
	}
	if i+1 < len(recs) {
		q.Suffix = firstRunes(recs[i+1].Text, quoteContext)
	}
	return q
}

func lastRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[len(r)-n:])
}

func firstRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
