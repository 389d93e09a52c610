package plaintext

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
)

// Date is a date found in text.
type Date struct {
	// Day, Month, Year as written; Day is 0 when only month and year are stated
	// ("maj 2023").
	Day   int
	Month time.Month
	Year  int
	// Start and End are the byte offsets of the match in the text searched.
	Start, End int
}

// In is the date at midnight in loc, on the first of the month when no day is stated.
func (d Date) In(loc *time.Location) time.Time {
	day := d.Day
	if day == 0 {
		day = 1
	}
	return time.Date(d.Year, d.Month, day, 0, 0, 0, 0, loc)
}

// month is the month a name or abbreviation the date patterns matched stands for.
func month(name string) time.Month {
	m, _ := agenda.ParseMonth(name)
	return m
}

const monthAlt = `januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december`

var (
	// "21. april 2023", "21 apr. 2023", "15-maj-2002" (older ESDH systems).
	dayMonthYearRe = regexp.MustCompile(`(?i)\b(\d{1,2})(?:\.?\s*|-)(` + monthAlt + `|jan|feb|mar|apr|jun|jul|aug|sept|sep|okt|nov|dec)(?:\.?\s+|-)(\d{4})\b`)
	numericDateRe  = regexp.MustCompile(`\b(\d{1,2})[-./](\d{1,2})[-./](\d{4})\b`)
	isoDateRe      = regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})\b`)
	// Only full month names: "mar 2023" is too likely something else.
	monthYearRe = regexp.MustCompile(`(?i)\b(` + monthAlt + `)\s+(\d{4})\b`)
)

// FindDate returns the first date in s, written as Danes write dates: "21. april 2023",
// "21-04-2023", "21.4.2023", "2023-04-21", or a month alone: "maj 2023".
func FindDate(s string) (Date, bool) {
	if !strings.ContainsAny(s, "0123456789") {
		return Date{}, false // every form has digits; most lines have none
	}
	best, found := Date{}, false
	try := func(d Date, ok bool) {
		if ok && (!found || d.Start < best.Start) {
			best, found = d, true
		}
	}
	for _, m := range dayMonthYearRe.FindAllStringSubmatchIndex(s, 3) {
		try(mkDate(atoi(s[m[2]:m[3]]), month(s[m[4]:m[5]]), atoi(s[m[6]:m[7]]), m))
	}
	for _, m := range numericDateRe.FindAllStringSubmatchIndex(s, 3) {
		try(mkDate(atoi(s[m[2]:m[3]]), time.Month(atoi(s[m[4]:m[5]])), atoi(s[m[6]:m[7]]), m))
	}
	for _, m := range isoDateRe.FindAllStringSubmatchIndex(s, 3) {
		try(mkDate(atoi(s[m[6]:m[7]]), time.Month(atoi(s[m[4]:m[5]])), atoi(s[m[2]:m[3]]), m))
	}
	for _, m := range monthYearRe.FindAllStringSubmatchIndex(s, 3) {
		d, ok := mkDate(1, month(s[m[2]:m[3]]), atoi(s[m[4]:m[5]]), m)
		d.Day = 0
		// "21. april 2023" also matches here, later in the string: the day form wins by
		// starting earlier.
		try(d, ok)
	}
	return best, found
}

func mkDate(day int, month time.Month, year int, m []int) (Date, bool) {
	if month < 1 || month > 12 || year < 1900 || year > 2200 || day < 1 {
		return Date{}, false
	}
	if day > time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return Date{}, false
	}
	return Date{Day: day, Month: month, Year: year, Start: m[0], End: m[1]}, true
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// Clock is a time of day found in text.
type Clock struct {
	Hour, Minute int
	// HasEnd says a range was written ("10:00-12:00", "kl. 15-18"); EndHour and EndMinute
	// hold its end.
	HasEnd             bool
	EndHour, EndMinute int
}

var (
	clockRe    = regexp.MustCompile(`(?i)(?:\bkl\.?\s*(\d{1,2})(?:[:.](\d{2}))?\b|\b(\d{1,2})[:.](\d{2})\b)`)
	clockEndRe = regexp.MustCompile(`(?i)^\s*(?:[-–]|til)\s*(?:kl\.?\s*)?(\d{1,2})(?:[:.](\d{2}))?\b`)
)

// FindClock returns the first time of day in s: "10:00", "10.30", "kl. 9", with the end
// of a range when one follows.
func FindClock(s string) (Clock, bool) {
	for _, m := range clockRe.FindAllStringSubmatchIndex(s, 8) {
		var h, min int
		if m[2] >= 0 {
			h = atoi(s[m[2]:m[3]])
			if m[4] >= 0 {
				min = atoi(s[m[4]:m[5]])
			}
		} else {
			h, min = atoi(s[m[6]:m[7]]), atoi(s[m[8]:m[9]])
		}
		if h > 23 || min > 59 {
			continue
		}
		c := Clock{Hour: h, Minute: min}
		if e := clockEndRe.FindStringSubmatch(s[m[1]:]); e != nil {
			eh, em := atoi(e[1]), 0
			if e[2] != "" {
				em = atoi(e[2])
			}
			if eh <= 23 && em <= 59 {
				c.HasEnd, c.EndHour, c.EndMinute = true, eh, em
			}
		}
		return c, true
	}
	return Clock{}, false
}
