package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func newAgendaCmd(e *env) *cobra.Command {
	var body string
	var asJSON bool
	c := &cobra.Command{
		Use:   "agenda MEETING",
		Short: "List a meeting's items with their numbers and ids.",
		Long: "List a meeting's items with their numbers and ids. MEETING is an id (or its first\n" +
			"characters) or a date (2023-04-21, 21-04-2023); --body picks among the bodies that\n" +
			"met that day.",
		Example: `dagsorden agenda 2023-04-21
dagsorden agenda 21-04-2023 --body KKR`,
		Args:              exactArgs(1, "name one meeting by id or date (see 'dagsorden meetings')"),
		ValidArgsFunction: e.completeMeeting,
		RunE:              func(_ *cobra.Command, args []string) error { return runAgenda(e, args[0], body, asJSON) },
	}
	c.Flags().StringVar(&body, "body", "", "the body B (part of its name) when several met that day")
	c.Flags().BoolVar(&asJSON, "json", false, "write the items as JSON")
	_ = c.RegisterFlagCompletionFunc("body", e.completeBodies)
	return c
}

func runAgenda(e *env, arg, body string, asJSON bool) error {
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	m, err := findMeeting(st, arg, body)
	if err != nil {
		return err
	}
	if asJSON {
		type itemJSON struct {
			ID              string `json:"id"`
			Number          string `json:"number"`
			Title           string `json:"title"`
			CaseNumber      string `json:"case_number,omitempty"`
			Closed          bool   `json:"closed,omitempty"`
			Recommendations int    `json:"recommendations"`
		}
		out := struct {
			ID    string     `json:"id"`
			Start time.Time  `json:"start"`
			Body  string     `json:"body"`
			Items []itemJSON `json:"items"`
		}{ID: m.ID, Start: m.Start, Body: m.Body.Name, Items: []itemJSON{}}
		for _, it := range m.Items {
			out.Items = append(out.Items, itemJSON{it.ID, it.Number, it.Title, it.CaseNumber, it.Closed, len(it.Recommendations)})
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintf(e.stdout, "%s · %s · %s\t%s\n", m.Body.Name, m.Kind, when(m.Start), m.ID)
	for _, it := range m.Items {
		line := fmt.Sprintf("%s\t%s\t%s", it.Number, it.ID, oneLine(it.Title))
		if it.Closed {
			line += " [lukket]"
		}
		if n := len(it.Recommendations); n > 0 {
			line += "\t(" + plural(n, "recommendation", "recommendations") + ")"
		}
		fmt.Fprintln(e.stdout, line)
	}
	return nil
}
