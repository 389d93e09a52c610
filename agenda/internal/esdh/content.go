package esdh

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/htmlmd"
)

// Markdown converts an HTML field content to Markdown. Blank input is "", not an error.
func Markdown(src string) (string, error) {
	if strings.TrimSpace(src) == "" {
		return "", nil
	}
	md, err := htmlmd.ToMarkdown(src)
	if err != nil {
		return "", fmt.Errorf("convert field content: %w", err)
	}
	return strings.TrimSpace(md), nil
}

// PlainMarkdown converts plain text (SBSYS "Multiline" fields) to Markdown: line breaks
// stay line breaks, and characters that Markdown or a terminal would read as markup
// ("<b>", "*", "#") stay literal. It goes through the same converter as HTML so that both
// kinds of field are escaped alike.
func PlainMarkdown(text string) (string, error) {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	if strings.TrimSpace(text) == "" {
		return "", nil
	}
	var b strings.Builder
	for i, para := range strings.Split(text, "\n\n") {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return Markdown(b.String())
}

// IsRecommendation reports whether a field caption names the recommendation: see
// agenda.IsRecommendationHeading.
func IsRecommendation(caption string) bool { return agenda.IsRecommendationHeading(caption) }

// IsDecision reports whether a caption names a decision: see agenda.IsDecisionHeading.
func IsDecision(caption string) bool { return agenda.IsDecisionHeading(caption) }

var dateInCaption = regexp.MustCompile(`(\d{1,2})[-./](\d{1,2})[-./](\d{4})`)

// CaptionDate is the date a dated decision caption names ("Beslutning i PUK den
// 20-06-2013"), or the zero time.
func CaptionDate(caption string) time.Time {
	m := dateInCaption.FindStringSubmatch(caption)
	if m == nil {
		return time.Time{}
	}
	t, err := time.ParseInLocation("2-1-2006", m[1]+"-"+m[2]+"-"+m[3], agenda.Copenhagen)
	if err != nil {
		return time.Time{}
	}
	return t
}

// ParseTime reads a local Danish time in the first layout that fits.
func ParseTime(s string, layouts ...string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range layouts {
		if t, err := time.ParseInLocation(l, s, agenda.Copenhagen); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date and time this importer knows", s)
}

// DanishDate writes "2. maj 2017".
func DanishDate(t time.Time) string { return agenda.DanishDate(t) }

// Title is a meeting's title: its name and date, "KMB IT-udvalget 15. maj 2013".
func Title(name string, start time.Time) string {
	return strings.TrimSpace(name + " " + DanishDate(start))
}

// FileName reduces a name or path from a publication (Windows or Unix separators) to a
// base name that is safe to show and to offer as a download name: no directories, no
// control or reserved characters, no leading dots, at most 200 bytes. It returns "" when
// nothing usable is left.
func FileName(p string) string {
	p = path.Base(strings.ReplaceAll(p, `\`, "/"))
	var b strings.Builder
	for _, r := range p {
		switch {
		case unicode.IsControl(r), r == unicode.ReplacementChar, strings.ContainsRune(`/\:*?"<>|`, r):
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	s := strings.Trim(strings.TrimSpace(b.String()), ". ")
	if s == "" || s == "_" {
		return ""
	}
	if len(s) > 200 {
		ext := path.Ext(s)
		if len(ext) > 10 {
			ext = ""
		}
		cut := 200 - len(ext)
		for cut > 0 && !utf8RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + ext
	}
	return s
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

var mediaTypes = map[string]string{
	".pdf":  "application/pdf",
	".doc":  "application/msword",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xls":  "application/vnd.ms-excel",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".ppt":  "application/vnd.ms-powerpoint",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".msg":  "application/vnd.ms-outlook",
	".rtf":  "application/rtf",
	".odt":  "application/vnd.oasis.opendocument.text",
	".txt":  "text/plain",
	".htm":  "text/html",
	".html": "text/html",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".png":  "image/png",
	".tif":  "image/tiff",
	".tiff": "image/tiff",
}

// MediaType names the type of an enclosure from its content when that is known (the
// publication's own file name can be the original ".docx" of what it shipped as a PDF),
// otherwise from the file name's extension. "" when neither tells.
func MediaType(fileName string, content []byte) string {
	if len(content) >= 5 && string(content[:5]) == "%PDF-" {
		return "application/pdf"
	}
	if t, ok := mediaTypes[strings.ToLower(path.Ext(fileName))]; ok {
		if t == "application/pdf" && len(content) > 0 {
			// Named as a PDF but not one: stored as what it is, so nothing downstream
			// (text extraction, a PDF viewer) takes it for a PDF.
			return "application/octet-stream"
		}
		return t
	}
	if len(content) > 0 {
		return "application/octet-stream"
	}
	return ""
}

// Store puts content into a as the stored file: Content, Size, SHA256 and, from the
// content, MediaType.
func Store(a *agenda.Attachment, content []byte) {
	a.Content = content
	a.Size = int64(len(content))
	sum := sha256.Sum256(content)
	a.SHA256 = hex.EncodeToString(sum[:])
	if mt := MediaType(a.FileName, content); mt != "" {
		a.MediaType = mt
	}
}

// Recommendations splits the recommendation section of sections, the same way for every
// source. When a case carries more than one (Acadre keeps the case's history: the first
// Indstilling, then a "Supplerende indstilling" for the next meeting), the last one is
// what the members decide on now.
func Recommendations(sections []agenda.Section) []agenda.Recommendation {
	for i := len(sections) - 1; i >= 0; i-- {
		if s := sections[i]; IsRecommendation(s.Heading) && strings.TrimSpace(s.Text) != "" {
			return agenda.Recommendations(s.Text)
		}
	}
	return nil
}

// False reports whether s is explicitly false. Access flags use it: an item is closed
// only when its source says so, so a version of a system that leaves the flag out does
// not hide every item.
func False(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "false", "0", "no", "nej":
		return true
	}
	return false
}

// Bool reads the booleans ESDH systems write: "True", "true", "1".
func Bool(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "ja":
		return true
	}
	return false
}
