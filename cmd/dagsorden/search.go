package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
)

// searchHitJSON is a hit as `search --json` writes it.
type searchHitJSON struct {
	Kind            string   `json:"kind"`
	MeetingID       string   `json:"meeting_id,omitempty"`
	Meeting         string   `json:"meeting,omitempty"` // "KKR Hovedstaden 2023-04-21"
	ItemID          string   `json:"item_id,omitempty"`
	Recommendation  *int     `json:"recommendation,omitempty"`
	NoteID          string   `json:"note_id,omitempty"`
	DocumentID      string   `json:"document_id,omitempty"`
	AttachmentID    string   `json:"attachment_id,omitempty"`
	AttachmentTitle string   `json:"attachment_title,omitempty"`
	Page            int      `json:"page,omitempty"`
	Title           string   `json:"title"`
	Snippet         string   `json:"snippet"`
	Matches         [][2]int `json:"matches"`
	Score           float64  `json:"score"`
}

// searchJSON is what `search --json` writes: the page of hits asked for and how many
// there are in all.
type searchJSON struct {
	Query     string          `json:"query"`
	MeetingID string          `json:"meeting_id,omitempty"` // with --meeting
	Total     int             `json:"total"`
	Offset    int             `json:"offset"`
	Hits      []searchHitJSON `json:"hits"`
}

type searchOptions struct {
	json          bool
	limit, offset int
	meeting, body string
}

func newSearchCmd(e *env) *cobra.Command {
	var o searchOptions
	c := &cobra.Command{
		Use:   "search QUERY…",
		Short: "Search meetings, items, notes, reading material and attachments.",
		Long: "Search meetings, items, recommendations, notes, reading material and the text of\n" +
			"attachments. Every word must be found (in any of its forms: \"lokalplanerne\" finds\n" +
			"\"lokalplan\"); the last one also as the beginning of a longer word. Your notes come\n" +
			"first, then items titled what you searched for, then titles holding every word,\n" +
			"then the rest, best first.",
		Example: `dagsorden search finansieringen
dagsorden search "trafiksikker skolevej" --json
dagsorden search budget --meeting 2023-04-21 --offset 20`,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(c *cobra.Command, args []string) error {
			query := strings.TrimSpace(strings.Join(args, " "))
			switch {
			case query == "":
				return usageErr(c, "say what to search for")
			case o.limit < 1:
				return usageErr(c, "--limit must be at least 1")
			case o.offset < 0:
				return usageErr(c, "--offset cannot be negative")
			case o.body != "" && o.meeting == "":
				return usageErr(c, "--body needs --meeting")
			}
			return runSearch(e, query, o)
		},
	}
	f := c.Flags()
	f.BoolVar(&o.json, "json", false, "write the hits as JSON, with the total number of hits")
	f.IntVar(&o.limit, "limit", 20, "show at most N hits")
	f.IntVar(&o.offset, "offset", 0, "skip the best N hits (the next page: --offset 20)")
	f.StringVar(&o.meeting, "meeting", "", "search only the meeting M: its date (2023-04-21) or id")
	f.StringVar(&o.body, "body", "", "with --meeting DATE: the body B when several met that day")
	_ = c.RegisterFlagCompletionFunc("meeting", e.completeMeeting)
	_ = c.RegisterFlagCompletionFunc("body", e.completeBodies)
	return c
}

func runSearch(e *env, query string, so searchOptions) error {
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	o := store.SearchOptions{Offset: so.offset, Limit: so.limit}
	if so.meeting != "" {
		m, err := findMeeting(st, so.meeting, so.body)
		if err != nil {
			return err
		}
		o.MeetingID = m.ID
	}
	res, err := st.SearchWith(query, o)
	if err != nil {
		return err
	}
	where, err := meetingNames(st)
	if err != nil {
		return err
	}
	if so.json {
		out := searchJSON{Query: query, MeetingID: o.MeetingID, Total: res.Total, Offset: o.Offset,
			Hits: make([]searchHitJSON, len(res.Hits))}
		for i, h := range res.Hits {
			out.Hits[i] = searchHitJSON{
				Kind: h.Kind, MeetingID: h.MeetingID, Meeting: where[h.MeetingID], ItemID: h.ItemID,
				Recommendation: h.Recommendation, NoteID: h.NoteID, DocumentID: h.DocumentID,
				AttachmentID: h.AttachmentID, AttachmentTitle: h.AttachmentTitle, Page: h.Page,
				Title: h.Title, Snippet: h.Snippet, Matches: h.Matches, Score: h.Score,
			}
			if out.Hits[i].Matches == nil {
				out.Hits[i].Matches = [][2]int{}
			}
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	in := ""
	if o.MeetingID != "" {
		in = " in " + where[o.MeetingID]
	}
	if res.Total == 0 {
		fmt.Fprintf(e.stdout, "Nothing found for %q%s.\n", query, in)
		return nil
	}
	if len(res.Hits) == 0 {
		fmt.Fprintf(e.stdout, "%s for %q%s; none after the first %d.\n", plural(res.Total, "hit", "hits"), query, in, o.Offset)
		return nil
	}
	for _, h := range res.Hits {
		fmt.Fprintln(e.stdout, hitLine(h, where[h.MeetingID]))
		fmt.Fprintln(e.stdout, "\t"+marked(h.Snippet, h.Matches))
	}
	shown := o.Offset + len(res.Hits)
	if o.Offset == 0 && shown == res.Total {
		return nil
	}
	fmt.Fprintf(e.stdout, "%d–%d of %s%s", o.Offset+1, shown, plural(res.Total, "hit", "hits"), in)
	if more := res.Total - shown; more > 0 {
		fmt.Fprintf(e.stdout, "; %d more with --offset %d", more, shown)
	}
	fmt.Fprintln(e.stdout, ".")
	return nil
}

// meetingNames names each meeting by body and date, for the hits' context.
func meetingNames(st *store.Store) (map[string]string, error) {
	ms, err := st.Meetings()
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(ms))
	for _, m := range ms {
		names[m.ID] = strings.TrimSpace(m.Body.Name + " " + m.Start.In(agenda.Copenhagen).Format("2006-01-02"))
	}
	return names, nil
}

// hitLine: what matched, where, and the id to use with other commands (note add takes
// the item id).
func hitLine(h store.SearchHit, meeting string) string {
	what := h.Title
	id := h.ItemID
	switch h.Kind {
	case "recommendation":
		what += fmt.Sprintf(" — rec %d", *h.Recommendation)
	case "attachment":
		what += " — " + h.AttachmentTitle
		if h.Page > 0 {
			what += fmt.Sprintf(", page %d", h.Page)
		}
	case "note":
		id = h.NoteID
	case "document":
		id = h.DocumentID
	case "meeting":
		id, meeting = h.MeetingID, ""
	}
	line := h.Kind + "\t" + what
	if meeting != "" {
		line += "\t" + meeting
	}
	return line + "\t" + id
}

// marked puts the matched words of a snippet in brackets: "…the [lokalplan] for…".
func marked(snippet string, matches [][2]int) string {
	var b strings.Builder
	last := 0
	for _, m := range matches {
		if m[0] < last || m[1] > len(snippet) || m[0] > m[1] {
			continue
		}
		b.WriteString(snippet[last:m[0]] + "[" + snippet[m[0]:m[1]] + "]")
		last = m[1]
	}
	return b.String() + snippet[last:]
}
