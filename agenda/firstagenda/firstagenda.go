// Package firstagenda imports the meeting JSON of FirstAgenda Publication, the public agenda
// sites of many Danish municipalities (https://dagsordener.<kommune>.dk,
// GET /api/agenda/dagsorden/{id}).
//
// It is pure: bytes in, agenda types out. It fetches nothing (the sync package does) and
// must not trust the source's own flags where they are known to lie: IsOpen is false for
// open items on some sites, so closed items are told by their "Lukket: " title, and
// Moede.Id is always the zero GUID, so the meeting's identity comes from agenda.MeetingID.
package firstagenda

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/htmlmd"
)

// Format is the Source.Format of what this package imports.
const Format = "firstagenda"

const (
	// MaxInput bounds one meeting JSON. Greve's largest meeting is about 0.5 MB.
	MaxInput = 64 << 20
	// MaxItems bounds the items of one meeting. Greve's largest has 51; a city council's
	// longest agenda has a few hundred.
	MaxItems = 10_000
)

// Sniff reports whether data looks like a FirstAgenda meeting: a JSON object with a
// "Dagsordenpunkter" key within its first MiB (the key comes first in what the sites
// send, after at most the small Udvalg and Moede objects).
func Sniff(data []byte) bool {
	data = bytes.TrimPrefix(data, bom)
	data = bytes.TrimLeft(data, " \t\r\n")
	if len(data) == 0 || data[0] != '{' {
		return false
	}
	if len(data) > 1<<20 {
		data = data[:1<<20]
	}
	return bytes.Contains(data, []byte(`"Dagsordenpunkter"`))
}

var bom = []byte("\xef\xbb\xbf")

// Parse turns one meeting JSON into a package holding that meeting. The site (for
// attachment addresses) is taken from the links in the JSON.
func Parse(name string, data []byte) (agenda.Package, error) {
	return ParseSite(name, data, "")
}

// ParseSite is Parse for a caller that knows which site the JSON came from (sync does):
// site, e.g. "https://dagsordener.greve.dk", wins over what the links in the JSON say,
// and gives attachment addresses to meetings whose JSON has no link at all.
func ParseSite(name string, data []byte, site string) (agenda.Package, error) {
	m, err := parse(data, site)
	if err != nil {
		return agenda.Package{}, fmt.Errorf("%s is not a usable FirstAgenda meeting: %w", name, err)
	}
	m.Source.Path = name
	agenda.AssignIDs(&m)
	return agenda.Package{Meetings: []agenda.Meeting{m}}, nil
}

// PDFURL is the address of a PDF on a FirstAgenda site: kind is "bilag" (an attachment),
// "dagsordenpunkt" (an item) or "dagsorden" (a whole meeting), id the source's id. The
// flag makes the site answer with the PDF itself; without it the site serves an HTML
// viewer around a presigned address that expires after 300 s.
func PDFURL(site, kind, id string) string {
	return viewerURL(site, kind, id) + "?redirectDirectlyToPdf=true"
}

func viewerURL(site, kind, id string) string {
	return strings.TrimRight(site, "/") + "/vis/pdf/" + url.PathEscape(kind) + "/" + url.PathEscape(id)
}

func parse(data []byte, site string) (agenda.Meeting, error) {
	switch {
	case len(data) > MaxInput:
		return agenda.Meeting{}, fmt.Errorf("it is larger than %d MB, the most dagsorden reads", MaxInput>>20)
	case len(bytes.TrimSpace(data)) == 0:
		return agenda.Meeting{}, errors.New("it is empty")
	case !utf8.Valid(data):
		return agenda.Meeting{}, errors.New("it is not valid UTF-8 text")
	}
	data = bytes.TrimPrefix(data, bom)
	raw, err := decodeMeeting(data)
	switch {
	case errors.Is(err, errTooManyItems):
		return agenda.Meeting{}, fmt.Errorf("it has more than %d items, more than any real agenda", MaxItems)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return agenda.Meeting{}, errors.New("the JSON is cut off before its end")
	case err != nil:
		return agenda.Meeting{}, fmt.Errorf("it is not valid meeting JSON (%v)", err)
	}
	return convert(raw, site)
}

func convert(raw *meetingJSON, site string) (agenda.Meeting, error) {
	var m agenda.Meeting
	if raw.Udvalg != nil {
		m.Body = agenda.Body{SourceID: raw.Udvalg.ID.String(), Name: bodyName(raw.Udvalg.Navn.String())}
	}
	if m.Body.Name == "" {
		return m, errors.New("it names no committee (Udvalg.Navn)")
	}
	if raw.Moede == nil {
		return m, errors.New("it has no meeting details (Moede)")
	}
	mo := raw.Moede
	start, err := parseTime(mo.MeetingBeginUtc.String())
	if err != nil || start.IsZero() {
		start, err = parseTime(mo.Dato.String())
	}
	if err != nil {
		return m, fmt.Errorf("its meeting date %w", err)
	}
	if start.IsZero() {
		return m, errors.New("it has no meeting date (Moede.MeetingBeginUtc or Moede.Dato)")
	}
	m.Start = start
	if end, err := parseTime(mo.MeetingEndUtc.String()); err == nil && end.After(start) {
		m.End = end
	}
	m.Location = oneLine(mo.Sted.String())
	m.Kind = kind(raw)
	m.Title = title(raw, m)

	if site == "" {
		site = siteOf(raw)
	}
	m.Source = agenda.Source{Format: Format, Site: strings.TrimRight(site, "/"), PublicationID: raw.ID.String()}
	if rel, err := parseTime(mo.ReleasedDate.String()); err == nil {
		m.Source.Released = rel
	}

	items, err := convertItems(raw.Dagsordenpunkter, m.Source.Site)
	if err != nil {
		return m, err
	}
	m.Items = items
	return m, nil
}

// convertItems converts the items in the meeting's order. HTML to Markdown is most of an
// import's time (≈ 4 ms per item), and items are independent, so they are converted on
// all cores.
func convertItems(raw []itemJSON, site string) ([]agenda.Item, error) {
	order := sortedItems(raw)
	items := make([]agenda.Item, len(order))
	errs := make([]error, len(order))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(order)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				items[k], errs[k] = item(&raw[order[k]], order[k], site)
			}
		}()
	}
	for k := range order {
		next <- k
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, e := range errs {
			if e != nil {
				return nil, e // the first, in agenda order: one sentence for the user
			}
		}
	}
	return items, nil
}

// sortedItems lists item indices in the meeting's order: by Sorting when every item has
// one, otherwise as listed.
func sortedItems(items []itemJSON) []int {
	order := make([]int, len(items))
	all := true
	for i := range items {
		order[i] = i
		all = all && items[i].Sorting.Set
	}
	if all {
		slices.SortStableFunc(order, func(a, b int) int {
			return cmpInt(items[a].Sorting.N, items[b].Sorting.N)
		})
	}
	return order
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// bodyName drops the leading dots some sites put before a committee's name to sort it
// last in their list (Greve's ".Spørgsmål / Svar til Byrådet 2022-2025").
func bodyName(s string) string {
	return oneLine(strings.TrimLeft(s, ". "))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// kind reads the meeting's kind from what the site calls it ("Dagsorden", "Referat",
// "Tillægsdagsorden", "Ekstraordinær dagsorden"). An extraordinary meeting is that above
// all; its supplementary agenda or minutes are still the extraordinary meeting's.
func kind(raw *meetingJSON) agenda.Kind {
	name := strings.ToLower(raw.Moede.Navn.String() + " " + raw.Moede.Description.String())
	switch {
	case strings.Contains(name, "ekstraordin"):
		return agenda.KindExtraordinary
	case bool(raw.TillaegsDagsorden) || bool(raw.Moede.IsSupplementaryAgenda) || strings.Contains(name, "tillæg"):
		return agenda.KindSupplementary
	case strings.Contains(name, "referat"):
		return agenda.KindMinutes
	}
	return agenda.KindAgenda
}

var kindWords = map[agenda.Kind]string{
	agenda.KindAgenda:        "dagsorden",
	agenda.KindMinutes:       "referat",
	agenda.KindSupplementary: "tillægsdagsorden",
	agenda.KindExtraordinary: "ekstraordinær dagsorden",
}

var kindStems = map[agenda.Kind]string{
	agenda.KindAgenda:        "", // any name will do
	agenda.KindMinutes:       "referat",
	agenda.KindSupplementary: "tillæg",
	agenda.KindExtraordinary: "ekstraordin",
}

// title is the site's own description of the meeting when it has one, otherwise
// "Økonomiudvalget — dagsorden 10. januar 2022".
func title(raw *meetingJSON, m agenda.Meeting) string {
	if d := oneLine(raw.Moede.Description.String()); d != "" && !strings.EqualFold(d, raw.Moede.Navn.String()) && !strings.ContainsRune(d, '<') {
		return d
	}
	// The site's own word, unless the flags made the meeting something it does not say.
	word := strings.ToLower(oneLine(raw.Moede.Navn.String()))
	if word == "" || !strings.Contains(word, kindStems[m.Kind]) {
		word = kindWords[m.Kind]
	}
	return fmt.Sprintf("%s — %s %s", m.Body.Name, word, agenda.DanishDate(m.Start))
}

// parseTime reads the site's times. Greve writes MeetingBeginUtc with the Danish offset
// ("2022-01-10T15:00:00+01:00") despite the name; the offset is kept as the instant's
// meaning, and a time without one is Danish wall-clock time. "" is the zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.In(agenda.Copenhagen), nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, agenda.Copenhagen); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date and time", s)
}

// siteOf finds the site in the first absolute link in the JSON (Felter[].Link, e.g.
// "https://dagsordener.greve.dk/Vis/Pdf/bilag/…").
func siteOf(raw *meetingJSON) string {
	for i := range raw.Dagsordenpunkter {
		for _, f := range raw.Dagsordenpunkter[i].Felter {
			u, err := url.Parse(f.Link.String())
			if err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
				return u.Scheme + "://" + strings.ToLower(u.Host)
			}
		}
	}
	return ""
}

func item(raw *itemJSON, pos int, site string) (agenda.Item, error) {
	it := agenda.Item{
		SourceID:   raw.ID.String(),
		Number:     first(raw.Punktnummer.String(), raw.Number.String()),
		CaseNumber: first(raw.SagsNummer.String(), raw.CaseNumber.String()),
	}
	if it.Number == "" {
		it.Number = fmt.Sprint(pos + 1)
	}
	it.Title, it.Closed = closedTitle(oneLine(first(raw.Navn.String(), raw.Caption.String())))

	var sections []agenda.Section
	for _, f := range raw.Felter {
		secs, err := fieldSections(f.HTML, f.Tekst)
		if err != nil {
			return it, fmt.Errorf("item %s (%s): %w", it.Number, it.Title, err)
		}
		if len(secs) > 0 && secs[0].Heading == "" {
			secs[0].Heading = oneLine(f.Navn.String())
		}
		sections = append(sections, secs...)
	}
	finishItem(&it, sections)
	it.Attachments = attachments(raw, site)
	return it, nil
}

// finishItem sorts an item's sections into its text, its decision and its
// recommendations, the same for the JSON and the saved page.
func finishItem(it *agenda.Item, sections []agenda.Section) {
	sections = fillEmptyRecommendation(sections)
	var decision []string
	for _, s := range sections {
		if isDecision(s.Heading) {
			if !placeholder(s.Text) {
				decision = append(decision, s.Text)
			}
			continue
		}
		it.Sections = append(it.Sections, s)
	}
	// A closed item publishes at most its decision, as a body without headings.
	if it.Closed && len(decision) == 0 && len(it.Sections) == 1 && it.Sections[0].Heading == "" {
		decision = append(decision, it.Sections[0].Text)
		it.Sections = nil
	}
	it.Decision = strings.Join(decision, "\n\n")
	if it.Sections == nil {
		it.Sections = []agenda.Section{}
	}
	if rec := recommendationSection(it.Sections); rec != nil {
		it.Recommendations = agenda.Recommendations(rec.Text)
	}
	if it.Recommendations == nil {
		it.Recommendations = []agenda.Recommendation{}
	}
}

func first(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// closedTitle strips the "Lukket: " that marks a closed item (lukket punkt).
func closedTitle(t string) (string, bool) {
	const p = "lukket:"
	if len(t) >= len(p) && strings.EqualFold(t[:len(p)], p) {
		return strings.TrimSpace(t[len(p):]), true
	}
	return t, false
}

func fieldSections(src, tekst string) ([]agenda.Section, error) {
	if strings.TrimSpace(src) == "" {
		tekst = strings.TrimSpace(tekst)
		if tekst == "" {
			return nil, nil
		}
		// Plain text goes through the converter too, so it is escaped like HTML text:
		// paragraphs at blank lines, line breaks kept.
		var b strings.Builder
		for _, para := range strings.Split(strings.ReplaceAll(tekst, "\r\n", "\n"), "\n\n") {
			b.WriteString("<p>")
			b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>"))
			b.WriteString("</p>")
		}
		md, err := htmlmd.ToMarkdown(b.String())
		if err != nil || md == "" {
			return nil, err
		}
		return []agenda.Section{{Text: md}}, nil
	}
	return htmlmd.AllSections(src)
}

// fillEmptyRecommendation finds the Indstilling whose heading was left empty with its
// words under the next heading ("Indstilling" then "Direktionen foreslår" and the list):
// the next section becomes the Indstilling's text, under its own heading in bold. Then
// the headed sections that are still blank go (a "Fremstilling" wrapper directly
// followed by its sub-headings carries nothing to read).
func fillEmptyRecommendation(secs []agenda.Section) []agenda.Section {
	out := make([]agenda.Section, 0, len(secs))
	for i := 0; i < len(secs); i++ {
		s := secs[i]
		if strings.TrimSpace(s.Text) == "" && isRecommendation(s.Heading) && i+1 < len(secs) {
			next := secs[i+1]
			if !isDecision(next.Heading) && !isRecommendation(next.Heading) && strings.TrimSpace(next.Text) != "" {
				s.Text = next.Text
				if h := oneLine(next.Heading); h != "" {
					s.Text = "**" + h + "**\n\n" + next.Text
				}
				i++
			}
		}
		if strings.TrimSpace(s.Text) == "" {
			continue
		}
		out = append(out, s)
	}
	return out
}

// normHeading folds a heading for comparison: "Økonomiske  konsekvenser:" →
// "økonomiske konsekvenser".
func normHeading(h string) string {
	return strings.ToLower(strings.TrimRight(oneLine(h), ":. "))
}

func isDecision(h string) bool {
	n := normHeading(h)
	// "Beslutningspunkter" lists what is to be decided: the Indstilling, not a decision.
	return strings.HasPrefix(n, "beslutning") && !strings.HasPrefix(n, "beslutningspunkt")
}

// recommendationSection is the Indstilling: "Indstilling", "Indstillinger", "Supplerende
// indstilling", "Forvaltningen indstiller", "Administrationens indstilling" …. When an item
// has several, the last one published is the one the committee decides on (a supplerende
// indstilling follows the original).
func recommendationSection(secs []agenda.Section) *agenda.Section {
	var found *agenda.Section
	for i := range secs {
		if isRecommendation(secs[i].Heading) {
			found = &secs[i]
		}
	}
	return found
}

func isRecommendation(heading string) bool { return agenda.IsRecommendationHeading(heading) }

func attachments(raw *itemJSON, site string) []agenda.Attachment {
	out := make([]agenda.Attachment, 0, len(raw.Bilag))
	order := make([]int, len(raw.Bilag))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmpInt(raw.Bilag[a].Order.N, raw.Bilag[b].Order.N)
	})
	for n, i := range order {
		b := raw.Bilag[i]
		a := agenda.Attachment{SourceID: b.ID.String(), Title: oneLine(b.Navn.String())}
		if a.Title == "" {
			a.Title = fmt.Sprintf("Bilag %d", n+1)
		}
		if site != "" && a.SourceID != "" {
			if b.HarPdfVersion {
				a.URL = PDFURL(site, "bilag", a.SourceID)
				a.MediaType = "application/pdf"
			} else {
				// No PDF rendition: the viewer page is the only address there is, and
				// what it shows is of unknown type.
				a.URL = viewerURL(site, "bilag", a.SourceID)
			}
		}
		out = append(out, a)
	}
	return out
}

// placeholder: text an editor left where a decision will go ("Tomt indhold", ".", a
// dash), which is no decision.
func placeholder(text string) bool {
	t := strings.ToLower(strings.Trim(oneLine(text), " .-–*_\\"))
	return t == "" || t == "tomt indhold" || t == "intet indhold" || !strings.ContainsFunc(t, unicode.IsLetter)
}
