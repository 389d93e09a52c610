// Package agenda holds dagsorden's domain model: bodies, meetings, items (sager), their
// recommendations (indstillinger), attachments (bilag), reading material and the member's
// notes, plus the pure rules that give them identity across re-publications.
//
// It imports no terminal, storage or network code: importers in the sub-packages turn bytes
// into these types, the store persists them, the UI shows them.
package agenda

import (
	"time"
	_ "time/tzdata" // Danish times must convert even where the OS has no zone database
)

// Kind is what a published meeting package is.
type Kind string

const (
	KindAgenda        Kind = "dagsorden"
	KindMinutes       Kind = "referat"
	KindSupplementary Kind = "tillaegsdagsorden"
	KindExtraordinary Kind = "ekstraordinaer"
)

// Body is a council, committee (udvalg) or KKR.
type Body struct {
	// SourceID is the body's id at its source, when it has one. FirstAgenda changes it with
	// each election period, so identity uses the name, not this.
	SourceID string `json:"source_id,omitempty"`
	Name     string `json:"name"`
}

// Source says where a meeting or document came from.
type Source struct {
	// Format names the importer: "kl-text", "firstagenda", "sbsys", "acadre", "edoc",
	// "pdf", "feed", "example".
	Format string `json:"format"`
	// Site is the origin, e.g. "https://dagsordener.greve.dk"; empty for files.
	Site string `json:"site,omitempty"`
	// PublicationID is the source's id of this publication (FirstAgenda's top-level Id).
	// A re-publication (e.g. the referat) often has a new one.
	PublicationID string `json:"publication_id,omitempty"`
	// Path is the file the package was imported from, when it was a file.
	Path string `json:"path,omitempty"`
	// Released is when the source says this version was published.
	Released time.Time `json:"released,omitzero"`
}

// Meeting is one agenda package: a body's meeting with its items.
type Meeting struct {
	// ID is stable across re-publications: see MeetingID.
	ID         string    `json:"id"`
	Body       Body      `json:"body"`
	Kind       Kind      `json:"kind"`
	Title      string    `json:"title"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end,omitzero"`
	Location   string    `json:"location,omitempty"`
	Premeeting time.Time `json:"premeeting,omitzero"` // formøde, when the agenda states one
	Source     Source    `json:"source"`
	Items      []Item    `json:"items"`
}

// Item is one agenda item (punkt / sag).
type Item struct {
	// ID is stable across re-publications: see ItemKey and Reconcile.
	ID string `json:"id"`
	// SourceID is the item's id at its source, when the source has one.
	SourceID string `json:"source_id,omitempty"`
	// Number as written: "3.4", "715", "6".
	Number string `json:"number"`
	// Group is the heading of the group the item stands under ("3. Regionalpolitiske
	// sager"), when the agenda groups items.
	Group           string           `json:"group,omitempty"`
	Title           string           `json:"title"`
	CaseNumber      string           `json:"case_number,omitempty"`
	CaseHandler     string           `json:"case_handler,omitempty"`
	Closed          bool             `json:"closed"`
	Sections        []Section        `json:"sections"`
	Recommendations []Recommendation `json:"recommendations"`
	Decision        string           `json:"decision,omitempty"` // Markdown
	Attachments     []Attachment     `json:"attachments"`
}

// Section is a heading and its body in Markdown. Sub-headings inside the body are
// Markdown headings (### …).
type Section struct {
	Heading string `json:"heading"`
	Text    string `json:"text"`
}

// Recommendation is one unit of an item's Indstilling: one bullet, or the single
// "Det indstilles, at …" sentence. Index is 0-based and is the position in the item.
type Recommendation struct {
	Index int    `json:"index"`
	Text  string `json:"text"`
}

// Attachment is a bilag. Content is present only when the file is stored locally.
type Attachment struct {
	ID        string `json:"id"`
	SourceID  string `json:"source_id,omitempty"`
	Title     string `json:"title"`
	FileName  string `json:"file_name,omitempty"`
	MediaType string `json:"media_type,omitempty"`
	Size      int64  `json:"size,omitempty"`
	SHA256    string `json:"sha256,omitempty"` // hex, of Content when known
	URL       string `json:"url,omitempty"`
	Content   []byte `json:"-"`
	// Text is the attachment's extracted text, when it has been extracted.
	Text string `json:"-"`
}

// Document is reading material that is not an agenda: a newsletter, a programme, a
// folder about a body.
type Document struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Date     time.Time `json:"date,omitzero"`
	Source   Source    `json:"source"`
	Sections []Section `json:"sections"`
}

// Package is what one importer returns from one input: meetings and/or documents.
type Package struct {
	Meetings  []Meeting
	Documents []Document
}

// Copenhagen is the zone every Danish agenda time is in. Times without an offset in
// the sources are read in it, and exported times carry its offset.
var Copenhagen = mustZone("Europe/Copenhagen")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // unreachable: time/tzdata is embedded
	}
	return loc
}
