package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The command line is spf13/cobra with charm.land/fang (as gh-dash and soft-serve do):
// GNU flags anywhere on the line, help printed once and styled, usage errors on stderr
// with exit 2, --version, shell completions and a man page. Each command is built in
// its own file by a newXCmd(e) that binds its flags to locals its RunE reads; cobra
// only parses and dispatches.

// Command groups, in the order the help lists them.
const (
	groupRead    = "read"
	groupAgendas = "agendas"
	groupShare   = "share"
	groupStore   = "store"
	groupPublish = "publish"
	groupOther   = "other"
)

func newRoot(e *env) *cobra.Command {
	cobra.EnableCommandSorting = false // the order below: most used first
	var demo bool
	root := &cobra.Command{
		Use:   "dagsorden",
		Short: "Prepare for your meetings: read agendas offline, note your stance on each recommendation.",
		Long: "dagsorden keeps the agendas of your council, committees and KKR in a store on this\n" +
			"machine, shows them in a reading room in the terminal, and keeps your notes and your\n" +
			"stance on each recommendation. Without a command it opens the reading room (with its\n" +
			"output to a pipe or a file, it prints the agendas as text).",
		Example: `# the bundled example, in a throw-away store
dagsorden --demo
# import an agenda, find a meeting and an item, note your stance
dagsorden import dagsorden.pdf
dagsorden meetings --upcoming
dagsorden agenda 2023-04-21
dagsorden note add --meeting 2023-04-21 --item 3.1 --stance imod --text "Spørg til prisen"`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErr(c, "unknown command %q%s", args[0], suggest(c, args[0]))
			}
			return nil
		},
		RunE: func(c *cobra.Command, _ []string) error {
			if e.lang != "" && e.lang != "da" && e.lang != "en" {
				return usageErr(c, "--lang takes da or en, not %q", e.lang)
			}
			if demo {
				return runDemo(e)
			}
			return runUI(e, false)
		},
	}
	root.PersistentFlags().StringVar(&e.dataDir, "data", "", "the data folder DIR (default: $DAGSORDEN_DATA, else the XDG data folder)")
	root.PersistentFlags().BoolP("help", "h", false, "show this help")
	root.Flags().BoolP("version", "v", false, "print dagsorden's version")
	f := root.Flags()
	f.BoolVar(&demo, "demo", false, "open the reading room on a throw-away store holding the bundled example meeting")
	f.StringVar(&e.lang, "lang", "", "the reading room's language: da or en (default: from the locale, else da)")
	f.StringVar(&e.logFile, "log", "", "write the reading room's debug log to FILE (never to the terminal)")
	_ = root.MarkPersistentFlagDirname("data")
	_ = root.RegisterFlagCompletionFunc("lang", fixed("da\tdansk", "en\tEnglish"))

	root.AddGroup(
		&cobra.Group{ID: groupRead, Title: "read and prepare"},
		&cobra.Group{ID: groupAgendas, Title: "get agendas"},
		&cobra.Group{ID: groupShare, Title: "share with your group"},
		&cobra.Group{ID: groupStore, Title: "your store"},
		&cobra.Group{ID: groupPublish, Title: "publish agendas"},
		&cobra.Group{ID: groupOther, Title: "other"},
	)
	for _, c := range []struct {
		group string
		cmds  []*cobra.Command
	}{
		{groupRead, []*cobra.Command{newMeetingsCmd(e), newAgendaCmd(e), newSearchCmd(e), newNoteCmd(e), newBriefCmd(e), newExportCmd(e)}},
		{groupAgendas, []*cobra.Command{newImportCmd(e), newSourceCmd(e), newSyncCmd(e), newWatchCmd(e), newMeetingCmd(e)}},
		{groupShare, []*cobra.Command{newGroupCmd(e)}},
		{groupStore, []*cobra.Command{newPassphraseCmd(e), newKeyCmd(e), newLockCmd(e), newRestoreCmd(e), newPurgeCmd(e)}},
		{groupPublish, []*cobra.Command{newKeygenCmd(e), newPublishCmd(e), newServeCmd(e)}},
		{groupOther, []*cobra.Command{newManCmd(e)}},
	} {
		for _, cmd := range c.cmds {
			cmd.GroupID = c.group
			root.AddCommand(cmd)
		}
	}
	root.SetHelpCommand(newHelpCmd())
	root.SetHelpCommandGroupID(groupOther)
	root.SetCompletionCommandGroupID(groupOther)
	root.SetFlagErrorFunc(flagError)
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			parent(c) // `completion tcsh` is a usage error, not the help
		}
	}
	unwrapLong(root)
	return root
}

// unwrapLong joins the lines of every command's Long text into paragraphs: fang wraps
// them to the terminal, and the man page to its own width. A line that begins with a
// space (a command to type) keeps its line.
func unwrapLong(c *cobra.Command) {
	lines := strings.Split(c.Long, "\n")
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			if l == "" || lines[i-1] == "" || strings.HasPrefix(l, " ") || strings.HasPrefix(lines[i-1], " ") {
				b.WriteString("\n")
			} else {
				b.WriteString(" ")
			}
		}
		b.WriteString(l)
	}
	c.Long = b.String()
	for _, sub := range c.Commands() {
		unwrapLong(sub)
	}
}

// newHelpCmd is `dagsorden help [COMMAND]`: cobra's own prints an unknown topic's
// complaint on standard output and exits 0.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND]",
		Short: "Show the help of dagsorden or of a command.",
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			cmd, _, err := c.Root().Find(args)
			if err != nil || cmd == nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, sub := range cmd.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
					out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := c.Root().Find(args)
			if err != nil || cmd == nil || len(rest) > 0 {
				return usageErr(c.Root(), "no help on %q: it is not a command%s", strings.Join(args, " "), suggest(c.Root(), args[0]))
			}
			// As `COMMAND --help` shows it: with the flags it inherits and its own -h.
			cmd.InitDefaultHelpFlag()
			cmd.InheritedFlags()
			return cmd.Help()
		},
	}
}

// shorthandRun finds the long flag in pflag's complaint about -data: "unknown shorthand
// flag: 'd' in -data".
var shorthandRun = regexp.MustCompile(`in -([a-z][a-z-]+)$`)

// flagError makes a flag the parser refused a usage error; a single-dash long flag
// (-data, as dagsorden took them before it spoke GNU) is told how to write it now.
func flagError(c *cobra.Command, err error) error {
	msg := err.Error()
	if m := shorthandRun.FindStringSubmatch(msg); m != nil && c.Flags().Lookup(m[1]) != nil {
		msg += fmt.Sprintf(" (long flags take two dashes: --%s)", m[1])
	}
	return usageErr(c, "%s", msg)
}

func usageErr(c *cobra.Command, format string, a ...any) error {
	return &usageError{cmd: c.CommandPath(), msg: fmt.Sprintf(format, a...)}
}

func suggest(c *cobra.Command, typed string) string {
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2 // cobra's default, which only its own check sets
	}
	if s := c.SuggestionsFor(typed); len(s) > 0 {
		return fmt.Sprintf(" (did you mean %q?)", s[0])
	}
	return ""
}

// Argument checks: a wrong count is a usage error that says what to give.

func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErr(c, "unexpected argument %q", args[0])
	}
	return nil
}

func exactArgs(n int, missing string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErr(c, "%s", missing)
		}
		return nil
	}
}

func minArgs(n int, missing string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) < n {
			return usageErr(c, "%s", missing)
		}
		return nil
	}
}

// parent makes c the command of its subcommands. Without one, or with one it does not
// have, it is a usage error (cobra alone prints the help and exits 0).
func parent(c *cobra.Command, subs ...*cobra.Command) *cobra.Command {
	c.AddCommand(subs...)
	var names []string
	for _, s := range c.Commands() {
		names = append(names, s.Name())
	}
	list := strings.Join(names, ", ")
	c.Args = func(c *cobra.Command, args []string) error {
		switch {
		case len(args) == 0:
			return usageErr(c, "name a subcommand: %s", list)
		case args[0] == "help":
			return nil
		}
		return usageErr(c, "unknown subcommand %q (%s)%s", args[0], list, suggest(c, args[0]))
	}
	c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	return c
}

// rewriteArgs lets note add's --group stand alone or take a value: pflag reads
// "--group NAME" as a bare --group and an argument NAME.
func rewriteArgs(root *cobra.Command, args []string) []string {
	c, _, err := root.Find(args)
	if err != nil || c.CommandPath() != "dagsorden note add" {
		return args
	}
	return groupArgs(args)
}

// groupArgs rewrites "--group NAME" to "--group=NAME" and a bare "--group" (followed by
// another flag or nothing) to "--group=", so both spellings work.
func groupArgs(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		if a == "--group" {
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

// optionalValue is a flag that may stand alone ("--group") or take a value
// ("--group=A-gruppen"); see groupArgs.
type optionalValue struct {
	set   bool
	value string
}

func (o *optionalValue) String() string { return o.value }
func (o *optionalValue) Type() string   { return "string" }
func (o *optionalValue) Set(s string) error {
	o.set, o.value = true, s
	return nil
}

var _ pflag.Value = (*optionalValue)(nil)

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
