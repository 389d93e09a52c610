// Package search holds the language side of dagsorden's full-text search: it turns Danish
// text into index terms, reads what the member types into a query, scores documents with
// BM25 and cuts the snippet a hit is shown with.
//
// Terms: text is split into words of letters and digits (æ, ø and å are letters like any
// other), case-folded and normalised (NFKC, so ligatures and full-width letters from PDFs
// match), and stemmed with the Snowball Danish stemmer, so "lokalplanerne" and
// "lokalplan" are one term. Numbers are kept, joined numbers as a whole and in parts
// ("2024-2027" is found by "2024-2027", "2024" and "2027"). Danish stop words ("og", "at",
// "det" …) are not terms.
//
// The package is pure: no storage, no I/O. Package store keeps the index in its bbolt file
// and calls this package for everything that depends on the language, so that indexing and
// querying can never disagree about what a word is.
package search

import "math"

// BM25's parameters: the usual ones. K1 says how fast repeated words stop counting, B how
// much a long document is penalised for its length.
const (
	K1 = 1.2
	B  = 0.75
)

// IDF is BM25's inverse document frequency of a term found in df of docs documents; it
// is never negative, so a word in every document still counts a little.
func IDF(docs, df int) float64 {
	n, d := float64(docs), float64(df)
	if d > n {
		n = d
	}
	return math.Log(1 + (n-d+0.5)/(d+0.5))
}

// TF is BM25's term-frequency part for a term occurring tf times in a document of length
// dl, where the documents of its kind are avgdl long on average.
func TF(tf, dl, avgdl float64) float64 {
	if tf <= 0 {
		return 0
	}
	if avgdl <= 0 {
		avgdl = max(dl, 1)
	}
	return tf * (K1 + 1) / (tf + K1*(1-B+B*dl/avgdl))
}
