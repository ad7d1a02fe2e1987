//go:build race

package kernel

// raceEnabled shrinks the randomized sweeps under the race detector, which
// makes them about ten times slower; the full sweeps run without it.
const raceEnabled = true
