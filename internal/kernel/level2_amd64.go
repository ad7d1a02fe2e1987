//go:build amd64 && !purego

package kernel

import "unsafe"

// axpy4AVX512 adds s[0]·a[c] + s[1]·a[lda+c] + s[2]·a[2·lda+c] +
// s[3]·a[3·lda+c] to y[c] for c < n: four rows of gemvTGeneric at once,
// sharing the loads and stores of y. The caller guarantees the lengths.
//
//go:noescape
func axpy4AVX512(n int, a *float64, lda int, s *[4]float64, y *float64)

// gemvAVX512 is gemvGeneric four rows at a time.
func gemvAVX512(m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	if n == 0 {
		gemvGeneric(m, n, alpha, a, lda, x, beta, y)
		return
	}
	var s [4]float64
	// When every row starts off a cache line, rebuild the vectors from
	// aligned loads instead of loads that straddle two lines (2× on rows in
	// L2). Same lanes, same order, same bits.
	aligned := n >= 16 && lda%8 == 0 && uintptr(unsafe.Pointer(&a[0]))%64 != 0
	i := 0
	for ; i+4 <= m; i += 4 {
		_ = a[(i+3)*lda+n-1] // the kernel reads rows i … i+3
		if aligned {
			dots4AlignedAVX512(n, &a[i*lda], lda, &x[0], &s)
		} else {
			p := [4]*float64{&a[i*lda], &a[(i+1)*lda], &a[(i+2)*lda], &a[(i+3)*lda]}
			dots4pAVX512(n, &p, &x[0], &s)
		}
		storeGemv4((*[4]float64)(y[i:i+4]), &s, alpha, beta)
	}
	if i < m {
		gemvRows(m-i, n, alpha, a[i*lda:], lda, x, beta, y[i:], dotAVX512)
	}
}

// gemvTAVX512 is gemvTGeneric four rows at a time.
func gemvTAVX512(m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	switch beta {
	case 0:
		clear(y)
	case 1:
	default:
		scalAVX512(beta, y)
	}
	var s [4]float64
	i := 0
	for ; i+4 <= m; i += 4 {
		_ = a[(i+3)*lda+n-1]
		xx := (*[4]float64)(x[i : i+4])
		s = [4]float64{alpha * xx[0], alpha * xx[1], alpha * xx[2], alpha * xx[3]}
		axpy4AVX512(n, &a[i*lda], lda, &s, &y[0])
	}
	for ; i < m; i++ {
		axpyAVX512(alpha*x[i], a[i*lda:i*lda+n], y)
	}
}

// dots4AlignedAVX512 is dots4pAVX512 on four rows lda apart, with aligned
// loads of the rows, for
// rows that share a misalignment (lda a multiple of 8, a not on a 64-byte
// boundary); its results are bit-identical to dots4pAVX512's.
//
//go:noescape
func dots4AlignedAVX512(n int, a *float64, lda int, x *float64, out *[4]float64)
