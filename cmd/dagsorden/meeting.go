package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func newMeetingCmd(e *env) *cobra.Command {
	return parent(&cobra.Command{
		Use:   "meeting",
		Short: "Remove a meeting from the store.",
		Long: "Commands on one meeting of the store. MEETING is an id (or its first characters) or\n" +
			"a date (2023-04-21), with --body when several bodies met that day.",
	}, newMeetingRemoveCmd(e))
}

func newMeetingRemoveCmd(e *env) *cobra.Command {
	var body string
	var withNotes bool
	c := &cobra.Command{
		Use:   "remove MEETING",
		Short: "Remove a meeting, its items, attachments and index entries from the store.",
		Long: "Remove a meeting from the store: its items and their previous versions, its entries\n" +
			"in the search index and the attachments no other meeting has. Your notes on it are\n" +
			"kept, as orphans that still name their item (a later import of the meeting places\n" +
			"them again), unless --with-notes. Notes shared with a group are kept either way:\n" +
			"delete those one by one, for the whole group. Asks nothing; says what it removed.",
		Example: `dagsorden meeting remove 2026-11-20 --body Fjordby
dagsorden meeting remove 3f9a1c`,
		Args:              exactArgs(1, "name the meeting by its id or date (see 'dagsorden meetings')"),
		ValidArgsFunction: e.completeMeeting,
		RunE: func(_ *cobra.Command, args []string) error {
			st, err := e.openStore()
			if err != nil {
				return err
			}
			defer st.Close()
			m, err := findMeeting(st, args[0], body)
			if err != nil {
				return err
			}
			r, err := st.RemoveMeeting(m.ID, withNotes)
			if err != nil {
				return err
			}
			var parts []string
			parts = append(parts, plural(r.Items, "item", "items"))
			if r.Previous > 0 {
				parts = append(parts, plural(r.Previous, "earlier version", "earlier versions"))
			}
			parts = append(parts, plural(r.Attachments, "attachment", "attachments"), plural(r.IndexDocs, "search index entry", "search index entries"))
			fmt.Fprintf(e.stdout, "removed the meeting of %s on %s (%s): %s\n", r.Body, when(r.Start), r.MeetingID, strings.Join(parts, ", "))
			if r.Removed > 0 {
				fmt.Fprintf(e.stdout, "removed %s on it\n", plural(r.Removed, "note", "notes"))
			}
			if private := r.Orphaned - r.Shared; private > 0 {
				fmt.Fprintf(e.stdout, "kept %s on it, orphaned: they still name their item (see 'dagsorden note list')\n", plural(private, "note", "notes"))
			}
			if r.Shared > 0 {
				fmt.Fprintf(e.stdout, "kept %s shared with a group, orphaned (deleting a shared note deletes it for the whole group: do that one by one in the reading room)\n", plural(r.Shared, "note", "notes"))
			}
			return nil
		},
	}
	c.Flags().StringVar(&body, "body", "", "with a date as MEETING: the body B when several met that day")
	c.Flags().BoolVar(&withNotes, "with-notes", false, "remove your private notes on the meeting too")
	_ = c.RegisterFlagCompletionFunc("body", e.completeBodies)
	return c
}
