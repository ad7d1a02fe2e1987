//go:build !amd64 || purego

package kernel

// copyFiniteBody returns the CopyFinite body of the named implementation:
// only the generic one exists here.
func copyFiniteBody(string) func(dst []float64, src []byte) int { return copyFiniteGeneric }

// firstNonFiniteBody returns the FirstNonFinite body of the named
// implementation: only the generic one exists here.
func firstNonFiniteBody(string) func(x []float64) int { return firstNonFiniteGeneric }
