package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/progress"
	tea "charm.land/bubbletea/v2"
)

// Progress is one report from a running sync: how far one source has come.
type Progress struct {
	Source      string
	Done, Total int
	// Phase is a short word ("henter", "importerer", "fejl"/"error" …); Message says more.
	// A report with Phase "error" is remembered as that source's error.
	Phase, Message string
}

type (
	syncProgressMsg struct {
		seq int
		p   Progress
	}
	syncDoneMsg struct {
		seq     int
		summary string
		err     error
	}
)

// syncState is the sync the member started with S: at most one runs; results of an
// older one are dropped by seq.
type syncState struct {
	seq     int
	running bool
	cancel  context.CancelFunc
	order   []string
	sources map[string]Progress
	errs    map[string]string
	last    time.Time
}

// startSync runs Options.Sync in a command; its progress reports come through a channel
// that waitSync turns into messages, one at a time, so the UI never blocks.
func (m *model) startSync() tea.Cmd {
	if m.opts.Sync == nil {
		return m.setStatus(m.c.T.SyncUnavailable, true)
	}
	if m.sync.running {
		return m.setStatus(m.c.T.SyncBusy, false)
	}
	m.sync.seq++
	m.sync.running = true
	m.sync.order, m.sync.sources, m.sync.errs = nil, map[string]Progress{}, map[string]string{}
	ctx, cancel := context.WithCancel(context.Background())
	m.sync.cancel = cancel
	seq, run := m.sync.seq, m.opts.Sync
	// Reports and the result travel on one channel, so the result never overtakes a
	// report; one slot is kept free for the result so the sync never blocks on the UI.
	ch := make(chan tea.Msg, 64)
	var mu sync.Mutex
	report := func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		if len(ch) < cap(ch)-1 {
			ch <- syncProgressMsg{seq: seq, p: p}
		} // else the UI is behind: a later report says more
	}
	work := func() tea.Msg {
		summary, err := run(ctx, report)
		mu.Lock()
		ch <- syncDoneMsg{seq: seq, summary: summary, err: err}
		close(ch)
		mu.Unlock()
		return nil
	}
	m.setStatus(m.c.T.SyncRunning, false)
	return tea.Batch(work, waitSync(ch))
}

func waitSync(ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return syncWaitMsg{msg: msg, ch: ch}
	}
}

// syncWaitMsg carries a report and the channel to wait on for the next.
type syncWaitMsg struct {
	msg tea.Msg
	ch  chan tea.Msg
}

func (m *model) syncMsg(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case syncWaitMsg:
		if done, ok := msg.msg.(syncDoneMsg); ok {
			return m.syncMsg(done)
		}
		p := msg.msg.(syncProgressMsg)
		if p.seq == m.sync.seq && m.sync.running {
			if _, ok := m.sync.sources[p.p.Source]; !ok {
				m.sync.order = append(m.sync.order, p.p.Source)
			}
			m.sync.sources[p.p.Source] = p.p
			if ph := strings.ToLower(p.p.Phase); ph == "error" || ph == "fejl" {
				m.sync.errs[p.p.Source] = p.p.Message
			}
		}
		return waitSync(msg.ch)
	case syncDoneMsg:
		if msg.seq != m.sync.seq {
			return nil // an older sync: its result is stale
		}
		m.sync.running = false
		if m.sync.cancel != nil {
			m.sync.cancel()
		}
		m.sync.last = m.c.Now()
		var errs []string
		for _, s := range m.sync.order {
			if e := m.sync.errs[s]; e != "" {
				errs = append(errs, fmt.Sprintf(m.c.T.SyncSourceFailed, s, e))
			}
		}
		if msg.err != nil {
			m.c.Log.Printf("sync: %v", msg.err)
			return tea.Batch(m.setStatus(fmt.Sprintf(m.c.T.SyncFailed, strings.Join(append(errs, m.c.errText(msg.err)), " · ")), true), m.reloadHome())
		}
		text := fmt.Sprintf(m.c.T.SyncDone, msg.summary)
		if len(errs) > 0 {
			text += " · " + strings.Join(errs, " · ")
		}
		return tea.Batch(m.setStatus(text, len(errs) > 0), m.reloadHome())
	}
	return nil
}

// syncLines draws a progress bar per source while a sync runs.
func (m *model) syncLines(w int) []string {
	if !m.sync.running || len(m.sync.order) == 0 {
		return nil
	}
	st := m.c.Styles
	nameW := 0
	for _, s := range m.sync.order {
		nameW = max(nameW, widthOf(s))
	}
	nameW = min(nameW, w/3)
	barW := max(w-nameW-24, 10)
	bar := progress.New(progress.WithWidth(barW), progress.WithoutPercentage())
	if m.c.NoColor {
		bar = progress.New(progress.WithWidth(barW), progress.WithoutPercentage(), progress.WithFillCharacters('#', '.'), progress.WithColors())
	}
	var out []string
	for _, s := range slices.Clip(m.sync.order) {
		p := m.sync.sources[s]
		frac := 0.0
		if p.Total > 0 {
			frac = float64(p.Done) / float64(p.Total)
		}
		line := " " + fit(s, nameW) + " " + bar.ViewAs(frac) + " " + st.Subtle.Render(fmt.Sprintf("%d/%d %s", p.Done, p.Total, p.Phase))
		out = append(out, cut(line, w))
	}
	return out
}
