package ui

import "github.com/dagsorden/dagsorden/store"

// SearchHit is one ranked search result, as the store's full-text index gives it.
type SearchHit = store.SearchHit

// SearchOptions choose the meeting searched and the page of hits; SearchResult is a page
// and the number of hits in all.
type (
	SearchOptions = store.SearchOptions
	SearchResult  = store.SearchResult
)

// Hit kinds (SearchHit.Kind).
const (
	HitMeeting        = "meeting"
	HitItem           = "item"
	HitRecommendation = "recommendation"
	HitNote           = "note"
	HitDocument       = "document"
	HitAttachment     = "attachment"
)

// The store's search must satisfy the search screen's interface.
var _ Searcher = (*store.Store)(nil)
