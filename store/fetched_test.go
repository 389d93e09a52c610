package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
)

// An attachment listed without content (a site's older meeting) gets it later: stored,
// searchable by its text, named on the item; and the item is no new version for it.
func TestPutAttachmentContentLater(t *testing.T) {
	s := openStore(t)
	m := kkr()
	m.Items[3].Closed = true
	m.Items[3].Attachments = []agenda.Attachment{{Title: "Fortroligt notat", URL: "https://example.org/lukket.pdf"}}
	agenda.AssignIDs(&m)
	importOne(t, s, m)
	stored, _ := s.Meeting(m.ID)
	open, closed := stored.Items[2], stored.Items[3]
	if open.Attachments[0].SHA256 != "" {
		t.Fatal("the attachment has content before it was fetched")
	}
	if err := s.MarkRead(open.ID, agenda.ItemTextHash(&open)); err != nil {
		t.Fatal(err)
	}
	before := generation(t, s)

	pdf := store.MakePDF("Oversigten over praktikpladserne viser en stigning i Hvidovre.")
	got, err := s.PutAttachmentContent(open.ID, open.Attachments[0].ID, pdf)
	if err != nil {
		t.Fatal(err)
	}
	if got.SHA256 == "" || got.Size != int64(len(pdf)) || generation(t, s) == before {
		t.Fatalf("stored %+v", got)
	}
	if data, err := s.Attachment(got.SHA256); err != nil || string(data) != string(pdf) {
		t.Fatalf("content: %v", err)
	}
	again, _ := s.Meeting(m.ID)
	if again.Items[2].Attachments[0].SHA256 != got.SHA256 {
		t.Fatal("the item does not name the content")
	}
	hits, err := s.Search("praktikpladserne Hvidovre", 5)
	if err != nil || len(hits) == 0 || hits[0].Kind != "attachment" || hits[0].AttachmentID != open.Attachments[0].ID {
		t.Fatalf("search after the fetch: %+v, %v", hits, err)
	}
	// Not a new version: no previous item, not marked changed, still read.
	if _, err := s.PreviousItem(open.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a previous version was kept: %v", err)
	}
	sums, _ := s.Meetings()
	marks, _ := s.ReadMarks()
	for _, it := range sums[0].Items {
		if it.ID == open.ID && (it.Changed || marks[it.ID] != it.TextHash) {
			t.Fatal("fetching an attachment made its item changed or unread")
		}
	}
	// The same again writes nothing.
	g := generation(t, s)
	if _, err := s.PutAttachmentContent(open.ID, open.Attachments[0].ID, pdf); err != nil || generation(t, s) != g {
		t.Fatalf("storing the same content again: %v, wrote %v", err, generation(t, s) != g)
	}
	// A re-import of the agenda as the site lists it (no content) keeps nothing
	// lost: the sync fills the sha in; here the store is asked directly.
	if _, err := s.PutAttachmentContent(open.ID, "nope", pdf); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown attachment: %v", err)
	}

	// A closed item's attachment is sealed like the import seals it: no plaintext in
	// the file.
	secret := []byte("%PDF-1.4 fortroligt: salg af Villa Sitka til 12,5 mio. kr.")
	if _, err := s.PutAttachmentContent(closed.ID, closed.Attachments[0].ID, secret); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(s.Dir(), store.FileName))
	if strings.Contains(string(raw), "Villa Sitka") {
		t.Fatal("a closed item's attachment is in the file in plain text")
	}
	after, _ := s.Meeting(m.ID)
	if data, err := s.Attachment(after.Items[3].Attachments[0].SHA256); err != nil || string(data) != string(secret) {
		t.Fatalf("the sealed content reads back: %v", err)
	}
}
