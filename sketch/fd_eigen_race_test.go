//go:build race

package sketch

// raceBuild: under the race detector sync.Pool drops items at random, so
// allocation counts of code using the level-3 kernels are not meaningful.
const raceBuild = true
