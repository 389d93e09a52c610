package main

import (
	"os"

	"golang.org/x/term"
)

// runUI opens the reading room on a terminal; with output to a pipe or file it prints
// the agendas as text instead.
func runUI(e *env) error {
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if f, ok := e.stdout.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		return printAgendas(e.stdout, st)
	}
	return printAgendas(e.stdout, st) // the reading room lands with the UI issue
}
