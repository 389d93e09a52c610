//go:build race

package feed

// raceEnabled: the race detector slows parsing and importing the Greve samples about
// tenfold, so the Greve test takes a sample of them under -race.
const raceEnabled = true
