package store

// Postings: for each term, the documents that hold it, in blocks.
//
// A key per term and document would cost bbolt about 70 bytes a posting (the key, its
// 16-byte element header, half-full pages): 270 MB of index for 20,000 items. So a
// term's postings are kept in blocks of at most maxBlock bytes, keyed by the term and the
// block's first document id (8-byte big-endian, so a term's blocks are in doc order and
// a document's block is found with one Seek), about 5 bytes a posting. New documents
// always have the highest id, so adding appends to a term's last block; taking a
// document out rewrites the one block that holds it.
//
// Block: for each posting, uvarint(doc id − previous doc id; the first from the block's
// key), kind (1 byte; titleBit set when the term is in the document's title),
// uvarint(term frequency), uvarint(document length), and with titleBit uvarint(the
// number of words of the title). Blocks written before titles were marked (schema
// version 4 and earlier) have no titleBit: migration 5 rewrites them.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"

	bolt "go.etcd.io/bbolt"
)

// maxBlock bounds a block: small enough that taking a document out rewrites little,
// large enough that a common term is a few dozen keys.
const maxBlock = 512

// posting is one term in one document: enough to score and rank it without reading the
// document.
type posting struct {
	doc        uint64
	tf, length uint32
	// title is how many words the document's title has when the term is one of them,
	// else 0: a query whose words are all in a title, or are the title, ranks first.
	title uint16
	kind  docKind
	// 24 bytes: the sealed documents' postings are held in memory (sealedCache).
}

// newPosting is the posting of a document's term, its counts capped to the posting's
// fields (no real document comes near them).
func newPosting(doc uint64, kind docKind, tf, length, title uint64) posting {
	return posting{doc: doc, kind: kind, tf: uint32(min(tf, math.MaxUint32)),
		length: uint32(min(length, math.MaxUint32)), title: uint16(min(title, math.MaxUint16))}
}

// titleBit marks the kind byte of a posting whose term is in the document's title.
const titleBit = 0x80

// blockKey is the key of the block of term that begins at doc.
func blockKey(term string, doc uint64) []byte {
	k := make([]byte, 0, len(term)+9)
	k = append(append(k, term...), 0)
	return append(k, u64(doc)...)
}

// termPrefix is what every block key of term begins with.
func termPrefix(term string) []byte { return append([]byte(term), 0) }

// blockStart is the first document id of a block key of a term whose prefix is p, or
// false when k is not one.
func blockStart(k, p []byte) (uint64, bool) {
	if len(k) != len(p)+8 || !bytes.HasPrefix(k, p) {
		return 0, false
	}
	return binary.BigEndian.Uint64(k[len(p):]), true
}

func appendEntry(b []byte, prev uint64, p posting) []byte {
	b = binary.AppendUvarint(b, p.doc-prev)
	kind := byte(p.kind)
	if p.title > 0 {
		kind |= titleBit
	}
	b = append(b, kind)
	b = binary.AppendUvarint(b, uint64(p.tf))
	b = binary.AppendUvarint(b, uint64(p.length))
	if p.title > 0 {
		b = binary.AppendUvarint(b, uint64(p.title))
	}
	return b
}

// decodeBlock calls fn for each posting of a block that begins at first, in doc order,
// until fn returns false. A block that is not one we wrote is errDamaged.
func decodeBlock(first uint64, b []byte, fn func(p posting) bool) error {
	doc := first
	for len(b) > 0 {
		d, n := binary.Uvarint(b)
		if n <= 0 || len(b) < n+1 {
			return fmt.Errorf("%w: bad postings block", errDamaged)
		}
		kind, inTitle := docKind(b[n]&^titleBit), b[n]&titleBit != 0
		b = b[n+1:]
		tf, n1 := binary.Uvarint(b)
		if n1 <= 0 {
			return fmt.Errorf("%w: bad postings block", errDamaged)
		}
		length, n2 := binary.Uvarint(b[n1:])
		if n2 <= 0 || kind == 0 || kind >= numKinds || tf > math.MaxUint32 || length > math.MaxUint32 {
			return fmt.Errorf("%w: bad postings block", errDamaged)
		}
		b = b[n1+n2:]
		var title uint64
		if inTitle {
			var n3 int
			if title, n3 = binary.Uvarint(b); n3 <= 0 || title == 0 || title > math.MaxUint16 {
				return fmt.Errorf("%w: bad postings block", errDamaged)
			}
			b = b[n3:]
		}
		doc += d
		if !fn(posting{doc: doc, kind: kind, tf: uint32(tf), length: uint32(length), title: uint16(title)}) {
			return nil
		}
	}
	return nil
}

// findBlock positions c on the block of term (prefix p) that would hold doc; false when
// the term has no block at or before doc.
func findBlock(c *bolt.Cursor, p []byte, term string, doc uint64) (k, v []byte, first uint64, ok bool) {
	k, v = c.Seek(blockKey(term, doc))
	if first, ok = blockStart(k, p); ok && first == doc {
		return k, v, first, true
	}
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	first, ok = blockStart(k, p)
	return k, v, first, ok
}

// appendPostings adds postings to the end of a term's list. Their doc ids are higher
// than any the term holds (ids come from a sequence) and in order.
func appendPostings(b *bolt.Bucket, term string, ps []posting) error {
	p := termPrefix(term)
	c := b.Cursor()
	// The last block of the term sorts just before term 0x01.
	var k, v []byte
	if k, _ = c.Seek(append([]byte(term), 1)); k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	var block []byte
	var first, prev uint64
	if f, ok := blockStart(k, p); ok {
		first = f
		block = bytes.Clone(v)
		if err := decodeBlock(first, block, func(x posting) bool { prev = x.doc; return true }); err != nil {
			return fmt.Errorf("postings of %q: %w", term, err)
		}
	}
	for _, x := range ps {
		if len(block) >= maxBlock {
			if err := b.Put(blockKey(term, first), block); err != nil {
				return err
			}
			block = nil
		}
		if block == nil {
			first, prev, block = x.doc, x.doc, make([]byte, 0, maxBlock+16)
		}
		block = appendEntry(block, prev, x)
		prev = x.doc
	}
	return b.Put(blockKey(term, first), block)
}

// deletePostings takes documents (in doc order) out of a term's list.
func deletePostings(b *bolt.Bucket, term string, docs []uint64) error {
	p := termPrefix(term)
	c := b.Cursor()
	for i := 0; i < len(docs); {
		k, v, first, ok := findBlock(c, p, term, docs[i])
		if !ok {
			i++ // not in the index: nothing to take out
			continue
		}
		key := bytes.Clone(k)
		// The block ends where the next one begins: take out every doc before that.
		end := uint64(1<<64 - 1)
		if nk, _ := c.Next(); nk != nil {
			if n, ok := blockStart(nk, p); ok {
				end = n
			}
		}
		gone := map[uint64]bool{}
		for i < len(docs) && docs[i] < end {
			gone[docs[i]] = true
			i++
		}
		var out []byte
		prev := first
		err := decodeBlock(first, v, func(x posting) bool {
			if !gone[x.doc] {
				out = appendEntry(out, prev, x)
				prev = x.doc
			}
			return true
		})
		if err != nil {
			return fmt.Errorf("postings of %q: %w", term, err)
		}
		// The key keeps its doc id even when that document went: every doc of the
		// block is still at or after it, which is all findBlock needs.
		if len(out) == 0 {
			err = b.Delete(key)
		} else {
			err = b.Put(key, out)
		}
		if err != nil {
			return err
		}
		c = b.Cursor() // the writes may have moved the pages under the cursor
	}
	return nil
}
