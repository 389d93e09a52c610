package agenda

import (
	"fmt"
	"strings"
	"time"
)

// The Danish names of months and weekdays, and the ways agendas write a date: every
// importer and every rendering asks here, so "marts" is spelt once.

// MonthNames are the Danish month names, January first.
var MonthNames = [12]string{"januar", "februar", "marts", "april", "maj", "juni", "juli",
	"august", "september", "oktober", "november", "december"}

// WeekdayNames are the Danish weekday names in time.Weekday order, Sunday first.
var WeekdayNames = [7]string{"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"}

// monthAbbrev are the abbreviations agendas use beside the full names.
var monthAbbrev = map[string]time.Month{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
	"sept": 9, "okt": 10, "nov": 11, "dec": 12,
}

// ParseMonth reads a Danish month name or its abbreviation ("marts", "Mar.", "sept"),
// without regard to case.
func ParseMonth(s string) (time.Month, bool) {
	s = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	for i, m := range MonthNames {
		if s == m {
			return time.Month(i + 1), true
		}
	}
	m, ok := monthAbbrev[s]
	return m, ok
}

// DanishDate writes a date as Danish agendas do, in Copenhagen time: "2. maj 2017"; ""
// for the zero time.
func DanishDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(Copenhagen)
	return fmt.Sprintf("%d. %s %d", t.Day(), MonthNames[t.Month()-1], t.Year())
}

// DanishDateTime writes a date with its weekday and time: "fredag 21. april 2023 kl. 10.00".
func DanishDateTime(t time.Time) string {
	t = t.In(Copenhagen)
	return fmt.Sprintf("%s %s kl. %s", WeekdayNames[t.Weekday()], DanishDate(t), t.Format("15.04"))
}
