package esdh

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
)

func TestCaptions(t *testing.T) {
	for _, c := range []struct {
		caption        string
		recommendation bool
		decision       bool
	}{
		{"Indstilling", true, false},
		{"Indstillinger", true, false},
		{"Direktionens indstilling", true, false},
		{"Forvaltningens indstilling", true, false},
		{"Forvaltningen foreslår", true, false},
		{"Forslag", true, false},
		{"Forslag til beslutning", true, false},
		{"Administrationens anbefaling", true, false},
		{"Beslutning", false, true},
		{"BESLUTNING:", false, true},
		{"Beslutning i Udvalget for plan, udvikling og kultur (PUK) den 20-06-2013", false, true},
		{"Udvalgets beslutning", false, true},
		{"Beslutningen træffes af", false, false},
		{"Beslutningskompetence", false, false},
		{"Sagsfremstilling", false, false},
		{"Økonomi", false, false},
		{"", false, false},
	} {
		if got := IsRecommendation(c.caption); got != c.recommendation {
			t.Errorf("IsRecommendation(%q) = %v", c.caption, got)
		}
		if got := IsDecision(c.caption); got != c.decision {
			t.Errorf("IsDecision(%q) = %v", c.caption, got)
		}
	}
}

func TestCaptionDate(t *testing.T) {
	got := CaptionDate("Beslutning i PUK den 24-04-2013")
	if !got.Equal(time.Date(2013, 4, 24, 0, 0, 0, 0, agenda.Copenhagen)) {
		t.Errorf("date = %v", got)
	}
	if !CaptionDate("Beslutning").IsZero() || !CaptionDate("den 45-13-2013").IsZero() {
		t.Error("a caption without a valid date has a date")
	}
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{
		`c:\publish\eDagsorden\Publication32\Enclosures\1.pdf`: "1.pdf",
		"../../etc/passwd":                "passwd",
		"..":                              "",
		"/":                               "",
		"":                                "",
		".hidden":                         "hidden",
		"a\x00b.pdf":                      "a_b.pdf",
		`rapport: "endelig"?.pdf`:         "rapport_ _endelig__.pdf",
		"Brev fra KL.pdf":                 "Brev fra KL.pdf",
		strings.Repeat("æ", 150) + ".pdf": strings.Repeat("æ", 98) + ".pdf",
	} {
		if got := FileName(in); got != want {
			t.Errorf("FileName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMediaType(t *testing.T) {
	if got := MediaType("original.docx", []byte("%PDF-1.7")); got != "application/pdf" {
		t.Errorf("PDF content named .docx = %q", got)
	}
	if got := MediaType("x.XLSX", nil); !strings.Contains(got, "spreadsheet") {
		t.Errorf("xlsx = %q", got)
	}
	if got := MediaType("x.unknown", nil); got != "" {
		t.Errorf("unknown without content = %q", got)
	}
	if got := MediaType("x.unknown", []byte{1}); got != "application/octet-stream" {
		t.Errorf("unknown with content = %q", got)
	}
}

func TestStore(t *testing.T) {
	a := agenda.Attachment{FileName: "bilag.pdf"}
	Store(&a, []byte("%PDF-1.4 x"))
	sum := sha256.Sum256([]byte("%PDF-1.4 x"))
	if a.Size != 10 || a.MediaType != "application/pdf" || a.SHA256 != hex.EncodeToString(sum[:]) || string(a.Content) != "%PDF-1.4 x" {
		t.Errorf("stored = %+v", a)
	}
}

type doc struct {
	Name string `xml:"Name"`
}

func TestDecode(t *testing.T) {
	var d doc
	if err := Decode([]byte("\ufeff<Doc><Name>Ærø</Name></Doc>"), "Doc", &d); err != nil || d.Name != "Ærø" {
		t.Errorf("UTF-8 with BOM: %v %q", err, d.Name)
	}
	latin := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Doc><Name>\xc6r\xf8</Name></Doc>")
	if err := Decode(latin, "Doc", &d); err != nil || d.Name != "Ærø" {
		t.Errorf("ISO-8859-1: %v %q", err, d.Name)
	}
	if err := Decode([]byte("<Doc><Name>K&oslash;ge &amp; Ish&oslash;j</Name></Doc>"), "Doc", &d); err != nil || d.Name != "Køge & Ishøj" {
		t.Errorf("HTML entities in XML text: %v %q", err, d.Name)
	}
	for _, c := range []struct {
		in   string
		kind error
	}{
		{"", ErrNotXML},
		{"plain text", ErrNotXML},
		{"<!-- only a comment -->", ErrNotXML},
		{"<Other/>", ErrWrongFormat},
		{"<Doc><Name>x</Doc>", ErrMalformed},
		{"<Doc><Name>x", ErrMalformed},
		{`<!DOCTYPE Doc [<!ENTITY a "b">]><Doc/>`, ErrEntities},
		{`<!DOCTYPE Doc SYSTEM "http://example.org/x.dtd"><Doc>&ext;</Doc>`, ErrEntities},
	} {
		err := Decode([]byte(c.in), "Doc", &d)
		if !errors.Is(err, c.kind) {
			t.Errorf("Decode(%q) = %v, want %v", c.in, err, c.kind)
		}
	}
}

func TestMarkdown(t *testing.T) {
	md, err := Markdown("<p>Det <b>indstilles</b>, at</p><ul><li>a</li><li>b</li></ul>")
	if err != nil || md != "Det **indstilles**, at\n\n- a\n- b" {
		t.Errorf("Markdown = %q, %v", md, err)
	}
	if md, err := Markdown("  \n"); md != "" || err != nil {
		t.Errorf("blank = %q %v", md, err)
	}
	md, err = PlainMarkdown("Et\r\nTo\r\n\r\n<script>x</script> * ikke en liste")
	if err != nil || strings.Contains(md, "<script>") || !strings.Contains(md, "Et") || !strings.Contains(md, "\nTo") {
		t.Errorf("PlainMarkdown = %q %v", md, err)
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{12: "12 B", 94198: "92 KB", 256 << 20: "256 MB", 1 << 30: "1 GB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestRecommendationsLastSection(t *testing.T) {
	got := Recommendations([]agenda.Section{
		{Heading: "Indstilling", Text: "Direktøren indstiller, at sagen drøftes."},
		{Heading: "Beslutning i Udvalget den 10-04-2013", Text: "Sagen genoptages."},
		{Heading: "Supplerende indstilling", Text: "Direktøren indstiller, at\n\n- planen godkendes\n- der afsættes 1 mio. kr."},
		{Heading: "Økonomi", Text: "Ingen."},
	})
	if len(got) != 2 || got[0].Text != "planen godkendes" {
		t.Errorf("recommendations = %+v, want the two of the supplerende indstilling", got)
	}
	if got := Recommendations([]agenda.Section{{Heading: "Sagsfremstilling", Text: "x"}}); got != nil {
		t.Errorf("no recommendation section gave %+v", got)
	}
}

func TestFalse(t *testing.T) {
	for s, want := range map[string]bool{"False": true, " false ": true, "0": true, "True": false, "": false, "ukendt": false} {
		if got := False(s); got != want {
			t.Errorf("False(%q) = %v", s, got)
		}
	}
}
