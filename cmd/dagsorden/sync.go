package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/dagsorden/dagsorden/store"
	dsync "github.com/dagsorden/dagsorden/sync"
	"github.com/dagsorden/dagsorden/sync/group"
	"github.com/dagsorden/dagsorden/sync/source"
)

func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func newSyncCmd(e *env) *cobra.Command {
	var o dsync.Options
	c := &cobra.Command{
		Use:   "sync",
		Short: "Bring new and changed agendas from every source.",
		Long: "Bring new and changed agenda packages from every source into the store, and share\n" +
			"and receive the notes of your groups. A site's attachments of upcoming meetings and of\n" +
			"the last 30 days come at once; older ones when you open them, or all with\n" +
			"--all-attachments. Exits non-zero with one line per failed source when any source failed.",
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if o.Rate < 0 {
				return usageErr(c, "--rate cannot be negative")
			}
			return runSync(e, o)
		},
	}
	c.Flags().StringVar(&o.SourceName, "source", "", "sync only the source NAME")
	c.Flags().BoolVar(&o.DryRun, "dry-run", false, "say what would change, write nothing")
	c.Flags().BoolVar(&o.AllAttachments, "all-attachments", false, "fetch every attachment a site lists, older meetings' too")
	c.Flags().Float64Var(&o.Rate, "rate", 0, "a site's request budget for this sync, N requests per second (default: the source's, 2)")
	_ = c.RegisterFlagCompletionFunc("source", e.completeSources)
	return c
}

func runSync(e *env, o dsync.Options) error {
	name, dry := o.SourceName, o.DryRun
	dir, err := e.dataFolder()
	if err != nil {
		return err
	}
	st, err := store.OpenWith(dir, e.storeOptions())
	if err != nil {
		return err
	}
	defer st.Close()
	ctx, stop := interruptible()
	defer stop()
	tty := false
	if f, ok := e.stderr.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	pl := &progressLine{w: e.stderr, tty: tty}
	srcs, err := dsync.SourceList(dir)
	if err != nil {
		return err
	}
	var results []dsync.SourceResult
	if len(srcs) > 0 || name != "" {
		o.Progress = pl.report
		results, err = dsync.Sync(ctx, st, o)
		pl.clear()
		if err != nil {
			return err
		}
	}
	groupsFailed, err := syncGroups(ctx, e, st, dry)
	if err != nil {
		return err
	}
	if len(results) == 0 {
		if len(srcs) == 0 {
			if gs, _ := st.Groups(); len(gs) == 0 {
				fmt.Fprintln(e.stdout, "No sources or groups to sync. Add a source with: dagsorden source add URL")
			}
		}
		if groupsFailed > 0 {
			return fmt.Errorf("%s failed", plural(groupsFailed, "group", "groups"))
		}
		return nil
	}
	failed := 0
	for _, r := range results {
		if r.Err != nil {
			failed++
			fmt.Fprintf(e.stderr, "dagsorden: source %s failed: %v\n", r.Name, r.Err)
			continue
		}
		if dry {
			fmt.Fprintf(e.stdout, "%s: would bring %s\n", r.Name, plural(len(r.Planned), "new or changed meeting", "new or changed meetings"))
			for _, p := range r.Planned {
				what := "changed"
				if p.New {
					what = "new"
				}
				fmt.Fprintf(e.stdout, "  %s\t%s\t%s\t(%s)\n", p.Body, p.Start.Format("2006-01-02 15:04"), p.Title, what)
			}
			continue
		}
		added, updated, unchanged := r.Counts()
		state := fmt.Sprintf("%d new, %d updated, %d unchanged", added, updated, unchanged)
		if r.NotModified {
			state = "unchanged since last sync"
		}
		fmt.Fprintf(e.stdout, "%s: %s (%d requests, %s, %s)\n", r.Name, state, r.Requests, megabytes(r.Bytes), r.Duration.Round(1e6))
		if r.Kind == source.KindFirstAgenda && (r.Attachments > 0 || r.NotDownloaded > 0) {
			line := fmt.Sprintf("%s: %s fetched (%s)", r.Name, plural(r.Attachments, "attachment", "attachments"), megabytes(r.AttachmentBytes))
			if r.NotDownloaded > 0 {
				line += fmt.Sprintf(", %d of older meetings not downloaded: they are fetched when opened, or all with sync --all-attachments", r.NotDownloaded)
			}
			fmt.Fprintln(e.stdout, line)
		}
		if r.Linked > 0 {
			fmt.Fprintf(e.stdout, "%s: %s joined to the agenda of the same meeting\n", r.Name, plural(r.Linked, "set of minutes", "sets of minutes"))
		}
		if r.TrustedOnFirstUse {
			fmt.Fprintf(e.stdout, "%s: key %s trusted on first use\n", r.Name, r.Fingerprint)
		}
		if r.KeyRotated {
			fmt.Fprintf(e.stdout, "%s: the publisher moved to key %s, signed by the key you trusted; it is pinned now\n", r.Name, r.Fingerprint)
		}
		for _, im := range r.Imports {
			if !im.Unchanged {
				fmt.Fprintln(e.stdout, "  "+meetingLine(im.Body, im.Start, im.Title, im.Items, resultWord(im)))
			}
		}
		for _, s := range r.Skipped {
			fmt.Fprintf(e.stdout, "  %s\n", s)
		}
	}
	if failed > 0 || groupsFailed > 0 {
		return fmt.Errorf("%s of %d and %s failed", plural(failed, "source", "sources"), len(results), plural(groupsFailed, "group", "groups"))
	}
	return nil
}

// syncGroups pushes the member's shared notes and pulls the group's, for every group.
// A dry run leaves groups alone: sharing is not a change to the agenda.
func syncGroups(ctx context.Context, e *env, st *store.Store, dry bool) (failed int, err error) {
	gs, err := st.Groups()
	if err != nil || len(gs) == 0 || dry {
		return 0, err
	}
	c := &group.Client{Store: st, Author: author()}
	results, _ := c.Sync(ctx)
	for _, r := range results {
		if r.Err != nil {
			failed++
			fmt.Fprintf(e.stderr, "dagsorden: group %s failed: %v\n", r.Group, r.Err)
			continue
		}
		if r.Notice != "" {
			fmt.Fprintf(e.stdout, "group %s: %s\n", r.Group, r.Notice)
		}
		if r.Removed || r.Notice != "" {
			continue // removed (told once), or waiting for its upgrade
		}
		fmt.Fprintln(e.stdout, groupLine(r))
		for _, id := range r.Strangers {
			fmt.Fprintf(e.stderr, "warning: the server lists an unknown member %s in %s: it is not in the group's signed member list and gets no key\n", id, r.Group)
		}
	}
	return failed, nil
}

// groupLine sums up one group's sync in a line: what went out and came in, and anything
// the relay did that it should not have.
func groupLine(r group.SyncResult) string {
	line := fmt.Sprintf("group %s: %d shared, %d received", r.Group, r.Pushed, r.Applied)
	if r.Conflicts > 0 {
		line += ", " + plural(r.Conflicts, "note in conflict", "notes in conflict") + " to resolve"
	}
	if r.Unreadable > 0 {
		line += fmt.Sprintf(", %d unreadable", r.Unreadable)
	}
	if r.Forged > 0 {
		line += ", " + plural(r.Forged, "envelope", "envelopes") + " refused (not signed by a member)"
	}
	if r.Replayed > 0 {
		line += ", " + plural(r.Replayed, "envelope", "envelopes") + " sent again by the relay (ignored)"
	}
	if r.Missing > 0 {
		line += ", " + plural(r.Missing, "envelope", "envelopes") + " from other members not arrived (the relay may be holding them back)"
	}
	return line
}

// progressLine shows sync progress: one rewritten line on a terminal, plain log lines
// (one per phase change) otherwise.
type progressLine struct {
	w    interface{ Write([]byte) (int, error) }
	tty  bool
	last string
	drew bool
}

func (p *progressLine) report(pr dsync.Progress) {
	line := fmt.Sprintf("%s: %s", pr.Source, pr.Phase)
	switch {
	case pr.MeetingsTotal > 0 || pr.AttachmentsTotal > 0:
		// A site: its meetings and attachments run side by side.
		line = fmt.Sprintf("%s: meetings %d/%d", pr.Source, pr.Meetings, pr.MeetingsTotal)
		if pr.AttachmentsTotal > 0 {
			line += fmt.Sprintf(" · attachments %d/%d", pr.Attachments, pr.AttachmentsTotal)
		}
	case pr.Total > 0:
		line += fmt.Sprintf(" %d/%d", pr.Done, pr.Total)
	}
	if pr.Bytes > 0 {
		line += " · " + megabytes(pr.Bytes)
	}
	if pr.ETA >= time.Second {
		line += fmt.Sprintf(" · about %s left", pr.ETA.Round(time.Second))
	}
	if p.tty {
		if pr.Message != "" {
			line += " · " + pr.Message
		}
		if r := []rune(line); len(r) > 78 {
			line = string(r[:77]) + "…"
		}
		fmt.Fprintf(p.w, "\r\x1b[K%s", line)
		p.drew = true
		return
	}
	// Not a terminal (cron, a log): one line per phase, not per file.
	key := fmt.Sprintf("%s %s", pr.Source, pr.Phase)
	if key != p.last {
		p.last = key
		fmt.Fprintln(p.w, line)
	}
}

func megabytes(n int64) string {
	if n < 100<<10 {
		return fmt.Sprintf("%d KB", (n+1023)>>10)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

func (p *progressLine) clear() {
	if p.drew {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
