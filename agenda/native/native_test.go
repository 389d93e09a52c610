package native

import (
	"strings"
	"testing"
)

const good = `{"format": "dagsorden/1", "meetings": [{"body": {"name": "Byrådet"}, "start": "2026-12-08T17:00:00+01:00",
 "items": [{"number": "1", "title": "Budget", "sections": [{"heading": "Indstilling", "text": "Det indstilles, at\n\n- A vedtages\n- B vedtages"}]}]}]}`

func TestParse(t *testing.T) {
	if !Sniff([]byte(good)) {
		t.Fatal("Sniff does not recognise a dagsorden package")
	}
	p, err := Parse("x.json", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	m := p.Meetings[0]
	if m.ID == "" || m.Items[0].ID == "" || m.Kind != "dagsorden" || m.Source.Path != "x.json" {
		t.Errorf("meeting %+v", m)
	}
	if n := len(m.Items[0].Recommendations); n != 2 {
		t.Errorf("recommendations from the Indstilling: %d, want 2", n)
	}
	if m.Start.Location().String() != "Europe/Copenhagen" {
		t.Errorf("start not in Copenhagen time: %v", m.Start)
	}
}

func TestBadInput(t *testing.T) {
	cases := map[string]string{
		"empty":          ``,
		"not JSON":       `hello`,
		"truncated":      good[:len(good)/2],
		"wrong format":   `{"format": "dagsorden/9", "meetings": [{"body": {"name": "X"}, "start": "2026-12-08T17:00:00+01:00"}]}`,
		"nothing inside": `{"format": "dagsorden/1"}`,
		"no body":        `{"format": "dagsorden/1", "meetings": [{"start": "2026-12-08T17:00:00+01:00"}]}`,
		"no start":       `{"format": "dagsorden/1", "meetings": [{"body": {"name": "X"}}]}`,
		"unknown field":  `{"format": "dagsorden/1", "meetingz": []}`,
		"invalid UTF-8":  "{\"format\": \"dagsorden/1\", \"meetings\": [{\"body\": {\"name\": \"\xff\"}}]}",
		"too large":      `{"format": "dagsorden/1", "x": "` + strings.Repeat("a", MaxSize) + `"}`,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("bad.json", []byte(in))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), "bad.json") || strings.Contains(err.Error(), "\n") {
				t.Errorf("want one sentence naming the file, got %q", err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte(`{"format": "dagsorden/1", "documents": [{"title": "x"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.json", data)
		if err != nil {
			return
		}
		for _, m := range p.Meetings {
			if m.ID == "" || m.Body.Name == "" {
				t.Fatalf("accepted a meeting without id or body: %+v", m)
			}
		}
	})
}
