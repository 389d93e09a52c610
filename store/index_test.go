package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	bolt "go.etcd.io/bbolt"
)

// indexContent checks the index's own invariants and returns what it holds, named by
// what the documents point at (doc ids differ between two builds of the same index):
// every document with its length and term frequencies, every term's postings, the
// document frequencies and the statistics, one line each, sorted.
func indexContent(t *testing.T, tx *bolt.Tx) string {
	t.Helper()
	names := map[uint64]string{}
	records := map[uint64]*docRecord{}
	var lines []string
	var stats indexStats
	sealedDocs := map[uint64]bool{}
	each := func(bucket []byte, fn func(k, v []byte) error) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if bytes.Equal(bucket, bucketSealedDocs) {
				if !isSealed(v) {
					t.Errorf("sealed document %d is not sealed", readU64(k))
				}
				sealedDocs[readU64(k)] = true
			}
			pv, err := openValue(tx, bucket, k, v)
			if err != nil {
				return err
			}
			return fn(k, pv)
		})
	}
	doc := func(k, v []byte) error {
		d, err := decodeDoc(v)
		if err != nil {
			return err
		}
		rec := "-"
		if d.Recommendation != nil {
			rec = fmt.Sprint(*d.Recommendation)
		}
		name := fmt.Sprintf("%s|%s|%s|%s|%s|%s|%s|%s|%d", d.Kind, d.MeetingID, d.ItemID, rec, d.NoteID,
			d.DocumentID, d.AttachmentID, d.AttachmentTitle, d.Page)
		id := readU64(k)
		names[id], records[id] = name, d
		if k, _ := tx.Bucket(bucketOwners).Cursor().Seek(ownerKey(d.owner(), id)); !bytes.Equal(k, ownerKey(d.owner(), id)) {
			t.Errorf("document %s has no owner key", name)
		}
		var tfs []string
		for i, term := range d.Terms {
			tf := fmt.Sprintf("%s=%d", term, d.TermFrequencies[i])
			if d.titleOf(i) > 0 {
				tf += "(title)"
			}
			tfs = append(tfs, tf)
		}
		if len(d.TitleTerms) > 0 != (d.TitleWords > 0) {
			t.Errorf("document %s: %d words of the title, %d terms", name, d.TitleWords, len(d.TitleTerms))
		}
		if !slices.IsSorted(d.Terms) {
			t.Errorf("terms of %s are not sorted", name)
		}
		prefix := "doc"
		if sealedDocs[id] {
			prefix = "sealed doc"
		}
		lines = append(lines, fmt.Sprintf("%s %s len=%d title=%d %s", prefix, name, d.Length, d.TitleWords, strings.Join(tfs, " ")))
		stats.Kinds[d.Kind].Docs++
		stats.Kinds[d.Kind].Length += d.Length
		return nil
	}
	if err := each(bucketSearchDocs, doc); err != nil {
		t.Fatal(err)
	}
	if err := each(bucketSealedDocs, doc); err != nil {
		t.Fatal(err)
	}
	// Notes and everything of a closed item are sealed, nothing else.
	for id, d := range records {
		want := d.Kind == kindNote
		if d.Kind == kindItem || d.Kind == kindRecommendation || d.Kind == kindAttachment {
			v, err := getOpen(tx, bucketItems, []byte(d.ItemID))
			if err != nil || v == nil {
				t.Fatalf("item of %s: %v", names[id], err)
			}
			r, err := decodeItem(v)
			if err != nil {
				t.Fatal(err)
			}
			want = r.Item.Closed
		}
		if want != sealedDocs[id] {
			t.Errorf("document %s: sealed %v, want %v", names[id], sealedDocs[id], want)
		}
	}
	// Postings: every one names a document that lists the term with the same frequency,
	// in doc order; every document's terms are all there.
	counted := map[string]int{}
	seen := map[string]bool{}
	var lastTerm string
	var lastDoc uint64
	err := tx.Bucket(bucketPostings).ForEach(func(k, v []byte) error {
		i := bytes.IndexByte(k, 0)
		if i < 0 || len(k) != i+9 {
			return fmt.Errorf("bad postings key %q", k)
		}
		term, first := string(k[:i]), binary.BigEndian.Uint64(k[i+1:])
		if len(v) == 0 {
			t.Errorf("empty block %q", k)
		}
		if term != lastTerm {
			lastTerm, lastDoc = term, 0
		}
		return decodeBlock(first, v, func(p posting) bool {
			if p.doc < first || p.doc <= lastDoc && lastDoc != 0 {
				t.Errorf("posting %d of %q out of order", p.doc, term)
			}
			lastDoc = p.doc
			d := records[p.doc]
			if d == nil || sealedDocs[p.doc] {
				t.Errorf("posting of %q names document %d, which is gone or sealed", term, p.doc)
				return true
			}
			j := slices.Index(d.Terms, term)
			if j < 0 || d.TermFrequencies[j] != uint64(p.tf) || d.Length != uint64(p.length) || d.Kind != p.kind || d.titleOf(j) != uint64(p.title) {
				t.Errorf("posting of %q in %s: %+v, the document says %v", term, names[p.doc], p, d)
			}
			counted[term]++
			seen[fmt.Sprint(term, p.doc)] = true
			lines = append(lines, fmt.Sprintf("posting %s %s", term, names[p.doc]))
			return true
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for id, d := range records {
		if sealedDocs[id] {
			continue
		}
		for _, term := range d.Terms {
			if !seen[fmt.Sprint(term, id)] {
				t.Errorf("document %s lists %q, which has no posting for it", names[id], term)
			}
		}
	}
	err = tx.Bucket(bucketTerms).ForEach(func(k, v []byte) error {
		df, _ := binary.Uvarint(v)
		if int(df) != counted[string(k)] || df == 0 {
			t.Errorf("term %q: df %d, %d postings", k, df, counted[string(k)])
		}
		delete(counted, string(k))
		lines = append(lines, fmt.Sprintf("term %s %d", k, df))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for term := range counted {
		t.Errorf("term %q has postings and no df", term)
	}
	_ = tx.Bucket(bucketOwners).ForEach(func(k, _ []byte) error {
		if records[readU64(k[len(k)-8:])] == nil {
			t.Errorf("owner key %q names a document that is gone", k)
		}
		return nil
	})
	got, err := decodeStats(tx.Bucket(bucketMeta).Get(keySearchStats))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, stats) {
		t.Errorf("statistics %+v, the documents add up to %+v", *got, stats)
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// checkIndex asserts that the index written step by step holds exactly what building it
// anew from the store gives, and keeps its own invariants.
func checkIndex(t *testing.T, s *Store) {
	t.Helper()
	var incremental, rebuilt string
	errRollback := fmt.Errorf("roll back")
	err := s.update(func(tx *bolt.Tx) error {
		incremental = indexContent(t, tx)
		if err := rebuildIndex(tx); err != nil {
			return err
		}
		rebuilt = indexContent(t, tx)
		return errRollback
	})
	if err != errRollback {
		t.Fatal(err)
	}
	if incremental != rebuilt {
		a, b := strings.Split(incremental, "\n"), strings.Split(rebuilt, "\n")
		for _, l := range a {
			if !slices.Contains(b, l) {
				t.Errorf("only in the index as written: %s", l)
			}
		}
		for _, l := range b {
			if !slices.Contains(a, l) {
				t.Errorf("only in the index as rebuilt: %s", l)
			}
		}
	}
}

func testMeeting(day int, items ...agenda.Item) agenda.Meeting {
	m := agenda.Meeting{
		Body: agenda.Body{Name: "Plan- og Boligudvalget"}, Kind: agenda.KindAgenda, Title: "Dagsorden",
		Start:    time.Date(2024, 3, day, 17, 0, 0, 0, agenda.Copenhagen),
		Location: "Rådhuset, mødelokale 1", Source: agenda.Source{Format: "test"},
		Items: items,
	}
	agenda.AssignIDs(&m)
	return m
}

func testItem(number, title, text string, recs ...string) agenda.Item {
	it := agenda.Item{Number: number, Title: title, CaseNumber: "24/" + number,
		Sections: []agenda.Section{{Heading: "Sagsfremstilling", Text: text}}}
	for i, r := range recs {
		it.Recommendations = append(it.Recommendations, agenda.Recommendation{Index: i, Text: r})
	}
	return it
}

// Every way the store changes what the index covers leaves the index as a fresh build
// would make it: imports, re-publications that change, add and remove items and
// attachments, attachments shared by meetings, notes saved, edited, moved and deleted,
// documents, and a group member's note mirrored in.
func TestIndexFollowsEveryChange(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pdf1 := MakePDF("Høringssvar om støj fra vindmøller.", "Side to: vindmøllestøj ved Tune.")
	pdf2 := MakePDF("Kortbilag over lokalplanområdet.")
	m := testMeeting(5,
		testItem("1", "Lokalplan 123 for Tune", "Lokalplanen giver mulighed for 40 boliger.", "sender lokalplanen i høring"),
		testItem("2", "Budgetopfølgning", "Budgettet holder.", "tager orienteringen til efterretning"),
		testItem("3", "Vintertjeneste", "Udbud af vintertjeneste i 2024-2027."),
	)
	m.Items[0].Attachments = []agenda.Attachment{
		{ID: "a1", Title: "Bilag 1: Høringssvar", Content: pdf1},
		{ID: "a2", Title: "Bilag 2: Kort", Content: pdf2},
	}
	m.Items[2].Attachments = []agenda.Attachment{{ID: "a3", Title: "Bilag", Text: "Kontrakt om saltning og snerydning."}}
	doc := agenda.Document{Title: "Nyhedsbrev om boliger", Sections: []agenda.Section{{Heading: "Boliger", Text: "Nye boliger i Greve."}}}
	doc.ID = agenda.DocumentID(&doc, "")
	if _, err := s.Import(agenda.Package{Meetings: []agenda.Meeting{m}, Documents: []agenda.Document{doc}}); err != nil {
		t.Fatal(err)
	}
	checkIndex(t, s)

	// Notes: saved, edited, deleted.
	stored, _ := s.Meeting(m.ID)
	n1 := agenda.Note{Anchor: agenda.Anchor{ItemID: stored.Items[0].ID, Recommendation: ptrInt(0)}, Text: "Vi vil høre naboerne først."}
	n2 := agenda.Note{Anchor: agenda.Anchor{ItemID: stored.Items[1].ID}, Text: "Spørg til anlægsbudgettet."}
	for _, n := range []*agenda.Note{&n1, &n2} {
		if err := s.SaveNote(n); err != nil {
			t.Fatal(err)
		}
	}
	n1.Text = "Vi vil høre grundejerforeningen først."
	if err := s.SaveNote(&n1); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteNote(n2.ID); err != nil {
		t.Fatal(err)
	}
	checkIndex(t, s)

	// A re-publication: item 1 reworded with one attachment renamed and one dropped,
	// item 2 gone, item 4 new, the meeting moved to another room; item 3 unchanged.
	next := testMeeting(5,
		testItem("1", "Lokalplan 123 for Tune", "Lokalplanen giver mulighed for 60 boliger.", "sender lokalplanen i høring"),
		testItem("3", "Vintertjeneste", "Udbud af vintertjeneste i 2024-2027."),
		testItem("4", "Trafiksikkerhedsplan", "Skolevejene i Hundige."),
	)
	next.Location = "Rådhuset, byrådssalen"
	next.Items[0].Attachments = []agenda.Attachment{{ID: "a1", Title: "Bilag 1: Høringssvar (opdateret)", Content: pdf1}}
	next.Items[1].Attachments = m.Items[2].Attachments
	next.Items[0].ID, next.Items[1].ID = stored.Items[0].ID, stored.Items[2].ID
	if _, err := s.Import(agenda.Package{Meetings: []agenda.Meeting{next}}); err != nil {
		t.Fatal(err)
	}
	checkIndex(t, s)

	// Another meeting shares the first PDF: its text is stored once, indexed for both.
	other := testMeeting(12, testItem("1", "Lokalplan 123, endelig vedtagelse", "Vedtagelse."))
	other.Items[0].Attachments = []agenda.Attachment{{ID: "b1", Title: "Bilag: Høringssvar", Content: pdf1}}
	if _, err := s.Import(agenda.Package{Meetings: []agenda.Meeting{other}}); err != nil {
		t.Fatal(err)
	}
	// A group member's note arrives through the group.
	err = s.update(func(tx *bolt.Tx) error {
		gt := &GroupTx{tx: tx}
		_, err := gt.Mirror(&agenda.Note{ID: "shared1", Anchor: agenda.Anchor{MeetingID: other.ID, ItemID: other.Items[0].ID}, Text: "Gruppen foreslår en ændring."})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	checkIndex(t, s)

	// The document changes; re-importing everything unchanged changes nothing.
	doc.Sections[0].Text = "Nye boliger i Karlslunde."
	if _, err := s.Import(agenda.Package{Documents: []agenda.Document{doc}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(agenda.Package{Meetings: []agenda.Meeting{next, other}}); err != nil {
		t.Fatal(err)
	}
	checkIndex(t, s)
}

func ptrInt(i int) *int { return &i }

// Blocks split when full and shrink as documents leave; whatever is taken out, the rest
// reads back in order.
func TestPostingBlocks(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var want []uint64
	err = s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPostings)
		var ps []posting
		for d := uint64(1); d <= 1000; d++ {
			// Every third term is in its document's title, of d%5+1 words.
			var title uint64
			if d%3 == 0 {
				title = d%5 + 1
			}
			ps = append(ps, newPosting(d*3, kindItem, d%7, 100+d, title))
		}
		// Two appends, the second onto the first's last block; a neighbouring term on
		// each side.
		for _, term := range []string{"bolig", "boligen"} {
			if err := appendPostings(b, term, ps[:1]); err != nil {
				return err
			}
		}
		if err := appendPostings(b, "boli", ps[:10]); err != nil {
			return err
		}
		if err := appendPostings(b, "boligen", ps[1:600]); err != nil {
			return err
		}
		if err := appendPostings(b, "boligen", ps[600:]); err != nil {
			return err
		}
		// Take out every fifth, the first, a block's worth in the middle, and docs that
		// were never there.
		var del []uint64
		for i, p := range ps {
			if i%5 == 0 || i >= 300 && i < 520 {
				del = append(del, p.doc)
			} else {
				want = append(want, p.doc)
			}
		}
		del = append(del, 1, 2, 4000)
		slices.Sort(del)
		return deletePostings(b, "boligen", del)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.view(func(tx *bolt.Tx) error {
		var got []uint64
		blocks := 0
		p := termPrefix("boligen")
		c := tx.Bucket(bucketPostings).Cursor()
		for k, v := c.Seek(p); k != nil; k, v = c.Next() {
			first, ok := blockStart(k, p)
			if !ok {
				break
			}
			blocks++
			if len(v) > maxBlock+16 {
				t.Errorf("block of %d bytes", len(v))
			}
			if err := decodeBlock(first, v, func(x posting) bool {
				d := x.doc / 3
				if uint64(x.tf) != d%7 || uint64(x.length) != 100+d || x.kind != kindItem || (d%3 == 0) != (uint64(x.title) == d%5+1) || d%3 != 0 && x.title != 0 {
					t.Errorf("posting %+v", x)
				}
				got = append(got, x.doc)
				return true
			}); err != nil {
				return err
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%d postings read back, want %d", len(got), len(want))
		}
		if blocks < 3 {
			t.Errorf("%d blocks for 1,000 postings", blocks)
		}
		// The neighbours are untouched.
		for term, n := range map[string]int{"bolig": 1, "boli": 10} {
			cnt := 0
			p := termPrefix(term)
			for k, v := c.Seek(p); k != nil; k, v = c.Next() {
				first, ok := blockStart(k, p)
				if !ok {
					break
				}
				_ = decodeBlock(first, v, func(posting) bool { cnt++; return true })
			}
			if cnt != n {
				t.Errorf("%s: %d postings, want %d", term, cnt, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDecodeBlockBadInput(t *testing.T) {
	for _, b := range [][]byte{
		{0x80},                                  // varint cut off
		{0},                                     // no kind
		{0, byte(kindItem)},                     // no tf
		{0, byte(kindItem), 1},                  // no length
		{0, 0, 1, 1},                            // kind 0
		{0, byte(numKinds), 1, 1},               // unknown kind
		{0, byte(kindItem) | titleBit, 1, 1},    // in the title, no title length
		{0, byte(kindItem) | titleBit, 1, 1, 0}, // a title of no words
		{0, byte(kindItem) | titleBit, 1, 1, 0x80},                          // title length cut off
		{0, byte(numKinds) | titleBit, 1, 1, 2},                             // unknown kind in a title
		{0, byte(kindItem), 1, 1, 0, byte(kindItem) | titleBit, 1, 1, 0x80}, // the second posting cut off
	} {
		if err := decodeBlock(1, b, func(posting) bool { return true }); err == nil {
			t.Errorf("block %v decodes", b)
		}
	}
}

// FuzzDecodeBlock: no block makes the decoder panic, and what decodes encodes to the
// same bytes.
func FuzzDecodeBlock(f *testing.F) {
	var seed []byte
	prev := uint64(7)
	for i, p := range []posting{newPosting(7, kindItem, 3, 120, 0), newPosting(9, kindNote, 1, 4, 0), newPosting(300, kindMeeting, 3, 9, 4), newPosting(1<<40, kindDocument, 6, 800, 12)} {
		if i == 0 {
			prev = p.doc
		}
		seed = appendEntry(seed, prev, p)
		prev = p.doc
	}
	f.Add(seed)
	f.Add([]byte{0, byte(kindItem) | titleBit, 1, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		var out []byte
		prev := uint64(1)
		err := decodeBlock(1, b, func(p posting) bool {
			out = appendEntry(out, prev, p)
			prev = p.doc
			return true
		})
		if err != nil {
			if !errors.Is(err, errDamaged) {
				t.Errorf("error %v does not wrap errDamaged", err)
			}
			return
		}
		// Varints may be written longer than needed: compare what they decode to.
		var again []posting
		if err := decodeBlock(1, out, func(p posting) bool { again = append(again, p); return true }); err != nil {
			t.Fatalf("re-encoded block: %v", err)
		}
		i := 0
		_ = decodeBlock(1, b, func(p posting) bool {
			if i >= len(again) || again[i] != p {
				t.Errorf("posting %d: %+v, re-encoded %+v", i, p, again)
			}
			i++
			return true
		})
	})
}
