//go:build !race

package sketch_test

// raceEnabled: see fd_race_test.go.
const raceEnabled = false
