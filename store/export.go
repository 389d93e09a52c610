package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	bolt "go.etcd.io/bbolt"
)

// The export's JSON. These field names are read by acceptance checks and scripts: keep
// them stable, add rather than rename.
type (
	exportFile struct {
		Meetings  []exportMeeting  `json:"meetings"`
		Documents []exportDocument `json:"documents"`
		Notes     []exportNote     `json:"notes"`
	}
	exportMeeting struct {
		ID         string       `json:"id"`
		Body       string       `json:"body"`
		Kind       agenda.Kind  `json:"kind"`
		Title      string       `json:"title"`
		Start      danishTime   `json:"start"`
		End        danishTime   `json:"end"`
		Location   string       `json:"location"`
		Premeeting danishTime   `json:"premeeting"`
		Source     exportSource `json:"source"`
		Items      []exportItem `json:"items"`
	}
	exportSource struct {
		Format        string     `json:"format"`
		Site          string     `json:"site,omitempty"`
		PublicationID string     `json:"publication_id,omitempty"`
		Released      danishTime `json:"released"`
	}
	exportItem struct {
		ID              string                  `json:"id"`
		Number          string                  `json:"number"`
		Group           string                  `json:"group,omitempty"`
		Title           string                  `json:"title"`
		CaseNumber      string                  `json:"case_number"`
		CaseHandler     string                  `json:"case_handler,omitempty"`
		Closed          bool                    `json:"closed"`
		Sections        []agenda.Section        `json:"sections"`
		Recommendations []agenda.Recommendation `json:"recommendations"`
		Decision        string                  `json:"decision"`
		Attachments     []exportAttachment      `json:"attachments"`
	}
	exportAttachment struct {
		ID        string `json:"id"`
		Title     string `json:"title"`
		URL       string `json:"url"`
		FileName  string `json:"file_name,omitempty"`
		MediaType string `json:"media_type,omitempty"`
		Size      int64  `json:"size,omitempty"`
		SHA256    string `json:"sha256,omitempty"`
	}
	exportDocument struct {
		ID       string           `json:"id"`
		Title    string           `json:"title"`
		Date     danishTime       `json:"date"`
		Sections []agenda.Section `json:"sections"`
	}
	exportNote struct {
		ID             string            `json:"id"`
		MeetingID      string            `json:"meeting_id"`
		ItemID         string            `json:"item_id"`
		Recommendation *int              `json:"recommendation"`
		Stance         agenda.Stance     `json:"stance"`
		Text           string            `json:"text"`
		Visibility     agenda.Visibility `json:"visibility"`
		Group          string            `json:"group,omitempty"`
		Author         string            `json:"author,omitempty"`
		Status         agenda.NoteStatus `json:"status"`
		Created        danishTime        `json:"created"`
		Updated        danishTime        `json:"updated"`
		Revision       uint64            `json:"revision"`
		// Where an orphaned note was, since its item is no longer in the export.
		ItemNumber string `json:"item_number,omitempty"`
		ItemTitle  string `json:"item_title,omitempty"`
	}
)

// danishTime is RFC 3339 with Copenhagen's offset, or null when unset.
type danishTime time.Time

func (t danishTime) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + tt.In(agenda.Copenhagen).Format(time.RFC3339) + `"`), nil
}

// ExportJSON writes the store's meetings, documents and notes (tombstones left out) as
// JSON; with meetingID, only that meeting and its notes. The output is deterministic:
// meetings by start, items in agenda order, documents by date, notes in creation order.
// It reads everything in one transaction and writes to w after it has ended, so a slow
// reader never holds the store's lock.
func (s *Store) ExportJSON(w io.Writer, meetingID string) error {
	var out exportFile
	err := s.view(func(tx *bolt.Tx) error {
		var ids []string
		if meetingID != "" {
			if tx.Bucket(bucketMeetings).Get([]byte(meetingID)) == nil {
				return notFound("meeting", meetingID)
			}
			ids = []string{meetingID}
		} else if err := tx.Bucket(bucketSummaries).ForEach(func(k, _ []byte) error {
			ids = append(ids, string(k[8:])) // summaries are keyed in start order
			return nil
		}); err != nil {
			return err
		}
		out.Meetings = make([]exportMeeting, 0, len(ids))
		for _, id := range ids {
			r, err := loadMeeting(tx, id)
			if err != nil {
				return err
			}
			if r == nil {
				return fmt.Errorf("the meeting list names meeting %s, which is missing: %w", id, errDamaged)
			}
			out.Meetings = append(out.Meetings, exportOfMeeting(&r.Meeting))
		}

		var notes []agenda.Note
		if meetingID != "" {
			if err := forMeetingNotes(tx, meetingID, func(_, _ []byte, n *agenda.Note) error {
				if !n.Deleted {
					notes = append(notes, *n)
				}
				return nil
			}); err != nil {
				return err
			}
		} else {
			var err error
			if notes, err = allNotes(tx); err != nil {
				return err
			}
		}
		out.Notes = make([]exportNote, 0, len(notes))
		for i := range notes {
			out.Notes = append(out.Notes, exportOfNote(&notes[i]))
		}

		out.Documents = []exportDocument{}
		if meetingID != "" {
			return nil
		}
		var docs []agenda.Document
		if err := tx.Bucket(bucketDocuments).ForEach(func(k, v []byte) error {
			d, err := decodeDocument(v)
			if err != nil {
				return fmt.Errorf("stored document %s: %w", k, err)
			}
			docs = append(docs, *d)
			return nil
		}); err != nil {
			return err
		}
		sortDocuments(docs)
		for _, d := range docs {
			out.Documents = append(out.Documents, exportDocument{
				ID: d.ID, Title: d.Title, Date: danishTime(d.Date), Sections: orEmpty(d.Sections),
			})
		}
		return nil
	})
	if err != nil {
		return err
	}
	return writeExport(w, &out)
}

// ExportNotesJSON writes just the notes of ExportJSON, in the same shape and order, as
// one JSON array: what `note list --json` prints, without reading every meeting.
func (s *Store) ExportNotesJSON(w io.Writer) error {
	var notes []agenda.Note
	if err := s.view(func(tx *bolt.Tx) error {
		var err error
		notes, err = allNotes(tx)
		return err
	}); err != nil {
		return err
	}
	out := make([]exportNote, 0, len(notes))
	for i := range notes {
		out = append(out, exportOfNote(&notes[i]))
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeExport writes the file one element at a time, so a large store is never held as
// one big JSON value in memory besides its decoded form.
func writeExport(w io.Writer, out *exportFile) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // Markdown is full of < > &; keep it readable
	enc.SetIndent("    ", "  ")
	write := func(s string) error {
		_, err := io.WriteString(w, s)
		return err
	}
	list := func(name string, n int, elem func(i int) any, last bool) error {
		if err := write("  \"" + name + "\": ["); err != nil {
			return err
		}
		for i := range n {
			buf.Reset()
			if err := enc.Encode(elem(i)); err != nil {
				return fmt.Errorf("export: %w", err)
			}
			sep := ",\n    "
			if i == 0 {
				sep = "\n    "
			}
			if err := write(sep); err != nil {
				return err
			}
			if _, err := w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))); err != nil {
				return err
			}
		}
		end := "]"
		if n > 0 {
			end = "\n  ]"
		}
		if !last {
			end += ","
		}
		return write(end + "\n")
	}
	if err := write("{\n"); err != nil {
		return err
	}
	if err := list("meetings", len(out.Meetings), func(i int) any { return &out.Meetings[i] }, false); err != nil {
		return err
	}
	if err := list("documents", len(out.Documents), func(i int) any { return &out.Documents[i] }, false); err != nil {
		return err
	}
	if err := list("notes", len(out.Notes), func(i int) any { return &out.Notes[i] }, true); err != nil {
		return err
	}
	return write("}\n")
}

func exportOfMeeting(m *agenda.Meeting) exportMeeting {
	em := exportMeeting{
		ID: m.ID, Body: m.Body.Name, Kind: m.Kind, Title: m.Title,
		Start: danishTime(m.Start), End: danishTime(m.End), Location: m.Location,
		Premeeting: danishTime(m.Premeeting),
		Source: exportSource{Format: m.Source.Format, Site: m.Source.Site,
			PublicationID: m.Source.PublicationID, Released: danishTime(m.Source.Released)},
		Items: make([]exportItem, 0, len(m.Items)),
	}
	for i := range m.Items {
		it := &m.Items[i]
		ei := exportItem{
			ID: it.ID, Number: it.Number, Group: it.Group, Title: it.Title,
			CaseNumber: it.CaseNumber, CaseHandler: it.CaseHandler, Closed: it.Closed,
			Sections: orEmpty(it.Sections), Recommendations: orEmpty(it.Recommendations),
			Decision: it.Decision, Attachments: make([]exportAttachment, 0, len(it.Attachments)),
		}
		for _, a := range it.Attachments {
			ei.Attachments = append(ei.Attachments, exportAttachment{
				ID: a.ID, Title: a.Title, URL: a.URL, FileName: a.FileName,
				MediaType: a.MediaType, Size: a.Size, SHA256: a.SHA256,
			})
		}
		em.Items = append(em.Items, ei)
	}
	return em
}

func exportOfNote(n *agenda.Note) exportNote {
	en := exportNote{
		ID: n.ID, MeetingID: n.Anchor.MeetingID, ItemID: n.Anchor.ItemID,
		Recommendation: n.Anchor.Recommendation, Stance: n.Stance, Text: n.Text,
		Visibility: n.Visibility, Group: n.Group, Author: n.Author, Status: n.Status,
		Created: danishTime(n.Created), Updated: danishTime(n.Updated), Revision: n.Revision,
	}
	if n.Status == agenda.StatusOrphaned {
		en.ItemNumber, en.ItemTitle = n.Anchor.ItemNumber, n.Anchor.ItemTitle
	}
	return en
}

// orEmpty makes an absent list export as [] rather than null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
