package group

import (
	"testing"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
)

// The cost of signed authorship per envelope, on a note as large as a typical one: the
// author signs once when sealing; every reader verifies once before opening.

func benchNote() []byte {
	rec := 1
	v := store.GroupVersion{Note: agenda.Note{ID: "n1", Stance: agenda.StanceFor,
		Text:   "Vi støtter indstillingen, men vil have en status på økonomien før budgetforhandlingerne.",
		Anchor: agenda.Anchor{MeetingID: "m", ItemID: "i", Recommendation: &rec}},
		Vector: map[string]uint64{"aaaaaaaaaaaaaaaa": 1}, Clock: 1, Editor: "aaaaaaaaaaaaaaaa"}
	p := notePayload(&v)
	return p.marshal()
}

func BenchmarkSealSigned(b *testing.B) {
	a, _ := testAuthor(b, "aaaaaaaaaaaaaaaa", 1)
	key, payload, id := newKey(), benchNote(), newEnvelopeID()
	for b.Loop() {
		if _, err := seal(gid, a, 1, key, id, payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen is what a reader did before signed authorship: parse and decrypt.
func BenchmarkOpen(b *testing.B) {
	a, _ := testAuthor(b, "aaaaaaaaaaaaaaaa", 1)
	key, id := newKey(), newEnvelopeID()
	data, _ := seal(gid, a, 1, key, id, benchNote())
	keyFor := func(uint64) []byte { return key }
	for b.Loop() {
		h, _ := parseEnvelope(data)
		if _, err := open(gid, id, h, keyFor); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyAndOpen is what a reader does now: parse, check the author's signature,
// decrypt.
func BenchmarkVerifyAndOpen(b *testing.B) {
	a, pub := testAuthor(b, "aaaaaaaaaaaaaaaa", 1)
	key, id := newKey(), newEnvelopeID()
	data, _ := seal(gid, a, 1, key, id, benchNote())
	keyFor := func(uint64) []byte { return key }
	for b.Loop() {
		h, _ := parseEnvelope(data)
		if !h.verify(gid, id, pub) {
			b.Fatal("does not verify")
		}
		if _, err := open(gid, id, h, keyFor); err != nil {
			b.Fatal(err)
		}
	}
}
