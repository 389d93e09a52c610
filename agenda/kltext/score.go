package kltext

import (
	"strings"
)

// score picks the layout of a document that has no cover detect recognises, from the
// evidence of the whole document rather than its first lines: the layout whose item
// headings run on best (numbers that increase, lines set as headings or named by the
// outline, case lines or agenda sections right under them). No one piece of evidence is
// required; together they must reach a threshold, and the text must look like an agenda
// at all (case numbers, a recommendation or decision, a cover word, a meeting date), so
// a report with numbered chapters stays reading material.
func score(texts []string, style []Line) *layout {
	if agendaEvidence(texts) < 2 {
		return nil
	}
	var best *layout
	bestScore := 0
	for _, lay := range layouts {
		if s := headingScore(lay, texts, style); s > bestScore {
			best, bestScore = lay, s
		}
	}
	if bestScore < 4 {
		return nil
	}
	return best
}

// maxScoreLines bounds the lines score reads: evidence enough is in the first pages.
const maxScoreLines = 20000

// agendaEvidence counts what says a text is an agenda or minutes: case lines, agenda
// section headings standing alone, a cover word or a meeting date field near the top.
func agendaEvidence(texts []string) int {
	n := 0
	for i, raw := range texts[:min(len(texts), maxScoreLines)] {
		line := strings.TrimSpace(raw)
		if line == "" || len(line) > 80 {
			continue
		}
		if _, _, ok := caseLine(line); ok {
			n++
			continue
		}
		name := strings.ToLower(strings.TrimSpace(strings.TrimSuffix(line, ":")))
		if isRecommendation(name) || isDecision(name) && len(name) < 40 {
			n++
			continue
		}
		if i < 60 && (kindRe.MatchString(line) || kindBodyDateRe.MatchString(line) || datoRe.MatchString(line) || labelRe.MatchString(line)) {
			n++
		}
	}
	return n
}

// headingScore rates how well a layout's headings explain the document: over each run
// of headings whose numbers increase (a table of contents is one run, the items another),
// one point a heading, two more when it is set as a heading or named by the outline, one
// more when a case line, metadata or a section heading follows it. The best run counts.
// Acadre's layout is Acadre's only when its numbers run through the year (100 and more);
// below that KL's reads the same headings.
func headingScore(lay *layout, texts []string, style []Line) int {
	best, cur := 0, 0
	var last []int
	for i := 0; i < len(texts) && i < maxScoreLines; i++ {
		line := strings.TrimSpace(texts[i])
		if line == "" || line[0] != 'P' && line[0] != 'p' && (line[0] < '0' || line[0] > '9') {
			continue
		}
		h, n, ok := lay.heading(texts, i)
		if !ok || h.title == "" || !(lay.looseTitles || titleLike(h.title)) || len(h.path) > 2 {
			continue
		}
		if lay == acadreLayout && h.path[0] < 100 {
			continue
		}
		if !comesAfter(h.path, last) {
			best, cur = max(best, cur), 0
		}
		last = h.path
		cur++
		for k := i; k < i+n && k < len(style); k++ {
			if style[k].Heading || style[k].Outline {
				cur += 2
				break
			}
		}
		if next := nextLine(texts, i+n); next != "" {
			_, _, isCase := caseLine(next)
			if isCase || metaRe.MatchString(next) || accessRe.MatchString(next) || lay.sections[strings.ToLower(strings.TrimSuffix(next, ":"))] {
				cur++
			}
		}
		i += n - 1
	}
	return max(best, cur)
}

// comesAfter: number path a comes after b ("2" after "1.3", "1.2" after "1.1" and after "1").
func comesAfter(a, b []int) bool {
	for k := 0; k < len(a) && k < len(b); k++ {
		if a[k] != b[k] {
			return a[k] > b[k]
		}
	}
	return len(a) > len(b)
}

func nextLine(texts []string, j int) string {
	for ; j < len(texts); j++ {
		if l := strings.TrimSpace(texts[j]); l != "" {
			return l
		}
	}
	return ""
}
