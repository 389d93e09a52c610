package plaintext

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name, data, want, err string
	}{
		{"bom", "\ufeffHej\r\nverden", "Hej\r\nverden", ""},
		{"danish", "Æblegrød på Ærø", "Æblegrød på Ærø", ""},
		{"empty", "", "", "x.txt is empty"},
		{"blank", "\n \t", "", "x.txt contains no text"},
		{"nul", "abc\x00def", "", "x.txt is a binary file, not text"},
		{"invalid", "K\xf8benhavn", "", "x.txt is not UTF-8 text (invalid byte at offset 1); save it as UTF-8 and import it again"},
		{"controls", strings.Repeat("\x1b[0m\x07", 50) + "tekst", "", "x.txt is a binary file, not text"},
		{"utf-16", "\xff\xfeH\x00e\x00j\x00", "", "x.txt is UTF-16 text; save it as UTF-8 and import it again"},
		{"form feed", "side 1\fside 2", "side 1\fside 2", ""},
	}
	for _, tt := range tests {
		got, err := Decode("x.txt", []byte(tt.data))
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	_, err := Decode("stor.txt", make([]byte, MaxSize+1))
	if err == nil || err.Error() != "stor.txt is too large to import as text (20.0 MB; the limit is 20 MB)" {
		t.Errorf("over the limit: %v", err)
	}
}

func TestLooksLikeText(t *testing.T) {
	long := strings.Repeat("ø", 3000) // a rune cut at the 4 KB mark must not count as invalid
	for _, tt := range []struct {
		data string
		want bool
	}{
		{"Hej", true}, {long, true}, {"", false}, {"  \n", false}, {"a\x00b", false}, {"\xff\xfe", false},
	} {
		if got := LooksLikeText([]byte(tt.data)); got != tt.want {
			t.Errorf("LooksLikeText(%.20q) = %v", tt.data, got)
		}
	}
}

func TestLines(t *testing.T) {
	got := Lines("a\r\nb\rc\fd")
	if strings.Join(got, "|") != "a|b|c|d" {
		t.Errorf("Lines = %q", got)
	}
}

func TestCleanInline(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Referater kan læses [her](#) og i Prepare.", "Referater kan læses her og i Prepare."},
		{"[Se nyhedsbrevet online her](#)The logo for KL (Kommunerne i København) is displayed in white text on a blue rectangular background.", "Se nyhedsbrevet online her"},
		{"./. Størstedelen af målene er opfyldt.", "Størstedelen af målene er opfyldt."},
		{"*./.. Politisk aftale om Klimaalliancen", "*Politisk aftale om Klimaalliancen"},
		{"- ./.. Klimaalliancen fra 2023*", "- Klimaalliancen fra 2023*"},
		{"jf. bilag ./.", "jf. bilag "},
		{"se ../filer/a.pdf", "se ../filer/a.pdf"},
		{"Tilmelding via <https://kl.dk/a>.", "Tilmelding via [https://kl.dk/a](https://kl.dk/a)."},
		{"Skriv til <kkr@kl.dk>", "Skriv til [kkr@kl.dk](mailto:kkr@kl.dk)"},
		{"<script>alert(1)</script> og 3 < 5", "&lt;script>alert(1)&lt;/script> og 3 < 5"},
		{"[her](https://kl.dk) virker", "[her](https://kl.dk) virker"},
		{"Han is displayed", "Han is displayed"},
	}
	for _, tt := range tests {
		if got := CleanInline(tt.in); got != tt.want {
			t.Errorf("CleanInline(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
	if !DeadLinkOnly("[Klik her for at framelde dig vores nyhedsbrev](#)") || DeadLinkOnly("Læs [her](#) om det") {
		t.Error("DeadLinkOnly")
	}
}

func TestFindDate(t *testing.T) {
	tests := []struct {
		in     string
		y      int
		m      time.Month
		d      int
		notate bool
	}{
		{"Dato: 21-04-2023 10:00", 2023, 4, 21, false},
		{"14. september 2020", 2020, 9, 14, false},
		{"Onsdag den 15-maj-2002", 2002, 5, 15, false},
		{"MARTS 2022", 2022, 3, 0, false},
		{"Nyhedsmail fra KKR Hovedstaden, maj 2023", 2023, 5, 0, false},
		{"holdes 1.7.2024 kl. 9", 2024, 7, 1, false},
		{"2023-04-21", 2023, 4, 21, false},
		{"den 3. dec. 2024", 2024, 12, 3, false},
		{"31-02-2023", 0, 0, 0, true},
		{"Sundhedsaftale 2024-2027", 0, 0, 0, true},
		{"ingen dato", 0, 0, 0, true},
	}
	for _, tt := range tests {
		d, ok := FindDate(tt.in)
		if ok == tt.notate || (ok && (d.Year != tt.y || d.Month != tt.m || d.Day != tt.d)) {
			t.Errorf("FindDate(%q) = %+v, %v", tt.in, d, ok)
		}
	}
	d, _ := FindDate("maj 2023")
	if got := d.In(time.UTC); !got.Equal(time.Date(2023, 5, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("month alone is the first: %v", got)
	}
}

func TestFindClock(t *testing.T) {
	tests := []struct {
		in           string
		h, m, eh, em int
		end, ok      bool
	}{
		{" 10:00", 10, 0, 0, 0, false, true},
		{"formøder fra kl. 9.", 9, 0, 0, 0, false, true},
		{"kl. 12.45 i salen", 12, 45, 0, 0, false, true},
		{"13:30 - 15:30", 13, 30, 15, 30, true, true},
		{"fra kl. 15-18", 15, 0, 18, 0, true, true},
		{"kl. 9 til kl. 10.30", 9, 0, 10, 30, true, true},
		{"25:99 og ingenting", 0, 0, 0, 0, false, false},
	}
	for _, tt := range tests {
		c, ok := FindClock(tt.in)
		if ok != tt.ok || c.Hour != tt.h || c.Minute != tt.m || c.HasEnd != tt.end || c.EndHour != tt.eh || c.EndMinute != tt.em {
			t.Errorf("FindClock(%q) = %+v, %v", tt.in, c, ok)
		}
	}
}

func TestSmartCase(t *testing.T) {
	tests := []struct{ in, want string }{
		{"KKR HOVEDSTADEN", "KKR Hovedstaden"},
		{"FOLDER OM KKR HOVEDSTADEN", "Folder om KKR Hovedstaden"},
		{"04 / KKR'S OPBYGNING", "04 / KKR's opbygning"},
		{"06 / KKR I REGIONALE FORA", "06 / KKR i regionale fora"},
		{"ØKONOMIUDVALGET", "Økonomiudvalget"},
		{"TEKNIK- OG MILJØUDVALGET", "Teknik- og miljøudvalget"},
		{"REGION SJÆLLAND OG DK2020", "Region Sjælland og DK2020"},
		{"GREVE KOMMUNE", "Greve Kommune"},
		{"Allerede skrevet Korrekt", "Allerede skrevet Korrekt"},
	}
	for _, tt := range tests {
		if got := SmartCase(tt.in); got != tt.want {
			t.Errorf("SmartCase(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func render(text string, headings bool) string {
	blocks := Repair(Blocks(Lines(text)))
	if headings {
		blocks = MarkHeadings(blocks)
	}
	return Render(blocks)
}

func TestRender(t *testing.T) {
	tests := []struct {
		name, in, want string
		headings       bool
	}{
		{"lists across a page break are one list", "Mål:\n\n- a\n- b\n\n- c\n", "Mål:\n\n- a\n- b\n- c", false},
		{"list after a line of prose", "Der er tre:\n– a\n\n- b\n", "Der er tre:\n\n- a\n- b", false},
		{"nesting by indentation", "- a\n - a1\n - a2\n- b\n", "- a\n  - a1\n  - a2\n- b", false},
		{"nesting under an ordered item", "1. a\n   - a1\n2. b\n", "1. a\n   - a1\n2. b", false},
		{"letter items", "a) først\nb) så\n", "- a) først\n- b) så", false},
		{"bullet decoration", "• Læs mere •\n", "- Læs mere", false},
		{"a date is not an item", "14. september 2020\n", "14. september 2020", false},
		{"page break mid-sentence", "det fortsætter\n\nher bagefter.\n", "det fortsætter her bagefter.", false},
		{"hyphenated word", "Beskæfti-\n\ngelse (VUB)\n", "Beskæftigelse (VUB)", false},
		{"shared compound ending", "social-\n\nog sundhedsområdet\n", "social- og sundhedsområdet", false},
		{"address lines keep their breaks", "Weidekampsgade 10\nPostboks 3370\n2300 København S\n", "Weidekampsgade 10\\\nPostboks 3370\\\n2300 København S", false},
		{"wrapped prose flows", "Dette er en lang linje fra en PDF, som er brudt midt i sætningen af\nudtrækket, og som skal flyde sammen igen.\n", "Dette er en lang linje fra en PDF, som er brudt midt i sætningen af\nudtrækket, og som skal flyde sammen igen.", false},
		{"source hard break", "Borgmester  \nFormand\n", "Borgmester\\\nFormand", false},
		{"lost opening bold", "- 1. Fælles løsninger**\nBorgere med psykisk sygdom.\n", "- **1. Fælles løsninger**\\\n  Borgere med psykisk sygdom.", false},
		{"number after bullet", "- 1. Punkt\n", "- 1\\. Punkt", false},
		{"margin marks only", "./.\nTekst.\n", "Tekst.", false},
		{"sub-heading", "Tekst før.\n\nPolitisk udviklingsgruppe\n\nTekst efter.\n", "Tekst før.\n\n### Politisk udviklingsgruppe\n\nTekst efter.", true},
		{"no heading at the end", "Tekst før.\n\nIngen brødtekst efter\n", "Tekst før.\n\nIngen brødtekst efter", true},
		{"two short lines are not headings", "Tekst.\n\nDe bedste hilsner\n\nAnders og Birgit\n\nMere tekst.\n", "Tekst.\n\nDe bedste hilsner\n\nAnders og Birgit\n\nMere tekst.", true},
		{"a sentence is not a heading", "Tekst.\n\nDet er godkendt. Se bilag\n\nMere tekst.\n", "Tekst.\n\nDet er godkendt. Se bilag\n\nMere tekst.", true},
		{"markdown heading", "## **Kontakt:**\n\nTekst.\n", "## Kontakt:\n\nTekst.", false},
		{"setext heading", "Titel\n=====\n\nTekst.\n", "# Titel\n\nTekst.", false},
		{"code kept verbatim", "```go\n<b>x</b>\n- y\n```\n", "```go\n<b>x</b>\n- y\n```", false},
		{"unclosed code is closed", "~~~\nkode", "~~~\nkode\n~~~", false},
		{"tag escaped", "<div>hej</div>\n", "&lt;div>hej&lt;/div>", false},
	}
	for _, tt := range tests {
		if got := render(tt.in, tt.headings); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

var rawHTMLRe = regexp.MustCompile(`<[A-Za-z/!?]`)

// FuzzRender: whatever the text, rendering never panics and, outside code blocks, leaves
// nothing a Markdown renderer would take for HTML.
func FuzzRender(f *testing.F) {
	f.Add("Tekst <b>fed</b>\n\n- a\n  - b\n\n```\n<i>\n```\n")
	f.Add("Overskrift\n\ntekst\n\n1. a\n2. b\n\n15.00 - Velkomst\n")
	f.Add("*./.. Et\nTo*\n[her](#) <https://kl.dk>")
	f.Fuzz(func(t *testing.T, text string) {
		blocks := MarkHeadings(Repair(Blocks(Lines(text))))
		for _, b := range blocks {
			if b.Kind == Code {
				continue
			}
			out := Render([]Block{b})
			if loc := rawHTMLRe.FindStringIndex(out); loc != nil {
				t.Fatalf("raw HTML in %q", out)
			}
		}
	})
}
