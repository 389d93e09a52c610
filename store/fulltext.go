package store

// Reading the full-text index: Search.

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store/search"
	bolt "go.etcd.io/bbolt"
)

// SearchHit is one ranked search result.
type SearchHit struct {
	// Kind is what matched: "meeting", "item", "recommendation", "note", "document" or
	// "attachment".
	Kind string
	// MeetingID is set for every kind but documents; ItemID for items, recommendations,
	// attachments and notes on an item.
	MeetingID, ItemID string
	// Recommendation is the 0-based index for a recommendation (or a note on one), else nil.
	Recommendation *int
	NoteID         string // for notes
	DocumentID     string // for reading material
	// AttachmentID and AttachmentTitle name the attachment of an attachment hit; Page is
	// the 1-based page the words are on (0 when the importer gave the text unpaged).
	AttachmentID, AttachmentTitle string
	Page                          int
	// Title says what matched, ready to show: "3.5 Temadrøftelse om sundhedsområdet…" for
	// anything in an item, the document's title, "Body · Title · date" for a meeting.
	Title string
	// Snippet is a passage around the best match, one line of plain text.
	Snippet string
	// Matches are the byte offsets [start, end) of the matched words in Snippet.
	Matches [][2]int
	// Score ranks hits: higher is better. It is BM25 plus, for a hit of a higher ranking
	// class (see SearchWith), more than any lower class can score for the query.
	Score float64
}

var kindNames = [numKinds]string{
	kindMeeting: "meeting", kindItem: "item", kindRecommendation: "recommendation",
	kindNote: "note", kindDocument: "document", kindAttachment: "attachment",
}

func (k docKind) String() string {
	if k < numKinds && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("kind %d", k)
}

// kindBoost tilts the ranking between kinds with equal BM25 scores: the member's own
// notes a little up (those holding every word rank first anyway), the pages of
// attachments (long and many) a little down.
var kindBoost = [numKinds]float64{
	kindMeeting: 1, kindItem: 1, kindRecommendation: 0.9, kindNote: 1.1, kindDocument: 1,
	kindAttachment: 0.8,
}

// Weights of the terms a query word matches besides its own: another form of the word
// (search.Word.Variants) and, for the word being typed, a longer word it begins.
const (
	variantWeight = 0.9
	prefixWeight  = 0.6
)

// maxExpansions bounds the terms a prefix stands for; the most frequent are taken (a
// prefix more likely begins a common word, and each term costs a scan of its postings).
const maxExpansions = 12

// snippetLen is the most bytes of text a snippet shows.
const snippetLen = 160

// Search finds meetings, items, recommendations, notes, reading material and pages of
// attachments that hold every word of query, best first, at most limit of them (20 when
// limit is not positive). See SearchWith for the ranking.
func (s *Store) Search(query string, limit int) ([]SearchHit, error) {
	res, err := s.SearchWith(query, SearchOptions{Limit: limit})
	return res.Hits, err
}

// SearchOptions narrow a search to one meeting and choose the page of hits it returns.
type SearchOptions struct {
	// MeetingID, when set, searches only that meeting: its header, items,
	// recommendations, the pages of its attachments and the notes on it.
	MeetingID string
	// Offset is how many of the best hits to skip; Limit how many to return after them
	// (20 when not positive).
	Offset, Limit int
}

// SearchResult is one page of hits and how many hits the query has in all.
type SearchResult struct {
	Hits []SearchHit
	// Total counts every hit of the query, on this page and the others.
	Total int
}

// SearchWith finds the documents that hold every word of query and returns the page o
// asks for, with the number of hits in all. The last word of a query typed without a
// space after it also matches the words it begins, so search can run as the member
// types. A query without any word to look for (only stop words, say) finds nothing.
//
// Ranking: first the member's notes holding every word (their own words, few and the
// likeliest reason to search), then the documents whose title is the query (its words
// and no other, each as a whole word: "Budgetopfølgning 0 for 2023"), then those whose
// title holds every word; within each of these classes, and below them, by BM25, a
// title's words counting three times. When no document holds every word, the documents
// holding the most of them are returned, by BM25 alone.
func (s *Store) SearchWith(query string, o SearchOptions) (SearchResult, error) {
	limit := o.Limit
	if limit <= 0 {
		limit = 20
	}
	offset := max(o.Offset, 0)
	a := search.NewAnalyzer()
	q := a.ParseQuery(query)
	if q.Empty() {
		return SearchResult{}, nil
	}
	var res SearchResult
	err := s.view(func(tx *bolt.Tx) error {
		r, done, err := s.newIndexReader(tx)
		if err != nil {
			return err
		}
		defer done()
		var within []uint64
		if o.MeetingID != "" {
			if within, err = r.meetingDocs(o.MeetingID); err != nil {
				return err
			}
			if len(within) == 0 {
				return nil
			}
		}
		found, err := r.find(q, within)
		if err != nil {
			return err
		}
		res.Total = len(found)
		if offset >= len(found) {
			return nil
		}
		top := topHits(found, offset+min(limit, len(found)-offset))[offset:]
		res.Hits, err = r.hits(top, a.Matcher(q))
		return err
	})
	if err != nil {
		return SearchResult{}, fmt.Errorf("search: %w", err)
	}
	return res, nil
}

// indexReader reads the index in one read transaction.
type indexReader struct {
	tx                    *bolt.Tx
	docs, postings, terms *bolt.Bucket
	docCount              int
	avgdl                 [numKinds]float64
	// Records read for snippets, by id: several hits come from one item.
	items map[string]*agenda.Item
	// sealed are the documents of notes and closed items, which the bbolt index does
	// not hold: their postings are merged with its own.
	sealed *sealedCache
}

// newIndexReader reads the index in tx, with the store's sealed documents brought up to
// date. done must be called when the reader is no longer used: it holds the lock of the
// sealed documents.
func (s *Store) newIndexReader(tx *bolt.Tx) (*indexReader, func(), error) {
	st, err := decodeStats(tx.Bucket(bucketMeta).Get(keySearchStats))
	if err != nil {
		return nil, nil, fmt.Errorf("search statistics: %w", err)
	}
	s.sealed.mu.Lock()
	if err := s.sealed.refresh(tx); err != nil {
		s.sealed.mu.Unlock()
		return nil, nil, err
	}
	r := &indexReader{
		tx: tx, docs: tx.Bucket(bucketSearchDocs), postings: tx.Bucket(bucketPostings),
		terms: tx.Bucket(bucketTerms), items: map[string]*agenda.Item{}, sealed: &s.sealed,
	}
	for k, ks := range st.Kinds {
		r.docCount += int(ks.Docs)
		if ks.Docs > 0 {
			r.avgdl[k] = float64(ks.Length) / float64(ks.Docs)
		}
	}
	return r, s.sealed.mu.Unlock, nil
}

// docHead returns the document id without its terms, from the index or the sealed
// documents; nil when it is in neither.
func (r *indexReader) docHead(id uint64) (*docRecord, error) {
	if v := r.docs.Get(u64(id)); v != nil {
		d, err := decodeDocHead(v)
		if err != nil {
			return nil, fmt.Errorf("search document %d: %w", id, err)
		}
		return d, nil
	}
	return r.sealed.docs[id], nil
}

// alt is one term a query word matches.
type alt struct {
	term   string
	df     int
	weight float64
	// prefix: a longer word the word being typed begins, not a form of the word itself.
	prefix bool
}

// alts are the terms a query word matches that are in the index.
func (r *indexReader) alts(w search.Word) []alt {
	var out []alt
	add := func(term string, weight float64, prefix bool) {
		if slices.ContainsFunc(out, func(a alt) bool { return a.term == term }) {
			return
		}
		if df := readDF(r.terms.Get([]byte(term))) + r.sealed.df(term); df > 0 {
			out = append(out, alt{term, df, weight, prefix})
		}
	}
	add(w.Stem, 1, false)
	for _, v := range w.Variants {
		add(v, variantWeight, false)
	}
	if !w.Prefix {
		return out
	}
	// The words the prefix begins: keep the most frequent (the likeliest ends of what is
	// being typed), without copying every key of the dictionary's range (a two-letter
	// prefix spans thousands), and no more than maxPrefixPostings of them in all.
	var exp []alt
	consider := func(term string, df int) {
		if len(exp) == maxExpansions && df <= exp[len(exp)-1].df {
			return
		}
		a := alt{term, df, prefixWeight, true}
		i, _ := slices.BinarySearchFunc(exp, a, func(x, y alt) int { return cmp.Compare(y.df, x.df) })
		exp = slices.Insert(exp, i, a)
		if len(exp) > maxExpansions {
			exp = exp[:maxExpansions]
		}
	}
	// The dictionary's words and the sealed documents' merged in key order (among equal
	// frequencies the first one stays), a word in both counted once with both counts.
	var sealed []alt
	r.sealed.withPrefix(w.Stem, func(term string, df int) { sealed = append(sealed, alt{term: term, df: df}) })
	prefix := []byte(w.Stem)
	c := r.terms.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(k) == len(prefix) {
			continue
		}
		for len(sealed) > 0 && sealed[0].term < string(k) {
			consider(sealed[0].term, sealed[0].df)
			sealed = sealed[1:]
		}
		df := readDF(v)
		if len(sealed) > 0 && sealed[0].term == string(k) {
			df += sealed[0].df
			sealed = sealed[1:]
		}
		consider(string(k), df)
	}
	for _, a := range sealed {
		consider(a.term, a.df)
	}
	budget := maxPrefixPostings
	for i, e := range exp {
		if i > 0 && e.df > budget {
			break
		}
		budget -= e.df
		add(e.term, e.weight, true)
	}
	return out
}

// maxPrefixPostings bounds the postings a prefix's expansions are read for: a two-letter
// prefix begins a dozen of the commonest words, and reading them all would cost more
// than the budget of a key press. The most frequent expansion is always read.
const maxPrefixPostings = 25_000

func readDF(v []byte) int {
	n, _ := binary.Uvarint(v)
	return int(n)
}

// scored is a document and its score so far.
type scored struct {
	doc   uint64
	score float64
	words int32 // how many query words it holds
	// inTitle counts the query words its title holds, whole those of them it holds as
	// words of their own (not only as the beginning of a longer one).
	inTitle, whole int32
	title          uint16 // how many words its title has; 0: it has none, or none matched
	kind           docKind
	// 32 bytes: a common word's candidates are tens of thousands of these.
}

// hit is the scored entry of a posting of alt a.
func (a *alt) hit(x posting, score float64) scored {
	s := scored{doc: x.doc, score: score, words: 1, kind: x.kind}
	if x.title > 0 {
		s.inTitle, s.title = 1, x.title
		if !a.prefix {
			s.whole = 1
		}
	}
	return s
}

// either is one document's entries for two terms of one query word: the better score,
// and the word in the title when either term is.
func either(a, b scored) scored {
	a.score, a.words = max(a.score, b.score), max(a.words, b.words)
	a.inTitle, a.whole, a.title = max(a.inTitle, b.inTitle), max(a.whole, b.whole), max(a.title, b.title)
	a.kind = max(a.kind, b.kind)
	return a
}

// both is one document's entries for different query words: their sums.
func both(a, b scored) scored {
	a.score += b.score
	a.words += b.words
	a.inTitle += b.inTitle
	a.whole += b.whole
	a.title, a.kind = max(a.title, b.title), max(a.kind, b.kind)
	return a
}

// queryWord is a query word's terms in the index and what reading them costs.
type queryWord struct {
	alts []alt
	cost int // postings to read
}

func (r *indexReader) words(q search.Query) []queryWord {
	ws := make([]queryWord, 0, len(q.Words))
	for _, w := range q.Words {
		as := r.alts(w)
		cost := 0
		for _, a := range as {
			cost += a.df
		}
		ws = append(ws, queryWord{as, cost})
	}
	return ws
}

// find scores and ranks the documents that hold every word of q (see SearchWith), in
// doc order; within, when not nil, is the only documents to look at (in doc order).
// When a word is in no document at all (a typo, a word the agendas do not use), the
// documents holding all the others are found instead. When every word is somewhere but
// never all in one document, those holding the most of them are found, if reading every
// word's postings is cheap enough; their scores are scaled by the share of the words
// they hold.
func (r *indexReader) find(q search.Query, within []uint64) ([]scored, error) {
	ws := r.words(q)
	present := slices.DeleteFunc(slices.Clone(ws), func(w queryWord) bool { return len(w.alts) == 0 })
	if len(present) == 0 {
		return nil, nil
	}
	cands, err := r.every(present, within)
	if err != nil {
		return nil, err
	}
	if len(present) == len(ws) {
		r.rank(cands, ws)
		return cands, nil
	}
	if len(cands) > 0 || len(present) < 2 {
		scale(cands, len(present), len(ws))
		return cands, nil
	}
	cost := 0
	for _, w := range present {
		cost += w.cost
	}
	if cost > maxFallbackPostings {
		return nil, nil
	}
	var all []scored
	for _, w := range present {
		list, err := r.scan(w.alts)
		if err != nil {
			return nil, err
		}
		all = union(all, list)
	}
	if within != nil {
		all = keep(all, within)
	}
	for i := range all {
		all[i].score *= float64(all[i].words) / float64(len(ws))
	}
	return all, nil
}

// maxFallbackPostings bounds the postings read to rank documents that hold only some of
// a query's words: a few common words never all together are not worth 20 ms.
const maxFallbackPostings = 50_000

// scale lowers the scores of documents that hold found of want query words.
func scale(cands []scored, found, want int) {
	if found == want {
		return
	}
	for i := range cands {
		cands[i].score *= float64(found) / float64(want)
	}
}

// Ranking classes (see SearchWith): a document of a higher class ranks above every one
// of a lower class, whatever their BM25.
const (
	classText       = iota // ranked by BM25 alone
	classTitleWords        // its title holds every word of the query
	classTitle             // its title is the query
	classNote              // a note holding every word: the member's own words
)

// class is the ranking class of a document holding every one of n query words.
func (c *scored) class(n int32) int {
	switch {
	case c.kind == kindNote:
		return classNote
	case c.whole == n && int32(c.title) == n:
		return classTitle
	case c.inTitle == n:
		return classTitleWords
	}
	return classText
}

// rank lifts the documents (each holding every word of ws) by their class: a class is
// worth more than the most BM25 any document can score for the query, so the score
// alone orders the hits and says how good each one is.
func (r *indexReader) rank(cands []scored, ws []queryWord) {
	// The most a document can score: every word at its best term's IDF, with a term
	// frequency so high BM25's saturates (K1+1), in the kind counted most.
	var bound float64
	for _, w := range ws {
		best := 0.0
		for _, a := range w.alts {
			best = max(best, a.weight*search.IDF(r.docCount, a.df))
		}
		bound += best
	}
	bound *= (search.K1 + 1) * slices.Max(kindBoost[1:])
	for i := range cands {
		cands[i].score += float64(cands[i].class(int32(len(ws)))) * bound
	}
}

// every scores the documents that hold every word, in doc order; within, when not nil,
// is the only documents to look at.
func (r *indexReader) every(ws []queryWord, within []uint64) ([]scored, error) {
	// Rarest word first: the candidates only shrink from there.
	order := slices.Clone(ws)
	slices.SortStableFunc(order, func(a, b queryWord) int { return cmp.Compare(a.cost, b.cost) })
	var cands []scored
	started := within != nil
	if started {
		cands = make([]scored, len(within))
		for i, d := range within {
			cands[i].doc = d
		}
	}
	for _, w := range order {
		if len(w.alts) == 0 {
			return nil, nil
		}
		var err error
		switch {
		case !started:
			cands, err = r.scan(w.alts)
			started = true
		case len(cands)*seekRatio < w.cost:
			cands, err = r.probe(cands, w.alts)
		default:
			var list []scored
			list, err = r.scan(w.alts)
			cands = intersect(cands, list)
		}
		if err != nil || len(cands) == 0 {
			return nil, err
		}
	}
	return cands, nil
}

// seekRatio: when a word's postings outnumber the candidates this many times, the
// candidates are looked up in them one by one rather than read through.
const seekRatio = 16

// scorer scores the postings of one term.
type scorer struct {
	weight float64 // the term's weight in its query word times its IDF
	avgdl  *[numKinds]float64
}

func (r *indexReader) scorer(a alt) scorer {
	return scorer{a.weight * search.IDF(r.docCount, a.df), &r.avgdl}
}

// score is BM25 of one posting.
func (s scorer) score(p posting) float64 {
	return s.weight * search.TF(float64(p.tf), float64(p.length), s.avgdl[p.kind]) * kindBoost[p.kind]
}

// scan reads the postings of a word's terms: the documents holding any of them, in doc
// order, each scored by the best of its terms.
func (r *indexReader) scan(alts []alt) ([]scored, error) {
	var out []scored
	c := r.postings.Cursor()
	for i := range alts {
		a := &alts[i]
		sc := r.scorer(*a)
		p := termPrefix(a.term)
		list := make([]scored, 0, a.df)
		for k, v := c.Seek(p); k != nil; k, v = c.Next() {
			first, ok := blockStart(k, p)
			if !ok {
				break
			}
			err := decodeBlock(first, v, func(x posting) bool {
				list = append(list, a.hit(x, sc.score(x)))
				return true
			})
			if err != nil {
				return nil, fmt.Errorf("postings of %q: %w", a.term, err)
			}
		}
		if ps := r.sealed.postings[a.term]; len(ps) > 0 {
			// Sealed documents have ids of their own (one sequence for both): a merge.
			sl := make([]scored, len(ps))
			for j, x := range ps {
				sl[j] = a.hit(x, sc.score(x))
			}
			list = mergeBest(list, sl)
		}
		if i == 0 {
			out = list
		} else {
			out = mergeBest(out, list)
		}
	}
	return out, nil
}

// probe keeps the candidates (in doc order) that hold one of a word's terms, adding its
// best score. Each term's blocks are visited in order, each decoded once.
func (r *indexReader) probe(cands []scored, alts []alt) ([]scored, error) {
	best := make([]scored, len(cands))
	for i := range best {
		best[i].score = -1
	}
	for i := range alts {
		a := &alts[i]
		sc := r.scorer(*a)
		p := termPrefix(a.term)
		c := r.postings.Cursor()
		var end uint64 // the candidates before this doc id are done for this term
		for i := 0; i < len(cands); {
			if end != 0 && cands[i].doc < end {
				i++
				continue
			}
			_, v, first, ok := findBlock(c, p, a.term, cands[i].doc)
			if !ok {
				i++
				continue
			}
			end = 1<<64 - 1
			if nk, _ := c.Next(); nk != nil {
				if n, ok := blockStart(nk, p); ok {
					end = n
				}
			}
			j := i
			err := decodeBlock(first, v, func(x posting) bool {
				for j < len(cands) && cands[j].doc < x.doc {
					j++
				}
				if j == len(cands) || cands[j].doc >= end {
					return false
				}
				if cands[j].doc == x.doc {
					best[j] = either(best[j], a.hit(x, sc.score(x)))
				}
				return true
			})
			if err != nil {
				return nil, fmt.Errorf("postings of %q: %w", a.term, err)
			}
			for i < len(cands) && cands[i].doc < end {
				i++
			}
		}
		j := 0
		for _, x := range r.sealed.postings[a.term] {
			for j < len(cands) && cands[j].doc < x.doc {
				j++
			}
			if j == len(cands) {
				break
			}
			if cands[j].doc == x.doc {
				best[j] = either(best[j], a.hit(x, sc.score(x)))
			}
		}
	}
	out := cands[:0]
	for i, c := range cands {
		if best[i].score >= 0 {
			out = append(out, both(c, best[i]))
		}
	}
	return out, nil
}

// mergeBest merges two doc-ordered lists of one word, keeping a document's better score.
func mergeBest(a, b []scored) []scored {
	out := make([]scored, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i].doc < b[j].doc:
			out = append(out, a[i])
			i++
		case a[i].doc > b[j].doc:
			out = append(out, b[j])
			j++
		default:
			out = append(out, either(a[i], b[j]))
			i++
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// intersect keeps the documents in both doc-ordered lists, summing their scores.
func intersect(a, b []scored) []scored {
	out := a[:0]
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i].doc < b[j].doc:
			i++
		case a[i].doc > b[j].doc:
			j++
		default:
			out = append(out, both(a[i], b[j]))
			i++
			j++
		}
	}
	return out
}

// union merges doc-ordered lists of different words, summing scores and words.
func union(a, b []scored) []scored {
	out := make([]scored, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i].doc < b[j].doc:
			out = append(out, a[i])
			i++
		case a[i].doc > b[j].doc:
			out = append(out, b[j])
			j++
		default:
			out = append(out, both(a[i], b[j]))
			i++
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// keep keeps the documents of list (in doc order) that are in docs (in doc order).
func keep(list []scored, docs []uint64) []scored {
	out := list[:0]
	j := 0
	for _, s := range list {
		for j < len(docs) && docs[j] < s.doc {
			j++
		}
		if j < len(docs) && docs[j] == s.doc {
			out = append(out, s)
		}
	}
	return out
}

// meetingDocs are the documents of a meeting, in doc order: its header's, its items'
// (with their recommendations) and their attachments' pages, found by their owner keys
// from the item ids the meeting record lists, and the notes on it, from the sealed
// documents. ErrNotFound when the store has no such meeting.
func (r *indexReader) meetingDocs(id string) ([]uint64, error) {
	v := r.tx.Bucket(bucketMeetings).Get([]byte(id))
	if v == nil {
		return nil, notFound("meeting", id)
	}
	mr, err := decodeMeeting(v)
	if err != nil {
		return nil, fmt.Errorf("stored meeting %s: %w", id, err)
	}
	var docs []uint64
	c := r.tx.Bucket(bucketOwners).Cursor()
	owned := func(prefix []byte) {
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			docs = append(docs, readU64(k[len(k)-8:]))
		}
	}
	owned(append(ownerMeeting(id), 0))
	for _, it := range mr.ItemIDs {
		owned(append(ownerItem(it), 0))
		owned(ownerAttachments(it))
	}
	for doc, d := range r.sealed.docs {
		if d.Kind == kindNote && d.MeetingID == id {
			docs = append(docs, doc)
		}
	}
	slices.Sort(docs)
	return slices.Compact(docs), nil
}

// topHits returns the best limit documents, best first; among equals the later indexed
// (the newer) first.
func topHits(found []scored, limit int) []scored {
	better := func(a, b scored) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(b.doc, a.doc)
	}
	if len(found) > 4*limit {
		// Keep a sorted window of the best limit: one pass, no sort of every candidate.
		top := make([]scored, 0, limit+1)
		for _, f := range found {
			if len(top) == limit && better(f, top[limit-1]) >= 0 {
				continue
			}
			i, _ := slices.BinarySearchFunc(top, f, better)
			top = slices.Insert(top, i, f)
			if len(top) > limit {
				top = top[:limit]
			}
		}
		return top
	}
	slices.SortFunc(found, better)
	return found[:min(limit, len(found))]
}

// hits turns documents into hits with their titles and snippets. A document whose
// record is gone (which would be a bug) is left out rather than failing the search.
func (r *indexReader) hits(top []scored, m *search.Matcher) ([]SearchHit, error) {
	hits := make([]SearchHit, 0, len(top))
	for _, t := range top {
		d, err := r.docHead(t.doc)
		if err != nil {
			return nil, err
		}
		if d == nil {
			continue
		}
		h, ok, err := r.hit(d, m)
		if err != nil {
			return nil, err
		}
		if ok {
			h.Score = t.score
			hits = append(hits, h)
		}
	}
	return hits, nil
}

func (r *indexReader) item(id string) (*agenda.Item, error) {
	if it, ok := r.items[id]; ok {
		return it, nil
	}
	v, err := getOpen(r.tx, bucketItems, []byte(id))
	if err != nil {
		return nil, fmt.Errorf("stored item %s: %w", id, err)
	}
	if v == nil {
		r.items[id] = nil
		return nil, nil
	}
	ir, err := decodeItem(v)
	if err != nil {
		return nil, fmt.Errorf("stored item %s: %w", id, err)
	}
	r.items[id] = &ir.Item
	return &ir.Item, nil
}

// hit fills in what a document points at; ok is false when that is gone.
func (r *indexReader) hit(d *docRecord, m *search.Matcher) (h SearchHit, ok bool, err error) {
	h = SearchHit{Kind: d.Kind.String(), MeetingID: d.MeetingID, ItemID: d.ItemID, NoteID: d.NoteID,
		DocumentID: d.DocumentID, AttachmentID: d.AttachmentID, AttachmentTitle: d.AttachmentTitle, Page: d.Page}
	var segs iter.Seq[segment]
	skipTitle := true
	switch d.Kind {
	case kindMeeting:
		v := r.tx.Bucket(bucketMeetings).Get([]byte(d.MeetingID))
		if v == nil {
			return h, false, nil
		}
		mr, err := decodeMeeting(v)
		if err != nil {
			return h, false, fmt.Errorf("stored meeting %s: %w", d.MeetingID, err)
		}
		mt := &mr.Meeting
		h.Title = meetingTitle(mt)
		segs, skipTitle = meetingSegments(mt), false
	case kindItem, kindRecommendation, kindAttachment:
		it, err := r.item(d.ItemID)
		if err != nil || it == nil {
			return h, false, err
		}
		h.Title = itemTitle(it)
		switch d.Kind {
		case kindItem:
			segs = itemSegments(it)
		case kindRecommendation:
			i := *d.Recommendation
			if i < 0 || i >= len(it.Recommendations) {
				return h, false, nil
			}
			h.Recommendation = &i
			segs, skipTitle = plainSegment(it.Recommendations[i].Text), false
		default:
			if segs, err = r.attachmentSegments(it, d); err != nil {
				return h, false, err
			}
			skipTitle = false
		}
	case kindNote:
		_, n, err := noteByID(r.tx, d.NoteID)
		if err != nil || n.Deleted {
			return h, false, nil
		}
		h.MeetingID, h.ItemID, h.Recommendation = n.Anchor.MeetingID, n.Anchor.ItemID, n.Anchor.Recommendation
		h.Title = strings.TrimSpace(n.Anchor.ItemNumber + " " + n.Anchor.ItemTitle)
		segs, skipTitle = plainSegment(n.Text), false
	case kindDocument:
		v := r.tx.Bucket(bucketDocuments).Get([]byte(d.DocumentID))
		if v == nil {
			return h, false, nil
		}
		doc, err := decodeDocument(v)
		if err != nil {
			return h, false, fmt.Errorf("stored document %s: %w", d.DocumentID, err)
		}
		h.Title = doc.Title
		segs = documentSegments(doc)
	}
	h.Snippet, h.Matches = bestSnippet(segs, skipTitle, m)
	return h, true, nil
}

// bestSnippet cuts the snippet from the first segment that shows every query word, else
// the one showing the most of them, then the most matches; without any, the start of
// the first segment with text. skipTitle leaves out the first segment: a title shown
// already.
func bestSnippet(segs iter.Seq[segment], skipTitle bool, m *search.Matcher) (string, [][2]int) {
	if segs == nil {
		return "", nil
	}
	snippet, matches, words := "", [][2]int(nil), 0
	var first *segment // the first with text: the snippet when none matches
	for s := range segs {
		if skipTitle {
			skipTitle = false
			continue
		}
		if s.body == "" {
			continue
		}
		if first == nil {
			first = &s
		}
		// Most sections of a long item hold none of the words: skip them without
		// making them plain and reading them word by word.
		if !m.MayMatch(s.body) && !m.MayMatch(s.heading) {
			continue
		}
		sn, ms, n := m.Snippet(s.text(), snippetLen)
		if n > words || n == words && len(ms) > len(matches) {
			snippet, matches, words = sn, ms, n
		}
		if n == m.Words() {
			break
		}
	}
	if words == 0 && first != nil {
		// The start of the text; only its beginning needs to be made plain.
		f := *first
		f.body = f.body[:min(len(f.body), 4*snippetLen)]
		snippet, matches, _ = m.Snippet(f.text(), snippetLen)
	}
	return snippet, matches
}

// meetingTitle: "KKR Hovedstaden · Dagsorden 2023 · 21.04.2023".
func meetingTitle(m *agenda.Meeting) string {
	var parts []string
	for _, p := range []string{m.Body.Name, m.Title} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	if !m.Start.IsZero() {
		parts = append(parts, m.Start.In(agenda.Copenhagen).Format("02.01.2006"))
	}
	return strings.Join(parts, " · ")
}
