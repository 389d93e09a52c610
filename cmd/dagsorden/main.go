// Command dagsorden prepares elected members for their meetings: it syncs agenda packages
// into a local store, shows them in a terminal UI, and keeps the member's notes.
//
// This package only wires: it parses flags, opens the store, runs the UI or a subcommand,
// closes everything and sets the exit code.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/dagsorden/dagsorden/store"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command failed; the message says why
	exitUsage = 2 // the command line was wrong
)

var errUsage = errors.New("usage")

type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	dataDir        string
	lang           string
	logFile        string
	// keyring, when set, keeps the store's key instead of the OS keyring and the
	// passphrase: the demo's throw-away store.
	keyring store.Keyring
	asked   int // passphrases asked at the terminal so far
}

type command struct {
	name, args, summary string
	run                 func(e *env, args []string) error
}

func commands() []command {
	return []command{
		{"import", "PATH…", "import agenda files or folders into the store", cmdImport},
		{"export", "--json [--meeting ID]", "write everything in the store as JSON", cmdExport},
		{"meetings", "[--body B] [--upcoming]", "list the meetings with their ids and dates", cmdMeetings},
		{"agenda", "MEETING", "list a meeting's items with their numbers and ids", cmdAgenda},
		{"note", "add|list …", "add or list notes on items and recommendations", cmdNote},
		{"search", "QUERY… [--meeting M] [--json]", "search meetings, items, notes, reading material and attachments", cmdSearch},
		{"watch", "add|list|remove …", "watch words: list the items and attachments that mention them", cmdWatch},
		{"source", "add|list|remove …", "manage where agendas come from (FirstAgenda sites, feeds)", cmdSource},
		{"sync", "[--source NAME] [--dry-run]", "bring new and changed agendas from every source", cmdSync},
		{"keygen", "KEYFILE", "make a key pair for signing a feed", cmdKeygen},
		{"publish", "INPUT… --out DIR --key K", "write a signed feed of agenda packages", cmdPublish},
		{"serve", "[DIR] --addr HOST:PORT …", "serve a feed folder and/or the group relay", cmdServe},
		{"group", "create|invite|join|…", "share notes with your party group, end-to-end encrypted", cmdGroup},
		{"brief", "MEETING_ID --format md|html", "write the brief for the formøde", cmdBrief},
		{"passphrase", "", "set or change the passphrase that opens the encrypted store anywhere", cmdPassphrase},
		{"key", "status|remember|forget", "where the store's key is kept: this machine's keyring, the passphrase", cmdKey},
		{"lock", "", "forget the keys unlocked with a passphrase for this login session", cmdLock},
		{"restore", "BACKUP", "bring the store back from the backup an upgrade made", cmdRestore},
		{"purge", "[--closed-after 30d|off]", "remove closed items' texts some days after their meeting (kept: notes)", cmdPurge},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet("dagsorden", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&e.dataDir, "data", "", "data `DIR` (default: $DAGSORDEN_DATA or the XDG data directory)")
	demo := fs.Bool("demo", false, "open dagsorden on a throw-away store holding the bundled example meeting")
	fs.StringVar(&e.lang, "lang", "", "user interface `language`: da or en (default: from the locale, else da)")
	fs.StringVar(&e.logFile, "log", "", "write a debug log to `FILE` (never to the terminal)")
	help := fs.Bool("help", false, "show this help")
	fs.BoolVar(help, "h", false, "show this help")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "dagsorden: %v\n", err)
		usage(stderr, fs)
		return exitUsage
	}
	if *help {
		usage(stdout, fs)
		return exitOK
	}
	if e.lang != "" && e.lang != "da" && e.lang != "en" {
		fmt.Fprintf(stderr, "dagsorden: --lang takes da or en, not %q\n", e.lang)
		return exitUsage
	}
	rest := fs.Args()
	var err error
	switch {
	case *demo:
		err = runDemo(e)
	case len(rest) == 0:
		err = runUI(e, false)
	case rest[0] == "help":
		usage(stdout, fs)
		return exitOK
	default:
		cmd := findCommand(rest[0])
		if cmd == nil {
			fmt.Fprintf(stderr, "dagsorden: unknown command %q\n", rest[0])
			usage(stderr, fs)
			return exitUsage
		}
		err = cmd.run(e, rest[1:])
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errUsage):
		return exitUsage
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	}
	fmt.Fprintf(stderr, "dagsorden: %v\n", err)
	return exitError
}

func findCommand(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return &c
		}
	}
	return nil
}

func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `dagsorden — prepare for your meetings: read agendas offline, note your stance on each recommendation.

Usage:
  dagsorden [flags]                 open the reading room on your store
  dagsorden --demo                  open it on the bundled example meeting
  dagsorden COMMAND [args] [flags]  run a command (dagsorden COMMAND --help for its flags)

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %-28s %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprint(w, "\nFlags:\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// newFlags makes a subcommand's flag set whose --help prints the command's usage.
func newFlags(e *env, name, args, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet("dagsorden "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: dagsorden %s %s\n\n%s\n", name, args, summary)
		if hasFlags(fs) {
			fmt.Fprint(e.stdout, "\nFlags:\n")
			fs.SetOutput(e.stdout)
			fs.PrintDefaults()
			fs.SetOutput(io.Discard)
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parseInterspersed parses flags that may stand before, between or after positional
// arguments ("note add ITEM --rec 1 --text …"), which the flag package alone does not.
func parseInterspersed(e *env, fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.Usage()
				return nil, flag.ErrHelp
			}
			fmt.Fprintf(e.stderr, "%s: %v (see --help)\n", fs.Name(), err)
			return nil, errUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// oneArg parses a command that takes exactly one positional argument; missing says
// what to give when it is absent (or more than one is given).
func oneArg(e *env, fs *flag.FlagSet, args []string, missing string) (string, error) {
	pos, err := parseInterspersed(e, fs, args)
	if err != nil {
		return "", err
	}
	if len(pos) != 1 {
		return "", usageErr(e, fs, "%s", missing)
	}
	return pos[0], nil
}

func usageErr(e *env, fs *flag.FlagSet, format string, a ...any) error {
	fmt.Fprintf(e.stderr, "%s: %s\n", fs.Name(), fmt.Sprintf(format, a...))
	fmt.Fprintf(e.stderr, "Run '%s --help' for usage.\n", fs.Name())
	return errUsage
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
