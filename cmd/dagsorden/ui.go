package main

import (
	"context"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/dagsorden/dagsorden/ui"
)

// runUI opens the reading room on a terminal; with output to a pipe or file it prints
// the agendas as text instead.
func runUI(e *env, demo bool) error {
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if f, ok := e.stdout.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		return printAgendas(e.stdout, st)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	return ui.Run(ctx, st, ui.Options{
		Lang:        uiLang(e.lang),
		Demo:        demo,
		LogFile:     e.logFile,
		Author:      author(),
		LoadExample: func() error { return loadExample(st) },
		Now:         time.Now,
	})
}

// uiLang picks the UI language: --lang, else English for an English locale, else Danish.
func uiLang(flag string) string {
	if flag != "" {
		return flag
	}
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(k); v != "" {
			if strings.HasPrefix(v, "en") {
				return "en"
			}
			return "da"
		}
	}
	return "da"
}
