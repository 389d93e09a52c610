// Command dagsorden prepares elected members for their meetings: it syncs agenda packages
// into a local store, shows them in a terminal UI, and keeps the member's notes.
//
// This package only wires: it parses the command line (spf13/cobra, styled by
// charm.land/fang: root.go and one file per command), opens the store, runs the UI or a
// command, closes everything and sets the exit code.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"charm.land/fang/v2"
	"charm.land/lipgloss/v2"

	"github.com/dagsorden/dagsorden/store"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command failed; the message says why
	exitUsage = 2 // the command line was wrong
)

// env is what every command shares: where it reads and writes, the root's flags, and
// how the store is opened.
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
	// quiet: never ask for a passphrase (shell completion runs in the middle of a TAB).
	quiet bool
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRoot(e)
	root.SetArgs(rewriteArgs(root, args))
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := fang.Execute(context.Background(), root,
		fang.WithVersion(buildVersion()),
		fang.WithoutManpage(), // man.go: ours writes where the command writes, with more sections
		fang.WithErrorHandler(printError),
	)
	return exitCode(err)
}

func exitCode(err error) int {
	switch {
	case err == nil:
		return exitOK
	case isUsage(err):
		return exitUsage
	}
	return exitError
}

// printError says what went wrong in one sentence: "dagsorden: …" (coloured on a
// terminal; w strips the colour elsewhere). A usage error names the command and points
// to its --help.
func printError(w io.Writer, styles fang.Styles, err error) {
	red := lipgloss.NewStyle().Bold(true).Foreground(styles.ErrorHeader.GetBackground())
	var ue *usageError
	if !errors.As(err, &ue) {
		if isUsage(err) { // one of cobra's own (a completion command's argument)
			ue = &usageError{cmd: "dagsorden", msg: err.Error()}
		} else {
			fmt.Fprintf(w, "%s %s\n", red.Render("dagsorden:"), err)
			return
		}
	}
	fmt.Fprintf(w, "%s %s\n", red.Render(ue.cmd+":"), ue.msg)
	fmt.Fprintf(w, "Run '%s --help' for usage.\n", ue.cmd)
}

// usageError: the command line was wrong (exit 2).
type usageError struct {
	cmd string // the command's path: "dagsorden note add"
	msg string
}

func (e *usageError) Error() string { return e.msg }

func isUsage(err error) bool {
	var ue *usageError
	if errors.As(err, &ue) {
		return true
	}
	// The few usage errors cobra makes itself, where no hook of ours sees them first
	// (the arguments of `completion`).
	s := err.Error()
	for _, prefix := range []string{"unknown command", "unknown flag", "unknown shorthand flag",
		"flag needs an argument", "invalid argument", "accepts ", "requires at least", "required flag"} {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
