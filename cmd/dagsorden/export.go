package main

import (
	"bufio"

	"github.com/spf13/cobra"
)

func newExportCmd(e *env) *cobra.Command {
	var asJSON bool
	var meeting string
	c := &cobra.Command{
		Use:   "export --json",
		Short: "Write everything in the store as JSON.",
		Long:  "Write the store's meetings, documents and notes as JSON on standard output.",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if !asJSON {
				return usageErr(c, "say --json: it is the export format")
			}
			st, err := e.openStore()
			if err != nil {
				return err
			}
			defer st.Close()
			w := bufio.NewWriter(e.stdout)
			if err := st.ExportJSON(w, meeting); err != nil {
				return err
			}
			return w.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "write JSON (the only format so far; required)")
	c.Flags().StringVar(&meeting, "meeting", "", "export only the meeting with this ID (and its notes)")
	_ = c.RegisterFlagCompletionFunc("meeting", e.completeMeetingIDs)
	return c
}
