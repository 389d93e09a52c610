package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
)

func newWatchCmd(e *env) *cobra.Command {
	return parent(&cobra.Command{
		Use:   "watch",
		Short: "Watch words: list the items and attachments that mention them.",
		Long: "Watch words: after every import or sync, the items and attachments that mention a\n" +
			"watched word are listed, newest meetings first. A word matches its other forms\n" +
			"(\"lokalplan\" also finds \"lokalplanerne\"); a phrase matches where its words stand\n" +
			"together, in its order.",
		Example: `dagsorden watch add lokalplan
dagsorden watch add "Tune Skole"
dagsorden watch list`,
	}, newWatchAddCmd(e), newWatchListCmd(e), newWatchRemoveCmd(e))
}

func newWatchAddCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:               "add WORD|PHRASE",
		Short:             "Watch a word or a phrase.",
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(c *cobra.Command, args []string) error {
			phrase := strings.Join(args, " ")
			if strings.TrimSpace(phrase) == "" {
				return usageErr(c, "name the word or phrase to watch")
			}
			return runWatchAdd(e, phrase)
		},
	}
}

func runWatchAdd(e *env, phrase string) error {
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

func newWatchRemoveCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:               "remove WORD|PHRASE",
		Short:             "Stop watching a word or a phrase.",
		ValidArgsFunction: e.completeWatches,
		RunE: func(c *cobra.Command, args []string) error {
			phrase := strings.Join(args, " ")
			if strings.TrimSpace(phrase) == "" {
				return usageErr(c, "name the word or phrase to stop watching")
			}
			return runWatchRemove(e, phrase)
		},
	}
}

func runWatchRemove(e *env, phrase string) error {
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

func newWatchListCmd(e *env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List the items and attachments that mention each watched word, newest meetings first.",
		Args:  noArgs,
		RunE:  func(*cobra.Command, []string) error { return runWatchList(e, asJSON) },
	}
	c.Flags().BoolVar(&asJSON, "json", false, `write JSON: {"watches": […], "hits": […]}`)
	return c
}

func runWatchList(e *env, asJSON bool) error {
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
	if asJSON {
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
