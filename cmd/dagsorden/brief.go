package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/dagsorden/dagsorden/sync/group"
)

type briefOptions struct {
	group, format, out, body string
}

func newBriefCmd(e *env) *cobra.Command {
	var o briefOptions
	c := &cobra.Command{
		Use:   "brief MEETING",
		Short: "Write the brief for the formøde.",
		Long: "Write the brief for the formøde: per item the recommendations, the group's tally\n" +
			"and notes (only your own notes without --group). HTML is print-ready on A4.\n" +
			"MEETING is an id (or its first characters) or a date.",
		Example: `dagsorden brief 2023-04-21
dagsorden brief MEETING_ID --group A-gruppen --format html --out brief.html`,
		Args:              exactArgs(1, "name the meeting by its id or date (see 'dagsorden meetings')"),
		ValidArgsFunction: e.completeMeeting,
		RunE:              func(_ *cobra.Command, args []string) error { return runBrief(e, args[0], o) },
	}
	f := c.Flags()
	f.StringVar(&o.group, "group", "", "the group NAME whose positions to include")
	f.StringVar(&o.format, "format", "md", "md (pastes into a mail) or html (prints on A4)")
	f.StringVar(&o.out, "out", "", "write to FILE (0600) instead of standard output")
	f.StringVar(&o.body, "body", "", "with a date as MEETING: the body B when several met that day")
	_ = c.RegisterFlagCompletionFunc("group", e.completeGroups)
	_ = c.RegisterFlagCompletionFunc("format", fixed("md\tMarkdown, pastes into a mail", "html\tprints on A4"))
	_ = c.RegisterFlagCompletionFunc("body", e.completeBodies)
	return c
}

func runBrief(e *env, arg string, o briefOptions) error {
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	m, err := findMeeting(st, arg, o.body)
	if err != nil {
		return err
	}
	c := &group.Client{Store: st, Author: author()}
	b, err := c.Brief(m.ID, o.group, o.format)
	if err != nil {
		return err
	}
	if o.out == "" {
		_, err = e.stdout.Write(b)
		return err
	}
	if err := os.WriteFile(o.out, b, 0o600); err != nil {
		return fmt.Errorf("write the brief: %w", err)
	}
	fmt.Fprintf(e.stdout, "wrote %s\n", o.out)
	return nil
}
