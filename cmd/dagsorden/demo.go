package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/example"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/store/keys"
)

// runDemo opens dagsorden on a throw-away store holding the bundled example; the store
// is removed on exit, so the demo never touches the user's own data.
func runDemo(member *env) error {
	dir, err := os.MkdirTemp("", "dagsorden-demo-")
	if err != nil {
		return fmt.Errorf("make a folder for the demo: %w", err)
	}
	defer os.RemoveAll(dir)
	e := *member // the member's own store stays theirs: the welcome screen may come back to it
	e.dataDir = dir
	e.keyring = &keys.Memory{} // the demo's key lives and dies with this process
	st, err := e.openStore()
	if err != nil {
		return err
	}
	if err := loadExample(st); err != nil {
		st.Close()
		return err
	}
	st.Close()
	return runUI(&e, true)
}

func loadExample(st *store.Store) error {
	p, err := example.Package(time.Now())
	if err != nil {
		return fmt.Errorf("the bundled example: %w", err)
	}
	_, err = st.Import(p)
	return err
}

// printAgendas writes every meeting's agenda as plain text: what dagsorden shows when
// its output is not a terminal (piped to less, a file or a test).
func printAgendas(w io.Writer, st *store.Store) error {
	ms, err := st.Meetings()
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		fmt.Fprintln(w, "The store is empty. Import an agenda with: dagsorden import FILE (or try dagsorden --demo)")
		return nil
	}
	for _, s := range ms {
		m, err := st.Meeting(s.ID)
		if err != nil {
			return err
		}
		printAgenda(w, m)
	}
	return nil
}

func printAgenda(w io.Writer, m *agenda.Meeting) {
	fmt.Fprintf(w, "%s — %s\n", m.Body.Name, m.Title)
	fmt.Fprintf(w, "%s", m.Start.In(agenda.Copenhagen).Format("2006-01-02 15:04"))
	if m.Location != "" {
		fmt.Fprintf(w, ", %s", m.Location)
	}
	if !m.Premeeting.IsZero() {
		fmt.Fprintf(w, " (formøde %s)", m.Premeeting.In(agenda.Copenhagen).Format("15:04"))
	}
	fmt.Fprintf(w, "\nmeeting id %s\n\n", m.ID)
	group := ""
	for _, it := range m.Items {
		if it.Group != "" && it.Group != group {
			group = it.Group
			fmt.Fprintf(w, "  %s\n", group)
		}
		closed := ""
		if it.Closed {
			closed = " [lukket]"
		}
		fmt.Fprintf(w, "  %-5s %s%s  (id %s)\n", it.Number, it.Title, closed, it.ID)
		for _, r := range it.Recommendations {
			fmt.Fprintf(w, "          %d. %s\n", r.Index, strings.ReplaceAll(r.Text, "\n", "\n             "))
		}
		if n := len(it.Attachments); n > 0 {
			fmt.Fprintf(w, "          %s\n", plural(n, "attachment", "attachments"))
		}
	}
	fmt.Fprintln(w)
}
