package example

import (
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
)

// The example is what a new user sees first: it must show every kind of thing dagsorden
// handles (closed item, attachments, multi-bullet recommendations, formøde time).
func TestExampleShowsEverything(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, agenda.Copenhagen)
	p, err := Package(now)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Meetings) != 1 {
		t.Fatalf("meetings = %d, want 1", len(p.Meetings))
	}
	m := p.Meetings[0]
	if len(m.Items) < 8 {
		t.Errorf("items = %d, want at least 8", len(m.Items))
	}
	closed, withAtt, multi := 0, 0, 0
	ids := map[string]bool{}
	for _, it := range m.Items {
		if it.Closed {
			closed++
		}
		if len(it.Attachments) > 0 {
			withAtt++
		}
		if len(it.Recommendations) > 1 {
			multi++
		}
		if it.ID == "" || ids[it.ID] {
			t.Errorf("item %s: id %q missing or duplicate", it.Number, it.ID)
		}
		ids[it.ID] = true
	}
	if closed != 1 || withAtt < 5 || multi < 3 {
		t.Errorf("closed=%d withAttachments=%d multiBullet=%d", closed, withAtt, multi)
	}
	if m.Premeeting.IsZero() || !m.Premeeting.Before(m.Start) {
		t.Errorf("premeeting %v should precede start %v", m.Premeeting, m.Start)
	}
	if got := len(m.Items[1].Recommendations); got != 4 {
		t.Errorf("budget item recommendations = %d, want 4", got)
	}
}

func TestExampleMovesForwardToStayUpcoming(t *testing.T) {
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, agenda.Copenhagen)
	p, err := Package(now)
	if err != nil {
		t.Fatal(err)
	}
	m := p.Meetings[0]
	if !m.Start.After(now) || m.Start.Sub(now) > 7*24*time.Hour {
		t.Errorf("start %v should be within the week after %v", m.Start, now)
	}
	if m.Start.Weekday() != time.Tuesday || m.Start.In(agenda.Copenhagen).Hour() != 17 {
		t.Errorf("start %v should stay a Tuesday at 17:00", m.Start)
	}
	if m.Start.Sub(m.Premeeting) != time.Hour {
		t.Errorf("formøde should stay one hour before the meeting")
	}
}
