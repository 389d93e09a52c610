// Package edoc imports agendas that eDoc (Fujitsu) publishes as XML:
// Root/Committee/Meeting/Agenda/AgendaElements/AgendaElement, each with a HandlingItem
// whose CasePresentations are the case's fields and whose Attachments are its bilag.
//
// Items are numbered and ordered by HandlingItem/SerialNo, as eDoc's own HTML rendering
// does (SortOrder repeats within a publication). Each CasePresentation with content is a
// section; one marked IsDecision is the decision. Items with AccessIsPublic=false keep only
// number, title and case number; attachments that are not public are left out. The
// attachment files are not in the XML, so they are listed without content.
//
// eDoc writes no publication time into the XML (HandlingPlan's CreationDate is when the
// item was put on the agenda, equal across re-publications). The publisher names its files
// "YYYY-MM-DD_HHMMSS_<hash>.xml", so Source.Released is read from the file name given to
// Parse, in Danish time, and is zero when the name does not have that form.
//
// The package works on bytes in memory and must not open files itself.
package edoc

import (
	"encoding/xml"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/internal/esdh"
)

// Namespace is the eDoc agenda schema's namespace.
const Namespace = "http://www.fujitsu.dk/agenda/xml/schemas/"

// Sniff reports whether data looks like an eDoc agenda: a <Root> in eDoc's namespace (or,
// without the namespace, with eDoc's OutputTypeEnumName).
func Sniff(data []byte) bool {
	if esdh.RootName(data) != "Root" {
		return false
	}
	head := string(esdh.Head(data))
	return strings.Contains(head, Namespace) || strings.Contains(head, "OutputTypeEnumName>")
}

type xroot struct {
	XMLName    xml.Name
	OutputType string       `xml:"OutputTypeEnumName"`
	Committees []xcommittee `xml:"Committee"`
}

type xcommittee struct {
	Identifier string     `xml:"Identifier"`
	Name       string     `xml:"Name"`
	Meetings   []xmeeting `xml:"Meeting"`
}

type xmeeting struct {
	Identifier string    `xml:"MeetingIdentifier"`
	Start      string    `xml:"MeetingDateTime"`
	End        string    `xml:"EndDateTime"`
	Location   string    `xml:"MeetingLocation"`
	Agendas    []xagenda `xml:"Agenda"`
}

type xagenda struct {
	Identifier string     `xml:"Identifier"`
	Type       string     `xml:"Type"`
	Elements   []xelement `xml:"AgendaElements>AgendaElement"`
}

type xelement struct {
	Identifier     string    `xml:"Identifier"`
	AccessIsPublic string    `xml:"AccessIsPublic"`
	SortOrder      string    `xml:"SortOrder"`
	Item           xhandling `xml:"HandlingItem"`
}

type xhandling struct {
	Identifier    string          `xml:"Identifier"`
	SerialNo      string          `xml:"SerialNo"`
	Title         string          `xml:"Title"`
	NeutralTitle  string          `xml:"NeutralTitle"`
	CaseNumber    string          `xml:"CaseNumber"`
	CaseWorker    string          `xml:"CaseWorker"`
	ItemWorker    string          `xml:"HandlingItemCaseWorker"`
	Presentations []xpresentation `xml:"CasePresentations>CasePresentation"`
	Attachments   []xattachment   `xml:"Attachments>Attachment"`
}

type xpresentation struct {
	Title      string `xml:"Title"`
	Content    string `xml:"Content"`
	IsDecision string `xml:"IsDecision"`
}

type xattachment struct {
	Identifier string `xml:"Identifier"`
	Number     string `xml:"AttachmentNumber"`
	Title      string `xml:"Title"`
	Access     string `xml:"AccessEnumName"`
	Link       string `xml:"Link"`
}

const edocTime = "02-01-2006 15:04"

var publishedName = regexp.MustCompile(`(\d{4}-\d{2}-\d{2})_(\d{6})`)

// Released is the publication time eDoc puts in its file names
// ("2017-04-21_122403_e9117c72.xml"), or the zero time.
func Released(name string) time.Time {
	m := publishedName.FindStringSubmatch(path.Base(strings.ReplaceAll(name, `\`, "/")))
	if m == nil {
		return time.Time{}
	}
	t, err := time.ParseInLocation("2006-01-02 150405", m[1]+" "+m[2], agenda.Copenhagen)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Parse imports one eDoc agenda XML.
func Parse(name string, data []byte) (agenda.Package, error) {
	fail := func(err error) (agenda.Package, error) {
		return agenda.Package{}, fmt.Errorf("%s is not a usable eDoc agenda: %w", name, err)
	}
	var r xroot
	if err := esdh.Decode(data, "Root", &r); err != nil {
		return fail(err)
	}
	if len(r.Committees) == 0 {
		return fail(esdh.Reason(esdh.ErrWrongFormat, "it holds no committee"))
	}
	released := Released(name)
	var pkg agenda.Package
	for _, c := range r.Committees {
		for _, xm := range c.Meetings {
			for _, xa := range xm.Agendas {
				m, err := meeting(c, xm, xa, r.OutputType)
				if err != nil {
					return fail(err)
				}
				m.Source = agenda.Source{Format: "edoc", PublicationID: strings.TrimSpace(xa.Identifier), Path: name, Released: released}
				agenda.AssignIDs(&m)
				pkg.Meetings = append(pkg.Meetings, m)
			}
		}
	}
	if len(pkg.Meetings) == 0 {
		return fail(esdh.Reason(esdh.ErrWrongFormat, "it holds no meeting with an agenda"))
	}
	return pkg, nil
}

func meeting(c xcommittee, xm xmeeting, xa xagenda, outputType string) (agenda.Meeting, error) {
	start, err := esdh.ParseTime(xm.Start, edocTime, "02-01-2006 15:04:05")
	if err != nil {
		return agenda.Meeting{}, esdh.Reason(esdh.ErrWrongFormat, "the meeting time is missing or unreadable (%v)", err)
	}
	end, _ := esdh.ParseTime(xm.End, edocTime, "02-01-2006 15:04:05")
	body := strings.TrimSpace(c.Name)
	m := agenda.Meeting{
		Body:     agenda.Body{SourceID: strings.TrimSpace(c.Identifier), Name: body},
		Kind:     kind(xa.Type, outputType),
		Title:    esdh.Title(body, start),
		Start:    start,
		End:      end,
		Location: strings.TrimSpace(xm.Location),
	}
	els := append([]xelement(nil), xa.Elements...)
	sort.SliceStable(els, func(i, j int) bool {
		a, b := num(els[i].Item.SerialNo), num(els[j].Item.SerialNo)
		if a != b {
			return a < b
		}
		return num(els[i].SortOrder) < num(els[j].SortOrder)
	})
	for _, el := range els {
		it, err := item(el)
		if err != nil {
			return agenda.Meeting{}, err
		}
		m.Items = append(m.Items, it)
	}
	return m, nil
}

func kind(agendaType, outputType string) agenda.Kind {
	t := strings.ToLower(agendaType + " " + outputType)
	switch {
	case strings.Contains(t, "referat") || strings.Contains(t, "minutes") || strings.Contains(t, "protokol"):
		return agenda.KindMinutes
	case strings.Contains(t, "tillæg"):
		return agenda.KindSupplementary
	}
	return agenda.KindAgenda
}

func num(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 1 << 30
	}
	return n
}

func item(el xelement) (agenda.Item, error) {
	h := el.Item
	title := strings.TrimSpace(h.Title)
	if title == "" {
		title = strings.TrimSpace(h.NeutralTitle)
	}
	it := agenda.Item{
		SourceID:    strings.TrimSpace(el.Identifier),
		Number:      strings.TrimSpace(h.SerialNo),
		Title:       title,
		CaseNumber:  strings.TrimSpace(h.CaseNumber),
		CaseHandler: strings.TrimSpace(h.CaseWorker),
		Closed:      esdh.False(el.AccessIsPublic),
	}
	if it.SourceID == "" {
		it.SourceID = strings.TrimSpace(h.Identifier)
	}
	if it.Number == "" {
		it.Number = strings.TrimSpace(el.SortOrder)
	}
	if it.CaseHandler == "" {
		it.CaseHandler = strings.TrimSpace(h.ItemWorker)
	}
	if it.Closed {
		return it, nil
	}
	var decisions []string
	for _, p := range h.Presentations {
		heading := strings.TrimSpace(p.Title)
		text, err := esdh.Markdown(p.Content)
		if err != nil {
			return it, esdh.Reason(esdh.ErrMalformed, "item %s, %q: %v", it.Number, heading, err)
		}
		if text == "" {
			continue
		}
		if esdh.Bool(p.IsDecision) {
			decisions = append(decisions, text)
			continue
		}
		it.Sections = append(it.Sections, agenda.Section{Heading: heading, Text: text})
	}
	it.Decision = strings.Join(decisions, "\n\n")
	it.Recommendations = esdh.Recommendations(it.Sections)
	for _, a := range h.Attachments {
		if acc := strings.TrimSpace(a.Access); acc != "" && !strings.EqualFold(acc, "Public") {
			continue
		}
		fileName := esdh.FileName(a.Link)
		title := strings.TrimSpace(a.Title)
		if title == "" {
			title = fileName
		}
		it.Attachments = append(it.Attachments, agenda.Attachment{
			SourceID:  strings.TrimSpace(a.Identifier),
			Title:     title,
			FileName:  fileName,
			MediaType: esdh.MediaType(fileName, nil),
		})
	}
	return it, nil
}
