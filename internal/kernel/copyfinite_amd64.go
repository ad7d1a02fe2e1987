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
		firstNonFinite = firstNonFiniteAVX512
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

// firstNonFiniteBody returns the FirstNonFinite body of the named
// implementation, as copyFiniteBody does.
func firstNonFiniteBody(name string) func(x []float64) int {
	if name == "avx512" {
		return firstNonFiniteAVX512
	}
	return firstNonFiniteGeneric
}

// firstNonFiniteAVX512 is firstNonFiniteGeneric: the assembly loop
// classifies 32 values per step and stops at the first step that holds a
// non-finite value; the generic body finds it from there.
func firstNonFiniteAVX512(x []float64) int {
	n := len(x)
	if n == 0 {
		return -1
	}
	i := firstNonFiniteLoopAVX512(&x[0], n)
	if i == n {
		return -1
	}
	return i + firstNonFiniteGeneric(x[i:])
}

// firstNonFiniteLoopAVX512 classifies the n > 0 values at x with
// VFPCLASSPD, 32 at a time, then 8, then a masked tail, and returns the
// index of the first block holding a NaN or ±Inf, or n.
//
//go:noescape
func firstNonFiniteLoopAVX512(x *float64, n int) int

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
