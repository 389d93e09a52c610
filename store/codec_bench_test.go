package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
)

// benchSummaries are 1,000 meetings of 20 items with realistic field sizes.
func benchSummaries() []MeetingSummary {
	out := make([]MeetingSummary, 1000)
	for i := range out {
		start := time.Date(2024, 1, 1, 16, 0, 0, 0, agenda.Copenhagen).AddDate(0, 0, i)
		m := MeetingSummary{ID: fmt.Sprintf("%016x", i*7919), Title: "Dagsorden " + start.Format("02-01-2006"),
			Location: "Rådhuset, mødelokale 1", Body: agenda.Body{Name: "Teknik- og Miljøudvalget"}, Kind: agenda.KindAgenda,
			Start: start, End: start.Add(3 * time.Hour), Premeeting: start.Add(-time.Hour),
			Source:  agenda.Source{Format: "firstagenda", Site: "https://dagsordener.greve.dk", PublicationID: "3f2b9c1e-5d7a-4c1b-9e0f-1a2b3c4d5e6f", Released: start.AddDate(0, 0, -7)},
			Updated: start}
		for j := range 20 {
			m.Items = append(m.Items, ItemSummary{ID: fmt.Sprintf("%016x", i*100+j), Number: fmt.Sprint(j + 1),
				Group: "3. Sager til beslutning", Title: "Lokalplan 412 for boligområdet ved Hundige Strand, forslag til offentlig høring",
				CaseNumber: "24/12345", Recommendations: 2, TextHash: fmt.Sprintf("%016x", i*j)})
		}
		out[i] = m
	}
	return out
}

// BenchmarkDecodeSummaries compares the store's codec with encoding/json on what
// Meetings decodes: 1,000 meeting summaries with 20,000 items (no bbolt, no file).
func BenchmarkDecodeSummaries(b *testing.B) {
	sums := benchSummaries()
	b.Run("codec", func(b *testing.B) {
		recs := make([]string, len(sums))
		size := 0
		for i := range sums {
			recs[i] = string(encodeSummary(&sums[i]))
			size += len(recs[i])
		}
		b.SetBytes(int64(size))
		for b.Loop() {
			out := make([]MeetingSummary, len(recs))
			var slab []ItemSummary
			for i, r := range recs {
				d, err := openRecordString(r)
				if err == nil {
					err = readSummary(d, &out[i], &slab)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		recs := make([][]byte, len(sums))
		size := 0
		for i := range sums {
			recs[i], _ = json.Marshal(&sums[i])
			size += len(recs[i])
		}
		b.SetBytes(int64(size))
		for b.Loop() {
			out := make([]MeetingSummary, len(recs))
			for i, r := range recs {
				if err := json.Unmarshal(r, &out[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkItemRecord encodes and decodes a ≈ 4 KB item record as an open item is
// stored (plain) and as a closed one is (sealed with the data key).
func BenchmarkItemRecord(b *testing.B) {
	it := testItem("7", "Lokalplan for boligområdet ved Hundige Strand",
		strings.Repeat("Forvaltningen har i samarbejde med de berørte parter gennemgået sagen og vurderet de økonomiske konsekvenser. ", 36),
		"at lokalplanen vedtages", "at planen sendes i høring i otte uger")
	rec := &itemRecord{MeetingID: "m", Item: it}
	v, err := newVault("bench", make([]byte, keySize))
	if err != nil {
		b.Fatal(err)
	}
	key := []byte("itemid")
	b.Run("plain", func(b *testing.B) {
		b.SetBytes(int64(len(encodeItem(rec))))
		for b.Loop() {
			if _, err := decodeItem(encodeItem(rec)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sealed", func(b *testing.B) {
		b.SetBytes(int64(len(encodeItem(rec))))
		for b.Loop() {
			plain, err := v.open(bucketItems, key, v.seal(bucketItems, key, encodeItem(rec)))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := decodeItem(plain); err != nil {
				b.Fatal(err)
			}
		}
	})
}
