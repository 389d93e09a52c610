// Package acadre imports agendas and minutes that Acadre MM (Formpipe) publishes as XML:
// a generic tree of <table name="…"><fields><field name="…">value</field></fields> with
// the tables agenda → committee, meeting, agendaitemparents → agendaitem → bullet,
// enclosure.
//
// Each bullet becomes a section headed by its bulletname. A decision bullet ("Beslutning
// i <udvalg> den <dato>") dated on this meeting's day, or undated, is the item's decision;
// decisions from earlier meetings of the same case stay as sections, because they are the
// case's history the member reads before deciding again. Items that are not open (access
// "Lukket" or "Person") keep only number, title and case number, and enclosures that are
// not open are left out.
//
// Acadre also writes an index per publication (XML_<agenda>.xml) that lists the produced
// agenda and minutes files and when they were published. It holds no items: Parse says so
// and names the file to import instead; ParseIndex reads it for callers that want to find
// that file. Enclosure files are not in the XML, so attachments are listed without content.
//
// The package works on bytes in memory and must not open files itself.
package acadre

import (
	"encoding/xml"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/internal/esdh"
)

// ErrIndexOnly is returned (wrapped) when Parse is given Acadre's publication index
// instead of an agenda.
var ErrIndexOnly = errors.New("acadre: publication index, not an agenda")

// Sniff reports whether data looks like Acadre MM XML (agenda or index): a <root> whose
// first child is a <table name=…> or the index's <org>.
func Sniff(data []byte) bool {
	if esdh.RootName(data) != "root" {
		return false
	}
	head := strings.ToLower(string(esdh.Head(data)))
	return strings.Contains(head, "<table name=") || strings.Contains(head, "<root><org>")
}

type xroot struct {
	XMLName    xml.Name
	Org        string   `xml:"org"`
	Tables     []xtable `xml:"table"`
	AgendaData struct {
		StartNo string `xml:"startAgendaItemNo"`
	} `xml:"agendaData"`
}

type xtable struct {
	Name   string    `xml:"name,attr"`
	Rows   []xfields `xml:"fields"`
	Tables []xtable  `xml:"table"`
}

type xfields struct {
	Fields []xfield `xml:"field"`
}

type xfield struct {
	Attrs []xml.Attr `xml:",any,attr"`
	Text  string     `xml:",chardata"`
}

// get reads a field of an agenda file, where the name attribute is the key and the text
// the value.
func (f xfields) get(key string) string {
	for _, fl := range f.Fields {
		for _, a := range fl.Attrs {
			if a.Name.Local == "name" && a.Value == key {
				return strings.TrimSpace(fl.Text)
			}
		}
	}
	return ""
}

// attr reads a field of an index file, where each field carries its value in an
// attribute named for the key (<field sysid="57"></field>).
func (f xfields) attr(key string) string {
	for _, fl := range f.Fields {
		for _, a := range fl.Attrs {
			if a.Name.Local == key {
				return strings.TrimSpace(a.Value)
			}
		}
	}
	return ""
}

func (t *xtable) row() xfields {
	if len(t.Rows) == 0 {
		return xfields{}
	}
	return t.Rows[0]
}

// find returns the first table named name at or below t, in document order, not looking
// inside tables named in skip.
func find(ts []xtable, name string, skip ...string) *xtable {
	for i := range ts {
		if ts[i].Name == name {
			return &ts[i]
		}
		if contains(skip, ts[i].Name) {
			continue
		}
		if f := find(ts[i].Tables, name, skip...); f != nil {
			return f
		}
	}
	return nil
}

func findAll(ts []xtable, name string, out []*xtable, skip ...string) []*xtable {
	for i := range ts {
		if ts[i].Name == name {
			out = append(out, &ts[i])
			continue
		}
		if contains(skip, ts[i].Name) {
			continue
		}
		out = findAll(ts[i].Tables, name, out, skip...)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Index is what Acadre's publication index (XML_<agenda>.xml) tells: the meeting, and
// the files produced for it.
type Index struct {
	Committee string
	Meeting   string
	Start     time.Time
	Agenda    string // "Dagsorden", "Referat"
	AgendaID  string
	Produced  []Produced
}

// Produced is one file Acadre produced for the agenda.
type Produced struct {
	XMLFile     string // the agenda XML to import, e.g. "3687981.xml"
	Comment     string // "Referat PUK"
	Published   bool
	PublishDate time.Time
	FilesFolder string // the folder the enclosures were written to, when given
}

// Current is the latest published file of the index, or the latest produced one when none
// is marked published; ok is false when the index lists none.
func (ix Index) Current() (Produced, bool) {
	best, ok := Produced{}, false
	for _, p := range ix.Produced {
		switch {
		case !ok,
			p.Published && !best.Published,
			p.Published == best.Published && p.PublishDate.After(best.PublishDate):
			best, ok = p, true
		}
	}
	return best, ok
}

const acadreTime = "2006-01-02 15:04"

// ParseIndex reads an Acadre publication index.
func ParseIndex(name string, data []byte) (Index, error) {
	var r xroot
	if err := esdh.Decode(data, "root", &r); err != nil {
		return Index{}, fmt.Errorf("%s is not a usable Acadre index: %w", name, err)
	}
	if find(r.Tables, "producedAgenda") == nil {
		return Index{}, fmt.Errorf("%s is not a usable Acadre index: %w", name, esdh.Reason(esdh.ErrWrongFormat, "it lists no produced agenda"))
	}
	return index(r), nil
}

func index(r xroot) Index {
	var ix Index
	if t := find(r.Tables, "committee"); t != nil {
		ix.Committee = t.row().attr("name")
	}
	if t := find(r.Tables, "meeting"); t != nil {
		ix.Meeting = t.row().attr("name")
		ix.Start, _ = esdh.ParseTime(t.row().attr("date"), acadreTime)
	}
	if t := find(r.Tables, "agenda"); t != nil {
		ix.Agenda = t.row().attr("name")
		ix.AgendaID = t.row().attr("sysid")
	}
	if t := find(r.Tables, "producedAgenda"); t != nil {
		for _, row := range t.Rows {
			p := Produced{
				XMLFile:     esdh.FileName(row.attr("xmlfilename")),
				Comment:     row.attr("comment"),
				Published:   row.attr("publish") == "1",
				FilesFolder: esdh.FileName(row.attr("filesfolder")),
			}
			p.PublishDate, _ = esdh.ParseTime(row.attr("publishDate"), acadreTime)
			ix.Produced = append(ix.Produced, p)
		}
	}
	return ix
}

// Parse imports one Acadre agenda XML.
func Parse(name string, data []byte) (agenda.Package, error) {
	fail := func(err error) (agenda.Package, error) {
		return agenda.Package{}, fmt.Errorf("%s is not a usable Acadre agenda: %w", name, err)
	}
	var r xroot
	if err := esdh.Decode(data, "root", &r); err != nil {
		return fail(err)
	}
	ag := find(r.Tables, "agenda")
	items := findAll(r.Tables, "agendaitemparents", nil, "upcomingmeetings")
	if find(r.Tables, "producedAgenda") != nil && len(items) == 0 {
		return agenda.Package{}, indexError(name, index(r))
	}
	if ag == nil {
		return fail(esdh.Reason(esdh.ErrWrongFormat, "it has no agenda table"))
	}
	mt := find(r.Tables, "meeting", "upcomingmeetings")
	if mt == nil {
		return fail(esdh.Reason(esdh.ErrWrongFormat, "it has no meeting table"))
	}
	mrow := mt.row()
	start, err := esdh.ParseTime(mrow.get("date"), acadreTime, "02-01-2006 15:04:05")
	if err != nil {
		return fail(esdh.Reason(esdh.ErrWrongFormat, "the meeting time is missing or unreadable (%v)", err))
	}
	end, _ := esdh.ParseTime(mrow.get("finish"), acadreTime, "02-01-2006 15:04:05")
	arow := ag.row()
	m := agenda.Meeting{
		Kind:     kind(arow.get("name")),
		Start:    start,
		End:      end,
		Location: location(mrow.get("location"), mrow.get("address")),
	}
	if ct := find(r.Tables, "committee"); ct != nil {
		m.Body = agenda.Body{SourceID: ct.row().get("sysid"), Name: ct.row().get("name")}
	}
	meetingName := mrow.get("name")
	if m.Body.Name == "" {
		m.Body.Name = meetingName
	}
	if meetingName == "" {
		meetingName = m.Body.Name
	}
	m.Title = esdh.Title(meetingName, start)
	released, _ := esdh.ParseTime(arow.get("producedate"), acadreTime)
	m.Source = agenda.Source{Format: "acadre", PublicationID: arow.get("sysid"), Path: name, Released: released}

	sort.SliceStable(items, func(i, j int) bool {
		return num(items[i].row().get("sort")) < num(items[j].row().get("sort"))
	})
	for _, p := range items {
		it, err := item(p, start)
		if err != nil {
			return fail(err)
		}
		m.Items = append(m.Items, it)
	}
	agenda.AssignIDs(&m)
	return agenda.Package{Meetings: []agenda.Meeting{m}}, nil
}

func indexError(name string, ix Index) error {
	cur, ok := ix.Current()
	if !ok || cur.XMLFile == "" {
		return esdh.Reason(ErrIndexOnly, "%s is an Acadre publication index, not an agenda, and it names no agenda file to import", name)
	}
	what := strings.Join(strings.Fields(cur.Comment), " ")
	if !cur.PublishDate.IsZero() {
		what += ", published " + cur.PublishDate.Format("02-01-2006 15:04")
	}
	return esdh.Reason(ErrIndexOnly, "%s is an Acadre publication index, not an agenda: import the file it names, %s (%s), from the same folder", name, cur.XMLFile, strings.TrimPrefix(what, ", "))
}

func kind(name string) agenda.Kind {
	n := agenda.NormalizeTitle(name)
	switch {
	case strings.Contains(n, "referat") || strings.Contains(n, "protokol"):
		return agenda.KindMinutes
	case strings.Contains(n, "tillæg"):
		return agenda.KindSupplementary
	}
	return agenda.KindAgenda
}

// location joins the place and its address, which Acadre writes with <br> between lines.
func location(place, address string) string {
	parts := []string{}
	if p := strings.TrimSpace(place); p != "" {
		parts = append(parts, p)
	}
	for _, l := range strings.FieldsFunc(strings.NewReplacer("<br>", "\n", "<br/>", "\n", "<br />", "\n", "<BR>", "\n").Replace(address), func(r rune) bool { return r == '\n' }) {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, ", ")
}

func num(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 1 << 30
	}
	return n
}

func item(parent *xtable, meetingStart time.Time) (agenda.Item, error) {
	t := find(parent.Tables, "agendaitem")
	if t == nil {
		return agenda.Item{}, esdh.Reason(esdh.ErrWrongFormat, "item %s has no agendaitem table", parent.row().get("sort"))
	}
	r := t.row()
	it := agenda.Item{
		SourceID:    r.get("sysid"),
		Number:      parent.row().get("sort"),
		Title:       r.get("name"),
		CaseNumber:  r.get("caseno"),
		CaseHandler: r.get("caseofficername"),
		Closed:      !open(r),
	}
	if it.CaseHandler == "" {
		it.CaseHandler = r.get("caseofficer")
	}
	if it.Closed {
		return it, nil
	}
	bullets := findAll(t.Tables, "bullet", nil)
	sort.SliceStable(bullets, func(i, j int) bool {
		return num(bullets[i].row().get("bulletsortorder")) < num(bullets[j].row().get("bulletsortorder"))
	})
	var decisions []string
	for _, b := range bullets {
		br := b.row()
		heading := br.get("bulletname")
		text, err := esdh.Markdown(br.get("bulletcontent"))
		if err != nil {
			return it, esdh.Reason(esdh.ErrMalformed, "item %s, bullet %q: %v", it.Number, heading, err)
		}
		if text == "" {
			continue
		}
		if br.get("bullettype") == "8" || esdh.IsDecision(heading) {
			d := esdh.CaptionDate(heading)
			if d.IsZero() || sameDay(d, meetingStart) {
				decisions = append(decisions, text)
				continue
			}
		}
		it.Sections = append(it.Sections, agenda.Section{Heading: heading, Text: text})
	}
	it.Decision = strings.Join(decisions, "\n\n")
	it.Recommendations = esdh.Recommendations(it.Sections)
	for _, e := range findAll(t.Tables, "enclosure", nil) {
		er := e.row()
		if !open(er) {
			continue
		}
		fileName := esdh.FileName(er.get("filename"))
		title := er.get("name")
		if title == "" {
			title = fileName
		}
		it.Attachments = append(it.Attachments, agenda.Attachment{
			SourceID:  er.get("sysid"),
			Title:     title,
			FileName:  fileName,
			MediaType: esdh.MediaType(fileName, nil),
		})
	}
	return it, nil
}

// open reads an item's or enclosure's access: "Åben" is open, "Lukket" and "Person" are
// not. Older files carry only the code, where 1 is open.
func open(r xfields) bool {
	if name := strings.TrimSpace(r.get("accessname")); name != "" {
		return strings.EqualFold(name, "Åben") || strings.EqualFold(name, "Aaben")
	}
	// Without a name, only an explicit code other than 1 closes: a file that leaves
	// access out must not hide every item.
	code := strings.TrimSpace(r.get("access"))
	return code == "" || code == "1"
}

func sameDay(a, b time.Time) bool {
	a, b = a.In(agenda.Copenhagen), b.In(agenda.Copenhagen)
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}
