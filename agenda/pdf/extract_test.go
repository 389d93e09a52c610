package pdf

import (
	"bytes"
	"crypto/md5"
	"crypto/rc4"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func pageTexts(t *testing.T, data []byte) []string {
	t.Helper()
	texts, err := PageTexts(data)
	if err != nil {
		t.Fatalf("PageTexts: %v", err)
	}
	return texts
}

func TestOneTextPage(t *testing.T) {
	data := textPDF([]tline{{x: 72, y: 700, text: "Dagsorden for Byrådet"}, {x: 72, y: 688, text: "Æbler, øl og ål"}})
	texts := pageTexts(t, data)
	if len(texts) != 1 || texts[0] != "Dagsorden for Byrådet\nÆbler, øl og ål" {
		t.Fatalf("texts %q", texts)
	}
}

// TestReadingOrder: runs are read top to bottom and left to right whatever order the
// content stream draws them in, words apart by a gap get a space, columns a tab, and a
// paragraph gap becomes a blank line.
func TestReadingOrder(t *testing.T) {
	data := textPDF([]tline{
		{x: 72, y: 600, text: "Indstilling"}, // drawn first, stands lowest
		{x: 72, y: 700, text: "Sagsnr.:"},
		{x: 200, y: 700, text: "12/27845"},        // a column: a tab
		{x: 72, y: 688, text: "Sagen"},            // Courier: 5 × 6 pt = 30 pt wide
		{x: 72 + 30 + 6, y: 688, text: "afgøres"}, // one space's gap: a space
		{x: 72 + 30 + 6 + 42, y: 688, text: "i"},  // no gap: the same word
	})
	got := pageTexts(t, data)[0]
	if want := "Sagsnr.:\t12/27845\nSagen afgøresi\n\nIndstilling"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// wrap breaks text into lines of at most width characters as a typesetter would, with
// prefix on the first line and indent on the others.
func wrap(text string, width int, prefix, indent string) []string {
	var lines []string
	cur := prefix
	for _, w := range strings.Fields(text) {
		if len(cur) > len(indent) && len([]rune(cur+" "+w)) > width {
			lines = append(lines, cur)
			cur = indent
		}
		if strings.TrimSpace(cur) != "" {
			cur += " "
		}
		cur += w
	}
	return append(lines, cur)
}

// TestReflow: lines that wrapped at the right margin are one paragraph again, a word
// hyphenated at the break is whole, list items with their wrapped lines are one line each,
// and short lines the author broke stay apart.
func TestReflow(t *testing.T) {
	para := "Kommunerne skal hvert andet år indgå en rammeaftale om det specialiserede socialområde, og aftalen skal godkendes af alle kommunalbestyrelserne i regionen inden udgangen af oktober måned, så den kan træde i kraft ved årsskiftet."
	item := "Det indstilles, at udvalget godkender rammeaftalen for de kommende to år og anbefaler den over for kommunalbestyrelserne i regionen."
	hyph := []string{
		"Det gælder også for den del af indsatsen, der hører under beskæfti-", // 67 + the next word would pass 75
		"gelsesområdet, og for de sociale tilbud.",
	}
	long := strings.Repeat("x", 74)
	page := column(
		[]string{"Resumé"},
		wrap(para, 75, "", ""),
		hyph,
		append(wrap(item, 75, "•", "\t"), "• Tager orienteringen til efterretning."),
		[]string{"Juni 2012: Workshop", "Juli 2012: Postkort"},
		[]string{long, long},
	)
	got := pageTexts(t, textPDF(page))[0]
	want := "Resumé\n\n" + para + "\n\n" +
		"Det gælder også for den del af indsatsen, der hører under beskæftigelsesområdet, og for de sociale tilbud.\n\n" +
		"• " + item + "\n• Tager orienteringen til efterretning.\n\n" +
		"Juni 2012: Workshop\nJuli 2012: Postkort\n\n" + long + " " + long
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestRunningHeadersAndPageNumbers: a header on every page and "Side N af M" footers go;
// a line at the top of only one page stays, and so does a number inside the text.
func TestRunningHeadersAndPageNumbers(t *testing.T) {
	var pages [][]tline
	for i := 1; i <= 4; i++ {
		p := []tline{
			{x: 72, y: 800, text: "Referat for Byrådet"},
			{x: 450, y: 800, text: fmt.Sprintf("Side %d", i)},
			{x: 72, y: 788, text: "12. marts 2024 kl. 17:00"},
			{x: 72, y: 500, text: fmt.Sprintf("Tekst på side %d med 3 punkter.", i)},
			{x: 280, y: 40, text: fmt.Sprintf("%d af 4", i)},
		}
		if i == 2 {
			p = append(p, tline{x: 72, y: 820, text: "Kun her"})
		}
		pages = append(pages, p)
	}
	texts := pageTexts(t, textPDF(pages...))
	for i, got := range texts {
		want := fmt.Sprintf("Tekst på side %d med 3 punkter.", i+1)
		if i == 1 {
			want = "Kun her\n\n" + want
		}
		if got != want {
			t.Errorf("page %d: %q, want %q", i+1, got, want)
		}
	}
}

// TestCompositeFontAndGraphicsState: a Type0 font with a ToUnicode map (bfrange that
// crosses a byte boundary, bfchar, an array destination), and a font restored by Q after a
// clipped cell drew in another font — the library's own extraction garbles that line.
func TestCompositeFontAndGraphicsState(t *testing.T) {
	var b builder
	cmap := `/CIDInit /ProcSet findresource begin 12 dict begin begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Test def 1 begincodespacerange <0000> <FFFF> endcodespacerange
2 beginbfchar <0001> <00C6> <0002> <0020> endbfchar
2 beginbfrange <00FE> <0103> <0061> <0200> <0201> [<00F8> <00E5>] endbfrange
endcmap CMapName currentdict /CMap defineresource pop end end`
	tu := b.stream("", []byte(cmap))
	desc := b.add("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Test /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 500 /W [1 [700] 254 259 550] >>")
	f0 := b.add(fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /Test /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>", desc, tu))
	// <00FE>..<0103> map to a..f: codes 0100-0103 cross the byte boundary (c, d, e, f).
	stream := "BT /T1 10 Tf 72 700 Td <0001 00FE 0100 0103 0002 0200 0201> Tj ET\n" +
		"q 70 690 50 -12 re W n BT /F1 10 Tf 72 680 Td (celle) Tj ET Q\n" +
		"BT 72 660 Td <0001 0101> Tj ET\n"
	cs := b.stream("", []byte(stream))
	pages := b.reserve()
	pg := b.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /T1 %d 0 R /F1 %s >> >> /Contents %d 0 R >>", pages, f0, courier, cs))
	b.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", pg))
	root := b.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages))
	// The third text object sets no font: it draws in the composite font set before q;
	// decoded with Courier's encoding, as the library does, it would be control bytes.
	got := pageTexts(t, b.bytes(root, ""))[0]
	if want := "Æacf øå\ncelle\nÆd"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestFormsAndInlineImages: text inside a form XObject is read; an inline image's binary
// data does not swallow the text drawn after it.
func TestFormsAndInlineImages(t *testing.T) {
	var b builder
	form := b.stream("/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 "+courier+" >> >>",
		[]byte("BT /F1 10 Tf 72 700 Td (Tekst i en formular) Tj ET"))
	stream := "q /Fm1 Do Q\nq 10 0 0 10 72 600 cm BI /W 4 /H 1 /BPC 8 /CS /G ID \x00(<\xff) ]>>\nEI Q\nBT /F1 10 Tf 72 500 Td (Efter billedet) Tj ET\n"
	cs := b.stream("", []byte(stream))
	pages := b.reserve()
	pg := b.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %s >> /XObject << /Fm1 %d 0 R >> >> /Contents %d 0 R >>", pages, courier, form, cs))
	b.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", pg))
	root := b.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages))
	got := pageTexts(t, b.bytes(root, ""))[0]
	if want := "Tekst i en formular\n\nEfter billedet"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestHeaderVariants: PDF 2.0 and trailing bytes after %%EOF are read.
func TestHeaderVariants(t *testing.T) {
	var b builder
	b.version = "2.0"
	cs := b.stream("", content([]tline{{x: 72, y: 700, text: "Version to"}}))
	pages := b.reserve()
	pg := b.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %s >> >> /Contents %d 0 R >>", pages, courier, cs))
	b.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", pg))
	data := b.bytes(b.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages)), "")
	data = append(data, bytes.Repeat([]byte{0}, 300)...)
	if got := pageTexts(t, data); len(got) != 1 || got[0] != "Version to" {
		t.Errorf("texts %q", got)
	}
}

// scannedPDF is a page that draws only an image: what a scanner produces.
func scannedPDF() []byte {
	var b builder
	img := b.stream("/Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8", []byte{0, 255, 255, 0})
	cs := b.stream("", []byte("q 595 0 0 842 0 0 cm /Im1 Do Q"))
	pages := b.reserve()
	pg := b.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 %d 0 R >> >> /Contents %d 0 R >>", pages, img, cs))
	b.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", pg))
	return b.bytes(b.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages)), "")
}

// encryptedPDF has an /Encrypt dictionary whose user password is not empty (the U entry
// does not match the empty password), or one with AES-256 (V 5), which the library lacks.
func encryptedPDF(v int) []byte {
	var b builder
	cs := b.stream("", []byte("BT /F1 10 Tf 72 700 Td (hemmelig) Tj ET"))
	pages := b.reserve()
	pg := b.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %s >> >> /Contents %d 0 R >>", pages, courier, cs))
	b.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", pg))
	root := b.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages))
	x32 := "<" + strings.Repeat("5A", 32) + ">"
	enc := b.add(fmt.Sprintf("<< /Filter /Standard /V %d /R %d /Length 128 /O %s /U %s /P -3904 >>", v, map[int]int{1: 2, 5: 6}[v], x32, x32))
	return b.bytes(root, fmt.Sprintf("/Encrypt %d 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>]", enc))
}

// garbledPDF draws text in a composite font without a ToUnicode map: its codes are glyph
// numbers, and nothing says which letters they are.
func garbledPDF() []byte {
	var b builder
	desc := b.add("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Secret /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>")
	f := b.add(fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /Secret /Encoding /Identity-H /DescendantFonts [%d 0 R] >>", desc))
	cs := b.stream("", []byte("BT /G1 10 Tf 72 700 Td <002A0055004F0057> Tj ET"))
	pages := b.reserve()
	pg := b.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /G1 %d 0 R >> >> /Contents %d 0 R >>", pages, f, cs))
	b.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", pg))
	return b.bytes(b.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages)), "")
}

// loopPDF has a page tree whose kid is its own parent.
func loopPDF() []byte {
	var b builder
	pages := b.reserve()
	b.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", pages))
	return b.bytes(b.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages)), "")
}

// bombPDF has one page whose content, 40 references to one deflated stream of 1 KB,
// inflates to 40 MB.
func bombPDF() []byte {
	var b builder
	cs := b.deflated("", bytes.Repeat([]byte(" "), 1<<20))
	refs := strings.Repeat(fmt.Sprintf("%d 0 R ", cs), 40)
	pages := b.reserve()
	pg := b.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents [%s] >>", pages, refs))
	b.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", pg))
	return b.bytes(b.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages)), "")
}

// TestBadPDFs: each broken or unreadable PDF gives an error of its kind, one sentence that
// names the file, and no panic.
func TestBadPDFs(t *testing.T) {
	good := textPDF([]tline{{x: 72, y: 700, text: "Dagsorden"}})
	tests := []struct {
		name string
		data []byte
		kind error
		want string
	}{
		{"empty", nil, ErrNotPDF, "møde.pdf is not a PDF"},
		{"text", []byte("DAGSORDEN\nDato: 1-1-2024\n"), ErrNotPDF, "møde.pdf is not a PDF"},
		{"%PDF- then garbage", append([]byte("%PDF-"), bytes.Repeat([]byte("\x8f garbage ("), 500)...), ErrNotPDF, "møde.pdf is not a PDF"},
		{"%PDF- garbage ending in %%EOF", []byte("%PDF-garbage\nmore garbage\n%%EOF\n"), ErrNotPDF, "møde.pdf is not a PDF"},
		{"truncated", good[:len(good)*6/10], ErrTruncated, "møde.pdf is truncated: the end of the PDF is missing"},
		{"truncated at the trailer", good[:len(good)-20], ErrTruncated, "truncated"},
		{"broken cross-reference", bytes.Replace(good, []byte("startxref\n"), []byte("startxref\n9"), 1), ErrDamaged, "møde.pdf is a damaged PDF that dagsorden cannot read"},
		{"encrypted (user password)", encryptedPDF(1), ErrEncrypted, "møde.pdf is encrypted; dagsorden cannot read it"},
		{"encrypted (AES-256)", encryptedPDF(5), ErrEncrypted, "møde.pdf is encrypted; dagsorden cannot read it"},
		{"scanned", scannedPDF(), ErrScanned, "møde.pdf is scanned: it has no text to import"},
		{"no pages", pagesPDF(""), ErrScanned, "no text to import"},
		{"garbled", garbledPDF(), ErrGarbled, "møde.pdf has text that comes out garbled"},
		{"page tree loop", loopPDF(), ErrDamaged, "page tree loops"},
		{"content bomb", bombPDF(), ErrTooLarge, "møde.pdf is too large to read"},
		{"over the size limit", append(append([]byte{}, good...), make([]byte, MaxSize)...), ErrTooLarge, "the limit is 64 MB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("møde.pdf", tt.data)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !errors.Is(err, tt.kind) || !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q (kind %v); want kind %v, one line containing %q", msg, errors.Unwrap(err), tt.kind, tt.want)
			}
			if _, err := PageTexts(tt.data); !errors.Is(err, tt.kind) || !strings.HasPrefix(err.Error(), "the PDF ") {
				t.Errorf("PageTexts: %v; want kind %v in a sentence about the PDF", err, tt.kind)
			}
		})
	}
}

func TestSniff(t *testing.T) {
	for data, want := range map[string]bool{
		"%PDF-1.4\n": true, "%PDF-": true, "": false, " %PDF-1.4": false, "DAGSORDEN": false, "%!PS-Adobe": false,
	} {
		if got := Sniff([]byte(data)); got != want {
			t.Errorf("Sniff(%q) = %v", data, got)
		}
	}
}

// ownerOnlyPDF is encrypted the way "protected against editing" PDFs are: RC4 with an
// empty user password, so any reader can open it. bits is 128 (revision 3, what Word and
// Acrobat write) or 40 (revision 2, older tools).
func ownerOnlyPDF(text string, bits int) []byte {
	pad := []byte{0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
		0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A}
	owner := bytes.Repeat([]byte{0x42}, 32)
	id := []byte("0123456789abcdef")
	p := int32(-3904)
	n, r, v := bits/8, 3, 2
	if bits == 40 {
		r, v = 2, 1
	}
	h := md5.New()
	h.Write(pad)
	h.Write(owner)
	h.Write([]byte{byte(p), byte(p >> 8), byte(p >> 16), byte(p >> 24)})
	h.Write(id)
	key := h.Sum(nil)[:n]
	if r == 3 {
		for i := 0; i < 50; i++ {
			s := md5.Sum(key)
			key = s[:n]
		}
	}
	rc4x := func(k, data []byte) []byte {
		c, _ := rc4.NewCipher(k)
		out := make([]byte, len(data))
		c.XORKeyStream(out, data)
		return out
	}
	user := rc4x(key, pad)
	if r == 3 {
		s := md5.Sum(append(append([]byte{}, pad...), id...))
		user = rc4x(key, s[:])
		for i := 1; i <= 19; i++ {
			k := make([]byte, n)
			for j := range k {
				k[j] = key[j] ^ byte(i)
			}
			user = rc4x(k, user)
		}
		user = append(user, bytes.Repeat([]byte{0}, 16)...)
	}
	objKey := func(obj int) []byte {
		s := md5.Sum(append(append([]byte{}, key...), byte(obj), byte(obj>>8), byte(obj>>16), 0, 0))
		return s[:min(n+5, 16)]
	}
	hex := func(b []byte) string { return fmt.Sprintf("<%X>", b) }

	var b builder
	pages := b.reserve()
	cs := b.reserve()
	plain := content([]tline{{x: 72, y: 700, text: text}})
	b.set(cs, fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(plain), rc4x(objKey(cs), plain)))
	pg := b.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %s >> >> /Contents %d 0 R >>", pages, courier, cs))
	b.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", pg))
	root := b.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages))
	enc := b.add(fmt.Sprintf("<< /Filter /Standard /V %d /R %d /Length %d /O %s /U %s /P %d >>", v, r, bits, hex(owner), hex(user), p))
	return b.bytes(root, fmt.Sprintf("/Encrypt %d 0 R /ID [%s %s]", enc, hex(id), hex(id)))
}

// TestOwnerPasswordOnly: a PDF encrypted only against editing is read like any other; only
// one that needs a password to open is refused (TestBadPDFs). The library derives 40-bit
// keys wrongly (it keys RC4 with the whole MD5 hash where the standard takes n+5 bytes), so
// those files decrypt to noise; they are reported as encrypted, not as scans.
func TestOwnerPasswordOnly(t *testing.T) {
	if got := pageTexts(t, ownerOnlyPDF("Dagsorden for Byrådet", 128)); got[0] != "Dagsorden for Byrådet" {
		t.Errorf("texts %q", got)
	}
	if _, err := Parse("gammel.pdf", ownerOnlyPDF("Dagsorden for Byrådet", 40)); !errors.Is(err, ErrEncrypted) {
		t.Errorf("40-bit RC4: %v, want the encrypted error", err)
	}
}
