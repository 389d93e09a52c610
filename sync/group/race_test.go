//go:build race

package group

// raceEnabled: the race detector is on; the load test skips itself.
const raceEnabled = true
