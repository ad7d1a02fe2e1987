//go:build race

package sketch_test

// raceEnabled: under the race detector sync.Pool drops items at random, so
// the kernels' pooled packing buffers are reallocated and allocation counts
// are not meaningful; the zero-allocation assertions are skipped.
const raceEnabled = true
