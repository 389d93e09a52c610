package store

import (
	"encoding/binary"
	"time"
)

// The bucket tree of dagsorden.db. Every value is a record of the codec in codec.go (a
// version byte, then tagged fields) unless the tree says otherwise. Keys that must sort
// numerically are 8-byte big-endian integers, so cursor order is numeric order.
//
// [sealed] marks values sealed with the store's data key (crypt.go, migration 4): the
// record encrypted, bound to its bucket and key. Keys are never sealed.
//
//	meta
//	  version                  → uint64 BE: the schema version, len(migrations) once migrated
//	  generation               → uint64 BE: bumped by every write transaction (Generation)
//	  crypt                    → cryptRecord: the data key's id, a check value, and the key
//	                             wrapped with the passphrase when one is set (keys.go)
//	  sealed_generation        → uint64 BE: bumped when sealed_docs changes
//	  retention                → uvarint: days closed items keep their texts (retention.go)
//	  purged_before            → 8-byte start key: the meetings before it are purged
//	meetings
//	  <meeting id>             → meetingRecord: the meeting without its items, plus the item
//	                             ids in agenda order and when this version was stored
//	summaries
//	  <start> <meeting id>     → MeetingSummary: what a meeting list shows, so listing never
//	                             decodes item bodies. <start> is startKey: cursor order is
//	                             the list's order, no sorting
//	items
//	  <item id>                → itemRecord: meeting id + the item (attachments without Content)
//	                             [sealed when the item is closed]
//	previous
//	  <item id>                → itemRecord: the version before the item's last change, or the
//	                             last version of an item the agenda no longer has [sealed when
//	                             closed]
//	documents
//	  <document id>            → agenda.Document (reading material)
//	blobs
//	  <sha256 hex>             → raw attachment content, content-addressed
//	sealed_blobs               (migration 4)
//	  <sha256 hex>             → raw content of an attachment only closed items have [sealed]
//	notes
//	  <seq: uint64 BE>         → agenda.Note, in creation order; tombstones stay (Deleted)
//	                             [sealed]
//	note_ids
//	  <note id>                → seq: uint64 BE, the key of the note in notes
//	meeting_notes              (migration 2)
//	  <meeting id> 0x00 <seq>  → empty: the notes anchored in a meeting, for re-anchoring on
//	                             import and NotesForMeeting without scanning every note
//	read
//	  <item id>                → agenda.ItemTextHash of the item when the user last read it
//	                             (raw string, not a codec record)
//	attachment_text            (migration 3)
//	  <sha256 hex>             → textRecord: the text of the PDF in blobs/<sha256>, one
//	                             string per page, or why it has none (scanned, damaged).
//	                             Extracted once per content, however many items share it
//	                             [sealed when its content is in sealed_blobs]
//	watches                    (migration 3)
//	  <folded phrase>          → the watched word or phrase as the member wrote it (raw)
//
// The full-text index (migration 3), written in the same transaction as what it indexes
// (see index.go). A document of the index is one searchable unit: a meeting's header, an
// item, one recommendation, a note, a reading-material document, or one page of an
// attachment's text.
//
//	search_docs
//	  <doc id: uint64 BE>      → docRecord: kind, what it points at (meeting, item,
//	                             recommendation, note, document, attachment and page), its
//	                             length for BM25, and its terms (to take it out again)
//	search_postings
//	  <term> 0x00 <doc id>     → posting: kind (1 byte), uvarint term frequency, uvarint
//	                             document length: a query is scored from the postings
//	                             alone, without reading a document it does not show
//	search_terms
//	  <term>                   → uvarint: how many documents hold the term; the
//	                             dictionary a prefix query scans
//	search_owners
//	  <owner> 0x00 <doc id>    → empty: the documents made from one stored thing, to
//	                             replace them when it changes. <owner> is "m"<meeting id>,
//	                             "i"<item id> (the item and its recommendations),
//	                             "a"<item id> 0x00 <attachment id> (its pages),
//	                             "n"<note id> or "d"<document id>
//	sealed_docs                (migration 4)
//	  <doc id: uint64 BE>      → docRecord of a note or of a closed item (its item,
//	                             recommendations and attachment pages) [sealed]: these
//	                             documents have no postings and no terms in the buckets
//	                             above, whose keys are words; search decrypts them (sealed.go).
//	                             Their ids come from search_docs' sequence
//	meta/search_stats          → indexStats: documents and total length per kind, sealed
//	                             documents included
//
// The group buckets (groups.go: groups, group_notes, group_outbox) are [sealed] whole.
var (
	bucketMeta         = []byte("meta")
	bucketMeetings     = []byte("meetings")
	bucketSummaries    = []byte("summaries")
	bucketItems        = []byte("items")
	bucketPrevious     = []byte("previous")
	bucketDocuments    = []byte("documents")
	bucketBlobs        = []byte("blobs")
	bucketNotes        = []byte("notes")
	bucketNoteIDs      = []byte("note_ids")
	bucketMeetingNotes = []byte("meeting_notes")
	bucketRead         = []byte("read")

	bucketAttachmentText = []byte("attachment_text")
	bucketWatches        = []byte("watches")
	bucketSearchDocs     = []byte("search_docs")
	bucketPostings       = []byte("search_postings")
	bucketTerms          = []byte("search_terms")
	bucketOwners         = []byte("search_owners")

	keyVersion     = []byte("version")
	keyGeneration  = []byte("generation")
	keySearchStats = []byte("search_stats")
)

// u64 is an 8-byte big-endian key or counter.
func u64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

func readU64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// meetingNoteKey is the meeting_notes key of note seq in meeting id. The 0x00 separator
// keeps one meeting's keys together: ids are hex, so none contains it.
func meetingNoteKey(meetingID string, seq uint64) []byte {
	k := make([]byte, 0, len(meetingID)+9)
	k = append(k, meetingID...)
	k = append(k, 0)
	return append(k, u64(seq)...)
}

func meetingNotePrefix(meetingID string) []byte {
	k := make([]byte, 0, len(meetingID)+1)
	k = append(k, meetingID...)
	return append(k, 0)
}

// summaryKey orders meetings by start, then id. The start is Unix seconds with the sign
// bit flipped, so earlier times (even before 1970) sort first as bytes.
func summaryKey(start time.Time, meetingID string) []byte {
	k := make([]byte, 8, 8+len(meetingID))
	binary.BigEndian.PutUint64(k, uint64(start.Unix())^(1<<63))
	return append(k, meetingID...)
}
