package edoc

// eDoc's older publication XML (eDocAgendaPublishing.xml), the format OS2dagsorden's
// os2web_edoc_esdh module reads. Its schema, as eDoc writes it:
//
//	<Meeting>
//	  <Committee>…</Committee> <MeetingDate>DD-MM-YYYY HH:MM:SS</MeetingDate>
//	  <MeetingState>Dagsorden … | Referat endeligt godkendt</MeetingState>
//	  <MeetingAgendaTypes>
//	    <MeetingAgendaType>                       one per "Åben dagsorden", "Lukket dagsorden" …
//	      <AgendaType>Åben dagsorden</AgendaType>
//	      <PDFDocument>1552814.PDF</PDFDocument>  the whole agenda as one PDF
//	      <MeetingAgendaItems>
//	        <MeetingAgendaItem>
//	          <AgendaItemNumber>2</AgendaItemNumber>
//	          <PDFDocument>1552823.PDF</PDFDocument>  the item as one PDF
//	          <Document documentid="…">
//	            <Title/> <NeutralTitle/> <PublishingType>SKAL PUBLICERES</PublishingType>
//	            <PublishedDate>DD-MM-YYYY HH:MM:SS</PublishedDate>
//	            <Attachments><Attachment attachmentid="…">
//	              <Title/> <PDFDocument/> <PublishingType/> <FullText/>
//	            </Attachment></Attachments>
//	          </Document>
//	          <FullText>the item's text, headings run into the text</FullText>
//	        </MeetingAgendaItem>
//	      </MeetingAgendaItems>
//	      <FullText>the whole agenda's text</FullText>
//	    </MeetingAgendaType>
//	  </MeetingAgendaTypes>
//	</Meeting>
//
// The XML sits in a folder beside the PDFs it names. The item text is the Word document's
// text with its paragraph breaks lost ("…anlægsbevillingSagsnr.: 2012-28504Dok.nr.: …
// SammendragDet årlige …"), so sections are found by the headings eDoc's templates use,
// where one runs into the next word.

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/internal/esdh"
)

// FormatPublishing is the importer name of eDoc's older publication XML.
const FormatPublishing = "edoc-publishing"

// SniffPublishing reports whether data is eDoc's older publication XML: a <Meeting> root
// whose first elements are eDoc's (Committee, MeetingDate, MeetingAgendaTypes).
func SniffPublishing(data []byte) bool {
	if esdh.RootName(data) != "Meeting" {
		return false
	}
	head := string(esdh.Head(data))
	return strings.Contains(head, "<MeetingAgendaTypes") || (strings.Contains(head, "<MeetingDate>") && strings.Contains(head, "<Committee>"))
}

type pMeeting struct {
	Committee string   `xml:"Committee"`
	Date      string   `xml:"MeetingDate"`
	State     string   `xml:"MeetingState"`
	Types     []pAType `xml:"MeetingAgendaTypes>MeetingAgendaType"`
}

type pAType struct {
	Type  string  `xml:"AgendaType"`
	PDF   string  `xml:"PDFDocument"`
	Items []pItem `xml:"MeetingAgendaItems>MeetingAgendaItem"`
}

type pItem struct {
	Number   string `xml:"AgendaItemNumber"`
	PDF      string `xml:"PDFDocument"`
	FullText string `xml:"FullText"`
	Document struct {
		ID             string   `xml:"documentid,attr"`
		Title          string   `xml:"Title"`
		NeutralTitle   string   `xml:"NeutralTitle"`
		PublishingType string   `xml:"PublishingType"`
		PublishedDate  string   `xml:"PublishedDate"`
		Attachments    []pAttch `xml:"Attachments>Attachment"`
		Case           struct {
			ID string `xml:"caseid,attr"`
		} `xml:"Case"`
	} `xml:"Document"`
}

type pAttch struct {
	ID             string `xml:"attachmentid,attr"`
	Title          string `xml:"Title"`
	NeutralTitle   string `xml:"NeutralTitle"`
	PDF            string `xml:"PDFDocument"`
	PublishingType string `xml:"PublishingType"`
}

// published is eDoc's word for a document that may be shown to the public.
const published = "SKAL PUBLICERES"

const publishingTime = "02-01-2006 15:04:05"

// xmlControl matches the control characters eDoc copies from Word into the XML (form
// feeds between pages, as raw bytes or as character references), which XML 1.0 forbids.
var xmlControl = regexp.MustCompile(`&#x0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]);|&#0*(?:[0-8]|1[124-9]|2[0-9]|3[01]);|[\x00-\x08\x0b\x0c\x0e-\x1f]`)

// ParsePublishing imports one eDocAgendaPublishing.xml. Every agenda type (open, closed)
// is part of the one meeting; items of a closed type, and items whose document is not
// marked for publication, are closed. Attachments are the PDFs the XML names: the item's
// own PDF first, then its published attachments, listed without content (the caller that
// has the folder fills it in).
func ParsePublishing(name string, data []byte) (agenda.Package, error) {
	fail := func(err error) (agenda.Package, error) {
		return agenda.Package{}, fmt.Errorf("%s is not a usable eDoc publication: %w", name, err)
	}
	var pm pMeeting
	if err := esdh.Decode(xmlControl.ReplaceAll(data, []byte(" ")), "Meeting", &pm); err != nil {
		return fail(err)
	}
	start, err := esdh.ParseTime(pm.Date, publishingTime, "02-01-2006 15:04")
	if err != nil {
		return fail(esdh.Reason(esdh.ErrWrongFormat, "the meeting time is missing or unreadable (%v)", err))
	}
	body := oneLine(pm.Committee)
	if body == "" {
		return fail(esdh.Reason(esdh.ErrWrongFormat, "it names no committee"))
	}
	m := agenda.Meeting{
		Body:  agenda.Body{Name: body},
		Kind:  agenda.KindAgenda,
		Title: esdh.Title(body, start),
		Start: start,
	}
	var released time.Time
	var pubID string
	decided := false
	for _, t := range pm.Types {
		closedType := strings.Contains(strings.ToLower(t.Type), "lukket")
		if pubID == "" {
			pubID = stem(t.PDF)
		}
		items := append([]pItem(nil), t.Items...)
		sort.SliceStable(items, func(i, j int) bool { return itemOrder(items[i].Number) < itemOrder(items[j].Number) })
		for _, pi := range items {
			if d, err := esdh.ParseTime(pi.Document.PublishedDate, publishingTime); err == nil && d.After(released) {
				released = d
			}
			it := publishingItem(pi, closedType)
			decided = decided || it.Decision != ""
			m.Items = append(m.Items, it)
		}
	}
	if len(m.Items) == 0 {
		return fail(esdh.Reason(esdh.ErrWrongFormat, "it lists no agenda item"))
	}
	if decided || strings.Contains(strings.ToLower(pm.State), "referat") {
		m.Kind = agenda.KindMinutes
	}
	m.Source = agenda.Source{Format: "edoc", PublicationID: pubID, Path: name, Released: released}
	agenda.AssignIDs(&m)
	return agenda.Package{Meetings: []agenda.Meeting{m}}, nil
}

// AgendaFiles are the files a publication XML names that are renderings of the agenda as a
// whole (one PDF per agenda type): the same meeting, not attachments of an item.
func AgendaFiles(data []byte) []string {
	var pm pMeeting
	if esdh.Decode(xmlControl.ReplaceAll(data, []byte(" ")), "Meeting", &pm) != nil {
		return nil
	}
	var out []string
	for _, t := range pm.Types {
		if f := esdh.FileName(t.PDF); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func stem(file string) string {
	f := esdh.FileName(file)
	if i := strings.LastIndexByte(f, '.'); i > 0 {
		return f[:i]
	}
	return f
}

// itemOrder sorts "2" before "10" and "3a" after "3".
func itemOrder(n string) int {
	n = strings.TrimSpace(n)
	v, i := 0, 0
	for ; i < len(n) && n[i] >= '0' && n[i] <= '9'; i++ {
		v = v*10 + int(n[i]-'0')
		if v > 1<<20 {
			break
		}
	}
	if i == 0 {
		return 1 << 30
	}
	suffix := 0
	if i < len(n) {
		suffix = int(unicode.ToLower(rune(n[i]))) & 0xff
	}
	return v<<8 | suffix
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func publishingItem(pi pItem, closedType bool) agenda.Item {
	title := oneLine(pi.Document.NeutralTitle)
	if title == "" {
		title = oneLine(pi.Document.Title)
	}
	it := agenda.Item{
		SourceID: strings.TrimSpace(pi.Document.ID),
		Number:   strings.TrimSpace(pi.Number),
		Title:    title,
		Closed:   closedType || (strings.TrimSpace(pi.Document.PublishingType) != "" && !strings.EqualFold(strings.TrimSpace(pi.Document.PublishingType), published)),
	}
	if it.SourceID == "" {
		it.SourceID = stem(pi.PDF)
	}
	flat := parseFlatText(pi.FullText, it.Number, title)
	it.CaseNumber = flat.caseNumber
	if it.Closed {
		return it
	}
	it.Sections = flat.sections
	it.Decision = flat.decision
	it.Recommendations = esdh.Recommendations(it.Sections)
	if f := esdh.FileName(pi.PDF); f != "" {
		it.Attachments = append(it.Attachments, agenda.Attachment{
			SourceID:  "item:" + stem(f),
			Title:     "Punkt " + it.Number + ": " + title,
			FileName:  f,
			MediaType: "application/pdf",
		})
	}
	for _, a := range pi.Document.Attachments {
		f := esdh.FileName(a.PDF)
		if f == "" || !strings.EqualFold(strings.TrimSpace(a.PublishingType), published) {
			continue
		}
		t := oneLine(a.Title)
		if t == "" {
			t = oneLine(a.NeutralTitle)
		}
		if t == "" {
			t = f
		}
		it.Attachments = append(it.Attachments, agenda.Attachment{
			SourceID:  strings.TrimSpace(a.ID),
			Title:     t,
			FileName:  f,
			MediaType: "application/pdf",
		})
	}
	return it
}

// flatText is what parseFlatText finds in an item's run-together text.
type flatText struct {
	caseNumber string
	sections   []agenda.Section
	decision   string
}

// Headings of eDoc's case templates, as they start a section in the item text.
var flatHeadings = []string{
	"Sammendrag", "Resumé", "Resume", "Baggrund", "Sagsfremstilling", "Sagsbeskrivelse",
	"Økonomiske konsekvenser og finansiering", "Økonomiske konsekvenser", "Økonomi",
	"Lovgrundlag", "Høring", "Kommunikation", "Tidsplan", "Vurdering", "Bilag",
	"Beslutningen træffes af", "Indstilling",
}

var (
	caseLine = regexp.MustCompile(`^\s*Sagsnr\.:\s*((?:[A-ZÆØÅ]{2,4}-)?\d[\d./–-]*\d)\s*(?:Dok\.nr\.:\s*\d[\d–-]*\d)?`)
	// "Sundheds- og Forebyggelsesudvalgets beslutning den 04.12.2012 Punkt 2"
	decisionHead = regexp.MustCompile(`beslutning den \d{1,2}\.\d{1,2}\.\d{4}(?:\s*Punkt \d+[a-zæøå]?)?`)
	// "a.Møder og konferencer", "b. Konference den …": a lettered sub-item of Meddelelser.
	subItem = regexp.MustCompile(`(?:^|[^\p{L}])([a-e])\.\s?\p{Lu}`)
	// "A) De foreslåede arbejder …", "B)Anlægsbevilling …": the recommendation's units.
	letteredUnit = regexp.MustCompile(`([A-H])\)\s*`)
	// "Følgende deltog ikke i behandlingen af punktet:", eDoc's minutes template line,
	// which is empty unless someone was absent.
	absentLine = regexp.MustCompile(`Følgende deltog ikke i behandlingen af punktet:\s*`)
)

// parseFlatText splits an item's text: the "N.\tTitle" heading and the case line are
// dropped (the XML has both), then the text is cut at every template heading, the
// decision ("<Udvalg>s beslutning den DD.MM.YYYY Punkt N") is the rest, and lettered
// sub-items (a.–e.) of an item without headings become sections of their own.
func parseFlatText(text, number, title string) flatText {
	var out flatText
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\u00a0", " ")
	text = strings.TrimSpace(text)
	// "2.\tBygningsvedligeholdelse 2013 - anlægsbevilling"
	if p := number + "."; strings.HasPrefix(text, p) {
		rest := strings.TrimLeft(text[len(p):], " \t")
		if title != "" && strings.HasPrefix(rest, title) {
			rest = rest[len(title):]
		}
		text = rest
	}
	if m := caseLine.FindStringSubmatchIndex(text); m != nil {
		out.caseNumber = text[m[2]:m[3]]
		text = text[m[1]:]
	}
	if loc := decisionHead.FindStringIndex(text); loc != nil {
		begin := sentenceStart(text, loc[0])
		dec := strings.TrimSpace(text[loc[1]:])
		text = text[:begin]
		out.decision = decisionText(dec)
	}
	if secs := subItems(text); len(secs) > 1 {
		out.sections = secs
		return out
	}
	type cut struct {
		at, end int
		heading string
	}
	var cuts []cut
	for i := 0; i < len(text); {
		h := headingAt(text, i)
		if h == "" {
			_, n := utf8.DecodeRuneInString(text[i:])
			i += n
			continue
		}
		cuts = append(cuts, cut{i, i + len(h), h})
		i += len(h)
	}
	lead := text
	if len(cuts) > 0 {
		lead = text[:cuts[0].at]
	}
	if s := strings.TrimSpace(lead); s != "" {
		out.sections = append(out.sections, subItems(s)...)
	}
	for k, c := range cuts {
		end := len(text)
		if k+1 < len(cuts) {
			end = cuts[k+1].at
		}
		body := strings.TrimSpace(text[c.end:end])
		if body == "" && c.heading != "Indstilling" {
			continue
		}
		if c.heading == "Indstilling" {
			body = recommendationText(body)
		} else {
			body = plain(body)
		}
		out.sections = append(out.sections, agenda.Section{Heading: c.heading, Text: body})
	}
	return out
}

// headingAt returns the template heading that starts at text[i], or "". A heading stands
// at the start, after a line break, or run into what came before it; and it is followed
// by the start of its text (a capital letter or a digit), a line break or the end, never
// by more of a word ("Indstillingen godkendt" is text, not the heading Indstilling).
func headingAt(text string, i int) string {
	if i > 0 {
		prev, _ := utf8.DecodeLastRuneInString(text[:i])
		if prev == ' ' || prev == '\t' {
			return ""
		}
	}
	for _, h := range flatHeadings {
		if !strings.HasPrefix(text[i:], h) {
			continue
		}
		rest := text[i+len(h):]
		if rest == "" {
			return h
		}
		next, _ := utf8.DecodeRuneInString(rest)
		if unicode.IsUpper(next) || unicode.IsDigit(next) || next == '\n' || next == ':' {
			return h
		}
	}
	return ""
}

// sentenceStart walks back from i to where the decision heading's body name begins: after
// the previous sentence's end, or where its capital runs into the text before it
// ("…aktiviteter 2013Sundheds- og Forebyggelsesudvalgets beslutning").
func sentenceStart(text string, i int) int {
	for j := i; j > 0; {
		r, n := utf8.DecodeLastRuneInString(text[:j])
		if r == '.' || r == '\n' || r == ':' || r == ')' {
			return j
		}
		if unicode.IsUpper(r) && j-n > 0 {
			p, _ := utf8.DecodeLastRuneInString(text[:j-n])
			if !unicode.IsSpace(p) && !unicode.IsUpper(p) && p != '-' {
				return j - n
			}
		}
		j -= n
	}
	return 0
}

// decisionText is the decision without the template's empty absence line. An empty
// decision is no decision.
func decisionText(s string) string {
	parts := absentLine.Split(s, -1)
	var keep []string
	for k, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if k > 0 {
			p = "Følgende deltog ikke i behandlingen af punktet: " + p
		}
		keep = append(keep, p)
	}
	return plain(strings.Join(keep, "\n\n"))
}

// recommendationText puts the lead-in ("Center for Ejendomme indstiller, at") on a line
// of its own and each lettered unit ("A) …", "B) …") on its own line, as eDoc's Word
// template shows them.
func recommendationText(s string) string {
	locs := letteredUnit.FindAllStringSubmatchIndex(s, -1)
	var b strings.Builder
	last := 0
	want := 'A'
	for _, l := range locs {
		letter := rune(s[l[2]])
		if letter != want {
			continue
		}
		if l[0] > 0 {
			prev, _ := utf8.DecodeLastRuneInString(s[:l[0]])
			if unicode.IsLetter(prev) && want == 'A' && !strings.HasSuffix(s[:l[0]], "at") {
				continue
			}
			if unicode.IsLetter(prev) && unicode.IsUpper(prev) {
				continue
			}
		}
		b.WriteString(strings.TrimSpace(s[last:l[0]]))
		b.WriteString("\n\n")
		b.WriteString(string(letter) + ") ")
		last = l[1]
		want++
	}
	b.WriteString(strings.TrimSpace(s[last:]))
	return plain(b.String())
}

// subItems splits Meddelelser-style text into its lettered sub-items a.–e., each a section
// headed by its letter; text without them is one section without a heading.
func subItems(s string) []agenda.Section {
	// The first must stand on its own ("a.Møder …"); the later ones run into the text
	// before them ("…konferencerb.Konference …"), so they are found in turn.
	var starts []int
	if l := subItem.FindStringSubmatchIndex(s); l != nil && s[l[2]] == 'a' {
		starts = append(starts, l[2])
		for want := byte('b'); want <= 'e'; want++ {
			at := nextSubItem(s, starts[len(starts)-1]+2, want)
			if at < 0 {
				break
			}
			starts = append(starts, at)
		}
	}
	if len(starts) < 2 {
		if s = strings.TrimSpace(s); s == "" {
			return nil
		}
		return []agenda.Section{{Text: plain(s)}}
	}
	var out []agenda.Section
	if pre := strings.TrimSpace(s[:starts[0]]); pre != "" {
		out = append(out, agenda.Section{Text: plain(pre)})
	}
	for k, at := range starts {
		end := len(s)
		if k+1 < len(starts) {
			end = starts[k+1]
		}
		seg := strings.TrimSpace(s[at+2 : end])
		head, body := seg, ""
		if i := strings.Index(seg, "Bilag"); i > 0 {
			head, body = strings.TrimSpace(seg[:i]), "Bilag: "+strings.TrimSpace(strings.TrimPrefix(seg[i+len("Bilag"):], ":"))
		}
		out = append(out, agenda.Section{Heading: s[at:at+1] + ". " + head, Text: plain(body)})
	}
	return out
}

// plain turns eDoc's text into Markdown that shows it as written: line breaks kept,
// markup characters escaped.
func plain(s string) string {
	md, err := esdh.PlainMarkdown(s)
	if err != nil {
		return strings.TrimSpace(s)
	}
	return md
}

// nextSubItem finds "b." followed by a capital (after an optional space) from i on.
func nextSubItem(s string, i int, letter byte) int {
	for i < len(s) {
		j := strings.Index(s[i:], string(letter)+".")
		if j < 0 {
			return -1
		}
		at := i + j
		rest := strings.TrimPrefix(s[at+2:], " ")
		if r, _ := utf8.DecodeRuneInString(rest); unicode.IsUpper(r) {
			return at
		}
		i = at + 2
	}
	return -1
}
