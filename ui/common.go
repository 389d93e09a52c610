package ui

import (
	"errors"
	"fmt"
	"log"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/dagsorden/dagsorden/store"
)

// Common is what every screen shares, built once by the root and passed by pointer (after
// soft-serve's pkg/ui/common): the terminal size, key map, styles, catalogue, logger and
// the render cache. It is read and changed only on the Update goroutine.
type Common struct {
	Width, Height int
	Keys          KeyMap
	Styles        Styles
	T             *Catalog
	Dark, NoColor bool
	Author        string
	Log           *log.Logger
	Now           func() time.Time

	// after delivers msg once d has passed (tea.Tick); tests replace it to fire timers
	// by hand instead of sleeping.
	after func(d time.Duration, msg tea.Msg) tea.Cmd

	cache *renderCache
	// outbox holds intents a screen raised during Update (open this, save that). The root
	// handles them right after the screen's Update returns, before the next key press, so
	// "ctrl+s then s" can never be reordered the way two tea.Cmds could.
	outbox []tea.Msg
	ids    int
}

func newCommon(opts Options, logger *log.Logger) *Common {
	t := NewCatalog(opts.Lang)
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	c := &Common{
		Keys:    DefaultKeyMap(t),
		T:       t,
		Dark:    true, // until the terminal answers tea.RequestBackgroundColor
		NoColor: opts.NoColor,
		Author:  opts.Author,
		Log:     logger,
		Now:     now,
		cache:   newRenderCache(48 << 20),
		after: func(d time.Duration, msg tea.Msg) tea.Cmd {
			return tea.Tick(d, func(time.Time) tea.Msg { return msg })
		},
	}
	c.Styles = NewStyles(c.Dark, c.NoColor)
	return c
}

// emit queues an intent for the root.
func (c *Common) emit(msg tea.Msg) { c.outbox = append(c.outbox, msg) }

// nextID numbers pagers and requests so results can be matched to what asked for them.
func (c *Common) nextID() int { c.ids++; return c.ids }

// setDark switches the styles when the terminal reports its background.
func (c *Common) setDark(dark bool) bool {
	if c.Dark == dark {
		return false
	}
	c.Dark = dark
	c.Styles = NewStyles(dark, c.NoColor)
	return !c.NoColor
}

// errText turns a store error into the one sentence a member reads.
func (c *Common) errText(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, store.ErrBusy):
		return c.T.ErrBusy
	case errors.Is(err, store.ErrNotFound):
		return c.T.ErrNotFound
	}
	return fmt.Sprintf(c.T.ErrGeneric, err.Error())
}

// statusIntent shows a line in the footer for a few seconds.
type statusIntent struct {
	Text  string
	IsErr bool
}

func (c *Common) status(text string) { c.emit(statusIntent{Text: text}) }
func (c *Common) fail(err error) {
	c.Log.Printf("error: %v", err)
	c.emit(statusIntent{Text: c.errText(err), IsErr: true})
}
