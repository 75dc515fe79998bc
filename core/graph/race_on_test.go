//go:build race

package graph

// raceEnabled shortens the slowest tests under the race detector, which the
// concurrent test is there for; the model tests run in full without it.
const raceEnabled = true
