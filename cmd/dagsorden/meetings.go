package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/dagsorden/dagsorden/store"
)

func newMeetingsCmd(e *env) *cobra.Command {
	var o meetingsOptions
	c := &cobra.Command{
		Use:   "meetings",
		Short: "List the meetings with their ids and dates.",
		Long: "List the meetings in the store, upcoming first, with their ids, dates, bodies and\n" +
			"number of items. A meeting is named by its id, the first characters of it, or\n" +
			"its date (with --body when several bodies met that day) wherever a command takes one.",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErr(c, "meetings takes no arguments (did you mean 'dagsorden agenda %s'?)", args[0])
			}
			return nil
		},
		RunE: func(*cobra.Command, []string) error { return runMeetings(e, o) },
	}
	c.Flags().StringVar(&o.body, "body", "", "only meetings of bodies whose name contains B")
	c.Flags().BoolVar(&o.upcoming, "upcoming", false, "only meetings from today on")
	c.Flags().BoolVar(&o.json, "json", false, "write the list as JSON")
	_ = c.RegisterFlagCompletionFunc("body", e.completeBodies)
	return c
}

type meetingsOptions struct {
	body           string
	upcoming, json bool
}

func runMeetings(e *env, o meetingsOptions) error {
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	ms, err := st.Meetings()
	if err != nil {
		return err
	}
	today := startOfDay(time.Now())
	var up, past []store.MeetingSummary
	for _, m := range ms {
		if o.body != "" && !contains(m.Body.Name, o.body) {
			continue
		}
		if m.Start.Before(today) {
			past = append([]store.MeetingSummary{m}, past...) // latest first
		} else {
			up = append(up, m)
		}
	}
	list := up
	if !o.upcoming {
		list = append(list, past...)
	}
	if o.json {
		type meetingJSON struct {
			ID       string    `json:"id"`
			Start    time.Time `json:"start"`
			Body     string    `json:"body"`
			Kind     string    `json:"kind"`
			Title    string    `json:"title,omitempty"`
			Location string    `json:"location,omitempty"`
			Items    int       `json:"items"`
		}
		out := make([]meetingJSON, 0, len(list))
		for _, m := range list {
			out = append(out, meetingJSON{m.ID, m.Start, m.Body.Name, string(m.Kind), m.Title, m.Location, len(m.Items)})
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(list) == 0 {
		fmt.Fprintln(e.stderr, "no meetings (import or sync some: see 'dagsorden --help')")
		return nil
	}
	for _, m := range list {
		fmt.Fprintf(e.stdout, "%s\t%s\t%s · %s\t%s\n", m.ID, when(m.Start), m.Body.Name, m.Kind, plural(len(m.Items), "item", "items"))
	}
	return nil
}
