package document

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func parseOne(t *testing.T, name string, data []byte) agenda.Document {
	t.Helper()
	pkg, err := Parse(name, data)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	if len(pkg.Documents) != 1 || len(pkg.Meetings) != 0 {
		t.Fatalf("Parse(%s): %d documents, %d meetings; want 1 document", name, len(pkg.Documents), len(pkg.Meetings))
	}
	d := pkg.Documents[0]
	checkDocument(t, d)
	return d
}

var (
	rawHTMLRe  = regexp.MustCompile(`<[A-Za-z/!?]`)
	deadLinkRe = regexp.MustCompile(`\[[^\[\]]*\]\(#[^()\s]*\)`)
	altTextRe  = regexp.MustCompile(`\b(?:The|An?|This) [^.!?\n]{0,100}\bis displayed\b`)
)

// checkDocument asserts what every imported document must satisfy, whatever the input.
func checkDocument(t testing.TB, d agenda.Document) {
	t.Helper()
	if d.ID == "" || strings.TrimSpace(d.Title) == "" || d.Sections == nil {
		t.Errorf("document id %q title %q sections %v: all must be set", d.ID, d.Title, d.Sections)
	}
	if !d.Date.IsZero() && d.ID != agenda.DocumentID(&d, "") {
		t.Errorf("document id %q is not agenda.DocumentID", d.ID)
	}
	if d.Source.Format != FormatText && d.Source.Format != FormatMarkdown {
		t.Errorf("source format %q", d.Source.Format)
	}
	for _, s := range d.Sections {
		// Code blocks are shown verbatim: a tag there is text, not markup.
		prose := withoutCode(s.Text)
		if loc := rawHTMLRe.FindStringIndex(prose); loc != nil {
			t.Errorf("section %q: raw HTML at %q", s.Heading, prose[max(0, loc[0]-20):min(len(prose), loc[1]+20)])
		}
		if deadLinkRe.MatchString(s.Text) || altTextRe.MatchString(s.Text) {
			t.Errorf("section %q: extraction artifact left in %q", s.Heading, s.Text)
		}
	}
}

// withoutCode drops fenced code blocks (CommonMark's rules: a closing fence is only fence
// characters, at least as many as opened it).
func withoutCode(md string) string {
	var out []string
	fence := ""
	for _, line := range strings.Split(md, "\n") {
		t := strings.TrimSpace(line)
		if fence != "" {
			if strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]) == "" {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			fence = t[:len(t)-len(strings.TrimLeft(t, t[:1]))]
			continue
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

func headings(d agenda.Document) []string {
	var hs []string
	for _, s := range d.Sections {
		hs = append(hs, s.Heading)
	}
	return hs
}

func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, agenda.Copenhagen)
}

func TestNewsletterFixture(t *testing.T) {
	d := parseOne(t, "nyhedsbrev.txt", readFixture(t, "nyhedsbrev.txt"))
	if d.Title != "Nyhedsmail fra KKR Midtjylland, oktober 2024" || !d.Date.Equal(day(2024, 10, 1)) {
		t.Errorf("title %q date %v", d.Title, d.Date)
	}
	want := []string{"", "Flere unge skal vælge en erhvervsuddannelse", "Ny busplan for 2025"}
	if got := headings(d); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("sections %q, want %q", got, want)
	}
	if got := d.Sections[0].Text; got != "KKR Midtjylland holdt møde den 7. oktober 2024 og drøftede blandt andet ungdomsuddannelserne og den kollektive trafik.\n\nSe referatet her." {
		t.Errorf("lead %q", got)
	}
	if got := d.Sections[1].Text; !strings.HasSuffix(got, "hvordan praktikpladserne kan fordeles mellem kommunerne.") {
		t.Errorf("the paragraph split by a page break is not joined: %q", got)
	}
	// The signature is two short lines: text, not a heading.
	if got := d.Sections[2].Text; !strings.HasSuffix(got, "\n\nDe bedste hilsner\n\nAnders Jensen og Birgit Holm") {
		t.Errorf("signature %q", got)
	}
	for _, s := range d.Sections {
		if strings.Contains(s.Text, "Afmeld") || strings.Contains(s.Text, "browseren") || strings.Contains(s.Text, "logo") {
			t.Errorf("dead-link line or image description kept: %q", s.Text)
		}
	}
	if d.Source.Format != FormatText || d.Source.Path != "nyhedsbrev.txt" {
		t.Errorf("source %+v", d.Source)
	}
}

func TestProgrammeFixture(t *testing.T) {
	d := parseOne(t, "program.txt", readFixture(t, "program.txt"))
	if d.Title != "Program for temadag om klimatilpasning" || !d.Date.Equal(day(2024, 11, 4)) {
		t.Errorf("title %q date %v", d.Title, d.Date)
	}
	if got := headings(d); strings.Join(got, "|") != "|Program" {
		t.Fatalf("sections %q", got)
	}
	want := "- **13.00** Velkomst\n- **13.15** Oplæg om stormflod og kystsikring\n- **14.30** Pause\n- **15.45** Afrunding\n\n" +
		"Vælg en af to workshops:\n\n" +
		"- **1. Kystsikring i praksis**\\\n  Hvordan deler kommunerne udgifterne?\n" +
		"- **2. Regnvand i byen**\\\n  Skybrudsplaner og grønne løsninger."
	if got := d.Sections[1].Text; got != want {
		t.Errorf("programme:\n got %q\nwant %q", got, want)
	}
}

func TestMarkdownFixture(t *testing.T) {
	d := parseOne(t, "noter.md", readFixture(t, "noter.md"))
	if d.Title != "Noter til formødet" || !d.Date.Equal(day(2024, 11, 20)) || d.Source.Format != FormatMarkdown {
		t.Errorf("title %q date %v format %q: front matter not read", d.Title, d.Date, d.Source.Format)
	}
	if got := headings(d); strings.Join(got, "|") != "|Sager at drøfte" {
		t.Fatalf("sections %q", got)
	}
	want := "Vi skal tage stilling til tre sager.\n\n### Budget\n\n- Anlæg\n  - Skoler\n  - Veje\n- Drift\n\n" +
		"```\n# ikke en overskrift\n<b>ikke HTML</b>\n```\n\n#### Detaljer\n\n" +
		"Se [https://example.org/budget](https://example.org/budget) og skriv til [sekretariat@example.org](mailto:sekretariat@example.org).\n" +
		"&lt;script>alert(1)&lt;/script>"
	if got := d.Sections[1].Text; got != want {
		t.Errorf("markdown:\n got %q\nwant %q", got, want)
	}
}

func TestTitleFallbacks(t *testing.T) {
	tests := []struct{ name, text, title string }{
		{"heading later", "Dette er en lang indledning, som fortæller, hvad der skal ske, og hvorfor det er vigtigt for alle.\n\n# Overskrift\n\nTekst.\n", "Overskrift"},
		{"file name", "Dette er en lang indledning, som fortæller, hvad der skal ske, og hvorfor det er vigtigt for alle.\n", "notat-7"},
		{"capitals", "INVITATION TIL KKR-MØDE I REGION SJÆLLAND\n\nVi mødes kl. 10 og taler om alt det, der er vigtigt lige nu.\n", "Invitation til KKR-møde i Region Sjælland"},
	}
	for _, tt := range tests {
		pkg, err := Parse("mappe/notat-7.txt", []byte(tt.text))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := pkg.Documents[0].Title; got != tt.title {
			t.Errorf("%s: title %q, want %q", tt.name, got, tt.title)
		}
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		data string
		want bool
	}{
		{"newsletter", string(readFixture(t, "nyhedsbrev.txt")), true},
		{"markdown", string(readFixture(t, "noter.md")), true},
		{"markdown starting with a link", "[Forside](https://kl.dk)\n\nTekst.\n", true},
		{"kl agenda", "DAGSORDEN 2024\n\nKKR SJÆLLAND\n\nDato: 03-06-2024 13:30\n\n1.1. Godkendelse\n", false},
		{"json object", `{"Id": "x"}`, false},
		{"json array", `[{"Id": "x"}]`, false},
		{"html", "<!DOCTYPE html><html><body>Hej</body></html>", false},
		{"xml", "<?xml version=\"1.0\"?><Publication/>", false},
		{"pdf", "%PDF-1.7\n1 0 obj\n", false},
		{"zip", "PK\x03\x04\x14\x00\x00\x00", false},
		{"invalid utf-8", "Nyhedsbrev \xe6\xf8\xe5\n", false},
		{"blank", " \n\n", false},
	}
	for _, tt := range tests {
		if got := Sniff([]byte(tt.data)); got != tt.want {
			t.Errorf("Sniff(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "is empty"},
		{"blank", []byte("\n \t\r\n"), "contains no text"},
		{"binary", []byte{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d}, "binary file"},
		{"invalid utf-8", []byte("Nyhedsbrev fra KKR Hovedstaden, maj 2023\n\nK\xf8benhavn\n"), "not UTF-8"},
		{"50 MB", bytes.Repeat([]byte("Nyhedsbrev\n\n"), 50<<20/12+1), "too large"},
	}
	for _, tt := range tests {
		_, err := Parse("brev.txt", tt.data)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.want) || !strings.Contains(msg, "brev.txt") || strings.Contains(msg, "\n") {
			t.Errorf("%s: error %q; want one sentence naming the file and saying %q", tt.name, msg, tt.want)
		}
	}
}

// TestLargeInput parses 1 MB of text built to exercise every join and heading rule: a
// quadratic step anywhere would take minutes.
func TestLargeInput(t *testing.T) {
	var b strings.Builder
	b.WriteString("Nyhedsbrev om alt\n\n")
	for b.Len() < 1<<20 {
		b.WriteString("Overskrift uden punktum\n\nog en tekst der fortsætter efter et sideskift og ender med binde-\n\nstreg\n\n10.00 - Velkomst\n\n- punkt\n  - underpunkt **fed\n\n")
	}
	d := parseOne(t, "stor.txt", []byte(b.String()))
	if len(d.Sections) == 0 {
		t.Error("no sections")
	}
}
