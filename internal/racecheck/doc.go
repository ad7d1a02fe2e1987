// Package racecheck tells tests whether the binary is built with the race
// detector. Under it sync.Pool drops items at random, so the kernels'
// pooled scratch is allocated again and zero-allocation assertions do not
// hold; and code runs about ten times slower, so randomized sweeps shrink.
package racecheck
