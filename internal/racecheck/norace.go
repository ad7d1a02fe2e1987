//go:build !race

package racecheck

// Enabled: this binary is built with the race detector.
const Enabled = false
