package store

// The sealed parts of the store: migration 4, which seals what earlier versions wrote in
// the clear, and the search index's sealed documents as search reads them.

import (
	"bytes"
	"fmt"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"
)

var (
	// bucketSealedDocs holds the index documents of notes and closed items, sealed.
	bucketSealedDocs = []byte("sealed_docs")
	// bucketSealedBlobs holds the content of attachments only closed items have, sealed.
	bucketSealedBlobs = []byte("sealed_blobs")
	// keySealedGeneration (in meta) is bumped whenever sealed_docs changes, so a search
	// knows whether the sealed documents it decrypted before are still the ones.
	keySealedGeneration = []byte("sealed_generation")
)

// encryptStore is migration 4.
func encryptStore(tx *bolt.Tx) error {
	v, err := vaultOf(tx)
	if err != nil {
		return err
	}
	if v.rec == nil {
		return fmt.Errorf("migration 4 needs the store's key record")
	}
	if err := tx.Bucket(bucketMeta).Put(keyCrypt, encodeCrypt(v.rec)); err != nil {
		return err
	}
	for _, b := range [][]byte{bucketSealedDocs, bucketSealedBlobs} {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return fmt.Errorf("create bucket %s: %w", b, err)
		}
	}
	all := func(_, _ []byte) (bool, error) { return true, nil }
	for _, b := range [][]byte{bucketNotes, bucketGroups, bucketGroupNotes, bucketGroupOutbox} {
		if err := sealBucket(tx, b, all); err != nil {
			return err
		}
	}
	closed := func(k, v []byte) (bool, error) {
		r, err := decodeItem(v)
		if err != nil {
			return false, fmt.Errorf("stored item %s: %w", k, err)
		}
		return r.Item.Closed, nil
	}
	for _, b := range [][]byte{bucketItems, bucketPrevious} {
		if err := sealBucket(tx, b, closed); err != nil {
			return err
		}
	}
	if err := sealClosedAttachments(tx); err != nil {
		return err
	}
	return reindexSealed(tx)
}

// sealBucket seals the values of a bucket (when it exists) that secret picks.
func sealBucket(tx *bolt.Tx, name []byte, secret func(k, v []byte) (bool, error)) error {
	b := tx.Bucket(name)
	if b == nil {
		return nil
	}
	type kv struct{ k, v []byte }
	var puts []kv
	err := b.ForEach(func(k, v []byte) error {
		if v == nil || isSealed(v) {
			return nil
		}
		ok, err := secret(k, v)
		if err != nil || !ok {
			return err
		}
		sv, err := sealValue(tx, name, k, v)
		if err != nil {
			return err
		}
		puts = append(puts, kv{bytes.Clone(k), sv})
		return nil
	})
	if err != nil {
		return fmt.Errorf("seal %s: %w", name, err)
	}
	for _, p := range puts { // after the loop: writes move the pages a cursor walks
		if err := b.Put(p.k, p.v); err != nil {
			return err
		}
	}
	return nil
}

// attachmentOwners returns the sha256 of every attachment content that items (current
// and previous) refer to, split by whether an open item refers to it.
func attachmentOwners(tx *bolt.Tx) (open, closed map[string]bool, err error) {
	open, closed = map[string]bool{}, map[string]bool{}
	for _, name := range [][]byte{bucketItems, bucketPrevious} {
		err = tx.Bucket(name).ForEach(func(k, v []byte) error {
			pv, err := openValue(tx, name, k, v)
			if err != nil {
				return fmt.Errorf("stored item %s: %w", k, err)
			}
			r, err := decodeItem(pv)
			if err != nil {
				return fmt.Errorf("stored item %s: %w", k, err)
			}
			for _, a := range r.Item.Attachments {
				if a.SHA256 == "" {
					continue
				}
				if r.Item.Closed {
					closed[a.SHA256] = true
				} else {
					open[a.SHA256] = true
				}
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return open, closed, nil
}

// sealClosedAttachments moves the content of attachments only closed items have to
// sealed_blobs and seals their text.
func sealClosedAttachments(tx *bolt.Tx) error {
	open, closed, err := attachmentOwners(tx)
	if err != nil {
		return err
	}
	blobs, texts := tx.Bucket(bucketBlobs), tx.Bucket(bucketAttachmentText)
	for sha := range closed {
		if open[sha] {
			continue
		}
		k := []byte(sha)
		if v := blobs.Get(k); v != nil {
			if err := putSealed(tx, bucketSealedBlobs, k, bytes.Clone(v)); err != nil {
				return err
			}
			if err := blobs.Delete(k); err != nil {
				return err
			}
		}
		if v := texts.Get(k); v != nil && !isSealed(v) {
			if err := putSealed(tx, bucketAttachmentText, k, bytes.Clone(v)); err != nil {
				return err
			}
		}
	}
	return nil
}

// reindexSealed moves the index documents of notes and closed items to sealed_docs.
func reindexSealed(tx *bolt.Tx) error {
	ix := newIndexer(tx)
	var notes [][]byte
	if err := tx.Bucket(bucketNotes).ForEach(func(k, v []byte) error {
		pv, err := openValue(tx, bucketNotes, k, v)
		if err != nil {
			return fmt.Errorf("note %x: %w", k, err)
		}
		notes = append(notes, bytes.Clone(pv))
		return nil
	}); err != nil {
		return err
	}
	for _, b := range notes {
		n, err := decodeNote(b)
		if err != nil {
			return err
		}
		if err := ix.indexNote(n); err != nil {
			return err
		}
	}
	var items []*itemRecord
	if err := tx.Bucket(bucketItems).ForEach(func(k, v []byte) error {
		if !isSealed(v) {
			return nil // open: its documents stay
		}
		pv, err := openValue(tx, bucketItems, k, v)
		if err != nil {
			return fmt.Errorf("stored item %s: %w", k, err)
		}
		r, err := decodeItem(pv)
		if err != nil {
			return fmt.Errorf("stored item %s: %w", k, err)
		}
		items = append(items, r)
		return nil
	}); err != nil {
		return err
	}
	for _, r := range items {
		if err := ix.indexItem(r.MeetingID, nil, &r.Item, nil); err != nil {
			return err
		}
	}
	return ix.flush()
}

// sealedCache is the sealed documents of the index, decrypted, with their postings by
// term: what the plaintext index keeps in bbolt for public documents. It lives in the
// Store between searches (the UI searches at every key press) and follows the file by
// meta/sealed_generation: documents never change (a change is a new document), so a
// refresh decrypts only the documents it has not seen and drops those that are gone.
type sealedCache struct {
	mu       sync.Mutex
	keyID    string
	gen      uint64
	valid    bool
	docs     map[uint64]*docRecord
	postings map[string][]posting // by term, in doc order
	terms    []string             // the dictionary, sorted; nil when it must be rebuilt
}

// refresh brings the cache up to the file. The caller holds c.mu.
func (c *sealedCache) refresh(tx *bolt.Tx) error {
	v, err := vaultOf(tx)
	if err != nil {
		return err
	}
	gen := readU64(tx.Bucket(bucketMeta).Get(keySealedGeneration))
	if c.valid && c.gen == gen && c.keyID == v.id {
		return nil
	}
	if !c.valid || c.keyID != v.id {
		c.docs, c.postings, c.terms = map[uint64]*docRecord{}, map[string][]posting{}, nil
	}
	b := tx.Bucket(bucketSealedDocs)
	seen := make(map[uint64]bool, len(c.docs))
	if b != nil {
		err = b.ForEach(func(k, sv []byte) error {
			id := readU64(k)
			seen[id] = true
			if c.docs[id] != nil {
				return nil
			}
			pv, err := v.open(bucketSealedDocs, k, sv)
			if err != nil {
				return fmt.Errorf("sealed search document %d: %w", id, err)
			}
			d, err := decodeDoc(pv)
			if err != nil {
				return fmt.Errorf("sealed search document %d: %w", id, err)
			}
			c.add(id, d)
			return nil
		})
		if err != nil {
			c.valid = false
			return err
		}
	}
	for id, d := range c.docs {
		if !seen[id] {
			c.remove(id, d)
		}
	}
	c.gen, c.keyID, c.valid = gen, v.id, true
	return nil
}

func (c *sealedCache) add(id uint64, d *docRecord) {
	c.docs[id] = d
	for i, t := range d.Terms {
		ps := c.postings[t]
		if len(ps) == 0 {
			c.terms = nil
		}
		p := newPosting(id, d.Kind, d.TermFrequencies[i], d.Length, d.titleOf(i))
		j, _ := slices.BinarySearchFunc(ps, id, func(p posting, id uint64) int { return cmpU64(p.doc, id) })
		c.postings[t] = slices.Insert(ps, j, p)
	}
}

func (c *sealedCache) remove(id uint64, d *docRecord) {
	delete(c.docs, id)
	for _, t := range d.Terms {
		ps := c.postings[t]
		if j, ok := slices.BinarySearchFunc(ps, id, func(p posting, id uint64) int { return cmpU64(p.doc, id) }); ok {
			ps = slices.Delete(ps, j, j+1)
		}
		if len(ps) == 0 {
			delete(c.postings, t)
			c.terms = nil
		} else {
			c.postings[t] = ps
		}
	}
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// df is how many sealed documents hold term.
func (c *sealedCache) df(term string) int {
	if c == nil {
		return 0
	}
	return len(c.postings[term])
}

// withPrefix calls fn for every sealed term that begins with prefix and is longer.
func (c *sealedCache) withPrefix(prefix string, fn func(term string, df int)) {
	if c == nil || len(c.postings) == 0 {
		return
	}
	if c.terms == nil {
		c.terms = make([]string, 0, len(c.postings))
		for t := range c.postings {
			c.terms = append(c.terms, t)
		}
		slices.Sort(c.terms)
	}
	i, _ := slices.BinarySearch(c.terms, prefix)
	for ; i < len(c.terms) && len(c.terms[i]) >= len(prefix) && c.terms[i][:len(prefix)] == prefix; i++ {
		if len(c.terms[i]) > len(prefix) {
			fn(c.terms[i], len(c.postings[c.terms[i]]))
		}
	}
}
