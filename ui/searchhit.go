package ui

import "github.com/dagsorden/dagsorden/store"

// SearchHit is one ranked search result, as the store's full-text index gives it.
type SearchHit = store.SearchHit

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
