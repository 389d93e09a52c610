package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

func newPurgeCmd(e *env) *cobra.Command {
	var after string
	c := &cobra.Command{
		Use:   "purge",
		Short: "Remove closed items' texts some days after their meeting (kept: notes).",
		Long: "Remove the texts and attachments of closed items (lukkede punkter) some days after\n" +
			"their meeting, keeping the items' numbers and titles and every note on them.\n" +
			"--closed-after sets how long they are kept; the setting is kept in the store, and\n" +
			"every import and sync applies it from then on. Without it, purge applies the\n" +
			"setting now.",
		Example: `dagsorden purge --closed-after 30d
dagsorden purge
dagsorden purge --closed-after off`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runPurge(e, c, after) },
	}
	c.Flags().StringVar(&after, "closed-after", "", "keep closed items' texts DAYS days after their meeting (30d, 30; off keeps them)")
	_ = c.RegisterFlagCompletionFunc("closed-after", fixed("30d", "90d", "365d", "off"))
	return c
}

func runPurge(e *env, c *cobra.Command, after string) error {
	days := -1
	if after != "" {
		var err error
		if days, err = parseDays(after); err != nil {
			return usageErr(c, "%v", err)
		}
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if days >= 0 {
		if err := st.SetPurgeClosedAfter(days); err != nil {
			return err
		}
		if days == 0 {
			fmt.Fprintln(e.stdout, "Closed items' texts are kept for good.")
			return nil
		}
		fmt.Fprintf(e.stdout, "Closed items' texts are kept %s after their meeting; every import and sync removes older ones.\n", plural(days, "day", "days"))
	} else if days, err = st.PurgeClosedAfter(); err != nil {
		return err
	} else if days == 0 {
		return fmt.Errorf("no retention is set: say how long to keep closed items' texts, e.g. dagsorden purge --closed-after 30d")
	}
	res, err := st.PurgeClosed(time.Now())
	if err != nil {
		return err
	}
	if res.Items == 0 {
		fmt.Fprintln(e.stdout, "No closed item was old enough to purge.")
		return nil
	}
	fmt.Fprintf(e.stdout, "Removed the texts of %s in %s (and %s); the notes on them are kept.\n",
		plural(res.Items, "closed item", "closed items"), plural(res.Meetings, "meeting", "meetings"),
		plural(res.Attachments, "attachment", "attachments"))
	return nil
}

// parseDays reads "30d", "30" or "off".
func parseDays(s string) (int, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "off" || s == "never" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
	if err != nil || n < 1 || n > 100*366 {
		return 0, fmt.Errorf("--closed-after takes a number of days (30d or 30) or off, not %q", s)
	}
	return n, nil
}
