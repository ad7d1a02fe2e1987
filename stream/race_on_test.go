//go:build race

package stream

// raceEnabled lightens the statistical tests under the race detector,
// which slows file-heavy code tenfold.
const raceEnabled = true
