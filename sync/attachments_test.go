package sync

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/internal/replay"
	"github.com/dagsorden/dagsorden/sync/source"
)

func TestOpeningANotDownloadedAttachmentFetchesIt(t *testing.T) {
	r := replay.New(t, replay.Options{ShiftNewestOf: "Social- og Handicapudvalget", FileStore: true, PDFSize: 300 << 10})
	data := newDataDir(t)
	url := r.Start(t)
	ctx := context.Background()
	if _, err := SourceAdd(ctx, AddOptions{Dir: data, Target: url, Name: "greve", Committees: []string{"Social- og Handicapudvalget"}}); err != nil {
		t.Fatal(err)
	}
	// Without limits for the test: the politeness is TestFirstSyncOfACommitteeInSeconds's.
	source.Update(source.Path(data), func(c *source.Config) error { c.Sources[0].Rate = -1; return nil })
	st, err := store.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	res, err := Sync(ctx, st, Options{})
	if err != nil || res[0].Err != nil {
		t.Fatalf("%v %+v", err, res)
	}
	if res[0].NotDownloaded == 0 || res[0].Attachments == 0 {
		t.Fatalf("%d fetched, %d not downloaded; want some of each", res[0].Attachments, res[0].NotDownloaded)
	}
	// The oldest meeting's first PDF attachment is not here.
	sums, _ := st.Meetings()
	m, _ := st.Meeting(sums[0].ID)
	var it agenda.Item
	var a agenda.Attachment
	for _, i := range m.Items {
		for _, x := range i.Attachments {
			if x.MediaType == "application/pdf" && a.ID == "" {
				it, a = i, x
			}
		}
	}
	if a.ID == "" || a.SHA256 != "" {
		t.Fatalf("the oldest meeting's attachment %+v; want one listed without content", a)
	}
	r.Reset()
	var calls int
	var got, total int64
	stored, err := FetchAttachment(ctx, st, m.ID, it.ID, a.ID, func(g, of int64) { calls, got, total = calls+1, g, of }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if stored.SHA256 == "" || r.Count("file") != 1 || calls == 0 || got != stored.Size || total != stored.Size {
		t.Fatalf("fetched %+v with %d downloads, progress %d calls, %d of %d", stored, r.Count("file"), calls, got, total)
	}
	content, err := st.Attachment(stored.SHA256)
	if err != nil || int64(len(content)) != stored.Size {
		t.Fatalf("content: %v", err)
	}
	again, _ := st.Meeting(m.ID)
	for _, i := range again.Items {
		for _, x := range i.Attachments {
			if x.ID == a.ID && x.SHA256 != stored.SHA256 {
				t.Fatal("the stored item does not name the fetched content")
			}
		}
	}
	// The item is not a new version for having its attachment.
	if prev, err := st.PreviousItem(it.ID); err == nil {
		t.Fatalf("fetching an attachment kept a previous version of the item: %+v", prev.Title)
	}
	// Opened again: no request. A re-sync keeps it.
	r.Reset()
	if _, err := FetchAttachment(ctx, st, m.ID, it.ID, a.ID, nil, nil); err != nil || r.Count("bilag") != 0 {
		t.Fatalf("second open: %v, %d requests", err, r.Count("bilag"))
	}
	// Without a source for its site, it cannot be fetched, and says why.
	os.Remove(source.Path(data))
	var other agenda.Attachment
	for _, x := range m.Items {
		for _, y := range x.Attachments {
			if y.MediaType == "application/pdf" && y.ID != a.ID && other.ID == "" {
				other, it = y, x
			}
		}
	}
	if _, err := FetchAttachment(ctx, st, m.ID, it.ID, other.ID, nil, nil); !errors.Is(err, ErrNoSourceFor) {
		t.Fatalf("without a source: %v", err)
	}
}
