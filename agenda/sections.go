package agenda

import "strings"

// IsRecommendationHeading reports whether a section heading (or an ESDH field caption)
// names the recommendation, the Indstilling the members take a stance on. Sources word it
// many ways, all seen in real agendas: "Indstilling", "Indstillinger", "Supplerende
// indstilling", "Direktionens indstilling", "Forvaltningen indstiller, at udvalget",
// "Forvaltningen foreslår", "Forslag", "Forslag til beslutning", "Administrationens
// anbefaling", "Beslutningspunkter". A decision ("Beslutning", "Udvalgets beslutning")
// never is. Every importer and the item screen ask this one function.
func IsRecommendationHeading(heading string) bool {
	words := strings.Fields(NormalizeTitle(heading))
	if len(words) == 0 || IsDecisionHeading(heading) {
		return false
	}
	if words[0] == "forslag" {
		return true
	}
	for _, w := range words {
		switch {
		case strings.HasPrefix(w, "indstilling"), w == "indstiller", w == "indstilles",
			w == "foreslår", w == "foreslås",
			strings.HasPrefix(w, "anbefaling"), w == "anbefaler", w == "anbefales",
			w == "beslutningspunkter", w == "beslutningspunkt":
			return true
		}
	}
	return false
}

// IsDecisionHeading reports whether a heading names a decision: "Beslutning",
// "Beslutning i Udvalget for … den 20-06-2013", "Udvalgets beslutning". "Beslutningen
// træffes af" (who decides), "Beslutningskompetence" and "Beslutningspunkter" (what is to
// be decided) are not decisions.
func IsDecisionHeading(heading string) bool {
	words := strings.Fields(NormalizeTitle(heading))
	switch {
	case len(words) == 0:
		return false
	case words[0] == "beslutning":
		if len(words) == 1 {
			return true
		}
		switch words[1] {
		case "i", "den", "på", "fra", "af":
			return true
		}
		return false
	case len(words) == 2 && words[1] == "beslutning" && strings.HasSuffix(words[0], "s"):
		return true
	}
	return false
}
