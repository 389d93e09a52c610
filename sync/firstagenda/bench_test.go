package firstagenda

import (
	"context"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/sync/httpx"
	"github.com/dagsorden/dagsorden/sync/internal/replay"
)

// benchFirstSync is the first sync of Økonomiudvalget (42 meetings, 1,322 attachments)
// from the shifted Greve replay with a file store whose downloads take 300 ms each.
func benchFirstSync(b *testing.B, rate float64) {
	r := replay.New(b, replay.Options{ShiftNewestOf: oekonomi, FileStore: true, PDFSize: 40 << 10, FileDelay: 300 * time.Millisecond})
	r.Start(b)
	var fetched int
	for b.Loop() {
		b.StopTimer()
		st := openStore(b)
		c, _ := New(r.URL, httpx.New(httpx.Options{Rate: rate}))
		b.StartTimer()
		var state State
		res, err := Sync(context.Background(), st, c, &state, Options{Wants: wantOnly(oekonomi), Attachments: true})
		if err != nil || len(res.Imports) != 42 {
			b.Fatalf("%v, %d meetings", err, len(res.Imports))
		}
		fetched = res.Attachments
	}
	b.ReportMetric(float64(fetched), "attachments")
}

// BenchmarkFirstSiteSync is at the default, polite rate: 2 requests/s to the site.
func BenchmarkFirstSiteSync(b *testing.B) { benchFirstSync(b, 0) }

// BenchmarkFirstSiteSyncUnlimited is the same without a rate limit: what the sync and the
// store cost beside the site's budget.
func BenchmarkFirstSiteSyncUnlimited(b *testing.B) { benchFirstSync(b, -1) }
