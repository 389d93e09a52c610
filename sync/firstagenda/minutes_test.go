package firstagenda

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/sync/httpx"
	"github.com/dagsorden/dagsorden/sync/internal/replay"
)

// withoutDecisions strips the Beslutning blocks Greve's publications carry, turning the
// sample (published after the meeting) into the agenda as it stood before it.
func withoutDecisions(doc map[string]any) {
	for _, x := range doc["Dagsordenpunkter"].([]any) {
		for _, f := range x.(map[string]any)["Felter"].([]any) {
			fm := f.(map[string]any)
			h, _ := fm["Html"].(string)
			if i := strings.Index(h, "<div><h3>Beslutning</h3>"); i >= 0 {
				if j := strings.Index(h[i:], "</div>"); j >= 0 {
					fm["Html"] = h[:i] + h[i+j+len("</div>"):]
				}
			}
		}
	}
}

// The model: a meeting's minutes (referat) are a new publication of the same meeting.
// They are applied onto the stored agenda, items matched as in any re-publication (site
// item id, else case number and title), so the decision lands on the item the member's
// notes are on. When the site dates the minutes differently (the time the meeting
// really began), the agenda of the same body on the same day is the meeting. Once the
// minutes are in, the agenda publication no longer overwrites them.
func TestMinutesMeetTheNotesOnTheAgenda(t *testing.T) {
	r := replay.New(t, replay.Options{ShiftNewestOf: oekonomi})
	pub := recentPublication(t, r, oekonomi)
	minutes := r.Data(pub) // the sample, decisions included
	r.Edit(t, pub, withoutDecisions)
	c, _ := New(r.Start(t), httpx.New(httpx.Options{Rate: -1}))
	st := openStore(t)
	var state State
	opts := Options{Wants: wantOnly(oekonomi)}
	ctx := context.Background()
	if _, err := Sync(ctx, st, c, &state, opts); err != nil {
		t.Fatal(err)
	}
	before, _ := st.Meetings()
	m := parse(t, r, pub)
	stored, _ := st.Meeting(m.ID)
	target, note := noteOnFirstRecommendation(t, st, stored, agenda.StanceFor, "Vi støtter, hvis økonomien holder.")
	if target.Decision != "" {
		t.Fatalf("the agenda already has a decision: %q", target.Decision)
	}

	// The minutes: a new publication id, new item ids, the actual start ten minutes later.
	meta := r.Meta(pub)
	begin, _ := time.Parse(time.RFC3339, meta.Begin)
	later := begin.Add(10 * time.Minute).In(agenda.Copenhagen).Format(time.RFC3339)
	minutesID := "ref-" + pub
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(minutes))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	doc["Id"] = minutesID
	moede := doc["Moede"].(map[string]any)
	moede["MeetingBeginUtc"], moede["Navn"] = later, "Referat"
	for _, x := range doc["Dagsordenpunkter"].([]any) {
		it := x.(map[string]any)
		it["Id"] = "ref-" + it["Id"].(string)
	}
	data, _ := json.Marshal(doc)
	r.Publish(minutesID, data, replay.Meta{CommitteeID: meta.CommitteeID, Committee: meta.Committee, Dato: meta.Dato, Begin: later, Name: "Referat"}, "")

	res, err := Sync(ctx, st, c, &state, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Linked != 1 {
		t.Fatalf("%d minutes linked to their agenda; want 1", res.Linked)
	}
	after, _ := st.Meetings()
	if len(after) != len(before) {
		t.Fatalf("%d meetings after the minutes, %d before: the minutes became a meeting of their own", len(after), len(before))
	}
	got, err := st.Meeting(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	j := slices.IndexFunc(got.Items, func(it agenda.Item) bool { return it.ID == target.ID })
	if got.Kind != agenda.KindMinutes || j < 0 || got.Items[j].Decision == "" {
		t.Fatalf("after the minutes: kind %s, item found %v; want the minutes with the decision on the noted item", got.Kind, j >= 0)
	}
	n, err := st.Note(note.ID)
	if err != nil || n.Text != note.Text || n.Anchor.ItemID != target.ID || n.Status != agenda.StatusOK {
		t.Fatalf("note after the minutes: %+v %v; want it on its item, status ok", n, err)
	}

	// The agenda publication changes again (or is revalidated): the minutes stay.
	r.Edit(t, pub, func(doc map[string]any) {
		x := doc["Dagsordenpunkter"].([]any)[0].(map[string]any)
		x["Navn"] = x["Navn"].(string) + " (rettet)"
	})
	res, err = Sync(ctx, st, c, &state, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Superseded != 1 {
		t.Fatalf("%d agenda publications kept from overwriting the minutes; want 1", res.Superseded)
	}
	if again, _ := st.Meeting(m.ID); again.Kind != agenda.KindMinutes || again.Items[j].Decision != got.Items[j].Decision {
		t.Fatal("the agenda publication overwrote the minutes")
	}
}
