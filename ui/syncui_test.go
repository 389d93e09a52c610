package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"
)

// S runs the sync in a command; the driver runs commands to the end, so the reports and
// the result arrive in order and the screen shows the summary and each source's error.
func TestSyncShowsSummaryAndSourceErrors(t *testing.T) {
	calls := 0
	sync := func(ctx context.Context, progress func(Progress)) (string, error) {
		calls++
		progress(Progress{Source: "Fjordby", Done: 1, Total: 2, Phase: "henter"})
		progress(Progress{Source: "Fjordby", Done: 2, Total: 2, Phase: "færdig"})
		progress(Progress{Source: "KKR", Phase: "fejl", Message: "serveren svarer ikke"})
		return "1 nyt møde", nil
	}
	d := newDriver(t, exampleStore(t), Options{Sync: sync}, 100, 30)
	d.mustSee("S synkronisér")
	d.keys("S")
	if calls != 1 {
		t.Fatalf("sync ran %d times", calls)
	}
	d.mustSee("Synkroniseret: 1 nyt møde", "KKR: serveren svarer ikke", "Sidst synkroniseret kl. 12.00")
	if d.m.sync.running {
		t.Fatal("still running after the result")
	}
}

func TestSyncErrorAndUnavailable(t *testing.T) {
	d := newDriver(t, exampleStore(t), Options{Sync: func(context.Context, func(Progress)) (string, error) {
		return "", errors.New("ingen kilder")
	}}, 100, 30)
	d.keys("S")
	d.mustSee("Synkroniseringen fejlede", "ingen kilder")

	d = newDriver(t, exampleStore(t), Options{}, 100, 30)
	d.mustNotSee("synkronisér") // without Options.Sync the key is hidden and does nothing
	d.keys("S", "?")
	d.mustNotSee("synkronisér")
}

// A stale result (of a sync before the current one) changes nothing.
func TestSyncDropsStaleResults(t *testing.T) {
	d := newDriver(t, exampleStore(t), Options{Sync: func(context.Context, func(Progress)) (string, error) { return "ok", nil }}, 100, 30)
	d.m.sync.seq, d.m.sync.running = 5, true
	d.send(syncDoneMsg{seq: 4, summary: "gammel"})
	if !d.m.sync.running {
		t.Fatal("a stale result ended the current sync")
	}
	d.mustNotSee("gammel")
}

// In the real program the sync blocks in its command while the UI keeps answering keys
// and draws a progress bar per source.
func TestFlowSyncNeverBlocks(t *testing.T) {
	release := make(chan struct{})
	sync := func(ctx context.Context, progress func(Progress)) (string, error) {
		progress(Progress{Source: "Fjordby Kommune", Done: 3, Total: 10, Phase: "henter"})
		select {
		case <-release:
		case <-ctx.Done():
			return "", ctx.Err()
		}
		return "2 nye møder", nil
	}
	st := exampleStore(t)
	m := newModel(st, Options{Now: func() time.Time { return testNow }, Sync: sync}, nil)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	waitFor(t, tm, "Kommende møder")
	send(tm, "S")
	waitFor(t, tm, "3/10 henter")
	send(tm, "?") // the UI answers while the sync runs
	waitFor(t, tm, "Taster")
	close(release)
	waitFor(t, tm, "2 nye møder") // the renderer rewrites only the cells after "Synkroniser"
	send(tm, "q")
	v := finalView(t, tm)
	if strings.Contains(v, "3/10") {
		t.Fatal("the progress bar outlived the sync")
	}
}
