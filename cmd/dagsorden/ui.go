package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	dsync "github.com/dagsorden/dagsorden/sync"
	"github.com/dagsorden/dagsorden/sync/group"
	"github.com/dagsorden/dagsorden/ui"
)

// runUI opens the reading room on a terminal; with output to a pipe or file it prints
// the agendas as text instead. When the member chooses the example on the welcome
// screen, it opens in a throw-away store (as --demo does), and closing it brings them
// back to their own, still empty, store.
func runUI(e *env, demo bool) error {
	for {
		err := readingRoom(e, demo)
		if demo || !errors.Is(err, ui.ErrOpenExample) {
			return err
		}
		if err := runDemo(e); err != nil {
			return err
		}
	}
}

func readingRoom(e *env, demo bool) error {
	dir, err := e.dataFolder()
	if err != nil {
		return err
	}
	st, err := store.OpenWith(dir, e.storeOptions())
	if err != nil {
		return err
	}
	defer st.Close()
	if f, ok := e.stdout.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		return printAgendas(e.stdout, st)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	lang := uiLang(e.lang)
	gc := &group.Client{Store: st, Author: author()}
	return ui.Run(ctx, st, ui.Options{
		Lang:        lang,
		Demo:        demo,
		LogFile:     e.logFile,
		Author:      author(),
		OpenExample: !demo,
		LoadExample: func() error { return loadExample(st) },
		Now:         time.Now,
		Group:       gc,
		WriteBrief: func(meetingID, grp string) (string, error) {
			b, err := gc.Brief(meetingID, grp, "md")
			if err != nil {
				return "", err
			}
			// The file name is ours (the meeting id is a hex hash), never a name from a source.
			name := "dagsorden-brief-" + meetingID + ".md"
			if err := os.WriteFile(name, b, 0o600); err != nil {
				name = filepath.Join(st.Dir(), name)
				if err := os.WriteFile(name, b, 0o600); err != nil {
					return "", err
				}
			}
			return filepath.Abs(name)
		},
		Sync: func(ctx context.Context, progress func(ui.Progress)) (string, error) {
			return syncFromUI(ctx, st, gc, lang, progress)
		},
		Fetcher: attachmentFetcher{st},
	})
}

// attachmentFetcher fetches, for o and t in the reading room, an attachment the sync left
// for when it is opened.
type attachmentFetcher struct{ st *store.Store }

func (f attachmentFetcher) FetchAttachment(ctx context.Context, meetingID, itemID, attachmentID string, progress func(got, total int64)) (agenda.Attachment, error) {
	return dsync.FetchAttachment(ctx, f.st, meetingID, itemID, attachmentID, progress, nil)
}

// syncFromUI runs what `dagsorden sync` runs (sources, then groups) for the S key and
// sums it up in one line in the UI's language.
func syncFromUI(ctx context.Context, st *store.Store, gc *group.Client, lang string, progress func(ui.Progress)) (string, error) {
	report := func(p dsync.Progress) {
		phase := string(p.Phase)
		if p.Err != nil {
			phase, p.Message = "error", p.Err.Error()
		}
		up := ui.Progress{Source: p.Source, Done: p.Done, Total: p.Total, Phase: phase, Message: p.Message}
		if p.MeetingsTotal > 0 && p.Err == nil {
			// A site: meetings and attachments run side by side; the bar shows both.
			up.Done, up.Total = p.Meetings+p.Attachments, p.MeetingsTotal+p.AttachmentsTotal
			up.Message = fmt.Sprintf("møder %d/%d · bilag %d/%d", p.Meetings, p.MeetingsTotal, p.Attachments, p.AttachmentsTotal)
			if lang == "en" {
				up.Message = fmt.Sprintf("meetings %d/%d · attachments %d/%d", p.Meetings, p.MeetingsTotal, p.Attachments, p.AttachmentsTotal)
			}
		}
		progress(up)
	}
	var added, updated, failed int
	srcs, err := dsync.SourceList(st.Dir())
	if err != nil {
		return "", err
	}
	if len(srcs) > 0 {
		results, err := dsync.Sync(ctx, st, dsync.Options{Progress: report})
		if err != nil {
			return "", err
		}
		for _, r := range results {
			if r.Err != nil {
				failed++
				continue
			}
			a, u, _ := r.Counts()
			added, updated = added+a, updated+u
		}
	}
	shared, strangers := 0, 0
	if gs, err := st.Groups(); err == nil && len(gs) > 0 {
		results, _ := gc.Sync(ctx)
		for _, r := range results {
			if r.Err != nil {
				failed++
				progress(ui.Progress{Source: r.Group, Phase: "error", Message: r.Err.Error()})
				continue
			}
			if r.Notice != "" {
				progress(ui.Progress{Source: r.Group, Phase: "done", Message: r.Notice})
			}
			shared += r.Applied
			strangers += len(r.Strangers)
		}
	}
	if lang == "en" {
		s := fmt.Sprintf("%d new meetings, %d updated, %d group notes received", added, updated, shared)
		if failed > 0 {
			s += fmt.Sprintf(", %d failed", failed)
		}
		if strangers > 0 {
			s += fmt.Sprintf(", warning: the server lists %d unknown members (see group members)", strangers)
		}
		return s, nil
	}
	s := fmt.Sprintf("%d nye møder, %d opdaterede, %d gruppenoter modtaget", added, updated, shared)
	if failed > 0 {
		s += fmt.Sprintf(", %d fejlede", failed)
	}
	if strangers > 0 {
		s += fmt.Sprintf(", advarsel: serveren viser %d ukendte medlemmer (se group members)", strangers)
	}
	return s, nil
}

// uiLang picks the UI language: --lang, else English for an English locale, else Danish.
func uiLang(flag string) string {
	if flag != "" {
		return flag
	}
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(k); v != "" {
			if strings.HasPrefix(v, "en") {
				return "en"
			}
			return "da"
		}
	}
	return "da"
}
