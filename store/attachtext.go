package store

// Attachments as text: the text of every stored PDF is extracted once per content
// (attachment_text, keyed by sha256 like blobs) and indexed page by page, so search finds
// words inside attachments and the reader can show an attachment's text when no viewer is
// at hand.

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/pdf"
	bolt "go.etcd.io/bbolt"
)

// ErrNoText: the attachment's content is stored but has no text to show (a scan, an
// encrypted or damaged PDF). The error's sentence says which.
var ErrNoText = errors.New("the attachment has no text")

type noTextError struct{ why string }

func (e *noTextError) Error() string { return e.why }
func (e *noTextError) Unwrap() error { return ErrNoText }

// AttachmentText returns the extracted text of the stored attachment content with this
// sha256 (hex), one string per page (empty for a page without text). It is ErrNotFound
// when the store has no text for it (not a PDF, or stored before text was extracted: see
// ExtractAttachmentTexts), and ErrNoText, with the reason, when the PDF has none.
func (s *Store) AttachmentText(sha256 string) ([]string, error) {
	var t *textRecord
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		if t, err = storedText(tx, strings.ToLower(sha256)); err == nil && t == nil {
			err = notFound("attachment text", sha256)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if t.Failure != "" {
		return nil, &noTextError{t.Failure}
	}
	return t.Pages, nil
}

// storedText reads the text record of a content; nil when there is none.
func storedText(tx *bolt.Tx, sha256 string) (*textRecord, error) {
	if sha256 == "" {
		return nil, nil
	}
	v, err := getOpen(tx, bucketAttachmentText, []byte(sha256))
	if err != nil {
		return nil, fmt.Errorf("stored text of attachment %s: %w", sha256, err)
	}
	if v == nil {
		return nil, nil
	}
	t, err := decodeText(v)
	if err != nil {
		return nil, fmt.Errorf("stored text of attachment %s: %w", sha256, err)
	}
	return t, nil
}

// extractTexts extracts the text of the PDFs among the meetings' attachment contents
// that the store has no text for yet, by sha256. It runs before Import takes the write
// lock: extraction costs about a millisecond a page, and a long write transaction would
// keep the UI in another terminal waiting.
func (s *Store) extractTexts(meetings []agenda.Meeting) (map[string]*textRecord, error) {
	want := map[string][]byte{}
	for i := range meetings {
		for j := range meetings[i].Items {
			for _, a := range meetings[i].Items[j].Attachments {
				if a.Content != nil && pdf.Sniff(a.Content) {
					want[a.SHA256] = a.Content
				}
			}
		}
	}
	if len(want) == 0 {
		return nil, nil
	}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAttachmentText)
		for sha := range want {
			if b.Get([]byte(sha)) != nil {
				delete(want, sha)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return extractAll(want), nil
}

// extractAll extracts the contents side by side, one per processor.
func extractAll(contents map[string][]byte) map[string]*textRecord {
	out := make(map[string]*textRecord, len(contents))
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan string)
	for range min(runtime.GOMAXPROCS(0), len(contents)) {
		wg.Go(func() {
			for sha := range work {
				t := extract(contents[sha])
				mu.Lock()
				out[sha] = t
				mu.Unlock()
			}
		})
	}
	for sha := range contents {
		work <- sha
	}
	close(work)
	wg.Wait()
	return out
}

// extract reads a PDF's text. A PDF without text is not an error of the import: the
// reason is kept instead, so the same content is not tried again at every sync.
func extract(data []byte) (t *textRecord) {
	defer func() {
		// pdf promises not to panic; an attachment is outside input, and an import
		// must not die of one anyway.
		if r := recover(); r != nil {
			t = &textRecord{Failure: "the PDF could not be read"}
		}
	}()
	pages, err := pdf.PageTexts(data)
	if err != nil {
		return &textRecord{Failure: err.Error()}
	}
	if len(pages) == 0 {
		return &textRecord{Failure: "the PDF has no pages"}
	}
	return &textRecord{Pages: pages}
}

// putTexts stores the extracted texts of a meeting's attachment contents that the store
// lacks, and returns the sha256s of the texts it wrote: their attachments need indexing
// even in an item that did not change.
func putTexts(tx *bolt.Tx, m *agenda.Meeting, texts map[string]*textRecord) (map[string]bool, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	b := tx.Bucket(bucketAttachmentText)
	secret := closedContent(tx, m)
	fresh := map[string]bool{}
	for i := range m.Items {
		for _, a := range m.Items[i].Attachments {
			t := texts[a.SHA256]
			if t == nil || fresh[a.SHA256] || b.Get([]byte(a.SHA256)) != nil {
				continue
			}
			if err := putMaybeSealed(tx, bucketAttachmentText, []byte(a.SHA256), encodeText(t), secret[a.SHA256]); err != nil {
				return nil, err
			}
			fresh[a.SHA256] = true
		}
	}
	return fresh, nil
}

// textPending: the import brings text for an attachment of m that the store lacks.
func textPending(tx *bolt.Tx, m *agenda.Meeting, texts map[string]*textRecord) bool {
	if len(texts) == 0 {
		return false
	}
	b := tx.Bucket(bucketAttachmentText)
	for i := range m.Items {
		for _, a := range m.Items[i].Attachments {
			if texts[a.SHA256] != nil && b.Get([]byte(a.SHA256)) == nil {
				return true
			}
		}
	}
	return false
}

// extractBatch is how many PDFs ExtractAttachmentTexts extracts between two writes.
const extractBatch = 8

// ExtractAttachmentTexts extracts and indexes the text of every stored PDF that has none
// yet: contents stored before dagsorden extracted text (the import and sync do it as
// they store a PDF). It works in small batches: the PDFs are read in one short read
// transaction, extracted with no lock held, and each batch is written, with the pages of
// every item that has one of them, in one write transaction. It returns how many
// contents it extracted.
func (s *Store) ExtractAttachmentTexts() (int, error) {
	var todo []string
	sealed := map[string]bool{} // contents only closed items have: their text is sealed too
	err := s.view(func(tx *bolt.Tx) error {
		texts := tx.Bucket(bucketAttachmentText)
		if err := tx.Bucket(bucketBlobs).ForEach(func(k, v []byte) error {
			if texts.Get(k) == nil && pdf.Sniff(v) {
				todo = append(todo, string(k))
			}
			return nil
		}); err != nil {
			return err
		}
		sb := tx.Bucket(bucketSealedBlobs)
		if sb == nil {
			return nil
		}
		return sb.ForEach(func(k, _ []byte) error {
			if texts.Get(k) == nil && tx.Bucket(bucketBlobs).Get(k) == nil {
				todo = append(todo, string(k))
				sealed[string(k)] = true
			}
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	done := 0
	for len(todo) > 0 {
		batch := todo[:min(extractBatch, len(todo))]
		todo = todo[len(batch):]
		contents := map[string][]byte{}
		if err := s.view(func(tx *bolt.Tx) error {
			for _, sha := range batch {
				if v := tx.Bucket(bucketBlobs).Get([]byte(sha)); v != nil {
					contents[sha] = bytes.Clone(v)
				} else if v, err := getOpen(tx, bucketSealedBlobs, []byte(sha)); err != nil {
					return err
				} else if v != nil && pdf.Sniff(v) {
					contents[sha] = bytes.Clone(v)
				}
			}
			return nil
		}); err != nil {
			return done, err
		}
		texts := extractAll(contents)
		err := s.update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketAttachmentText)
			fresh := map[string]bool{}
			for sha, t := range texts {
				if b.Get([]byte(sha)) != nil {
					continue // another process was quicker
				}
				if err := putMaybeSealed(tx, bucketAttachmentText, []byte(sha), encodeText(t), sealed[sha]); err != nil {
					return err
				}
				fresh[sha] = true
			}
			if len(fresh) == 0 {
				return errNoChange
			}
			return indexFreshTexts(tx, fresh)
		})
		if err != nil {
			return done, fmt.Errorf("attachment texts: %w", err)
		}
		done += len(texts)
	}
	return done, nil
}

// indexFreshTexts indexes the pages of every stored attachment whose content is in fresh.
func indexFreshTexts(tx *bolt.Tx, fresh map[string]bool) error {
	type hit struct {
		meetingID, itemID string
		a                 agenda.Attachment
		closed            bool
	}
	var hits []hit
	err := tx.Bucket(bucketItems).ForEach(func(k, v []byte) error {
		v, err := openValue(tx, bucketItems, k, v)
		if err != nil {
			return fmt.Errorf("stored item %s: %w", k, err)
		}
		r, err := decodeItem(v)
		if err != nil {
			return fmt.Errorf("stored item %s: %w", k, err)
		}
		for _, a := range r.Item.Attachments {
			if fresh[a.SHA256] {
				hits = append(hits, hit{r.MeetingID, r.Item.ID, a, r.Item.Closed})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	ix := newIndexer(tx)
	for _, h := range hits {
		if err := ix.indexAttachment(h.meetingID, h.itemID, &h.a, h.closed); err != nil {
			return err
		}
	}
	return ix.flush()
}
