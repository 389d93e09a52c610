package plaintext

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is what a block of text is.
type Kind uint8

const (
	Prose   Kind = iota // a paragraph
	List                // list items, possibly nested, with their continuation lines
	Heading             // a heading: written in Markdown (#) or recognised by MarkHeadings
	Code                // a fenced code block, kept verbatim
)

// Join says how a line continues the line before it in its block.
type Join uint8

const (
	Break  Join = iota // a line of its own
	Space              // the same line: one paragraph that a page break split in two
	Hyphen             // the same word, hyphenated across a page break ("Beskæfti-" + "gelse")
)

// Line is one line of a block, cleaned of extraction artifacts (see CleanInline).
type Line struct {
	Text   string // without indentation, list marker and trailing white space
	Indent int    // columns of indentation; a tab counts four
	Marker string // the Markdown list marker ("-", "1.", "2)") when the line starts a list item
	Hard   bool   // the source ends the line with a Markdown hard break
	Join   Join
}

// Block is a paragraph, a list, a heading or a fenced code block.
type Block struct {
	Kind Kind
	// Level of a Heading: 1–6 as written in Markdown, 0 when MarkHeadings recognised it.
	Level int
	Lines []Line
	// Pos is the index of the block's first line in the lines given to Blocks.
	Pos int
}

// Text is the block's lines joined as one string: page-break joins become a space (or
// nothing inside a hyphenated word), other line ends a space too. For headings, titles
// and tests; Render keeps the line structure.
func (b Block) Text() string {
	var sb strings.Builder
	for i, l := range b.Lines {
		t := l.Text
		if i+1 < len(b.Lines) && b.Lines[i+1].Join == Hyphen {
			t = strings.TrimSuffix(t, "-")
		}
		if i > 0 && l.Join != Hyphen {
			sb.WriteByte(' ')
		}
		sb.WriteString(t)
	}
	return sb.String()
}

var (
	atxRe    = regexp.MustCompile(`^(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`)
	bulletRe = regexp.MustCompile(`^([-*+•–·▪◦‣])[ \t]+(\S.*)$`)
	// "1." "12)" are Markdown's ordered markers; "a)" and "b." are not, and become bullets
	// that keep their letter.
	orderedRe = regexp.MustCompile(`^(\d{1,3})([.)])[ \t]+(\S.*)$`)
	letterRe  = regexp.MustCompile(`^([a-zæøå][.)])[ \t]+(\S.*)$`)
	setextRe  = regexp.MustCompile(`^(=+|-+)[ \t]*$`)
	fenceRe   = regexp.MustCompile("^(```+|~~~+)")
)

// Blocks splits lines into paragraphs, lists, Markdown headings and fenced code. A blank
// line ends a block; a list item starts a list even inside a paragraph (as in Markdown);
// a line that is not a list item after one continues that item. Every line's text is
// cleaned with CleanInline, and a line that held only artifacts (a lone "./.") vanishes
// without splitting its paragraph.
func Blocks(lines []string) []Block {
	var out []Block
	var cur *Block
	flush := func() {
		if cur != nil && len(cur.Lines) > 0 {
			out = append(out, *cur)
		}
		cur = nil
	}
	fence := ""
	for i, raw := range lines {
		if fence != "" {
			if strings.HasPrefix(strings.TrimSpace(raw), fence) && strings.Trim(strings.TrimSpace(raw), fence[:1]) == "" {
				fence = ""
				flush()
				continue
			}
			cur.Lines = append(cur.Lines, Line{Text: strings.TrimRight(raw, " \t")})
			continue
		}
		trimmed := strings.TrimSpace(raw)
		if trimmed == "" {
			flush()
			continue
		}
		indent := indentOf(raw)
		if m := fenceRe.FindString(trimmed); m != "" && indent < 4 {
			flush()
			fence = m
			// The info string ("go", "json") is escaped like text: it is not code.
			info := CleanInline(strings.TrimSpace(trimmed[len(m):]))
			cur = &Block{Kind: Code, Pos: i, Lines: []Line{{Text: m + info, Marker: m}}}
			continue
		}
		if indent < 4 {
			if m := atxRe.FindStringSubmatch(trimmed); m != nil {
				flush()
				out = append(out, Block{Kind: Heading, Level: len(m[1]), Pos: i,
					Lines: []Line{{Text: StripEmphasis(CleanInline(m[2]))}}})
				continue
			}
			if m := setextRe.FindStringSubmatch(trimmed); m != nil {
				if cur != nil && cur.Kind == Prose && len(cur.Lines) == 1 {
					level := 1
					if m[1][0] == '-' {
						level = 2
					}
					cur.Kind, cur.Level = Heading, level
					cur.Lines[0].Text = StripEmphasis(cur.Lines[0].Text)
					flush()
					continue
				}
				if m[1][0] == '-' && len(m[1]) >= 3 {
					// A thematic break of its own.
					flush()
					out = append(out, Block{Kind: Prose, Pos: i, Lines: []Line{{Text: "---"}}})
					continue
				}
			}
		}
		hard := strings.HasSuffix(raw, "  ") || strings.HasSuffix(trimmed, "\\")
		text := strings.TrimSpace(CleanInline(strings.TrimSuffix(trimmed, "\\")))
		if text == "" {
			continue
		}
		if marker, rest, ok := listItem(text); ok {
			if cur == nil || cur.Kind != List {
				flush()
				cur = &Block{Kind: List, Pos: i}
			}
			cur.Lines = append(cur.Lines, Line{Text: rest, Indent: indent, Marker: marker, Hard: hard})
			continue
		}
		if cur == nil {
			cur = &Block{Kind: Prose, Pos: i}
		}
		cur.Lines = append(cur.Lines, Line{Text: text, Indent: indent, Hard: hard})
	}
	flush()
	return out
}

func indentOf(s string) int {
	n := 0
	for _, r := range s {
		switch r {
		case ' ', '\u00a0':
			n++
		case '\t':
			n += 4
		default:
			return n
		}
	}
	return n
}

// listItem recognises a list item and returns its Markdown marker and text.
func listItem(s string) (marker, text string, ok bool) {
	// Most lines are prose: rule them out before any pattern runs.
	first, size := utf8.DecodeRuneInString(s)
	if size == len(s) {
		return "", "", false
	}
	switch {
	case strings.ContainsRune("-*+•–·▪◦‣", first):
	case first >= '0' && first <= '9':
	case unicode.IsLower(first) && (s[size] == '.' || s[size] == ')'):
	default:
		return "", "", false
	}
	if m := bulletRe.FindStringSubmatch(s); m != nil {
		// "• Læs mere •": a bullet used as decoration on both sides.
		return "-", strings.TrimSpace(strings.TrimRight(m[2], " •·▪◦")), true
	}
	if m := orderedRe.FindStringSubmatch(s); m != nil {
		if d, ok := FindDate(string(Head([]byte(s), 24))); ok && d.Start == 0 {
			return "", "", false // "14. september 2020" is a date, not item 14
		}
		return m[1] + m[2], m[3], true
	}
	if m := letterRe.FindStringSubmatch(s); m != nil {
		return "-", m[1] + " " + m[2], true
	}
	return "", "", false
}

// ListItem reports whether a cleaned line starts a list item, and returns its text
// without the marker.
func ListItem(s string) (string, bool) {
	_, text, ok := listItem(strings.TrimSpace(s))
	return text, ok
}

// Repair joins paragraphs that a page break split: a paragraph that ends in the middle of
// a sentence (no closing punctuation) followed by one that starts with a small letter is
// one paragraph, and a word hyphenated across the break is one word again.
func Repair(blocks []Block) []Block {
	out := make([]Block, 0, len(blocks))
	for _, b := range blocks {
		n := len(out)
		if n > 0 && b.Kind == Prose && out[n-1].Kind == Prose && continues(out[n-1], b) {
			prev := out[n-1].Lines[len(out[n-1].Lines)-1].Text
			first := b.Lines[0]
			first.Join = Space
			if strings.HasSuffix(prev, "-") && !keepsHyphen(first.Text) {
				first.Join = Hyphen
			}
			lines := make([]Line, 0, len(b.Lines))
			lines = append(lines, first)
			lines = append(lines, b.Lines[1:]...)
			out[n-1].Lines = append(out[n-1].Lines, lines...)
			continue
		}
		out = append(out, b)
	}
	return out
}

func continues(p, q Block) bool {
	last := p.Lines[len(p.Lines)-1]
	if last.Hard || last.Text == "---" {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(last.Text)
	if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-') {
		return false
	}
	f, _ := utf8.DecodeRuneInString(q.Lines[0].Text)
	return unicode.IsLower(f)
}

// keepsHyphen: "social-" + "og sundhedsområdet" is a shared compound ending, not a
// hyphenated word.
func keepsHyphen(next string) bool {
	w, _, _ := strings.Cut(next, " ")
	switch w {
	case "og", "eller", "samt", "til", "end":
		return true
	}
	return false
}

var sentenceBreakRe = regexp.MustCompile(`[.!?]["”’)]?\s+\p{Lu}`)

// HeadingLike reports whether a block reads as a heading in running text: one short line
// that starts with a capital letter, has no closing punctuation, holds no second sentence,
// no date and no link. It returns the heading's text without emphasis markers.
func HeadingLike(b Block) (string, bool) {
	if b.Kind != Prose || len(b.Lines) == 0 || b.Lines[0].Indent >= 4 {
		return "", false
	}
	size := 0
	for i, l := range b.Lines {
		if i > 0 && l.Join == Break {
			return "", false
		}
		size += len(l.Text)
	}
	if size > 4*160 { // bytes; the rune count is checked below
		return "", false
	}
	text := b.Text()
	if last, _ := utf8.DecodeLastRuneInString(strings.TrimRight(text, "*_ ")); strings.ContainsRune(".:;,!?…-–", last) {
		return "", false // most paragraphs end a sentence: spare them the rest
	}
	text = StripEmphasis(text)
	n := utf8.RuneCountInString(text)
	if n < 4 || n > 160 || len(strings.Fields(text)) > 20 {
		return "", false
	}
	first, _ := utf8.DecodeRuneInString(text)
	last, _ := utf8.DecodeLastRuneInString(text)
	if !unicode.IsUpper(first) || strings.ContainsRune(".:;,!?…-–", last) {
		return "", false
	}
	letters := 0
	for _, r := range text {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	if letters < 4 || sentenceBreakRe.MatchString(text) || strings.ContainsAny(text, "\t@") ||
		strings.Contains(text, "](") || strings.Contains(text, "://") {
		return "", false
	}
	if _, ok := FindDate(text); ok {
		return "", false
	}
	return text, true
}

// MarkHeadings turns the paragraphs that stand as headings in running text into Heading
// blocks (Level 0): a heading-like paragraph between a paragraph or list that is not
// heading-like and body text (a paragraph or list) that follows it. Runs of short lines
// (a signature, an address) stay text.
func MarkHeadings(blocks []Block) []Block {
	like := make([]bool, len(blocks))
	texts := make([]string, len(blocks))
	for i, b := range blocks {
		texts[i], like[i] = HeadingLike(b)
	}
	out := make([]Block, len(blocks))
	copy(out, blocks)
	for i := range blocks {
		if !like[i] {
			continue
		}
		if i > 0 && (like[i-1] || blocks[i-1].Kind == Heading) {
			continue
		}
		if i+1 >= len(blocks) || like[i+1] || blocks[i+1].Kind == Heading {
			continue
		}
		out[i] = Block{Kind: Heading, Level: 0, Pos: blocks[i].Pos, Lines: []Line{{Text: texts[i]}}}
	}
	return out
}

// Render writes blocks as Markdown. Headings of Level 0 are written at level 3 (the
// sub-heading level of a section); other levels as given. Adjacent lists become one list:
// extractions put blank lines between items where the page broke.
func Render(blocks []Block) string {
	var sb strings.Builder
	for i, b := range blocks {
		if i > 0 {
			if b.Kind == List && blocks[i-1].Kind == List {
				sb.WriteByte('\n')
			} else {
				sb.WriteString("\n\n")
			}
		}
		switch b.Kind {
		case Heading:
			level := b.Level
			if level == 0 {
				level = 3
			}
			sb.WriteString(strings.Repeat("#", level))
			sb.WriteByte(' ')
			sb.WriteString(b.Text())
		case Code:
			renderCode(&sb, b)
		case List:
			renderList(&sb, b)
		default:
			renderProse(&sb, b)
		}
	}
	return sb.String()
}

// renderProse keeps the source's line breaks as hard breaks where they mean something:
// marked so in the source, or a paragraph of short lines (an address, a signature).
// Lines of a wrapped paragraph flow together.
func renderProse(sb *strings.Builder, b Block) {
	texts := make([]string, len(b.Lines))
	short := len(b.Lines) > 1
	for i, l := range b.Lines {
		texts[i] = l.Text
		if i+1 < len(b.Lines) && b.Lines[i+1].Join == Hyphen {
			texts[i] = strings.TrimSuffix(texts[i], "-")
		}
		if utf8.RuneCountInString(l.Text) >= 60 {
			short = false
		}
	}
	FixStrong(texts)
	for i, l := range b.Lines {
		if i > 0 {
			switch {
			case l.Join == Hyphen:
			case l.Join == Space:
				sb.WriteByte(' ')
			case b.Lines[i-1].Hard || short:
				sb.WriteString("\\\n")
			default:
				sb.WriteByte('\n')
			}
		}
		sb.WriteString(texts[i])
	}
}

// renderList writes list items with Markdown's indentation: a child is indented to its
// parent's text, whatever the source's indentation was.
func renderList(sb *strings.Builder, b Block) {
	type level struct{ indent, width int }
	var stack []level
	prefix := func(n int) string {
		w := 0
		for _, l := range stack[:n] {
			w += l.width
		}
		return strings.Repeat(" ", w)
	}
	// Items with their continuation lines, so a lost ** is repaired per item.
	start := 0
	for start < len(b.Lines) {
		end := start + 1
		for end < len(b.Lines) && b.Lines[end].Marker == "" {
			end++
		}
		item := b.Lines[start:end]
		texts := make([]string, len(item))
		for i, l := range item {
			texts[i] = l.Text
		}
		FixStrong(texts)
		head := item[0]
		if start > 0 {
			sb.WriteByte('\n')
		}
		if head.Marker != "" {
			for len(stack) > 0 && stack[len(stack)-1].indent > head.Indent {
				stack = stack[:len(stack)-1]
			}
			if len(stack) > 0 && stack[len(stack)-1].indent == head.Indent {
				stack = stack[:len(stack)-1]
			}
			if len(stack) >= 8 {
				stack = stack[:8]
			}
			sb.WriteString(prefix(len(stack)))
			sb.WriteString(head.Marker)
			sb.WriteByte(' ')
			sb.WriteString(escapeItemStart(texts[0]))
			stack = append(stack, level{head.Indent, len(head.Marker) + 1})
		} else {
			sb.WriteString(texts[0])
		}
		for i := 1; i < len(item); i++ {
			sb.WriteString("\\\n")
			sb.WriteString(prefix(len(stack)))
			sb.WriteString(texts[i])
		}
		start = end
	}
}

var itemStartRe = regexp.MustCompile(`^(\d{1,9})([.)])(\s)`)

// escapeItemStart keeps "- 1. Fælles løsninger" one bullet instead of a bullet holding an
// ordered list.
func escapeItemStart(s string) string {
	if itemStartRe.MatchString(s) {
		return itemStartRe.ReplaceAllString(s, `$1\$2$3`)
	}
	if strings.HasPrefix(s, "#") || strings.HasPrefix(s, "- ") || strings.HasPrefix(s, "* ") || strings.HasPrefix(s, "+ ") {
		return `\` + s
	}
	return s
}

func renderCode(sb *strings.Builder, b Block) {
	fence := b.Lines[0].Marker
	sb.WriteString(b.Lines[0].Text)
	for _, l := range b.Lines[1:] {
		sb.WriteByte('\n')
		sb.WriteString(l.Text)
	}
	sb.WriteByte('\n')
	sb.WriteString(fence)
}
