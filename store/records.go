package store

// Field numbers of every record. Never reuse or renumber one: old files hold them.
// Adding a field: give it the next free number here, in both the put and the read
// function; TestCodecCoversEveryField fails until both are done.

import (
	"encoding/binary"
	"slices"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
)

// meetingRecord is a meeting without its items (they live in the items bucket).
type meetingRecord struct {
	Meeting agenda.Meeting // Items is nil
	ItemIDs []string       // agenda order
	Updated time.Time      // when this version was stored
}

// itemRecord is an item and the meeting it belongs to.
type itemRecord struct {
	MeetingID string
	Item      agenda.Item
	// Purged: when retention removed the texts and attachments of this closed item
	// (retention.go); zero for an item that has them.
	Purged time.Time
}

// encode* turn a record into bytes, decode* read one back (from memory of a bbolt
// transaction: openRecord copies it).

func encodeMeeting(r *meetingRecord) []byte {
	e := newRecord()
	putMeetingHeader(e, &r.Meeting)
	for _, id := range r.ItemIDs {
		e.strAlways(20, id) // even empty: every id keeps its position
	}
	e.time(21, r.Updated)
	return e.b
}

func decodeMeeting(b []byte) (*meetingRecord, error) {
	d, err := openRecord(b)
	if err != nil {
		return nil, err
	}
	r := &meetingRecord{}
	for d.more() {
		f, w := d.field()
		switch f {
		case 20:
			r.ItemIDs = append(r.ItemIDs, d.str(w))
		case 21:
			r.Updated = d.time(w)
		default:
			readMeetingField(d, f, w, &r.Meeting)
		}
	}
	return r, d.err
}

func putMeetingHeader(e *enc, m *agenda.Meeting) {
	e.str(1, m.ID)
	e.msg(2, func(e *enc) { putBody(e, &m.Body) })
	e.str(3, string(m.Kind))
	e.str(4, m.Title)
	e.time(5, m.Start)
	e.time(6, m.End)
	e.str(7, m.Location)
	e.time(8, m.Premeeting)
	e.msg(9, func(e *enc) { putSource(e, &m.Source) })
}

// readMeetingField reads one field of putMeetingHeader.
func readMeetingField(d *dec, f, w int, m *agenda.Meeting) {
	switch f {
	case 1:
		m.ID = d.str(w)
	case 2:
		sub := d.sub(w)
		readBody(sub, &m.Body)
		d.done(sub)
	case 3:
		m.Kind = agenda.Kind(d.str(w))
	case 4:
		m.Title = d.str(w)
	case 5:
		m.Start = d.time(w)
	case 6:
		m.End = d.time(w)
	case 7:
		m.Location = d.str(w)
	case 8:
		m.Premeeting = d.time(w)
	case 9:
		sub := d.sub(w)
		readSource(sub, &m.Source)
		d.done(sub)
	default:
		d.skip(w)
	}
}

func putBody(e *enc, b *agenda.Body) {
	e.str(1, b.SourceID)
	e.str(2, b.Name)
}

func readBody(d *dec, b *agenda.Body) {
	for d.more() {
		f, w := d.field()
		switch f {
		case 1:
			b.SourceID = d.str(w)
		case 2:
			b.Name = d.str(w)
		default:
			d.skip(w)
		}
	}
}

func putSource(e *enc, s *agenda.Source) {
	e.str(1, s.Format)
	e.str(2, s.Site)
	e.str(3, s.PublicationID)
	e.str(4, s.Path)
	e.time(5, s.Released)
}

func readSource(d *dec, s *agenda.Source) {
	for d.more() {
		f, w := d.field()
		switch f {
		case 1:
			s.Format = d.str(w)
		case 2:
			s.Site = d.str(w)
		case 3:
			s.PublicationID = d.str(w)
		case 4:
			s.Path = d.str(w)
		case 5:
			s.Released = d.time(w)
		default:
			d.skip(w)
		}
	}
}

func encodeItem(r *itemRecord) []byte {
	e := newRecord()
	e.str(1, r.MeetingID)
	e.msg(2, func(e *enc) { putItem(e, &r.Item) })
	e.time(3, r.Purged)
	return e.b
}

func decodeItem(b []byte) (*itemRecord, error) {
	d, err := openRecord(b)
	if err != nil {
		return nil, err
	}
	r := &itemRecord{}
	for d.more() {
		f, w := d.field()
		switch f {
		case 1:
			r.MeetingID = d.str(w)
		case 2:
			sub := d.sub(w)
			readItem(sub, &r.Item)
			d.done(sub)
		case 3:
			r.Purged = d.time(w)
		default:
			d.skip(w)
		}
	}
	return r, d.err
}

func putItem(e *enc, it *agenda.Item) {
	e.str(1, it.ID)
	e.str(2, it.SourceID)
	e.str(3, it.Number)
	e.str(4, it.Group)
	e.str(5, it.Title)
	e.str(6, it.CaseNumber)
	e.str(7, it.CaseHandler)
	e.bool(8, it.Closed)
	for i := range it.Sections {
		e.msg(9, func(e *enc) { putSection(e, &it.Sections[i]) })
	}
	for i := range it.Recommendations {
		r := &it.Recommendations[i]
		e.msg(10, func(e *enc) {
			e.int(1, int64(r.Index))
			e.str(2, r.Text)
		})
	}
	e.str(11, it.Decision)
	for i := range it.Attachments {
		e.msg(12, func(e *enc) { putAttachment(e, &it.Attachments[i]) })
	}
}

func readItem(d *dec, it *agenda.Item) {
	for d.more() {
		f, w := d.field()
		switch f {
		case 1:
			it.ID = d.str(w)
		case 2:
			it.SourceID = d.str(w)
		case 3:
			it.Number = d.str(w)
		case 4:
			it.Group = d.str(w)
		case 5:
			it.Title = d.str(w)
		case 6:
			it.CaseNumber = d.str(w)
		case 7:
			it.CaseHandler = d.str(w)
		case 8:
			it.Closed = d.bool(w)
		case 9:
			var s agenda.Section
			sub := d.sub(w)
			readSection(sub, &s)
			d.done(sub)
			it.Sections = append(it.Sections, s)
		case 10:
			var r agenda.Recommendation
			sub := d.sub(w)
			for sub.more() {
				f, w := sub.field()
				switch f {
				case 1:
					r.Index = int(sub.int(w))
				case 2:
					r.Text = sub.str(w)
				default:
					sub.skip(w)
				}
			}
			d.done(sub)
			it.Recommendations = append(it.Recommendations, r)
		case 11:
			it.Decision = d.str(w)
		case 12:
			var a agenda.Attachment
			sub := d.sub(w)
			readAttachment(sub, &a)
			d.done(sub)
			it.Attachments = append(it.Attachments, a)
		default:
			d.skip(w)
		}
	}
}

func putSection(e *enc, s *agenda.Section) {
	e.str(1, s.Heading)
	e.str(2, s.Text)
}

func readSection(d *dec, s *agenda.Section) {
	for d.more() {
		f, w := d.field()
		switch f {
		case 1:
			s.Heading = d.str(w)
		case 2:
			s.Text = d.str(w)
		default:
			d.skip(w)
		}
	}
}

// putAttachment leaves out Content: it is stored once, by sha256, in the blobs bucket.
func putAttachment(e *enc, a *agenda.Attachment) {
	e.str(1, a.ID)
	e.str(2, a.SourceID)
	e.str(3, a.Title)
	e.str(4, a.FileName)
	e.str(5, a.MediaType)
	e.int(6, a.Size)
	e.str(7, a.SHA256)
	e.str(8, a.URL)
	e.str(9, a.Text)
}

func readAttachment(d *dec, a *agenda.Attachment) {
	for d.more() {
		f, w := d.field()
		switch f {
		case 1:
			a.ID = d.str(w)
		case 2:
			a.SourceID = d.str(w)
		case 3:
			a.Title = d.str(w)
		case 4:
			a.FileName = d.str(w)
		case 5:
			a.MediaType = d.str(w)
		case 6:
			a.Size = d.int(w)
		case 7:
			a.SHA256 = d.str(w)
		case 8:
			a.URL = d.str(w)
		case 9:
			a.Text = d.str(w)
		default:
			d.skip(w)
		}
	}
}

func encodeDocument(doc *agenda.Document) []byte {
	e := newRecord()
	e.str(1, doc.ID)
	e.str(2, doc.Title)
	e.time(3, doc.Date)
	e.msg(4, func(e *enc) { putSource(e, &doc.Source) })
	for i := range doc.Sections {
		e.msg(5, func(e *enc) { putSection(e, &doc.Sections[i]) })
	}
	return e.b
}

func decodeDocument(b []byte) (*agenda.Document, error) {
	d, err := openRecord(b)
	if err != nil {
		return nil, err
	}
	doc := &agenda.Document{}
	for d.more() {
		f, w := d.field()
		switch f {
		case 1:
			doc.ID = d.str(w)
		case 2:
			doc.Title = d.str(w)
		case 3:
			doc.Date = d.time(w)
		case 4:
			sub := d.sub(w)
			readSource(sub, &doc.Source)
			d.done(sub)
		case 5:
			var s agenda.Section
			sub := d.sub(w)
			readSection(sub, &s)
			d.done(sub)
			doc.Sections = append(doc.Sections, s)
		default:
			d.skip(w)
		}
	}
	return doc, d.err
}

func encodeNote(n *agenda.Note) []byte {
	e := newRecord()
	e.str(1, n.ID)
	e.msg(2, func(e *enc) { putAnchor(e, &n.Anchor) })
	e.str(3, string(n.Stance))
	e.str(4, n.Text)
	e.str(5, string(n.Visibility))
	e.str(6, n.Group)
	e.str(7, n.Author)
	e.time(8, n.Created)
	e.time(9, n.Updated)
	e.uint(10, n.Revision)
	e.str(11, string(n.Status))
	e.bool(12, n.Deleted)
	return e.b
}

func decodeNote(b []byte) (*agenda.Note, error) {
	d, err := openRecord(b)
	if err != nil {
		return nil, err
	}
	n := &agenda.Note{}
	for d.more() {
		f, w := d.field()
		switch f {
		case 1:
			n.ID = d.str(w)
		case 2:
			sub := d.sub(w)
			readAnchor(sub, &n.Anchor)
			d.done(sub)
		case 3:
			n.Stance = agenda.Stance(d.str(w))
		case 4:
			n.Text = d.str(w)
		case 5:
			n.Visibility = agenda.Visibility(d.str(w))
		case 6:
			n.Group = d.str(w)
		case 7:
			n.Author = d.str(w)
		case 8:
			n.Created = d.time(w)
		case 9:
			n.Updated = d.time(w)
		case 10:
			n.Revision = d.uint(w)
		case 11:
			n.Status = agenda.NoteStatus(d.str(w))
		case 12:
			n.Deleted = d.bool(w)
		default:
			d.skip(w)
		}
	}
	return n, d.err
}

func putAnchor(e *enc, a *agenda.Anchor) {
	e.str(1, a.MeetingID)
	e.str(2, a.ItemID)
	if a.Recommendation != nil {
		e.intAlways(3, int64(*a.Recommendation))
	}
	e.msg(4, func(e *enc) {
		e.str(1, a.Quote.Exact)
		e.str(2, a.Quote.Prefix)
		e.str(3, a.Quote.Suffix)
	})
	e.str(5, a.TextHash)
	e.str(6, a.ItemNumber)
	e.str(7, a.ItemTitle)
	e.str(8, a.CaseNumber)
}

func readAnchor(d *dec, a *agenda.Anchor) {
	for d.more() {
		f, w := d.field()
		switch f {
		case 1:
			a.MeetingID = d.str(w)
		case 2:
			a.ItemID = d.str(w)
		case 3:
			i := int(d.int(w))
			a.Recommendation = &i
		case 4:
			sub := d.sub(w)
			for sub.more() {
				f, w := sub.field()
				switch f {
				case 1:
					a.Quote.Exact = sub.str(w)
				case 2:
					a.Quote.Prefix = sub.str(w)
				case 3:
					a.Quote.Suffix = sub.str(w)
				default:
					sub.skip(w)
				}
			}
			d.done(sub)
		case 5:
			a.TextHash = d.str(w)
		case 6:
			a.ItemNumber = d.str(w)
		case 7:
			a.ItemTitle = d.str(w)
		case 8:
			a.CaseNumber = d.str(w)
		default:
			d.skip(w)
		}
	}
}

func encodeSummary(m *MeetingSummary) []byte {
	e := newRecord()
	e.str(1, m.ID)
	e.str(2, m.Title)
	e.str(3, m.Location)
	e.msg(4, func(e *enc) { putBody(e, &m.Body) })
	e.str(5, string(m.Kind))
	e.time(6, m.Start)
	e.time(7, m.End)
	e.time(8, m.Premeeting)
	e.msg(9, func(e *enc) { putSource(e, &m.Source) })
	// The count first lets the reader allocate the items once.
	e.uint(12, uint64(len(m.Items)))
	for i := range m.Items {
		it := &m.Items[i]
		e.msg(10, func(e *enc) {
			e.str(1, it.ID)
			e.str(2, it.Number)
			e.str(3, it.Group)
			e.str(4, it.Title)
			e.str(5, it.CaseNumber)
			e.bool(6, it.Closed)
			e.int(7, int64(it.Recommendations))
			e.str(8, it.TextHash)
			e.bool(9, it.Changed)
		})
	}
	e.time(11, m.Updated)
	return e.b
}

func decodeSummary(b []byte, m *MeetingSummary) error {
	d, err := openRecord(b)
	if err != nil {
		return err
	}
	return readSummary(d, m, nil)
}

// readSummary reads a summary. Its items are appended to *slab when slab is given, so
// a list of many meetings allocates their items in a few large blocks, not one each.
func readSummary(d *dec, m *MeetingSummary, slab *[]ItemSummary) error {
	var local []ItemSummary
	if slab == nil {
		slab = &local
	}
	first := len(*slab)
	for d.more() {
		f, w := d.field()
		switch f {
		case 1:
			m.ID = d.str(w)
		case 2:
			m.Title = d.str(w)
		case 3:
			m.Location = d.str(w)
		case 4:
			sub := d.sub(w)
			readBody(sub, &m.Body)
			d.done(sub)
		case 5:
			m.Kind = agenda.Kind(d.str(w))
		case 6:
			m.Start = d.time(w)
		case 7:
			m.End = d.time(w)
		case 8:
			m.Premeeting = d.time(w)
		case 9:
			sub := d.sub(w)
			readSource(sub, &m.Source)
			d.done(sub)
		case 10:
			var it ItemSummary
			sub := d.sub(w)
			for sub.more() {
				f, w := sub.field()
				switch f {
				case 1:
					it.ID = sub.str(w)
				case 2:
					it.Number = sub.str(w)
				case 3:
					it.Group = sub.str(w)
				case 4:
					it.Title = sub.str(w)
				case 5:
					it.CaseNumber = sub.str(w)
				case 6:
					it.Closed = sub.bool(w)
				case 7:
					it.Recommendations = int(sub.int(w))
				case 8:
					it.TextHash = sub.str(w)
				case 9:
					it.Changed = sub.bool(w)
				default:
					sub.skip(w)
				}
			}
			d.done(sub)
			*slab = append(*slab, it)
		case 11:
			m.Updated = d.time(w)
		case 12:
			// A count beyond the record's size is damage, not a reason to allocate.
			if n := d.uint(w); n <= uint64(len(d.s)) && cap(*slab)-len(*slab) < int(n) {
				*slab = slices.Grow(*slab, max(int(n), cap(*slab)))
			}
		default:
			d.skip(w)
		}
	}
	if len(*slab) > first {
		// Full slice expression: a caller appending to one meeting's items must not
		// write into the next meeting's.
		m.Items = (*slab)[first:len(*slab):len(*slab)]
	}
	return d.err
}

// docKind is what a document of the full-text index is (see SearchHit.Kind).
type docKind uint8

const (
	kindMeeting docKind = iota + 1
	kindItem
	kindRecommendation
	kindNote
	kindDocument
	kindAttachment
	numKinds // one past the last kind
)

// docRecord is a document of the full-text index: what it points at, and what it put
// into the index, to take it out again.
type docRecord struct {
	Kind               docKind
	MeetingID, ItemID  string
	Recommendation     *int
	NoteID, DocumentID string
	AttachmentID       string
	AttachmentTitle    string
	SHA256             string
	Page               int    // 1-based page of an attachment; 0 for an unpaged text
	Length             uint64 // weighted number of terms, BM25's document length
	Terms              []string
	TermFrequencies    []uint64 // of Terms, in the same order
	// TitleWords is how many words the document's title has (0: it has none), and
	// TitleTerms the indexes in Terms of the title's terms, ascending: what its postings
	// say about the title (posting.title).
	TitleWords uint64
	TitleTerms []int
	// sealed: the document is a note's or a closed item's, kept in sealed_docs (not
	// encoded: the bucket says it).
	sealed bool
}

func encodeDoc(d *docRecord) []byte {
	e := newRecord()
	e.uint(1, uint64(d.Kind))
	e.str(2, d.MeetingID)
	e.str(3, d.ItemID)
	if d.Recommendation != nil {
		e.intAlways(4, int64(*d.Recommendation))
	}
	e.str(5, d.NoteID)
	e.str(6, d.DocumentID)
	e.str(7, d.AttachmentID)
	e.str(8, d.AttachmentTitle)
	e.str(9, d.SHA256)
	e.uint(10, uint64(d.Page))
	e.uint(11, d.Length)
	// Terms are sorted: each is written as the length it shares with the one before
	// and the rest, which halves their size.
	if len(d.Terms) > 0 {
		e.msg(12, func(e *enc) {
			prev := ""
			for i, t := range d.Terms {
				n := 0
				for n < len(prev) && n < len(t) && prev[n] == t[n] {
					n++
				}
				e.b = binary.AppendUvarint(e.b, uint64(n))
				e.b = binary.AppendUvarint(e.b, uint64(len(t)-n))
				e.b = append(e.b, t[n:]...)
				var tf uint64
				if i < len(d.TermFrequencies) {
					tf = d.TermFrequencies[i]
				}
				e.b = binary.AppendUvarint(e.b, tf)
				prev = t
			}
		})
	}
	// After the terms, like them left out of a document's head (docHead).
	e.uint(13, d.TitleWords)
	if len(d.TitleTerms) > 0 {
		e.msg(14, func(e *enc) {
			prev := 0
			for _, i := range d.TitleTerms {
				e.b = binary.AppendUvarint(e.b, uint64(i-prev))
				prev = i
			}
		})
	}
	return e.b
}

// titleOf is the posting.title of the document's term i.
func (d *docRecord) titleOf(i int) uint64 {
	if _, ok := slices.BinarySearch(d.TitleTerms, i); ok {
		return d.TitleWords
	}
	return 0
}

func decodeDoc(b []byte) (*docRecord, error) { return decodeDocRecord(b, true) }

// decodeDocHead decodes all but the terms: what a search hit needs.
func decodeDocHead(b []byte) (*docRecord, error) { return decodeDocRecord(b, false) }

func decodeDocRecord(b []byte, terms bool) (*docRecord, error) {
	if !terms {
		b = docHead(b)
	}
	d, err := openRecord(b)
	if err != nil {
		return nil, err
	}
	r := &docRecord{}
	for d.more() {
		f, w := d.field()
		switch f {
		case 1:
			r.Kind = docKind(d.uint(w))
		case 2:
			r.MeetingID = d.str(w)
		case 3:
			r.ItemID = d.str(w)
		case 4:
			i := int(d.int(w))
			r.Recommendation = &i
		case 5:
			r.NoteID = d.str(w)
		case 6:
			r.DocumentID = d.str(w)
		case 7:
			r.AttachmentID = d.str(w)
		case 8:
			r.AttachmentTitle = d.str(w)
		case 9:
			r.SHA256 = d.str(w)
		case 10:
			r.Page = int(d.uint(w))
		case 11:
			r.Length = d.uint(w)
		case 12:
			sub := d.sub(w)
			prev := ""
			for sub.more() {
				n, rest := sub.uvarint(), sub.uvarint()
				if n > uint64(len(prev)) || rest > uint64(len(sub.s)) {
					sub.fail("bad term list")
					break
				}
				t := prev[:n] + sub.s[:rest]
				sub.s = sub.s[rest:]
				r.Terms = append(r.Terms, t)
				r.TermFrequencies = append(r.TermFrequencies, sub.uvarint())
				prev = t
			}
			d.done(sub)
		case 13:
			r.TitleWords = d.uint(w)
		case 14:
			sub := d.sub(w)
			i := 0
			for sub.more() {
				// Indexes of terms, ascending: anything else is damage.
				delta := sub.uvarint()
				if delta >= uint64(len(r.Terms)) || len(r.TitleTerms) > 0 && delta == 0 {
					sub.fail("bad title terms")
					break
				}
				if i += int(delta); i >= len(r.Terms) {
					sub.fail("bad title terms")
					break
				}
				r.TitleTerms = append(r.TitleTerms, i)
			}
			d.done(sub)
		default:
			d.skip(w)
		}
	}
	if d.err == nil && (r.Kind == 0 || r.Kind >= numKinds) {
		d.fail("unknown document kind %d", r.Kind)
	}
	return r, d.err
}

// docHead cuts a document record before its terms (field 12, written after everything
// but the title's, which index them), so a search hit copies only the few bytes it reads. A record it does not understand is returned
// whole, for the decoder to judge.
func docHead(b []byte) []byte {
	for i := 1; i < len(b); {
		t, n := binary.Uvarint(b[i:])
		if n <= 0 {
			return b
		}
		if t>>3 == 12 {
			return b[:i]
		}
		i += n
		switch t & 7 {
		case wireVarint:
			if _, n = binary.Uvarint(b[i:]); n <= 0 {
				return b
			}
			i += n
		case wireBytes:
			l, n := binary.Uvarint(b[i:])
			if n <= 0 || l > uint64(len(b)-i-n) {
				return b
			}
			i += n + int(l)
		default:
			return b
		}
	}
	return b
}

// textRecord is an attachment's text, a string per page, or why it has none.
type textRecord struct {
	Pages   []string
	Failure string // one sentence; empty when there is text
}

func encodeText(t *textRecord) []byte {
	e := newRecord()
	for _, p := range t.Pages {
		e.strAlways(1, p) // even empty: every page keeps its number
	}
	e.str(2, t.Failure)
	return e.b
}

func decodeText(b []byte) (*textRecord, error) {
	d, err := openRecord(b)
	if err != nil {
		return nil, err
	}
	t := &textRecord{}
	for d.more() {
		f, w := d.field()
		switch f {
		case 1:
			t.Pages = append(t.Pages, d.str(w))
		case 2:
			t.Failure = d.str(w)
		default:
			d.skip(w)
		}
	}
	return t, d.err
}

// indexStats are the index's document counts and total lengths per kind: BM25's average
// document length is taken per kind, so a three-line recommendation is not compared with
// a forty-page attachment.
type indexStats struct {
	Kinds [numKinds]kindStats
}

type kindStats struct {
	Docs, Length uint64
}

func encodeStats(s *indexStats) []byte {
	e := newRecord()
	for k := range s.Kinds {
		if ks := &s.Kinds[k]; ks.Docs != 0 || ks.Length != 0 {
			e.msg(1, func(e *enc) {
				e.uint(1, uint64(k))
				e.uint(2, ks.Docs)
				e.uint(3, ks.Length)
			})
		}
	}
	return e.b
}

func decodeStats(b []byte) (*indexStats, error) {
	s := &indexStats{}
	if b == nil {
		return s, nil
	}
	d, err := openRecord(b)
	if err != nil {
		return nil, err
	}
	for d.more() {
		f, w := d.field()
		if f != 1 {
			d.skip(w)
			continue
		}
		sub := d.sub(w)
		var k uint64
		var ks kindStats
		for sub.more() {
			f, w := sub.field()
			switch f {
			case 1:
				k = sub.uint(w)
			case 2:
				ks.Docs = sub.uint(w)
			case 3:
				ks.Length = sub.uint(w)
			default:
				sub.skip(w)
			}
		}
		d.done(sub)
		if k < uint64(numKinds) {
			s.Kinds[k] = ks
		}
	}
	return s, d.err
}
