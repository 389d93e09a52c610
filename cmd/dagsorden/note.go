package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dagsorden/dagsorden/agenda"
)

func newNoteCmd(e *env) *cobra.Command {
	return parent(&cobra.Command{
		Use:   "note",
		Short: "Add or list notes on items and recommendations.",
		Long: "Notes are private unless shared with a group. Stances: for, against (imod),\n" +
			"abstain (undlader), question (spørgsmål), none.",
	}, newNoteAddCmd(e), newNoteListCmd(e))
}

type noteAddOptions struct {
	meeting, body, item string
	rec                 int
	stance, text        string
	group               optionalValue
}

func newNoteAddCmd(e *env) *cobra.Command {
	var o noteAddOptions
	c := &cobra.Command{
		Use:   "add [ITEM_ID]",
		Short: "Add a note on an item or one of its recommendations.",
		Long: "Add a note on an item, or on one of its recommendations with --rec (0-based, as in export).\n" +
			"Name the item by its id, or by its meeting (date or id, see 'dagsorden meetings') and\n" +
			"number: --meeting 2023-04-21 --item 3.1.",
		Example: `dagsorden note add --meeting 2023-04-21 --item 3.1 --rec 1 --stance imod --text "Spørg til finansieringen"
dagsorden note add ITEM_ID --rec 0 --stance for --group A-gruppen --text "…"
echo "Længere note" | dagsorden note add ITEM_ID --text -`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageErr(c, "name one item: its id, or --meeting and --item")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error { return runNoteAdd(e, c, args, &o) },
	}
	f := c.Flags()
	f.StringVar(&o.meeting, "meeting", "", "the item's meeting M: its date (2023-04-21) or id")
	f.StringVar(&o.body, "body", "", "with --meeting DATE: the body B when several met that day")
	f.StringVar(&o.item, "item", "", "with --meeting: the item's number N (3.1)")
	f.IntVar(&o.rec, "rec", -1, "the recommendation's 0-based index N (default: the whole item)")
	f.Lookup("rec").DefValue = "" // -1 means none; not a value to show
	f.StringVar(&o.stance, "stance", "", "your stance S: for, against/imod, abstain/undlader, question/spørgsmål, none")
	f.StringVar(&o.text, "text", "", "the note's TEXT (Markdown); - reads it from standard input")
	f.Var(&o.group, "group", "share the note with the group NAME (private without it; alone: your only group)")
	_ = c.RegisterFlagCompletionFunc("meeting", e.completeMeeting)
	_ = c.RegisterFlagCompletionFunc("body", e.completeBodies)
	_ = c.RegisterFlagCompletionFunc("item", e.completeItemNumbers)
	_ = c.RegisterFlagCompletionFunc("stance", fixed("for", "against", "imod", "abstain", "undlader", "question", "spørgsmål", "none"))
	_ = c.RegisterFlagCompletionFunc("group", e.completeGroups)
	return c
}

func runNoteAdd(e *env, c *cobra.Command, args []string, o *noteAddOptions) error {
	arg := ""
	if len(args) == 1 {
		arg = args[0]
	}
	if arg == "" && (o.meeting == "" || o.item == "") {
		return usageErr(c, "name the item: its id, or --meeting DATE|ID and --item NUMBER (see 'dagsorden agenda')")
	}
	s, err := agenda.ParseStance(o.stance)
	if err != nil {
		return usageErr(c, "%v", err)
	}
	body := o.text
	if body == "-" {
		var b bytes.Buffer
		if _, err := b.ReadFrom(e.stdin); err != nil {
			return fmt.Errorf("read the note from standard input: %w", err)
		}
		body = b.String()
	}
	body = strings.TrimSpace(body)
	if body == "" && s == agenda.StanceNone {
		return usageErr(c, "give the note a --text or a --stance")
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	it, m, err := itemArg(st, arg, o.meeting, o.item, o.body)
	if err != nil {
		return err
	}
	var recp *int
	if o.rec >= 0 {
		recp = &o.rec
	}
	anchor, err := agenda.AnchorOn(m, it, recp)
	if err != nil {
		return err
	}
	n := agenda.Note{Anchor: anchor, Stance: s, Text: body, Visibility: agenda.Private, Author: author()}
	if o.group.set {
		name, err := checkGroup(st, o.group.value)
		if err != nil {
			return err
		}
		n.Visibility, n.Group = agenda.Group, name
	}
	if err := st.SaveNote(&n); err != nil {
		return err
	}
	where := "item " + it.Number
	if recp != nil {
		where += fmt.Sprintf(", recommendation %d", *recp)
	}
	fmt.Fprintf(e.stdout, "%s\tnote saved on %s (%s)\n", n.ID, where, n.Visibility)
	return nil
}

func author() string {
	for _, k := range []string{"DAGSORDEN_AUTHOR", "USER", "USERNAME"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return ""
}

func newNoteListCmd(e *env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List your notes, with where they sit and whether the text under them changed.",
		Args:  noArgs,
		RunE:  func(*cobra.Command, []string) error { return runNoteList(e, asJSON) },
	}
	c.Flags().BoolVar(&asJSON, "json", false, "write JSON: the \"notes\" of 'dagsorden export --json'")
	return c
}

func runNoteList(e *env, asJSON bool) error {
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if asJSON {
		// The same shape as export's notes, from the same code.
		return st.ExportNotesJSON(e.stdout)
	}
	notes, err := st.Notes()
	if err != nil {
		return err
	}
	if len(notes) == 0 {
		fmt.Fprintln(e.stdout, "No notes yet. Add one with: dagsorden note add ITEM_ID --text …")
		return nil
	}
	for _, n := range notes {
		where := "item " + n.Anchor.ItemNumber
		if n.Anchor.Recommendation != nil {
			where += fmt.Sprintf(" rec %d", *n.Anchor.Recommendation)
		}
		stance := string(n.Stance)
		if stance == "" {
			stance = "-"
		}
		fmt.Fprintf(e.stdout, "%s\t%s\t%s\t%s\t%s\t%s\n", n.ID, where, stance, n.Status, n.Visibility, firstLine(n.Text))
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > 72 {
		s = string(r[:71]) + "…"
	}
	return s
}
