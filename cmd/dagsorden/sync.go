package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/term"

	"github.com/dagsorden/dagsorden/store"
	dsync "github.com/dagsorden/dagsorden/sync"
	"github.com/dagsorden/dagsorden/sync/group"
)

// repeated is a flag that may be given several times (--committee A --committee B).
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ", ") }
func (r *repeated) Set(s string) error { *r = append(*r, s); return nil }

func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func cmdKeygen(e *env, args []string) error {
	fs := newFlags(e, "keygen", "KEYFILE", "Make a feed signing key: the private key in KEYFILE (0600), the public key in KEYFILE.pub.")
	arg, err := oneArg(e, fs, args, "name the key file to write")
	if err != nil {
		return err
	}
	fp, err := dsync.Keygen(arg)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s and %s.pub\nfingerprint %s (give subscribers the .pub file or this fingerprint)\n", arg, arg, fp)
	return nil
}

func cmdPublish(e *env, args []string) error {
	fs := newFlags(e, "publish", "INPUT… --out DIR --key KEYFILE [--from-store]",
		"Write a signed static feed into DIR from agenda files (anything 'import' reads) or,\n"+
			"with --from-store, from data folders. Serve DIR with any static web server.")
	out := fs.String("out", "", "the feed `DIR` to write")
	key := fs.String("key", "", "the private `KEYFILE` made by 'dagsorden keygen'")
	fromStore := fs.Bool("from-store", false, "the inputs are data folders: publish everything in those stores")
	pos, err := parseInterspersed(e, fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		return usageErr(e, fs, "name at least one input")
	case *out == "" || *key == "":
		return usageErr(e, fs, "--out and --key are required")
	}
	if *fromStore {
		// Unlock each store here, with the keyring, the session and the terminal: the
		// keys this process has unlocked are found again by the Open inside Publish.
		for _, dir := range pos {
			if _, err := os.Stat(filepath.Join(dir, store.FileName)); err != nil {
				continue // Publish says what is wrong with it
			}
			st, err := store.OpenWith(dir, e.storeOptions())
			if err != nil {
				return err
			}
			st.Close()
		}
	}
	r, err := dsync.Publish(pos, *out, *key, *fromStore)
	if err != nil {
		return err
	}
	state := "index unchanged"
	if r.IndexChanged {
		state = "index written"
	}
	fmt.Fprintf(e.stdout, "published %s and %s to %s: %d new of %d blobs (%d bytes), %s; key %s\n",
		plural(r.Meetings, "meeting", "meetings"), plural(r.Documents, "document", "documents"), *out, r.NewBlobs, r.Blobs, r.NewBytes, state, r.Fingerprint)
	return nil
}

func cmdSource(e *env, args []string) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(e.stdout, `Usage:
  dagsorden source add URL|PATH [--name N] [--committee NAME]… [--key PUBFILE] [--insecure]
  dagsorden source list [--json]
  dagsorden source remove NAME

A source is a FirstAgenda site (https://dagsordener.<kommune>.dk) or a dagsorden feed.
`)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "add":
		return cmdSourceAdd(e, args[1:])
	case "list":
		return cmdSourceList(e, args[1:])
	case "remove", "rm":
		return cmdSourceRemove(e, args[1:])
	}
	fmt.Fprintf(e.stderr, "dagsorden source: unknown subcommand %q (add, list or remove)\n", args[0])
	return errUsage
}

func cmdSourceAdd(e *env, args []string) error {
	fs := newFlags(e, "source add", "URL|PATH [--name N] [--committee NAME]… [--key PUBFILE] [--insecure]",
		"Subscribe to a FirstAgenda site or a dagsorden feed. Without --key a feed's key is\n"+
			"trusted on first use: check the fingerprint shown with the publisher.")
	name := fs.String("name", "", "the source's `NAME` (default: the host or folder name)")
	var committees repeated
	fs.Var(&committees, "committee", "only this committee's `NAME` (repeatable)")
	key := fs.String("key", "", "the feed publisher's public key `PUBFILE` to pin")
	insecure := fs.Bool("insecure", false, "allow plain http to a host that is not this machine")
	arg, err := oneArg(e, fs, args, "name one address or folder")
	if err != nil {
		return err
	}
	ctx, stop := interruptible()
	defer stop()
	s, err := dsync.SourceAdd(ctx, dsync.AddOptions{Target: arg, Name: *name, Committees: committees, KeyFile: *key, Insecure: *insecure})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added source %s (%s) %s\n", s.Name, s.Kind, s.URL)
	if s.Fingerprint != "" {
		how := "pinned"
		if *key == "" {
			how = "trusted on first use: compare it with the publisher's"
		}
		fmt.Fprintf(e.stdout, "key fingerprint %s (%s)\n", s.Fingerprint, how)
	}
	return nil
}

func cmdSourceList(e *env, args []string) error {
	fs := newFlags(e, "source list", "[--json]", "List the configured sources.")
	asJSON := fs.Bool("json", false, "write JSON")
	if _, err := parseInterspersed(e, fs, args); err != nil {
		return err
	}
	srcs, err := dsync.SourceList()
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if srcs == nil {
			return enc.Encode([]any{})
		}
		return enc.Encode(srcs)
	}
	if len(srcs) == 0 {
		fmt.Fprintln(e.stdout, "No sources yet. Add one with: dagsorden source add https://dagsordener.<kommune>.dk")
	}
	for _, s := range srcs {
		only := ""
		if len(s.Committees) > 0 {
			only = "\tonly: " + strings.Join(s.Committees, ", ")
		}
		fmt.Fprintf(e.stdout, "%s\t%s\t%s%s\n", s.Name, s.Kind, s.URL, only)
	}
	return nil
}

func cmdSourceRemove(e *env, args []string) error {
	fs := newFlags(e, "source remove", "NAME", "Remove a source. What it brought into the store stays there.")
	arg, err := oneArg(e, fs, args, "name the source to remove")
	if err != nil {
		return err
	}
	if err := dsync.SourceRemove(arg); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "removed source %s\n", arg)
	return nil
}

func cmdSync(e *env, args []string) error {
	fs := newFlags(e, "sync", "[--source NAME] [--dry-run]",
		"Bring new and changed agenda packages from every source into the store.\n"+
			"Exits non-zero with one line per failed source when any source failed.")
	name := fs.String("source", "", "sync only the source `NAME`")
	dry := fs.Bool("dry-run", false, "say what would change, write nothing")
	if _, err := parseInterspersed(e, fs, args); err != nil {
		return err
	}
	st, err := e.openStore()
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
	srcs, err := dsync.SourceList()
	if err != nil {
		return err
	}
	var results []dsync.SourceResult
	if len(srcs) > 0 || *name != "" {
		results, err = dsync.Sync(ctx, st, dsync.Options{SourceName: *name, DryRun: *dry, Progress: pl.report})
		pl.clear()
		if err != nil {
			return err
		}
	}
	groupsFailed, err := syncGroups(ctx, e, st, *dry)
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
		if *dry {
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
		fmt.Fprintf(e.stdout, "%s: %s (%d requests, %d bytes, %s)\n", r.Name, state, r.Requests, r.Bytes, r.Duration.Round(1e6))
		if r.TrustedOnFirstUse {
			fmt.Fprintf(e.stdout, "%s: key %s trusted on first use\n", r.Name, r.Fingerprint)
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
	if pr.Total > 0 {
		line += fmt.Sprintf(" %d/%d", pr.Done, pr.Total)
	}
	if pr.Bytes > 0 {
		line += fmt.Sprintf(" %.1f MB", float64(pr.Bytes)/1e6)
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

func (p *progressLine) clear() {
	if p.drew {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
