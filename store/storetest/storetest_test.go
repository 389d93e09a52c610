package storetest_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/store/storetest"
)

func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	if err := storetest.Generate(dir, 30, 7); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := s.Meetings()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 30 {
		t.Fatalf("%d meetings, want 30", len(ms))
	}
	size, items := 0, 0
	for _, sum := range ms {
		if len(sum.Items) != 7 {
			t.Fatalf("meeting %s has %d items, want 7", sum.ID, len(sum.Items))
		}
		for _, is := range sum.Items {
			if is.Recommendations < 1 || is.Recommendations > 3 {
				t.Errorf("item %s has %d recommendations, want 1–3", is.ID, is.Recommendations)
			}
			it, _, err := s.Item(is.ID)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(it)
			size += len(b)
			items++
		}
	}
	if avg := size / items; avg < 3000 || avg > 5000 {
		t.Errorf("items average %d bytes, want about 4 KB", avg)
	}
	// Generating again changes nothing: the same arguments give the same meetings.
	gen, _ := s.Generation()
	if err := storetest.Generate(dir, 30, 7); err != nil {
		t.Fatal(err)
	}
	if g, _ := s.Generation(); g != gen {
		t.Error("a second Generate with the same arguments wrote to the store")
	}
}

func TestMeetingIsDeterministic(t *testing.T) {
	a, b := storetest.Meeting(5, 4), storetest.Meeting(5, 4)
	if !reflect.DeepEqual(a, b) {
		t.Error("Meeting(5, 4) differs between calls")
	}
	if c := storetest.Meeting(6, 4); c.ID == a.ID {
		t.Error("meetings 5 and 6 share an id")
	}
}
