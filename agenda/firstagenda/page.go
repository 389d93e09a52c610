package firstagenda

// The meeting page of a FirstAgenda Publication site (https://dagsordener.<kommune>.dk/vis?id=…)
// as a member saves it from the browser. Its structure, which the public scrapers of these
// sites rely on too:
//
//	<h1 class="… dato">Dagsorden|Referat 8. oktober 2025 kl. 16.00</h1>
//	<span class="udvalg">Aarhus Byråd</span> … <span class="sted">Byrådssalen</span>
//	<table class="dagsordeninfo"> … <span class="dato">onsdag den 8. oktober 2025 kl. 16.00</span>
//	<table id="dagsordenDetaljer"><tbody>
//	  <tr class="punktrow" id="punktrow_<item guid>">
//	    <td><span class="label">1</span></td>
//	    <td><h2 class="overskrift">Title</h2>                 "Lukket: …" for a closed item
//	        <div class="details"><span class="sagsnummer">EMN-2023-009832</span>
//	          <div id="sagsfremstillingContainer"> <h3>Resume</h3> … </div>
//	          <h3>Bilag</h3><ul><li><a id="enclosure-<guid>" class="bilag-link" href="/vis/pdf/bilag/<guid>/…">Title</a>
//
// The page holds what the JSON holds, rendered, so items are converted with the same rules
// (sections, decision, Indstilling) as the JSON's.

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/htmlmd"
)

// FormatPage is the importer name of a saved meeting page.
const FormatPage = "firstagenda-page"

// SniffPage reports whether data is a saved FirstAgenda meeting page: HTML with the
// agenda table's item rows.
func SniffPage(data []byte) bool {
	head := bytes.TrimLeft(bytes.TrimPrefix(data, bom), " \t\r\n")
	if len(head) == 0 || head[0] != '<' {
		return false
	}
	return bytes.Contains(data, []byte("punktrow")) && (bytes.Contains(data, []byte("dagsordenDetaljer")) || bytes.Contains(data, []byte("overskrift")))
}

// ParsePage imports one saved meeting page.
func ParsePage(name string, data []byte) (agenda.Package, error) {
	fail := func(err error) (agenda.Package, error) {
		return agenda.Package{}, fmt.Errorf("%s is not a usable FirstAgenda meeting page: %w", name, err)
	}
	if len(data) > MaxInput {
		return fail(fmt.Errorf("it is larger than %d MB", MaxInput>>20))
	}
	doc, err := html.Parse(bytes.NewReader(data))
	if err != nil {
		return fail(err)
	}
	m, err := pageMeeting(doc, data)
	if err != nil {
		return fail(err)
	}
	m.Source.Path = name
	agenda.AssignIDs(&m)
	return agenda.Package{Meetings: []agenda.Meeting{m}}, nil
}

func pageMeeting(doc *html.Node, data []byte) (agenda.Meeting, error) {
	var m agenda.Meeting
	heading := text(find(doc, func(n *html.Node) bool { return n.Data == "h1" && hasClass(n, "dato") }))
	if heading == "" {
		heading = text(find(doc, func(n *html.Node) bool { return n.Data == "h1" }))
	}
	m.Body.Name = bodyName(text(find(doc, func(n *html.Node) bool { return hasClass(n, "udvalg") })))
	if m.Body.Name == "" {
		return m, errors.New("it names no committee (class \"udvalg\")")
	}
	m.Location = text(find(doc, func(n *html.Node) bool { return hasClass(n, "sted") && n.Data == "span" }))
	when := text(find(doc, func(n *html.Node) bool {
		return n.Data == "span" && hasClass(n, "dato")
	}))
	start, ok := danishTime(when)
	if !ok {
		start, ok = danishTime(heading)
	}
	if !ok {
		return m, errors.New("it states no meeting date")
	}
	m.Start = start
	low := strings.ToLower(heading)
	switch {
	case strings.Contains(low, "ekstraordin"):
		m.Kind = agenda.KindExtraordinary
	case strings.Contains(low, "tillæg"):
		m.Kind = agenda.KindSupplementary
	case strings.Contains(low, "referat"):
		m.Kind = agenda.KindMinutes
	default:
		m.Kind = agenda.KindAgenda
	}
	word := kindWords[m.Kind]
	m.Title = fmt.Sprintf("%s — %s %s", m.Body.Name, word, agenda.DanishDate(start))
	site := savedFrom(doc, data)
	m.Source = agenda.Source{Format: Format, Site: site}

	rows := findAll(doc, func(n *html.Node) bool { return n.Data == "tr" && hasClass(n, "punktrow") })
	if len(rows) > MaxItems {
		return m, fmt.Errorf("it has more than %d items, more than any real agenda", MaxItems)
	}
	decided := false
	for pos, row := range rows {
		it, err := pageItem(row, pos, site)
		if err != nil {
			return m, err
		}
		decided = decided || it.Decision != ""
		m.Items = append(m.Items, it)
	}
	if len(m.Items) == 0 {
		return m, errors.New("it lists no agenda item")
	}
	if m.Kind == agenda.KindAgenda && decided {
		m.Kind = agenda.KindMinutes
	}
	return m, nil
}

var guidRe = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

func pageItem(row *html.Node, pos int, site string) (agenda.Item, error) {
	it := agenda.Item{SourceID: guidRe.FindString(attr(row, "id"))}
	it.Number = text(find(row, func(n *html.Node) bool { return hasClass(n, "label") && !hasClass(n, "pdf-label") }))
	if it.Number == "" {
		it.Number = strconv.Itoa(pos + 1)
	}
	it.Title, it.Closed = closedTitle(text(find(row, func(n *html.Node) bool { return hasClass(n, "overskrift") })))
	it.CaseNumber = text(find(row, func(n *html.Node) bool { return hasClass(n, "sagsnummer") }))
	var sections []agenda.Section
	if body := find(row, func(n *html.Node) bool { return attr(n, "id") == "sagsfremstillingContainer" }); body != nil {
		var b bytes.Buffer
		for c := body.FirstChild; c != nil; c = c.NextSibling {
			if err := html.Render(&b, c); err != nil {
				return it, err
			}
		}
		secs, err := htmlmd.Sections(b.String())
		if err != nil {
			return it, fmt.Errorf("item %s (%s): %w", it.Number, it.Title, err)
		}
		sections = secs
	}
	finishItem(&it, sections)
	for _, a := range findAll(row, func(n *html.Node) bool { return n.Data == "a" && hasClass(n, "bilag-link") }) {
		att := agenda.Attachment{Title: text(a), SourceID: guidRe.FindString(attr(a, "id"))}
		href := attr(a, "href")
		if att.SourceID == "" {
			att.SourceID = guidRe.FindString(href)
		}
		if att.Title == "" {
			att.Title = fmt.Sprintf("Bilag %d", len(it.Attachments)+1)
		}
		switch u, err := url.Parse(href); {
		case err != nil || href == "" || strings.HasPrefix(href, "#"):
		case u.Scheme == "http" || u.Scheme == "https":
			att.URL = href
		case strings.HasPrefix(u.Path, "/vis/pdf/bilag/") && site != "" && att.SourceID != "":
			att.URL = PDFURL(site, "bilag", att.SourceID)
			att.MediaType = "application/pdf"
		case !strings.HasPrefix(u.Path, "/"):
			// A link the browser rewrote to a file it saved beside the page.
			att.FileName = path.Base(u.Path)
		}
		it.Attachments = append(it.Attachments, att)
	}
	if it.Attachments == nil {
		it.Attachments = []agenda.Attachment{}
	}
	return it, nil
}

// savedFrom finds the site the page was saved from: the "saved from url=" comment browsers
// write, the canonical link, og:url or a <base>.
func savedFrom(doc *html.Node, data []byte) string {
	var candidates []string
	if m := savedFromRe.FindSubmatch(data[:min(len(data), 4096)]); m != nil {
		candidates = append(candidates, string(m[1]))
	}
	for _, n := range findAll(doc, func(n *html.Node) bool {
		return (n.Data == "link" && attr(n, "rel") == "canonical") || (n.Data == "meta" && attr(n, "property") == "og:url") || n.Data == "base"
	}) {
		candidates = append(candidates, attr(n, "href")+attr(n, "content"))
	}
	for _, c := range candidates {
		if u, err := url.Parse(strings.TrimSpace(c)); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
			return u.Scheme + "://" + strings.ToLower(u.Host)
		}
	}
	return ""
}

var savedFromRe = regexp.MustCompile(`saved from url=\(\d+\)(\S+)\s*-->`)

var danishDateRe = regexp.MustCompile(`(?i)(\d{1,2})\.\s*(januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december)\s+(\d{4})(?:\D{0,8}?(\d{1,2})[.:](\d{2}))?`)

// danishTime reads "onsdag den 8. oktober 2025 kl. 16.00" in Danish time.
func danishTime(s string) (time.Time, bool) {
	m := danishDateRe.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	day, _ := strconv.Atoi(m[1])
	year, _ := strconv.Atoi(m[3])
	month, _ := agenda.ParseMonth(m[2])
	hour, minute := 0, 0
	if m[4] != "" {
		hour, _ = strconv.Atoi(m[4])
		minute, _ = strconv.Atoi(m[5])
	}
	if day < 1 || day > 31 || hour > 23 || minute > 59 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, 0, 0, agenda.Copenhagen), true
}

func hasClass(n *html.Node, class string) bool {
	if n.Type != html.ElementNode {
		return false
	}
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

func attr(n *html.Node, key string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func find(n *html.Node, match func(*html.Node) bool) *html.Node {
	if n == nil {
		return nil
	}
	if n.Type == html.ElementNode && match(n) {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := find(c, match); f != nil {
			return f
		}
	}
	return nil
}

// findAll lists the matching elements in document order, not looking inside a match.
func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

// text is the element's text on one line.
func text(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style") {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return oneLine(b.String())
}
