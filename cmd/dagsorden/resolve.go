package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/cases"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
)

// The ids `note add` and `brief` take can be found by name: `meetings` lists meetings with
// their ids, `agenda MEETING` an agenda's items; and commands that take a meeting also
// take it by its date (and body), an item by its number.

// findMeeting resolves how a member names a meeting: its id, a unique prefix of it (≥ 4
// characters), or its date (2023-04-21, 21-04-2023, 21.04.2023), with body (part of the
// body's name) choosing among the meetings of that day.
func findMeeting(st *store.Store, spec, body string) (*agenda.Meeting, error) {
	spec = strings.TrimSpace(spec)
	ms, err := st.Meetings()
	if err != nil {
		return nil, err
	}
	var found []store.MeetingSummary
	if day, ok := parseDay(spec); ok {
		for _, m := range ms {
			if sameDay(m.Start, day) && (body == "" || contains(m.Body.Name, body)) {
				found = append(found, m)
			}
		}
	} else {
		for _, m := range ms {
			if m.ID == spec {
				found = []store.MeetingSummary{m}
				break
			}
			if len(spec) >= 4 && strings.HasPrefix(m.ID, spec) {
				found = append(found, m)
			}
		}
	}
	switch len(found) {
	case 0:
		if body != "" {
			return nil, fmt.Errorf("no meeting of %q on %s in the store (see 'dagsorden meetings')", body, spec)
		}
		return nil, fmt.Errorf("no meeting %q in the store (see 'dagsorden meetings')", spec)
	case 1:
		return st.Meeting(found[0].ID)
	}
	var names []string
	for _, m := range found {
		names = append(names, fmt.Sprintf("%s (%s, %s)", m.Body.Name, when(m.Start), m.ID))
	}
	return nil, fmt.Errorf("%q names %d meetings: %s; say which with --body or the id", spec, len(found), strings.Join(names, "; "))
}

// findItem resolves an item of m by its number ("3.1", "3.1.", "punkt 3") or id.
func findItem(m *agenda.Meeting, spec string) (*agenda.Item, error) {
	spec = strings.TrimSpace(spec)
	num := strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(spec), "punkt "), ".")
	for i := range m.Items {
		it := &m.Items[i]
		if it.ID == spec || strings.TrimSuffix(it.Number, ".") == num && num != "" {
			return it, nil
		}
	}
	return nil, fmt.Errorf("%s %s has no item %q (see 'dagsorden agenda %s')", m.Body.Name, when(m.Start), spec, m.ID)
}

// itemArg is the item a command names: an id as its argument, or --meeting and --item.
func itemArg(st *store.Store, arg, meeting, item, body string) (*agenda.Item, *agenda.Meeting, error) {
	switch {
	case arg != "" && (meeting != "" || item != ""):
		return nil, nil, errors.New("name the item by its id or by --meeting and --item, not both")
	case arg != "":
		it, meetingID, err := st.Item(arg)
		if err != nil {
			return nil, nil, fmt.Errorf("item %s: %w", arg, err)
		}
		m, err := st.Meeting(meetingID)
		if err != nil {
			return nil, nil, fmt.Errorf("meeting of item %s: %w", arg, err)
		}
		return it, m, nil
	case meeting == "" || item == "":
		return nil, nil, errors.New("name the item: its id, or --meeting DATE|ID and --item NUMBER (see 'dagsorden agenda')")
	}
	m, err := findMeeting(st, meeting, body)
	if err != nil {
		return nil, nil, err
	}
	it, err := findItem(m, item)
	return it, m, err
}

// parseDay reads a date as members type one.
func parseDay(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02", "02-01-2006", "2-1-2006", "02.01.2006", "2.1.2006"} {
		if t, err := time.ParseInLocation(layout, s, agenda.Copenhagen); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func sameDay(a, b time.Time) bool {
	a, b = a.In(agenda.Copenhagen), b.In(agenda.Copenhagen)
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}

func startOfDay(t time.Time) time.Time {
	t = t.In(agenda.Copenhagen)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, agenda.Copenhagen)
}

func when(t time.Time) string {
	if t.IsZero() {
		return "no date"
	}
	return t.In(agenda.Copenhagen).Format("2006-01-02 15:04")
}

var folder = cases.Fold()

func contains(s, part string) bool {
	return strings.Contains(folder.String(s), folder.String(strings.TrimSpace(part)))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
