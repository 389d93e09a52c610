package plaintext

import (
	"strings"
	"unicode"
)

// acronyms stay in capitals when SmartCase lowers a line; words without a vowel (KKR, KL)
// and words with digits (DK2020) are recognised without being listed.
var acronyms = map[string]bool{
	"EU": true, "IT": true, "SSU": true, "RAR": true, "VIP": true, "PAU": true, "SMV": true,
	"DEB": true, "KOL": true, "SOSU": true, "FN": true, "DF": true, "ESDH": true, "VUB": true,
	"AMU": true, "EUD": true, "EUX": true, "UU": true, "OPP": true, "HR": true,
}

// properNouns keep their capital letter in Danish sentence case: the regions that name the
// five KKR, and the words that make an institution's name.
var properNouns = map[string]bool{
	"hovedstaden": true, "sjælland": true, "syddanmark": true, "midtjylland": true,
	"nordjylland": true, "bornholm": true, "danmark": true, "københavn": true,
	"region": true, "kommune": true, "greater": true, "copenhagen": true,
}

// SmartCase writes a line set in capitals ("KKR HOVEDSTADEN", "04 / KKR'S OPBYGNING") in
// Danish sentence case: the first word capitalised, acronyms and the names of regions kept,
// everything else in small letters ("KKR Hovedstaden", "04 / KKR's opbygning"). Text that
// already has small letters is returned as it is.
func SmartCase(s string) string {
	for _, r := range s {
		if unicode.IsLower(r) {
			return s
		}
	}
	var sb strings.Builder
	first := true
	word := []rune{}
	flushWord := func() {
		if len(word) == 0 {
			return
		}
		sb.WriteString(caseWord(string(word), first))
		if hasLetter(word) {
			first = false
		}
		word = word[:0]
	}
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’' {
			word = append(word, r)
			continue
		}
		flushWord()
		sb.WriteRune(r)
	}
	flushWord()
	return sb.String()
}

func caseWord(w string, first bool) string {
	base, suffix := w, ""
	if i := strings.IndexAny(w, "'’"); i > 0 {
		base, suffix = w[:i], strings.ToLower(w[i:])
	}
	if isAcronym(base) {
		return base + suffix
	}
	lower := strings.ToLower(base)
	stem := strings.TrimSuffix(lower, "s")
	if first || properNouns[lower] || properNouns[stem] {
		rs := []rune(lower)
		rs[0] = unicode.ToUpper(rs[0])
		lower = string(rs)
	}
	return lower + suffix
}

func isAcronym(w string) bool {
	if acronyms[w] {
		return true
	}
	vowels, letters := 0, 0
	for _, r := range w {
		if unicode.IsDigit(r) {
			return true
		}
		if unicode.IsLetter(r) {
			letters++
			if strings.ContainsRune("AEIOUYÆØÅ", r) {
				vowels++
			}
		}
	}
	return letters > 0 && vowels == 0
}

func hasLetter(rs []rune) bool {
	for _, r := range rs {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}
