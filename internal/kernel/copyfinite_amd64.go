//go:build amd64 && !purego

package kernel

import "golang.org/x/sys/cpu"

// CopyFinite's body is chosen here, once, on the same CPU features that
// make "avx512" the first of Impls (kernel.Use does not switch it; the tests
// reach every body through copyFiniteBody).
func init() {
	x := &cpu.X86
	if x.HasAVX2 && x.HasFMA && x.HasAVX512F && x.HasAVX512VL && x.HasAVX512DQ {
		copyFinite = copyFiniteAVX512
	}
}

// copyFiniteBody returns the CopyFinite body of the named implementation
// (the AVX2 set has none of its own and uses the generic body).
func copyFiniteBody(name string) func(dst []float64, src []byte) int {
	if name == "avx512" {
		return copyFiniteAVX512
	}
	return copyFiniteGeneric
}

// copyFiniteAVX512 is copyFiniteGeneric: the assembly loop copies and
// classifies 32 values per step and stops at the first step that holds a
// non-finite value; the generic body finishes from there.
func copyFiniteAVX512(dst []float64, src []byte) int {
	n := len(dst)
	src = src[:8*n]
	if n == 0 {
		return -1
	}
	i := copyFiniteLoopAVX512(&dst[0], &src[0], n)
	if i == n {
		return -1
	}
	return i + copyRestFirstBad(dst[i:], src[8*i:])
}

// copyFiniteLoopAVX512 copies the n > 0 float64 values at src (any
// alignment) to dst, 32 at a time, classifying each block with VFPCLASSPD;
// it returns the index of the first block (32 values, then 8, then the
// masked tail) holding a NaN or ±Inf, or n. Values of that block and after
// may or may not have been copied.
//
//go:noescape
func copyFiniteLoopAVX512(dst *float64, src *byte, n int) int
