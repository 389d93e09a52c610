package firstagenda

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/sync/httpx"
	"github.com/dagsorden/dagsorden/sync/progress"
)

// job is one attachment to fetch, with what names it in messages.
type job struct {
	meeting string
	item    agenda.Item
	att     agenda.Attachment
}

// downloader fetches attachments with bounded parallelism while the meetings are still
// coming in (they take the site's request budget, the attachments its file store), in
// the order they were queued: the meetings a member needs first come first.
type downloader struct {
	ctx    context.Context
	cancel context.CancelFunc
	st     Store
	c      *Client
	limit  int64
	tr     *tracker

	mu      sync.Mutex
	more    *sync.Cond
	queue   []job
	closed  bool
	wg      sync.WaitGroup
	fetched int
	bytes   int64
	skipped []string
	stalled []string // attachments given up on because a server stalled
	stallOf error
	err     error // the store failed: the sync fails
}

func newDownloader(ctx context.Context, st Store, c *Client, limit int64, parallel int, tr *tracker) *downloader {
	ctx, cancel := context.WithCancel(ctx)
	d := &downloader{ctx: ctx, cancel: cancel, st: st, c: c, limit: limit, tr: tr}
	d.more = sync.NewCond(&d.mu)
	for range parallel {
		d.wg.Go(d.work)
	}
	return d
}

func (d *downloader) add(j job) {
	d.mu.Lock()
	d.queue = append(d.queue, j)
	d.mu.Unlock()
	d.tr.queued(1)
	d.more.Signal()
}

// finish waits for the queue to drain (or, with abort, for the running downloads to
// stop) and returns the store's error, if any.
func (d *downloader) finish(abort bool) error {
	d.mu.Lock()
	d.closed = true
	if abort {
		d.queue = nil
		d.cancel()
	}
	d.mu.Unlock()
	d.more.Broadcast()
	d.wg.Wait()
	d.cancel()
	if n := len(d.stalled); n > 0 {
		d.skipped = append(d.skipped, fmt.Sprintf("%d attachments were not fetched: %v; they are listed as not downloaded", n, d.stallOf))
	}
	return d.err
}

func (d *downloader) work() {
	for {
		d.mu.Lock()
		for len(d.queue) == 0 && !d.closed {
			d.more.Wait()
		}
		if len(d.queue) == 0 {
			d.mu.Unlock()
			return
		}
		j := d.queue[0]
		d.queue = d.queue[1:]
		d.mu.Unlock()
		d.fetch(j)
	}
}

func (d *downloader) fetch(j job) {
	a, it := j.att, j.item
	began := time.Now()
	var last int64
	data, err := d.c.Attachment(d.ctx, a.SourceID, d.limit, func(got, _ int64) {
		d.tr.received(got - last)
		last = got
	})
	if err != nil {
		if d.ctx.Err() != nil {
			return
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		switch {
		case errors.Is(err, httpx.ErrTooLarge):
			d.skipped = append(d.skipped, fmt.Sprintf("attachment %q of item %s in %s is larger than %d MB; kept as a link", a.Title, it.Number, j.meeting, d.limit>>20))
		case errors.Is(err, httpx.ErrTooSlow):
			d.stalled = append(d.stalled, a.Title)
			if d.stallOf == nil {
				d.stallOf = err
			}
		default:
			d.skipped = append(d.skipped, fmt.Sprintf("attachment %q of item %s in %s could not be fetched (%v); it is listed as not downloaded", a.Title, it.Number, j.meeting, err))
		}
		d.tr.attachmentDone(time.Since(began), a.Title)
		return
	}
	if _, err := d.st.PutAttachmentContent(it.ID, a.ID, data); err != nil {
		d.mu.Lock()
		if d.err == nil {
			d.err = fmt.Errorf("store attachment %q of %s: %w", a.Title, j.meeting, err)
		}
		d.mu.Unlock()
		d.cancel()
		return
	}
	d.mu.Lock()
	d.fetched++
	d.bytes += int64(len(data))
	d.mu.Unlock()
	d.tr.attachmentDone(time.Since(began), a.Title)
}

// tracker turns a site sync's counts into progress reports: meetings and attachments
// apart, the bytes received and an estimate of the time left.
type tracker struct {
	source   string
	report   progress.Func
	start    time.Time
	rate     float64 // the site's request budget; 0: none
	parallel int

	mu                sync.Mutex
	meetings, mTotal  int
	atts, aTotal      int
	bytes             int64
	attTime           time.Duration
	meetingsStartedAt time.Time
	msg               string
	lastSent          time.Time
}

func (t *tracker) setMeetings(n int) {
	t.mu.Lock()
	t.mTotal = n
	t.meetingsStartedAt = time.Now()
	t.mu.Unlock()
}

func (t *tracker) meeting(done int, label string) {
	t.mu.Lock()
	t.meetings, t.msg = done, label
	t.mu.Unlock()
	t.send(progress.Progress{Phase: progress.PhaseFetch})
}

// meetingBytes counts a meeting's JSON.
func (t *tracker) meetingBytes(n int) {
	t.mu.Lock()
	t.bytes += int64(n)
	t.mu.Unlock()
}

func (t *tracker) queued(n int) {
	t.mu.Lock()
	t.aTotal += n
	t.mu.Unlock()
}

func (t *tracker) received(n int64) {
	t.mu.Lock()
	t.bytes += n
	throttled := time.Since(t.lastSent) < 100*time.Millisecond
	t.mu.Unlock()
	if !throttled {
		t.send(progress.Progress{})
	}
}

func (t *tracker) attachmentDone(took time.Duration, title string) {
	t.mu.Lock()
	t.atts++
	t.attTime += took
	if t.meetings >= t.mTotal {
		t.msg = title
	}
	t.mu.Unlock()
	t.send(progress.Progress{})
}

// send fills in the counts and sends p; a p without a phase takes the current one.
func (t *tracker) send(p progress.Progress) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p.Source = t.source
	p.Meetings, p.MeetingsTotal = t.meetings, t.mTotal
	p.Attachments, p.AttachmentsTotal = t.atts, t.aTotal
	p.Bytes = t.bytes
	if p.Phase == "" {
		p.Phase = progress.PhaseFetch
		if t.meetings >= t.mTotal && t.aTotal > 0 {
			p.Phase = progress.PhaseAttachments
		}
	}
	if p.Total == 0 {
		switch p.Phase {
		case progress.PhaseFetch:
			p.Done, p.Total = t.meetings, t.mTotal
		case progress.PhaseAttachments:
			p.Done, p.Total = t.atts, t.aTotal
		}
	}
	if p.Message == "" {
		p.Message = t.msg
	}
	p.ETA = t.eta()
	t.lastSent = time.Now()
	t.report.Report(p)
}

// eta estimates the time left: the meetings still to ask for at the site's rate (or at
// the pace so far), and beside them the attachments queued at the pace so far, so many
// at once; the longer of the two, since they run side by side.
func (t *tracker) eta() time.Duration {
	var meetings time.Duration
	if left := t.mTotal - t.meetings; left > 0 {
		switch {
		case t.rate > 0:
			meetings = time.Duration(float64(left) / t.rate * float64(time.Second))
		case t.meetings > 0:
			meetings = time.Since(t.meetingsStartedAt) / time.Duration(t.meetings) * time.Duration(left)
		}
	}
	var atts time.Duration
	if left := t.aTotal - t.atts; left > 0 && t.atts > 0 {
		atts = t.attTime / time.Duration(t.atts) * time.Duration(left) / time.Duration(max(t.parallel, 1))
	}
	return max(meetings, atts)
}
