// Package sbsys imports SBSYS publication packages: a zip holding PublicationN.xml and the
// enclosures it names (Enclosures/N.pdf), as SBSYS's eDagsorden publisher writes them. A
// bare PublicationN.xml is accepted too; its enclosures are then listed without content.
//
// Each ItemField becomes a section headed by its caption; fields marked IsFeedback are the
// decision (Item.Decision). Items that are not public (IsPublic=False) keep only their
// number, title and case number, and protected enclosures (IsProtected=True) are left out,
// because a publication package is shared more widely than the secretariat intends closed
// material to be.
//
// The archive is read in memory only: no name from it ever becomes a path on disk. It is
// refused as a whole when an entry name is absolute or climbs with "..", and reading is
// bounded by Limits (entry count, per-entry and total unpacked size, counted on the
// stream, not taken from headers).
package sbsys

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/internal/esdh"
)

// Kinds of failure, for errors.Is.
var (
	ErrUnsafeArchive = esdh.ErrUnsafe
	ErrTooLarge      = esdh.ErrTooLarge
)

// Sniff reports whether data looks like an SBSYS publication: a zip whose first entry or
// central directory names a PublicationN.xml, or the XML itself.
func Sniff(data []byte) bool {
	if isZip(data) {
		// The first local header's name, then the central directory at the end: both are
		// cheap to look at. SBSYS writes the publication folder first.
		if len(data) >= 30 {
			n := int(data[26]) | int(data[27])<<8
			if 30+n <= len(data) && sniffName.Match(data[30:30+n]) {
				return true
			}
		}
		return sniffName.Match(data[max(0, len(data)-65536):])
	}
	return esdh.RootName(data) == "Publication"
}

var sniffName = regexp.MustCompile(`(?i)^publication\d*/|publication\d*\.xml`)

func isZip(data []byte) bool {
	return bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06"))
}

// Parse imports one publication zip (or bare XML) with DefaultLimits.
func Parse(name string, data []byte) (agenda.Package, error) {
	return ParseWithLimits(name, data, DefaultLimits)
}

// ParseWithLimits is Parse with the archive bounded by lim.
func ParseWithLimits(name string, data []byte, lim Limits) (agenda.Package, error) {
	fail := func(err error) (agenda.Package, error) {
		return agenda.Package{}, fmt.Errorf("%s is not a usable SBSYS publication: %w", name, err)
	}
	if len(data) == 0 {
		return fail(esdh.Reason(esdh.ErrNotXML, "it is empty"))
	}
	if !isZip(data) {
		ms, err := parseXML(name, "", "", data, nil)
		if err != nil {
			return fail(err)
		}
		return agenda.Package{Meetings: ms}, nil
	}
	a, err := openArchive(data, lim)
	if err != nil {
		return fail(err)
	}
	pubs := a.publications()
	if len(pubs) == 0 {
		return fail(esdh.Reason(esdh.ErrWrongFormat, "the archive holds no PublicationN.xml"))
	}
	var pkg agenda.Package
	for _, key := range pubs {
		f := a.files[key]
		x, err := a.readFile(f)
		if err != nil {
			return fail(err)
		}
		ms, err := parseXML(name, f.Name, path.Dir(key), x, a)
		if err != nil {
			return fail(err)
		}
		pkg.Meetings = append(pkg.Meetings, ms...)
	}
	return pkg, nil
}

type publication struct {
	Published       string    `xml:"Published"`
	PublicationType string    `xml:"PublicationTypeAsEnum"`
	OutputName      string    `xml:"OutputFileNameWithoutExtension"`
	EnclosureDir    string    `xml:"RelativeEnclosureOutputPath"`
	Agendas         []sAgenda `xml:"Agendas>Agenda"`
}

type sAgenda struct {
	ID         string `xml:"ID,attr"`
	Name       string `xml:"Name"`
	IsExtended string `xml:"IsExtendedAgenda"`
	Meeting    struct {
		ID    string `xml:"ID,attr"`
		When  string `xml:"When"`
		Where string `xml:"Where"`
		Until string `xml:"Until"`
	} `xml:"Meeting"`
	Committee struct {
		ID   string `xml:"ID,attr"`
		Name string `xml:"Name"`
	} `xml:"Committee"`
	Items      []sItem      `xml:"Items>Item"`
	Enclosures []sEnclosure `xml:"Enclosures>Enclosure"`
}

type sItem struct {
	ID       string `xml:"ID,attr"`
	Number   string `xml:"Number"`
	Caption  string `xml:"Caption"`
	IsPublic string `xml:"IsPublic"`
	Case     struct {
		Number string `xml:"Number"`
	} `xml:"Case"`
	Fields     []sField     `xml:"Fields>ItemField"`
	Enclosures []sEnclosure `xml:"Enclosures>Enclosure"`
}

type sField struct {
	ID         string `xml:"ID,attr"`
	Caption    string `xml:"Caption"`
	Type       string `xml:"FieldTypeAsEnum"`
	IsFeedback string `xml:"IsFeedback"`
	Content    string `xml:"Content"`
}

type sEnclosure struct {
	ID           string `xml:"ID,attr"`
	ItemID       string `xml:"ItemID,attr"`
	Name         string `xml:"Name"`
	FileName     string `xml:"FileName"`
	InstFileName string `xml:"InstantiationFileName"`
	InstRelative string `xml:"InstantiationFilePathRelative"`
	IsProtected  string `xml:"IsProtected"`
}

const sbsysTime = "02-01-2006 15:04:05"

// parseXML reads one PublicationN.xml. entry is its name in the archive and dir its
// folder, against which enclosure paths resolve; both are "" and a is nil for a bare XML.
func parseXML(name, entry, dir string, data []byte, a *archive) ([]agenda.Meeting, error) {
	var p publication
	if err := esdh.Decode(data, "Publication", &p); err != nil {
		if entry != "" {
			return nil, fmt.Errorf("in %s, %w", entry, err)
		}
		return nil, err
	}
	if len(p.Agendas) == 0 {
		return nil, esdh.Reason(esdh.ErrWrongFormat, "the publication holds no agenda")
	}
	released, _ := esdh.ParseTime(p.Published, sbsysTime, "02-01-2006 15:04")
	pubID := p.OutputName
	if pubID == "" {
		pubID = strings.TrimSuffix(path.Base(dir), "/")
	}
	var out []agenda.Meeting
	for _, ag := range p.Agendas {
		m, err := meeting(ag, p, a, dir)
		if err != nil {
			return nil, err
		}
		m.Source = agenda.Source{Format: "sbsys", PublicationID: pubID, Path: name, Released: released}
		agenda.AssignIDs(&m)
		out = append(out, m)
	}
	return out, nil
}

func meeting(ag sAgenda, p publication, a *archive, dir string) (agenda.Meeting, error) {
	start, err := esdh.ParseTime(ag.Meeting.When, sbsysTime, "02-01-2006 15:04")
	if err != nil {
		return agenda.Meeting{}, esdh.Reason(esdh.ErrWrongFormat, "the meeting time is missing or unreadable (%v)", err)
	}
	end, _ := esdh.ParseTime(ag.Meeting.Until, sbsysTime, "02-01-2006 15:04")
	body := strings.TrimSpace(ag.Committee.Name)
	if body == "" {
		body = strings.TrimSpace(ag.Name)
	}
	m := agenda.Meeting{
		Body:     agenda.Body{SourceID: ag.Committee.ID, Name: body},
		Kind:     agenda.KindAgenda,
		Title:    esdh.Title(strings.TrimSpace(ag.Name), start),
		Start:    start,
		End:      end,
		Location: strings.TrimSpace(ag.Meeting.Where),
	}
	if esdh.Bool(ag.IsExtended) {
		m.Kind = agenda.KindSupplementary
	}
	// Enclosures sit under their item in some SBSYS versions and in one list under the
	// agenda, keyed by ItemID, in others (the Ballerup sample).
	byItem := map[string][]sEnclosure{}
	for _, e := range ag.Enclosures {
		byItem[e.ItemID] = append(byItem[e.ItemID], e)
	}
	decided := false
	for _, si := range ag.Items {
		it, err := item(si, byItem[si.ID], p, a, dir)
		if err != nil {
			return agenda.Meeting{}, err
		}
		decided = decided || it.Decision != ""
		m.Items = append(m.Items, it)
	}
	if decided || strings.Contains(strings.ToLower(p.PublicationType), "minute") {
		m.Kind = agenda.KindMinutes
	}
	return m, nil
}

func item(si sItem, agendaEnclosures []sEnclosure, p publication, a *archive, dir string) (agenda.Item, error) {
	it := agenda.Item{
		SourceID:   si.ID,
		Number:     strings.TrimSpace(si.Number),
		Title:      strings.TrimSpace(si.Caption),
		CaseNumber: strings.TrimSpace(si.Case.Number),
		Closed:     esdh.False(si.IsPublic),
	}
	if it.Closed {
		return it, nil
	}
	var decisions []agenda.Section
	for _, f := range si.Fields {
		var text string
		var err error
		if strings.EqualFold(strings.TrimSpace(f.Type), "Multiline") {
			text, err = esdh.PlainMarkdown(f.Content)
		} else {
			text, err = esdh.Markdown(f.Content)
		}
		if err != nil {
			return it, esdh.Reason(esdh.ErrMalformed, "item %s, field %q: %v", it.Number, f.Caption, err)
		}
		if text == "" {
			continue
		}
		s := agenda.Section{Heading: strings.TrimSpace(f.Caption), Text: text}
		if esdh.Bool(f.IsFeedback) {
			decisions = append(decisions, s)
			continue
		}
		it.Sections = append(it.Sections, s)
	}
	it.Decision = joinDecisions(decisions)
	it.Recommendations = esdh.Recommendations(it.Sections)

	seen := map[string]bool{}
	for _, e := range append(append([]sEnclosure(nil), si.Enclosures...), agendaEnclosures...) {
		if seen[e.ID] && e.ID != "" {
			continue
		}
		seen[e.ID] = true
		if esdh.Bool(e.IsProtected) {
			continue
		}
		att, err := enclosure(e, p, a, dir)
		if err != nil {
			return it, err
		}
		it.Attachments = append(it.Attachments, att)
	}
	return it, nil
}

// joinDecisions writes one decision, or several under their captions (a minutes template
// may have "Beslutning" and "Supplerende beslutning").
func joinDecisions(ds []agenda.Section) string {
	if len(ds) == 1 {
		return ds[0].Text
	}
	var parts []string
	for _, d := range ds {
		if d.Heading != "" {
			parts = append(parts, "### "+d.Heading+"\n\n"+d.Text)
		} else {
			parts = append(parts, d.Text)
		}
	}
	return strings.Join(parts, "\n\n")
}

func enclosure(e sEnclosure, p publication, a *archive, dir string) (agenda.Attachment, error) {
	title := strings.TrimSpace(e.Name)
	fileName := esdh.FileName(e.FileName)
	if fileName == "" {
		fileName = esdh.FileName(e.InstFileName)
	}
	if title == "" {
		title = strings.TrimSuffix(fileName, path.Ext(fileName))
	}
	att := agenda.Attachment{SourceID: e.ID, Title: title, FileName: fileName, MediaType: esdh.MediaType(fileName, nil)}
	if a == nil {
		return att, nil
	}
	f := a.lookup(dir, e.InstRelative)
	if f == nil && e.InstFileName != "" {
		encDir := p.EnclosureDir
		if encDir == "" {
			encDir = "Enclosures"
		}
		f = a.lookup(dir, path.Join(strings.ReplaceAll(encDir, `\`, "/"), esdh.FileName(e.InstFileName)))
	}
	if f == nil {
		// Listed but not shipped: the member still sees that the bilag exists.
		return att, nil
	}
	content, err := a.readFile(f)
	if err != nil {
		return att, err
	}
	esdh.Store(&att, content)
	return att, nil
}

// EnclosureFiles maps each enclosure's ID in a bare PublicationN.xml to the path of its file
// relative to the XML's folder (InstantiationFilePathRelative, else the enclosure folder
// and InstantiationFileName), as the publisher wrote it: for a caller that has the
// unzipped folder and fills in the content.
func EnclosureFiles(data []byte) map[string]string {
	var p publication
	if esdh.Decode(data, "Publication", &p) != nil {
		return nil
	}
	out := map[string]string{}
	add := func(e sEnclosure) {
		rel := strings.ReplaceAll(strings.TrimSpace(e.InstRelative), `\`, "/")
		if rel == "" && e.InstFileName != "" {
			dir := strings.ReplaceAll(p.EnclosureDir, `\`, "/")
			if dir == "" {
				dir = "Enclosures"
			}
			rel = path.Join(dir, esdh.FileName(e.InstFileName))
		}
		if rel != "" && e.ID != "" {
			out[e.ID] = rel
		}
	}
	for _, ag := range p.Agendas {
		for _, e := range ag.Enclosures {
			add(e)
		}
		for _, it := range ag.Items {
			for _, e := range it.Enclosures {
				add(e)
			}
		}
	}
	return out
}
