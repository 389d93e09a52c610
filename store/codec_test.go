package store

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
)

// fill sets every exported field reachable from v to a distinct non-zero value, so a
// field the codec forgets cannot survive a round trip unnoticed.
func fill(t testing.TB, v reflect.Value, path string, n *int) {
	t.Helper()
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("%s-æøå-%d", path, *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Uint64:
		v.SetUint(uint64(*n) << 40)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Unix(1_700_000_000+int64(*n)*3600, int64(*n)).In(agenda.Copenhagen)))
			return
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			p := v.Type().Name() + "." + f.Name
			if p == "Attachment.Content" || p == "Meeting.Items" {
				continue // stored elsewhere: blobs bucket, items bucket
			}
			fill(t, v.Field(i), p, n)
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(t, s.Index(i), path, n)
		}
		v.Set(s)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(t, p.Elem(), path, n)
		v.Set(p)
	default:
		t.Fatalf("%s: fill does not know kind %s; teach it, and the codec", path, v.Kind())
	}
}

func filled[T any](t testing.TB, path string) T {
	var v T
	n := 0
	fill(t, reflect.ValueOf(&v).Elem(), path, &n)
	return v
}

// TestCodecCoversEveryField: every field of every stored type survives encode/decode.
// When this fails after a change in package agenda, add the new field to records.go.
func TestCodecCoversEveryField(t *testing.T) {
	t.Run("meeting", func(t *testing.T) {
		m := filled[agenda.Meeting](t, "top") // Items skipped: they have their own records
		in := meetingRecord{Meeting: m, ItemIDs: []string{"a", "", "c"}, Updated: filled[time.Time](t, "")}
		out, err := decodeMeeting(encodeMeeting(&in))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(&in, out) {
			t.Errorf("meeting header did not survive the codec:\n in  %+v\n out %+v", in, *out)
		}
	})
	t.Run("item", func(t *testing.T) {
		in := itemRecord{MeetingID: "m1", Item: filled[agenda.Item](t, ""), Purged: filled[time.Time](t, "")}
		out, err := decodeItem(encodeItem(&in))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(&in, out) {
			t.Errorf("item did not survive the codec:\n in  %+v\n out %+v", in, *out)
		}
	})
	t.Run("document", func(t *testing.T) {
		in := filled[agenda.Document](t, "")
		out, err := decodeDocument(encodeDocument(&in))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(&in, out) {
			t.Errorf("document did not survive the codec:\n in  %+v\n out %+v", in, *out)
		}
	})
	t.Run("note", func(t *testing.T) {
		in := filled[agenda.Note](t, "")
		out, err := decodeNote(encodeNote(&in))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(&in, out) {
			t.Errorf("note did not survive the codec:\n in  %+v\n out %+v", in, *out)
		}
	})
	t.Run("summary", func(t *testing.T) {
		in := filled[MeetingSummary](t, "")
		var out MeetingSummary
		if err := decodeSummary(encodeSummary(&in), &out); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(in, out) {
			t.Errorf("summary did not survive the codec:\n in  %+v\n out %+v", in, out)
		}
	})
}

// Zero values are left out of records, but a recommendation index 0 on a note must not
// come back as "no recommendation".
func TestCodecKeepsRecommendationZero(t *testing.T) {
	zero := 0
	for _, rec := range []*int{nil, &zero} {
		in := agenda.Note{ID: "n", Anchor: agenda.Anchor{ItemID: "i", Recommendation: rec}}
		out, err := decodeNote(encodeNote(&in))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(in.Anchor.Recommendation, out.Anchor.Recommendation) {
			t.Errorf("recommendation %v came back as %v", in.Anchor.Recommendation, out.Anchor.Recommendation)
		}
	}
}

// Nested records longer than 127 bytes need a longer length prefix than the byte msg
// reserves; check the shift at each varint size.
func TestCodecLongNestedRecords(t *testing.T) {
	for _, n := range []int{0, 1, 120, 127, 128, 16383, 16384, 3 << 20} {
		in := agenda.Note{ID: "n", Anchor: agenda.Anchor{ItemID: "i", Quote: agenda.Quote{Exact: strings.Repeat("æ", n/2), Prefix: "p"}}, Text: "efter"}
		out, err := decodeNote(encodeNote(&in))
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if !reflect.DeepEqual(&in, out) {
			t.Errorf("%d bytes: the note did not survive", n)
		}
	}
}

// Records from a later dagsorden may carry fields this one does not know: skip them.
func TestCodecSkipsUnknownFields(t *testing.T) {
	e := newRecord()
	e.str(1, "id-1")
	e.uint(99, 12345)
	e.str(98, "from the future")
	e.msg(97, func(e *enc) { e.str(1, "nested") })
	e.str(4, "teksten")
	n, err := decodeNote(e.b)
	if err != nil {
		t.Fatal(err)
	}
	if n.ID != "id-1" || n.Text != "teksten" {
		t.Errorf("got %+v", n)
	}
}

func TestCodecBadInput(t *testing.T) {
	good := encodeNote(&agenda.Note{ID: "n1", Text: "tekst", Anchor: agenda.Anchor{ItemID: "i"}})
	cases := []struct {
		name  string
		data  []byte
		newer bool
	}{
		{"empty", nil, false},
		{"version 0", []byte{0, 10, 1, 'x'}, false},
		{"newer version", []byte{codecVersion + 1, 10, 1, 'x'}, true},
		{"truncated", good[:len(good)-2], false},
		{"length past the end", []byte{codecVersion, 1<<3 | wireBytes, 50, 'a'}, false},
		{"varint too long", append([]byte{codecVersion}, bytes.Repeat([]byte{0xff}, 11)...), false},
		{"varint overflow", append(append([]byte{codecVersion}, bytes.Repeat([]byte{0xff}, 9)...), 0x02), false},
		{"unknown wire type", []byte{codecVersion, 1<<3 | 5, 0}, false},
		{"number where a string belongs", []byte{codecVersion, 1<<3 | wireVarint, 5}, false},
		{"string where a number belongs", []byte{codecVersion, 10<<3 | wireBytes, 1, 'x'}, false},
		{"bad time", []byte{codecVersion, 8<<3 | wireBytes, 3, 2, 0xff, 0xff}, false},
		{"time with trailing bytes", []byte{codecVersion, 8<<3 | wireBytes, 3, 2, 0, 7}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeNote(c.data)
			if err == nil {
				t.Fatal("no error")
			}
			if c.newer {
				if !strings.Contains(err.Error(), "newer dagsorden") {
					t.Errorf("error %q does not say a newer dagsorden wrote it", err)
				}
			} else if !errors.Is(err, errDamaged) {
				t.Errorf("error %q does not wrap errDamaged", err)
			}
			// Every decoder must fail as cleanly on the same bytes.
			_, _ = decodeMeeting(c.data)
			_, _ = decodeItem(c.data)
			_, _ = decodeDocument(c.data)
			_ = decodeSummary(c.data, &MeetingSummary{})
		})
	}
}

// FuzzDecode: no byte string makes a decoder panic, and whatever decodes re-encodes to
// the same value.
func FuzzDecode(f *testing.F) {
	n := 0
	fillF := func(v any) { fill(f, reflect.ValueOf(v).Elem(), "", &n) }
	var note agenda.Note
	fillF(&note)
	var it agenda.Item
	fillF(&it)
	var sum MeetingSummary
	fillF(&sum)
	var doc agenda.Document
	fillF(&doc)
	f.Add(encodeNote(&note))
	f.Add(encodeItem(&itemRecord{MeetingID: "m", Item: it}))
	f.Add(encodeSummary(&sum))
	f.Add(encodeDocument(&doc))
	f.Add(encodeMeeting(&meetingRecord{Meeting: agenda.Meeting{ID: "m", Title: "t"}, ItemIDs: []string{"a"}}))
	rec := 2
	f.Add(encodeDoc(&docRecord{Kind: kindRecommendation, MeetingID: "m", ItemID: "i", Recommendation: &rec, Length: 9,
		Terms: []string{"budget", "budgetopfølgning", "opfølgning"}, TermFrequencies: []uint64{3, 1, 2},
		TitleWords: 3, TitleTerms: []int{0, 2}}))
	f.Add([]byte{codecVersion})
	f.Fuzz(func(t *testing.T, data []byte) {
		if d, err := decodeDoc(data); err == nil {
			if again, err := decodeDoc(encodeDoc(d)); err != nil || !reflect.DeepEqual(d, again) {
				t.Errorf("search document does not re-encode: %v\n%+v\n%+v", err, d, again)
			}
		}
		if n, err := decodeNote(data); err == nil {
			if again, err := decodeNote(encodeNote(n)); err != nil || !reflect.DeepEqual(n, again) {
				t.Errorf("note does not re-encode: %v", err)
			}
		}
		if r, err := decodeItem(data); err == nil {
			if again, err := decodeItem(encodeItem(r)); err != nil || !reflect.DeepEqual(r, again) {
				t.Errorf("item does not re-encode: %v", err)
			}
		}
		if r, err := decodeMeeting(data); err == nil {
			if again, err := decodeMeeting(encodeMeeting(r)); err != nil || !reflect.DeepEqual(r, again) {
				t.Errorf("meeting does not re-encode: %v", err)
			}
		}
		var s MeetingSummary
		if err := decodeSummary(data, &s); err == nil {
			var again MeetingSummary
			if err := decodeSummary(encodeSummary(&s), &again); err != nil || !reflect.DeepEqual(s, again) {
				t.Errorf("summary does not re-encode: %v", err)
			}
		}
		if d, err := decodeDocument(data); err == nil {
			if again, err := decodeDocument(encodeDocument(d)); err != nil || !reflect.DeepEqual(d, again) {
				t.Errorf("document does not re-encode: %v", err)
			}
		}
	})
}
