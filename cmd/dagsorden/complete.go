package main

import (
	"cmp"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	dsync "github.com/dagsorden/dagsorden/sync"
)

// Dynamic shell completion (`dagsorden completion bash|zsh|fish`): meeting ids and dates,
// item numbers, bodies, groups, members, sources and watch words, read from the store
// where that is cheap. A completion runs in the middle of a TAB: it never asks for a
// passphrase, never makes a store, and completes nothing rather than fail.

type completeFunc = func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective)

const noFiles = cobra.ShellCompDirectiveNoFileComp

// fixed completes a flag from a list ("value\tdescription").
func fixed(values ...string) completeFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		for _, v := range values {
			if strings.HasPrefix(v, toComplete) {
				out = append(out, v)
			}
		}
		return out, noFiles
	}
}

// completionStore opens the store when its key is at hand without asking: in the
// keyring, the login session's cache, or $DAGSORDEN_PASSPHRASE. nil otherwise.
func (e *env) completionStore() *store.Store {
	if _, err := os.Stat(filepath.Join(e.dir(), store.FileName)); err != nil {
		return nil // not made by a TAB
	}
	e.quiet = true
	st, err := e.openStore()
	if err != nil {
		return nil
	}
	return st
}

func (e *env) withCompletionStore(fn func(st *store.Store) []cobra.Completion) []cobra.Completion {
	st := e.completionStore()
	if st == nil {
		return nil
	}
	defer st.Close()
	return fn(st)
}

// completeMeeting completes a meeting argument or --meeting: dates (each with the bodies
// that met that day) and ids (with date and body), newest first, of the bodies --body
// names when it is given.
func (e *env) completeMeeting(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if c.Flags().Lookup("meeting") == nil && len(args) > 0 {
		return nil, noFiles // the meeting is the one argument
	}
	body, _ := c.Flags().GetString("body")
	return e.meetingCompletions(toComplete, body, true), noFiles | cobra.ShellCompDirectiveKeepOrder
}

// completeMeetingIDs completes a flag that takes only an id (export --meeting).
func (e *env) completeMeetingIDs(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return e.meetingCompletions(toComplete, "", false), noFiles | cobra.ShellCompDirectiveKeepOrder
}

func (e *env) meetingCompletions(toComplete, body string, dates bool) []cobra.Completion {
	return e.withCompletionStore(func(st *store.Store) []cobra.Completion {
		ms, err := st.Meetings()
		if err != nil {
			return nil
		}
		slices.Reverse(ms) // newest first: the meeting one prepares is near the top
		var days, ids []cobra.Completion
		bodies := map[string][]string{}
		var order []string
		for _, m := range ms {
			if body != "" && !contains(m.Body.Name, body) {
				continue
			}
			day := m.Start.In(agenda.Copenhagen).Format("2006-01-02")
			if dates && strings.HasPrefix(day, toComplete) {
				if _, seen := bodies[day]; !seen {
					order = append(order, day)
				}
				if !slices.Contains(bodies[day], m.Body.Name) {
					bodies[day] = append(bodies[day], m.Body.Name)
				}
			}
			if strings.HasPrefix(m.ID, toComplete) {
				ids = append(ids, cobra.CompletionWithDesc(m.ID, when(m.Start)+" "+m.Body.Name))
			}
		}
		for _, d := range order {
			days = append(days, cobra.CompletionWithDesc(d, strings.Join(bodies[d], ", ")))
		}
		return append(days, ids...)
	})
}

// completeItemNumbers completes --item with the numbers of the meeting --meeting names.
func (e *env) completeItemNumbers(c *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	meeting, _ := c.Flags().GetString("meeting")
	body, _ := c.Flags().GetString("body")
	if meeting == "" {
		return nil, noFiles
	}
	return e.withCompletionStore(func(st *store.Store) []cobra.Completion {
		m, err := findMeeting(st, meeting, body)
		if err != nil {
			return nil
		}
		var out []cobra.Completion
		for _, it := range m.Items {
			if n := strings.TrimSuffix(it.Number, "."); n != "" && strings.HasPrefix(n, toComplete) {
				out = append(out, cobra.CompletionWithDesc(n, oneLine(it.Title)))
			}
		}
		return out
	}), noFiles | cobra.ShellCompDirectiveKeepOrder
}

// completeBodies completes --body with the names of the bodies in the store.
func (e *env) completeBodies(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return e.withCompletionStore(func(st *store.Store) []cobra.Completion {
		ms, err := st.Meetings()
		if err != nil {
			return nil
		}
		var out []cobra.Completion
		for _, m := range ms {
			if n := m.Body.Name; n != "" && strings.HasPrefix(folder.String(n), folder.String(toComplete)) && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
		slices.SortFunc(out, func(a, b string) int { return cmp.Compare(folder.String(a), folder.String(b)) })
		return out
	}), noFiles
}

// completeGroups completes a --group flag with the member's groups.
func (e *env) completeGroups(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return e.groupNames(toComplete), noFiles
}

// completeGroupArg completes a group as a command's one argument.
func (e *env) completeGroupArg(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, noFiles
	}
	return e.groupNames(toComplete), noFiles
}

func (e *env) groupNames(toComplete string) []cobra.Completion {
	return e.withCompletionStore(func(st *store.Store) []cobra.Completion {
		gs, err := st.Groups()
		if err != nil {
			return nil
		}
		var out []cobra.Completion
		for _, g := range gs {
			if strings.HasPrefix(g.Name, toComplete) {
				out = append(out, g.Name)
			}
		}
		return out
	})
}

// completeGroupAndMember completes NAME MEMBER: a group, then one of its members (by
// name when their profile arrived, else by id) from the signed member list.
func (e *env) completeGroupAndMember(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	switch len(args) {
	case 0:
		return e.groupNames(toComplete), noFiles
	case 1:
	default:
		return nil, noFiles
	}
	return e.withCompletionStore(func(st *store.Store) []cobra.Completion {
		g, err := st.Group(args[0])
		if err != nil {
			return nil
		}
		var out []cobra.Completion
		for _, m := range g.Members {
			if m.Removed || m.Stranger {
				continue
			}
			name := cmp.Or(m.Name, m.ID)
			if strings.HasPrefix(name, toComplete) {
				out = append(out, cobra.CompletionWithDesc(name, m.ID))
			}
		}
		return out
	}), noFiles
}

// completeSources completes a source's name; the list is a file, no store needed.
func (e *env) completeSources(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, noFiles
	}
	// No dataFolder here: completing must not move files or print.
	srcs, err := dsync.SourceList(e.dir())
	if err != nil {
		return nil, noFiles
	}
	var out []cobra.Completion
	for _, s := range srcs {
		if strings.HasPrefix(s.Name, toComplete) {
			out = append(out, cobra.CompletionWithDesc(s.Name, s.URL))
		}
	}
	return out, noFiles
}

// completeWatches completes watch remove with the watched words.
func (e *env) completeWatches(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, noFiles
	}
	return e.withCompletionStore(func(st *store.Store) []cobra.Completion {
		ws, err := st.Watches()
		if err != nil {
			return nil
		}
		var out []cobra.Completion
		for _, w := range ws {
			if strings.HasPrefix(w, toComplete) {
				out = append(out, w)
			}
		}
		return out
	}), noFiles
}
