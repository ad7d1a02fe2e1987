//go:build amd64 && !purego

package kernel

// dots4AVX2 sets out[r] = Σ_{c<n} a[r·lda+c]·x[c] for r < 4: four rows of
// gemvGeneric at once. n must be a multiple of 4; the caller guarantees the
// lengths.
//
//go:noescape
func dots4AVX2(n int, a *float64, lda int, x *float64, out *[4]float64)

// axpy4AVX2 adds Σ_r s[r]·a[r·lda+c] to y[c] for c < n: four rows of
// gemvTGeneric at once. n must be a multiple of 4; the caller guarantees
// the lengths.
//
//go:noescape
func axpy4AVX2(n int, a *float64, lda int, s *[4]float64, y *float64)

// tile6x8AVX2 computes one 6×8 tile of C from packed panels,
//
//	C[r][c] = alpha·Σ_{l<kc} a[6l+r]·b[8l+c] + beta·C[r][c],
//
// writing all 48 entries c[r·ldc+c] (reading them only when beta ≠ 0). Its
// references are the generic level-3 bodies.
//
//go:noescape
func tile6x8AVX2(kc int, a, b, c *float64, ldc int, alpha, beta float64)

// gemvAVX2 is gemvGeneric four rows at a time.
func gemvAVX2(m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	n4 := n &^ 3
	if n4 == 0 {
		gemvGeneric(m, n, alpha, a, lda, x, beta, y)
		return
	}
	var s [4]float64
	i := 0
	for ; i+4 <= m; i += 4 {
		_ = a[(i+3)*lda+n-1]
		dots4AVX2(n4, &a[i*lda], lda, &x[0], &s)
		for c := n4; c < n; c++ {
			for r := range s {
				s[r] += a[(i+r)*lda+c] * x[c]
			}
		}
		storeGemv4((*[4]float64)(y[i:i+4]), &s, alpha, beta)
	}
	if i < m {
		gemvRows(m-i, n, alpha, a[i*lda:], lda, x, beta, y[i:], dotAVX2)
	}
}

// gemvTAVX2 is gemvTGeneric four rows at a time.
func gemvTAVX2(m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	switch beta {
	case 0:
		clear(y)
	case 1:
	default:
		scalAVX2(beta, y)
	}
	n4 := n &^ 3
	var s [4]float64
	i := 0
	for ; i+4 <= m; i += 4 {
		_ = a[(i+3)*lda+n-1]
		xx := (*[4]float64)(x[i : i+4])
		s = [4]float64{alpha * xx[0], alpha * xx[1], alpha * xx[2], alpha * xx[3]}
		if n4 > 0 {
			axpy4AVX2(n4, &a[i*lda], lda, &s, &y[0])
		}
		for c := n4; c < n; c++ {
			y[c] += s[0]*a[i*lda+c] + s[1]*a[(i+1)*lda+c] + s[2]*a[(i+2)*lda+c] + s[3]*a[(i+3)*lda+c]
		}
	}
	for ; i < m; i++ {
		axpyAVX2(alpha*x[i], a[i*lda:i*lda+n], y)
	}
}

var tilerAVX2 = &tiler{mr: 6, nr: 8, transpose: transpose8, full: tile6x8AVX2}

// gramUpdateAVX2 is gramUpdateGeneric through the packed driver and the
// 6×8 AVX2 tile, skipping tiles strictly below the diagonal.
func gramUpdateAVX2(b, d int, alpha float64, a []float64, lda int, c []float64, ldc int) {
	if small(d, d, b) {
		gramUpdateGeneric(b, d, alpha, a, lda, c, ldc)
		return
	}
	op := operand{a, lda, 1}
	outer(tilerAVX2, d, d, b, alpha, op, op, 1, c, ldc, true)
}

// gemmNNAVX2 is gemmNNGeneric through the packed driver and the 6×8 AVX2
// tile.
func gemmNNAVX2(m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if small(m, n, k) {
		gemmNNGeneric(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	outer(tilerAVX2, m, n, k, alpha, operand{a, 1, lda}, operand{b, ldb, 1}, beta, c, ldc, false)
}

// gemmNTAVX2 is gemmNTGeneric through the packed driver and the 6×8 AVX2
// tile.
func gemmNTAVX2(m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if small(m, n, k) {
		gemmNTGeneric(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	outer(tilerAVX2, m, n, k, alpha, operand{a, 1, lda}, operand{b, 1, ldb}, beta, c, ldc, false)
}

// gemmTNAVX2 is gemmTNGeneric through the packed driver and the 6×8 AVX2
// tile.
func gemmTNAVX2(m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if small(m, n, k) {
		gemmTNGeneric(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	outer(tilerAVX2, m, n, k, alpha, operand{a, lda, 1}, operand{b, ldb, 1}, beta, c, ldc, false)
}
