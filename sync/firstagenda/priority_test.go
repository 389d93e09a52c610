package firstagenda

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	fa "github.com/dagsorden/dagsorden/agenda/firstagenda"
	"github.com/dagsorden/dagsorden/sync/httpx"
	"github.com/dagsorden/dagsorden/sync/internal/replay"
	"github.com/dagsorden/dagsorden/sync/progress"
)

// oekonomi is the committee of the issue: 42 meetings, 1,322 attachments in the samples.
const oekonomi = "Økonomiudvalget"

// attachmentsByWindow splits the stored PDF attachments of the synced meetings into
// those of meetings from eagerFrom on and older ones, each into stored and not.
func attachmentsByWindow(t *testing.T, st Store, eagerFrom time.Time) (recentStored, recentMissing, oldStored, oldMissing int) {
	t.Helper()
	sums, err := st.Meetings()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sums {
		m, err := st.Meeting(s.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range m.Items {
			for _, a := range it.Attachments {
				if a.MediaType != "application/pdf" {
					continue
				}
				recent := !m.Start.Before(eagerFrom)
				switch {
				case recent && a.SHA256 != "":
					recentStored++
				case recent:
					recentMissing++
				case a.SHA256 != "":
					oldStored++
				default:
					oldMissing++
				}
			}
		}
	}
	return
}

// TestFirstSyncOfACommitteeInSeconds is the first sync of issue 11 at the default,
// polite rate: Økonomiudvalget of Greve, its newest meeting three days ahead, attachments
// redirected to a file store. It runs in real time (about half a minute).
func TestFirstSyncOfACommitteeInSeconds(t *testing.T) {
	// A file-store download takes 300 ms, as a PDF of a few hundred KB does on a home line.
	r := replay.New(t, replay.Options{ShiftNewestOf: oekonomi, FileStore: true, PDFSize: 40 << 10, FileDelay: 300 * time.Millisecond})
	c, err := New(r.Start(t), httpx.New(httpx.Options{})) // the default rate: 2 requests/s
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	var state State
	var mu sync.Mutex
	var reports []progress.Progress
	opts := Options{Source: "greve", Wants: wantOnly(oekonomi), Attachments: true, Progress: func(p progress.Progress) {
		mu.Lock()
		reports = append(reports, p)
		mu.Unlock()
	}}
	start := time.Now()
	res, err := Sync(context.Background(), st, c, &state, opts)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first sync of %s: %v, %d meetings, %d attachments (%d KB) fetched, %d not downloaded, %d API requests, %d file-store downloads, at most %d at once",
		oekonomi, took.Round(time.Millisecond), len(res.Imports), res.Attachments, res.AttachmentBytes>>10, res.NotDownloaded, len(r.APITimes()), r.Count("file"), r.MostAtOnce())
	if took > 60*time.Second {
		t.Errorf("the first sync took %v; the budget is 60 s", took)
	}
	if len(res.Imports) != 42 {
		t.Fatalf("%d meetings applied; want the committee's 42", len(res.Imports))
	}

	// What the member needs tonight is here; the rest is listed, not downloaded.
	eagerFrom := time.Now().AddDate(0, 0, -DefaultAttachmentDays)
	recentStored, recentMissing, oldStored, oldMissing := attachmentsByWindow(t, st, eagerFrom)
	if recentMissing != 0 || recentStored < 100 {
		t.Errorf("upcoming and recent meetings: %d attachments stored, %d missing; want all (>100) stored", recentStored, recentMissing)
	}
	if oldStored != 0 || oldMissing < 1000 || res.NotDownloaded != oldMissing {
		t.Errorf("older meetings: %d attachments stored, %d not downloaded (result says %d); want none stored, >1000 listed", oldStored, oldMissing, res.NotDownloaded)
	}
	if res.Attachments != recentStored {
		t.Errorf("%d attachments fetched, %d stored", res.Attachments, recentStored)
	}

	// The site's budget held: no three API requests within one second.
	api := r.APITimes()
	for i := 2; i < len(api); i++ {
		if gap := api[i].Sub(api[i-2]); gap < 950*time.Millisecond {
			t.Fatalf("API requests %d and %d arrived %v apart; the budget is 2 per second", i-2, i, gap)
		}
	}
	// The attachments came from the file store, several at once, never more than 4.
	if r.Count("file") != res.Attachments || r.MostAtOnce() > DefaultParallel || r.MostAtOnce() < 2 {
		t.Errorf("%d file-store downloads for %d attachments, at most %d at once; want one each, 2–4 at once", r.Count("file"), res.Attachments, r.MostAtOnce())
	}

	// Progress told meetings and attachments apart, with bytes and an estimate.
	mu.Lock()
	defer mu.Unlock()
	var sawBoth, sawETA bool
	var last progress.Progress
	for _, p := range reports {
		if p.MeetingsTotal > 0 && p.AttachmentsTotal > 0 && p.Meetings < p.MeetingsTotal {
			sawBoth = true
		}
		if p.ETA > 0 && p.ETA < 2*time.Minute {
			sawETA = true
		}
		if p.Bytes < last.Bytes {
			t.Fatalf("bytes went back from %d to %d", last.Bytes, p.Bytes)
		}
		last = p
	}
	if !sawBoth || !sawETA || last.Meetings != 42 && last.MeetingsTotal != 42 || last.Attachments != res.Attachments || last.Bytes < res.AttachmentBytes {
		t.Errorf("progress: both counted while meetings ran %v, an ETA %v, last %+v", sawBoth, sawETA, last)
	}

	// Older attachments when asked for: all of them, and only them (without a rate
	// limit here: 1,210 redirect lookups at the default pace would take 2½ minutes).
	r.Reset()
	r.SetFileDelay(0)
	fast, _ := New(r.URL, httpx.New(httpx.Options{Rate: -1}))
	res, err = Sync(context.Background(), st, fast, &state, Options{Wants: wantOnly(oekonomi), Attachments: true, AllAttachments: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Attachments != oldMissing || res.NotDownloaded != 0 || r.Count("file") != oldMissing {
		t.Fatalf("--all-attachments fetched %d (%d downloads) of %d, %d left", res.Attachments, r.Count("file"), oldMissing, res.NotDownloaded)
	}
	if _, _, _, left := attachmentsByWindow(t, st, eagerFrom); left != 0 {
		t.Fatalf("%d attachments still not downloaded", left)
	}
}

// recentPublication is the publication of the committee's newest meeting that is
// already held (within RecentDays), and its item with a recommendation.
func recentPublication(t *testing.T, r *replay.Site, committee string) (pubID string) {
	t.Helper()
	ids := r.IDs(committee)
	for i := len(ids) - 1; i >= 0; i-- {
		d, _ := time.Parse(time.RFC3339, r.Meta(ids[i]).Dato)
		if d.Before(time.Now()) && d.After(time.Now().AddDate(0, 0, -RecentDays)) {
			return ids[i]
		}
	}
	t.Fatal("no recent meeting held")
	return ""
}

func TestRecentChangeWithoutNewReleaseTimeIsFound(t *testing.T) {
	for _, validators := range []bool{true, false} {
		name := "conditional request"
		if !validators {
			name = "content hash"
		}
		t.Run(name, func(t *testing.T) {
			r := replay.New(t, replay.Options{ShiftNewestOf: oekonomi, NoValidators: !validators})
			c, _ := New(r.Start(t), httpx.New(httpx.Options{Rate: -1}))
			st := openStore(t)
			var state State
			opts := Options{Wants: wantOnly(oekonomi)}
			ctx := context.Background()
			if _, err := Sync(ctx, st, c, &state, opts); err != nil {
				t.Fatal(err)
			}
			pub := recentPublication(t, r, oekonomi)
			m := parse(t, r, pub)
			stored, err := st.Meeting(m.ID)
			if err != nil {
				t.Fatal(err)
			}
			target, note := noteOnFirstRecommendation(t, st, stored, agenda.StanceAgainst, "Vi stemmer imod.")

			// Nothing changed: the recent meetings are asked for, nothing is written.
			gen, _ := st.Generation()
			r.Reset()
			res, err := Sync(ctx, st, c, &state, opts)
			if err != nil {
				t.Fatal(err)
			}
			recent := r.Count("meeting")
			if recent == 0 || recent > 5 || res.NotModified != recent {
				t.Fatalf("unchanged: %d meetings asked for, %d unchanged; want the few recent ones, all unchanged", recent, res.NotModified)
			}
			if validators && r.Count("not-modified") != recent {
				t.Fatalf("%d of %d answered 304", r.Count("not-modified"), recent)
			}
			if g, _ := st.Generation(); g != gen {
				t.Fatal("an unchanged re-sync wrote to the store")
			}

			// The secretariat corrects the recommendation; the site's release time stays.
			r.Edit(t, pub, func(doc map[string]any) {
				for _, x := range doc["Dagsordenpunkter"].([]any) {
					it := x.(map[string]any)
					if it["Id"] != target.SourceID {
						continue
					}
					for _, f := range it["Felter"].([]any) {
						fm := f.(map[string]any)
						fm["Html"] = strings.Replace(fm["Html"].(string), "indstiller", "indstiller (rettet)", 1)
					}
				}
			})
			r.Reset()
			res, err = Sync(ctx, st, c, &state, opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Imports) != 1 || len(res.Imports[0].Changes) != 1 || res.Imports[0].Changes[0].ItemID != target.ID {
				t.Fatalf("after the correction: %+v; want the meeting updated, that item changed", res.Imports)
			}
			got, err := st.Note(note.ID)
			if err != nil || got.Text != note.Text || got.Anchor.ItemID != target.ID || got.Status != agenda.StatusChanged {
				t.Fatalf("note after the correction: %+v %v; want it kept on its item, flagged changed", got, err)
			}
			sums, _ := st.Meetings()
			for _, s := range sums {
				if s.ID != m.ID {
					continue
				}
				for _, it := range s.Items {
					if it.ID == target.ID && !it.Changed {
						t.Fatal("the item is not marked changed in the meeting list")
					}
				}
			}
		})
	}
}

// parse reads a publication of the replayed site as the sync does.
func parse(t *testing.T, r *replay.Site, pubID string) agenda.Meeting {
	t.Helper()
	p, err := fa.ParseSite("x", r.Data(pubID), r.URL)
	if err != nil || len(p.Meetings) != 1 {
		t.Fatalf("parse %s: %v", pubID, err)
	}
	return p.Meetings[0]
}

// noteOnFirstRecommendation saves a note on the first recommendation of the first open
// item that has one, anchored as the UI anchors it, and returns the item and the note.
func noteOnFirstRecommendation(t *testing.T, st interface{ SaveNote(*agenda.Note) error }, m *agenda.Meeting, stance agenda.Stance, text string) (agenda.Item, *agenda.Note) {
	t.Helper()
	i := slices.IndexFunc(m.Items, func(it agenda.Item) bool { return len(it.Recommendations) > 0 && !it.Closed })
	if i < 0 {
		t.Fatalf("%s has no open item with a recommendation", m.Title)
	}
	target := m.Items[i]
	rec := 0
	anchor, err := agenda.AnchorOn(m, &target, &rec)
	if err != nil {
		t.Fatal(err)
	}
	note := &agenda.Note{Anchor: anchor, Stance: stance, Text: text, Visibility: agenda.Private}
	if err := st.SaveNote(note); err != nil {
		t.Fatal(err)
	}
	return target, note
}
