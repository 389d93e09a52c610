package store

// Attachments fetched later: a sync lists a site's older attachments without their
// content and fetches them when the member opens one (or asks for all). Their content
// then joins the stored item without making the item a new version: the agenda did not
// change, only what this machine holds of it, so the item keeps its read mark, its
// previous version and its "changed" flag as they were.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/pdf"
	bolt "go.etcd.io/bbolt"
)

// PutAttachmentContent stores content as the attachment attachmentID of item itemID: the
// blob, its text when it is a PDF (extracted before the write lock is taken), its pages
// in the search index, and its sha256 and size on the stored item. It returns the
// attachment as stored now. Storing the same content again writes nothing.
func (s *Store) PutAttachmentContent(itemID, attachmentID string, content []byte) (agenda.Attachment, error) {
	sum := sha256.Sum256(content)
	sha := hex.EncodeToString(sum[:])
	var text *textRecord
	if pdf.Sniff(content) {
		has := false
		if err := s.view(func(tx *bolt.Tx) error {
			has = tx.Bucket(bucketAttachmentText).Get([]byte(sha)) != nil
			return nil
		}); err != nil {
			return agenda.Attachment{}, err
		}
		if !has {
			text = extract(content)
		}
	}
	var out agenda.Attachment
	// Bulk work: a sync fetches attachments in the background, and a note saved meanwhile
	// goes first.
	err := s.updateMode(func(tx *bolt.Tx) error {
		v, err := getOpen(tx, bucketItems, []byte(itemID))
		if err != nil {
			return fmt.Errorf("stored item %s: %w", itemID, err)
		}
		if v == nil {
			return notFound("item", itemID)
		}
		r, err := decodeItem(v)
		if err != nil {
			return fmt.Errorf("stored item %s: %w", itemID, err)
		}
		var a *agenda.Attachment
		for i := range r.Item.Attachments {
			if r.Item.Attachments[i].ID == attachmentID {
				a = &r.Item.Attachments[i]
			}
		}
		if a == nil {
			return notFound("attachment", attachmentID)
		}
		// A closed item's content is sealed, as the import stores it, unless the same
		// content is public anyway.
		blobs, sealed := tx.Bucket(bucketBlobs), tx.Bucket(bucketSealedBlobs)
		public := blobs.Get([]byte(sha)) != nil
		stored := public || sealed.Get([]byte(sha)) != nil
		if a.SHA256 == sha && a.Size == int64(len(content)) && stored {
			out = *a
			return errNoChange
		}
		secret := r.Item.Closed && !public
		switch {
		case !stored && secret:
			err = putSealed(tx, bucketSealedBlobs, []byte(sha), content)
		case !stored:
			err = blobs.Put([]byte(sha), content)
		}
		if err != nil {
			return err
		}
		if text != nil && tx.Bucket(bucketAttachmentText).Get([]byte(sha)) == nil {
			if err := putMaybeSealed(tx, bucketAttachmentText, []byte(sha), encodeText(text), secret); err != nil {
				return err
			}
		}
		a.SHA256, a.Size = sha, int64(len(content))
		out = *a
		if err := putMaybeSealed(tx, bucketItems, []byte(itemID), encodeItem(r), r.Item.Closed); err != nil {
			return err
		}
		ix := newIndexer(tx)
		if err := ix.indexAttachment(r.MeetingID, itemID, a, r.Item.Closed); err != nil {
			return err
		}
		return ix.flush()
	}, bulk)
	return out, err
}
