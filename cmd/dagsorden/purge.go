package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

func cmdPurge(e *env, args []string) error {
	fs := newFlags(e, "purge", "[--closed-after DAYS|off]",
		"Remove the texts and attachments of closed items (lukkede punkter) some days after\n"+
			"their meeting, keeping the items' numbers and titles and every note on them.\n"+
			"--closed-after sets how long they are kept; the setting is kept in the store, and\n"+
			"every import and sync applies it from then on. Without it, purge applies the\n"+
			"setting now.")
	after := fs.String("closed-after", "", "keep closed items' texts `DAYS` days after their meeting (30d, 30; off keeps them)")
	pos, err := parseInterspersed(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr(e, fs, "unexpected argument %q", pos[0])
	}
	days := -1
	if *after != "" {
		if days, err = parseDays(*after); err != nil {
			return usageErr(e, fs, "%v", err)
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
