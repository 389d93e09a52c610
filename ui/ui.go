// Package ui is dagsorden's reading room: a full-screen Bubble Tea program over the local
// store in which a member lists meetings and reading material, reads an agenda and its
// items, selects recommendations (indstillinger), writes notes and stances, and searches.
//
// The package owns no data. Everything it shows comes from a Store — an interface
// declared here, at the consumer, and satisfied by *store.Store — and every note goes back
// through Store.SaveNote. It must not write to the terminal outside Bubble Tea, must not log
// anywhere but the file named in Options.LogFile, does no I/O inside Update or View (all
// I/O runs in tea.Cmds that capture values), and never drops a note: the program does not
// exit while a save is in flight, and it asks before leaving an editor with unsaved text.
package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
)

// Store is what the reading room needs from the store. *store.Store satisfies it.
type Store interface {
	Meetings() ([]store.MeetingSummary, error)
	Meeting(id string) (*agenda.Meeting, error)
	Documents() ([]agenda.Document, error)
	Document(id string) (*agenda.Document, error)
	Attachment(sha256 string) ([]byte, error)
	Notes() ([]agenda.Note, error)
	NotesForMeeting(meetingID string) ([]agenda.Note, error)
	SaveNote(n *agenda.Note) error
	DeleteNote(id string) error
	MarkRead(itemID, textHash string) error
	ReadMarks() (map[string]string, error)
	// Generation grows with every write by any process; the UI polls it about once a
	// second and reloads when it moved, so an import from another terminal shows up.
	Generation() (uint64, error)
}

// Searcher is the full-text search the search screen (/) runs as the user types. When the
// Store also implements it, search works; otherwise the screen says search is not
// available. Hits come ranked, best first, a page at a time, with the number of hits in
// all; SearchOptions.MeetingID keeps a search to the open meeting.
type Searcher interface {
	SearchWith(query string, o SearchOptions) (SearchResult, error)
}

// Options configure Run.
type Options struct {
	// Lang is "da" (the default) or "en".
	Lang string
	// Demo opens straight into the first meeting (dagsorden --demo).
	Demo bool
	// LogFile, when set, receives the UI's log lines; otherwise nothing is logged.
	LogFile string
	// OpenExample: the welcome screen of an empty store offers the bundled example on
	// enter. Choosing it ends Run with ErrOpenExample, and the caller opens the example in
	// a throw-away store (as --demo does): the member's own store stays as it was.
	OpenExample bool
	// LoadExample imports the bundled example meeting into the member's store, to keep
	// (i on the welcome screen of an empty store); nil hides the offer.
	LoadExample func() error
	// Author names the member whose notes are "mine": their stances are shown and cycled.
	// Notes written in the UI carry it.
	Author string
	// NoColor draws without colours (also on when NO_COLOR is set in the environment).
	NoColor bool
	// OpenFile opens a locally stored attachment with the system viewer. The default runs
	// xdg-open (open on macOS) without waiting for it.
	OpenFile func(path string) error
	// TempDir is where attachments are written for the viewer; default os.TempDir().
	TempDir string
	// Now is the clock that decides which meetings are upcoming; default time.Now.
	Now func() time.Time
	// Group is the party-group side of the formøde view (F on an agenda): wire
	// &group.Client{Store: st, Author: author}. nil hides the view.
	Group Formoede
	// WriteBrief writes the formøde brief (Markdown) of a meeting for group ("" for only
	// the member's notes) and returns where (B on an agenda or in the formøde view). nil
	// hides the key.
	WriteBrief func(meetingID, group string) (path string, err error)
	// Sync syncs every source (S on the meetings and agenda screens). It runs in a
	// command; progress may be called from any goroutine and must not be called after
	// Sync returns. summary is one line ("2 nye møder, 1 ændret"). nil hides S.
	Sync func(ctx context.Context, progress func(Progress)) (summary string, err error)
	// Fetcher fetches an attachment that is not downloaded when it is opened (o) or its
	// text shown (t), with its progress on the status line. nil: its address is shown.
	Fetcher AttachmentFetcher
}

// ErrOpenExample is what Run returns when the member chose, on the welcome screen, to look
// at the bundled example (Options.OpenExample).
var ErrOpenExample = errors.New("ui: the member chose to look at the example")

// Run runs the full-screen program until the user quits. It returns when the user quits
// (ErrOpenExample when they chose the example), when ctx is cancelled, or on a terminal
// error; never while a note is being saved.
func Run(ctx context.Context, st Store, opts Options) error {
	if st == nil {
		return errors.New("ui: no store")
	}
	logger, closeLog, err := openLog(opts.LogFile)
	if err != nil {
		return err
	}
	defer closeLog()
	if os.Getenv("NO_COLOR") != "" {
		opts.NoColor = true
	}
	m := newModel(st, opts, logger)
	popts := []tea.ProgramOption{tea.WithContext(ctx)}
	if opts.NoColor {
		// Also strip the colours of the parts drawn by bubbles (textarea, text input).
		popts = append(popts, tea.WithColorProfile(colorprofile.Ascii))
	}
	logger.Printf("start: lang %q, demo %v", opts.Lang, opts.Demo)
	p := tea.NewProgram(m, popts...)
	final, err := p.Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil // the caller asked us to stop
	}
	if err != nil {
		return fmt.Errorf("the reading room stopped: %w", err)
	}
	if fm, ok := final.(*model); ok && fm.exampleChosen {
		return ErrOpenExample
	}
	return nil
}

func openLog(path string) (*log.Logger, func(), error) {
	if path == "" {
		return log.New(io.Discard, "", 0), func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open the log file %s: %w", path, err)
	}
	return log.New(f, "ui ", log.LstdFlags|log.Lmicroseconds), func() { f.Close() }, nil
}
