package main

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/term"

	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/store/keys"
)

// envKeyring=off keeps dagsorden away from the OS keyring: the passphrase alone opens
// the store (and tests do not fill a developer's keyring).
const envKeyring = "DAGSORDEN_KEYRING"

// envNewPassphrase gives `dagsorden passphrase` the new passphrase in scripts.
const envNewPassphrase = "DAGSORDEN_NEW_PASSPHRASE"

func (e *env) dir() string {
	if e.dataDir == "" {
		return store.DefaultDir()
	}
	return e.dataDir
}

// storeOptions: the OS keyring when the machine has one, the login session's key cache,
// and the passphrase from DAGSORDEN_PASSPHRASE or the terminal.
func (e *env) storeOptions() store.Options {
	o := store.Options{
		Passphrase: e.passphrase,
		Attempts:   2, // three tries in all at a terminal
		Notify:     func(s string) { fmt.Fprintln(e.stderr, s) },
	}
	if e.keyring != nil { // the demo's throw-away key
		o.Keyring, o.Passphrase, o.Notify = e.keyring, nil, nil
		return o
	}
	if e.quiet {
		o.Notify, o.Attempts = nil, 0
	}
	if keys.Available() && os.Getenv(envKeyring) != "off" {
		o.Keyring = keys.OS{}
	}
	if s, ok := keys.SessionCache(); ok {
		o.Session = s
	}
	return o
}

func (e *env) openStore() (*store.Store, error) {
	return store.OpenWith(e.dir(), e.storeOptions())
}

// terminal returns the terminal standard input is, or nil.
func (e *env) terminal() *os.File {
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return f
	}
	return nil
}

// passphrase is store.Options.Passphrase: DAGSORDEN_PASSPHRASE when set, else asked at
// the terminal (without echo) when one is needed, else none.
func (e *env) passphrase(isNew, required bool) (string, error) {
	if p := os.Getenv(store.EnvPassphrase); p != "" {
		return p, nil
	}
	if !required || e.quiet || e.terminal() == nil {
		return "", nil
	}
	if isNew {
		fmt.Fprintf(e.stderr, "This machine has no keyring to keep the key of the store in %s.\n", e.dir())
		return e.askNew("Choose a passphrase for it (you will need it to open the store): ")
	}
	if e.asked > 0 {
		fmt.Fprintln(e.stderr, "That passphrase does not open the store; try again.")
	}
	e.asked++
	return e.ask(fmt.Sprintf("Passphrase of the store in %s: ", e.dir()))
}

// ask reads one line from the terminal without echo.
func (e *env) ask(prompt string) (string, error) {
	f := e.terminal()
	if f == nil {
		return "", errors.New("no terminal to ask for a passphrase")
	}
	fmt.Fprint(e.stderr, prompt)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", fmt.Errorf("reading the passphrase: %w", err)
	}
	return string(b), nil
}

// askNew asks for a new passphrase twice, until both agree (three tries).
func (e *env) askNew(prompt string) (string, error) {
	for range 3 {
		p, err := e.ask(prompt)
		if err != nil {
			return "", err
		}
		if p == "" {
			fmt.Fprintln(e.stderr, "The passphrase cannot be empty.")
			continue
		}
		again, err := e.ask("The same again: ")
		if err != nil {
			return "", err
		}
		if again == p {
			return p, nil
		}
		fmt.Fprintln(e.stderr, "The two were not the same.")
	}
	return "", errors.New("no passphrase was chosen")
}
