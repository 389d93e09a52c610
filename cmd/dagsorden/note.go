package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/dagsorden/dagsorden/agenda"
)

func cmdNote(e *env, args []string) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(e.stdout, `Usage:
  dagsorden note add ITEM_ID [--rec N] [--stance S] [--group NAME] --text TEXT
  dagsorden note add --meeting DATE|ID [--body B] --item NUMBER [--rec N] … --text TEXT
  dagsorden note list [--json]

Notes are private unless shared with a group. Stances: for, against (imod),
abstain (undlader), question (spørgsmål), none.
`)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "add":
		return cmdNoteAdd(e, args[1:])
	case "list":
		return cmdNoteList(e, args[1:])
	}
	fmt.Fprintf(e.stderr, "dagsorden note: unknown subcommand %q (add or list)\n", args[0])
	return errUsage
}

// optionalValue is a flag that may stand alone ("--group") or take a value
// ("--group A-gruppen"); see groupArgs.
type optionalValue struct {
	set   bool
	value string
}

func (o *optionalValue) String() string { return o.value }
func (o *optionalValue) Set(s string) error {
	o.set, o.value = true, s
	return nil
}

// groupArgs rewrites "--group NAME" to "--group=NAME" and a bare "--group" (followed by
// another flag or nothing) to "--group=", so both spellings work.
func groupArgs(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--group" || a == "-group" {
			if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				out = append(out, "--group="+args[i+1])
				i++
			} else {
				out = append(out, "--group=")
			}
			continue
		}
		out = append(out, a)
	}
	return out
}

func cmdNoteAdd(e *env, args []string) error {
	fs := newFlags(e, "note add", "ITEM_ID|--meeting M --item N [--rec N] [--stance S] [--group NAME] --text TEXT",
		"Add a note on an item, or on one of its recommendations with --rec (0-based, as in export).\n"+
			"Name the item by its id, or by its meeting (date or id, see 'dagsorden meetings') and\n"+
			"number: --meeting 2023-04-21 --item 3.1.")
	meeting := fs.String("meeting", "", "the item's meeting `M`: its date (2023-04-21) or id")
	bodyOf := fs.String("body", "", "with --meeting DATE: the body `B` when several met that day")
	itemNo := fs.String("item", "", "with --meeting: the item's number `N` (3.1)")
	rec := fs.Int("rec", -1, "the recommendation's 0-based index `N` (default: the whole item)")
	stance := fs.String("stance", "", "your stance `S`: for, against/imod, abstain/undlader, question/spørgsmål, none")
	text := fs.String("text", "", "the note's `TEXT` (Markdown); - reads it from standard input")
	var group optionalValue
	fs.Var(&group, "group", "share the note with the group `NAME` (private without it)")
	pos, err := parseInterspersed(e, fs, groupArgs(args))
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageErr(e, fs, "name one item: its id, or --meeting and --item")
	}
	arg := ""
	if len(pos) == 1 {
		arg = pos[0]
	}
	if arg == "" && (*meeting == "" || *itemNo == "") {
		return usageErr(e, fs, "name the item: its id, or --meeting DATE|ID and --item NUMBER (see 'dagsorden agenda')")
	}
	s, err := agenda.ParseStance(*stance)
	if err != nil {
		return usageErr(e, fs, "%v", err)
	}
	body := *text
	if body == "-" {
		var b bytes.Buffer
		if _, err := b.ReadFrom(e.stdin); err != nil {
			return fmt.Errorf("read the note from standard input: %w", err)
		}
		body = b.String()
	}
	body = strings.TrimSpace(body)
	if body == "" && s == agenda.StanceNone {
		return usageErr(e, fs, "give the note a --text or a --stance")
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	it, m, err := itemArg(st, arg, *meeting, *itemNo, *bodyOf)
	if err != nil {
		return err
	}
	var recp *int
	if *rec >= 0 {
		recp = rec
	}
	anchor, err := agenda.AnchorOn(m, it, recp)
	if err != nil {
		return err
	}
	n := agenda.Note{Anchor: anchor, Stance: s, Text: body, Visibility: agenda.Private, Author: author()}
	if group.set {
		name, err := checkGroup(st, group.value)
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

func cmdNoteList(e *env, args []string) error {
	fs := newFlags(e, "note list", "[--json]", "List your notes, with where they sit and whether the text under them changed.")
	asJSON := fs.Bool("json", false, "write JSON: the \"notes\" of 'dagsorden export --json'")
	pos, err := parseInterspersed(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr(e, fs, "unexpected argument %q", pos[0])
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if *asJSON {
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
