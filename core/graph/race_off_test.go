//go:build !race

package graph

// raceEnabled is false in normal test runs.
const raceEnabled = false
