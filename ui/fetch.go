package ui

import (
	"context"
	"fmt"
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/dagsorden/dagsorden/agenda"
)

// AttachmentFetcher fetches an attachment the store lists without its content: a sync
// fetches the attachments of upcoming and recent meetings and leaves older ones for when
// they are opened. progress may be called from any goroutine with the bytes so far and
// the announced size (0 when unknown), never after FetchAttachment returns. It returns
// the attachment as stored. The command wires it to the sync; nil means an attachment
// that is not stored shows its address, as before.
type AttachmentFetcher interface {
	FetchAttachment(ctx context.Context, meetingID, itemID, attachmentID string, progress func(got, total int64)) (agenda.Attachment, error)
}

// notDownloaded: the source lists the attachment, but its content is not on this machine.
func notDownloaded(a agenda.Attachment) bool { return a.SHA256 == "" && a.URL != "" }

// fetchState is the attachment being fetched (o or t on one that is not downloaded); at
// most one at a time, results of an older one dropped by seq.
type fetchState struct {
	seq     int
	running bool
	cancel  context.CancelFunc
}

type (
	fetchProgressMsg struct {
		seq        int
		title      string
		got, total int64
	}
	fetchDoneMsg struct {
		seq  int
		att  agenda.Attachment
		text bool // show its text rather than open it
		err  error
	}
	fetchWaitMsg struct {
		msg tea.Msg
		ch  chan tea.Msg
	}
)

// startFetch fetches a in a command and then opens it (or shows its text); its progress
// comes through a channel as syncs' does, shown on the status line.
func (m *model) startFetch(meetingID, itemID string, a agenda.Attachment, text bool) tea.Cmd {
	if m.fetch.running && m.fetch.cancel != nil {
		m.fetch.cancel() // the member chose another: the first is dropped
	}
	m.fetch.seq++
	m.fetch.running = true
	ctx, cancel := context.WithCancel(context.Background())
	m.fetch.cancel = cancel
	seq, f := m.fetch.seq, m.opts.Fetcher
	ch := make(chan tea.Msg, 16)
	var mu sync.Mutex
	done := false
	progress := func(got, total int64) {
		mu.Lock()
		defer mu.Unlock()
		if !done && len(ch) < cap(ch)-1 {
			ch <- fetchProgressMsg{seq: seq, title: a.Title, got: got, total: total}
		}
	}
	work := func() tea.Msg {
		stored, err := f.FetchAttachment(ctx, meetingID, itemID, a.ID, progress)
		mu.Lock()
		done = true
		ch <- fetchDoneMsg{seq: seq, att: stored, text: text, err: err}
		close(ch)
		mu.Unlock()
		return nil
	}
	m.c.status(fmt.Sprintf(m.c.T.AttachmentFetching, a.Title, ""))
	return tea.Batch(work, waitFetch(ch))
}

func waitFetch(ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return fetchWaitMsg{msg: msg, ch: ch}
	}
}

func (m *model) fetchMsg(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case fetchWaitMsg:
		if done, ok := msg.msg.(fetchDoneMsg); ok {
			return m.fetchMsg(done)
		}
		p := msg.msg.(fetchProgressMsg)
		if p.seq == m.fetch.seq && m.fetch.running {
			m.c.status(fmt.Sprintf(m.c.T.AttachmentFetching, p.title, m.fetchAmount(p.got, p.total)))
		}
		return waitFetch(msg.ch)
	case fetchDoneMsg:
		if msg.seq != m.fetch.seq {
			return nil
		}
		m.fetch.running = false
		if m.fetch.cancel != nil {
			m.fetch.cancel()
		}
		if msg.err != nil {
			m.c.Log.Printf("fetch attachment %s: %v", msg.att.Title, msg.err)
			return m.setStatus(fmt.Sprintf(m.c.T.AttachmentFetchFailed, msg.att.Title, m.c.errText(msg.err)), true)
		}
		if msg.text {
			return m.handleIntent(textIntent{Att: msg.att})
		}
		return m.openAttachment(msg.att)
	}
	return nil
}

// fetchAmount is "1,2 MB af 3,4 MB" (or "1.2 MB of 3.4 MB").
func (m *model) fetchAmount(got, total int64) string {
	if total > 0 {
		return fmt.Sprintf(m.c.T.AttachmentFetchOf, sizeLabel(got), sizeLabel(total))
	}
	return sizeLabel(got)
}
