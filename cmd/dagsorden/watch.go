package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
)

func cmdWatch(e *env, args []string) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(e.stdout, `Usage:
  dagsorden watch add WORD|PHRASE
  dagsorden watch list [--json]
  dagsorden watch remove WORD|PHRASE

Watch words: after every import or sync, the items and attachments that mention a
watched word are listed, newest meetings first. A word matches its other forms
("lokalplan" also finds "lokalplanerne"); a phrase matches where its words stand
together, in its order.
`)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "add":
		return cmdWatchAdd(e, args[1:])
	case "list":
		return cmdWatchList(e, args[1:])
	case "remove":
		return cmdWatchRemove(e, args[1:])
	}
	fmt.Fprintf(e.stderr, "dagsorden watch: unknown subcommand %q (add, list or remove)\n", args[0])
	return errUsage
}

func cmdWatchAdd(e *env, args []string) error {
	fs := newFlags(e, "watch add", "WORD|PHRASE", "Watch a word or a phrase.")
	pos, err := parseInterspersed(e, fs, args)
	if err != nil {
		return err
	}
	phrase := strings.Join(pos, " ")
	if strings.TrimSpace(phrase) == "" {
		return usageErr(e, fs, "name the word or phrase to watch")
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.WatchAdd(phrase); err != nil {
		return err
	}
	hits, err := st.WatchHits()
	if err != nil {
		return err
	}
	phrase = strings.Join(strings.Fields(phrase), " ")
	var mine []store.WatchHit
	for _, h := range hits {
		if strings.EqualFold(h.Watch, phrase) {
			mine = append(mine, h)
		}
	}
	fmt.Fprintf(e.stdout, "watching %q: %s\n", phrase, mentions(mine))
	return nil
}

func cmdWatchRemove(e *env, args []string) error {
	fs := newFlags(e, "watch remove", "WORD|PHRASE", "Stop watching a word or a phrase.")
	pos, err := parseInterspersed(e, fs, args)
	if err != nil {
		return err
	}
	phrase := strings.Join(pos, " ")
	if strings.TrimSpace(phrase) == "" {
		return usageErr(e, fs, "name the word or phrase to stop watching")
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.WatchRemove(phrase); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%q is not watched (see 'dagsorden watch list')", strings.Join(strings.Fields(phrase), " "))
		}
		return err
	}
	fmt.Fprintf(e.stdout, "no longer watching %q\n", strings.Join(strings.Fields(phrase), " "))
	return nil
}

// watchHitJSON is a hit as `watch list --json` writes it.
type watchHitJSON struct {
	Watch           string    `json:"watch"`
	MeetingID       string    `json:"meeting_id"`
	Meeting         string    `json:"meeting"`
	Start           time.Time `json:"start"`
	ItemID          string    `json:"item_id"`
	Title           string    `json:"title"`
	AttachmentID    string    `json:"attachment_id,omitempty"`
	AttachmentTitle string    `json:"attachment_title,omitempty"`
	Pages           []int     `json:"pages,omitempty"`
}

func cmdWatchList(e *env, args []string) error {
	fs := newFlags(e, "watch list", "[--json]",
		"List the items and attachments that mention each watched word, newest meetings first.")
	asJSON := fs.Bool("json", false, `write JSON: {"watches": […], "hits": […]}`)
	pos, err := parseInterspersed(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr(e, fs, "unexpected argument %q", pos[0])
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	watches, err := st.Watches()
	if err != nil {
		return err
	}
	hits, err := st.WatchHits()
	if err != nil {
		return err
	}
	if *asJSON {
		out := struct {
			Watches []string       `json:"watches"`
			Hits    []watchHitJSON `json:"hits"`
		}{Watches: watches, Hits: make([]watchHitJSON, len(hits))}
		if out.Watches == nil {
			out.Watches = []string{}
		}
		for i, h := range hits {
			out.Hits[i] = watchHitJSON{Watch: h.Watch, MeetingID: h.MeetingID, Meeting: h.Meeting,
				Start: h.Start.In(agenda.Copenhagen), ItemID: h.ItemID, Title: h.Title,
				AttachmentID: h.AttachmentID, AttachmentTitle: h.AttachmentTitle, Pages: h.Pages}
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(watches) == 0 {
		fmt.Fprintln(e.stdout, "No watch words yet. Add one with: dagsorden watch add WORD")
		return nil
	}
	byWatch := map[string][]store.WatchHit{}
	for _, h := range hits {
		byWatch[h.Watch] = append(byWatch[h.Watch], h)
	}
	for i, w := range watches {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		fmt.Fprintf(e.stdout, "%q: %s\n", w, mentions(byWatch[w]))
		for _, h := range byWatch[w] {
			line := "  " + h.Meeting + "\t" + h.Title
			if h.AttachmentID != "" {
				line += " — " + h.AttachmentTitle + pagesText(h.Pages)
			}
			fmt.Fprintln(e.stdout, line+"\t"+h.ItemID)
		}
	}
	return nil
}

// mentions counts hits: "3 items and 1 attachment", "no mentions yet".
func mentions(hits []store.WatchHit) string {
	items, atts := 0, 0
	for _, h := range hits {
		if h.AttachmentID != "" {
			atts++
		} else {
			items++
		}
	}
	switch {
	case items == 0 && atts == 0:
		return "no mentions yet"
	case atts == 0:
		return plural(items, "item", "items")
	case items == 0:
		return plural(atts, "attachment", "attachments")
	}
	return plural(items, "item", "items") + " and " + plural(atts, "attachment", "attachments")
}

// pagesText: ", page 3" or ", pages 2, 4"; nothing for an unpaged text.
func pagesText(pages []int) string {
	var ps []string
	for _, p := range pages {
		if p > 0 {
			ps = append(ps, fmt.Sprint(p))
		}
	}
	switch len(ps) {
	case 0:
		return ""
	case 1:
		return ", page " + ps[0]
	}
	return ", pages " + strings.Join(ps, ", ")
}
