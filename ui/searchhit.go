package ui

// SearchHit is one ranked search result.
//
// It is declared here until the store's search engine lands; then it becomes an alias of
// store.SearchHit (same fields), so *store.Store satisfies Searcher without an adapter.
type SearchHit struct {
	// Kind is what matched: "meeting", "item", "recommendation", "note" or "document".
	Kind string
	// MeetingID is set for meetings, items, recommendations and notes.
	MeetingID string
	// ItemID is set for items, recommendations and notes on an item.
	ItemID string
	// Recommendation is the 0-based index for a recommendation (or a note on one), else nil.
	Recommendation *int
	// NoteID is set for notes.
	NoteID string
	// DocumentID is set for reading material.
	DocumentID string
	// Title says what matched, ready to show: "3.5 Temadrøftelse om sundhedsområdet…".
	Title string
	// Snippet is a short passage around the best match, one line of plain text.
	Snippet string
	// Matches are byte offsets [start, end) of the matched words in Snippet.
	Matches [][2]int
	// Score ranks hits: higher is better.
	Score float64
}

// Hit kinds.
const (
	HitMeeting        = "meeting"
	HitItem           = "item"
	HitRecommendation = "recommendation"
	HitNote           = "note"
	HitDocument       = "document"
)
