//go:build amd64 && !purego

package kernel

// thinMax bounds the thin operand (B of GemmNT, C of GemmTN) of the thin
// paths to 256 KiB, so that it stays in L2 while the other operand streams
// past it; larger shapes take the packed driver, which blocks over k.
const thinMax = 1 << 15

// dots4pAVX512 sets out[r] = Σ_{c<n} p[r][c]·x[c] for r < 4: four dot
// products sharing the loads of x (Gemv's four rows, or a streamed row's
// products with a thin iterate). The caller guarantees that the four rows
// and x hold n ≥ 1 values each.
//
//go:noescape
func dots4pAVX512(n int, p *[4]*float64, x *float64, out *[4]float64)

// axpy4mAVX512 adds Σ_{r<4} s[4i+r]·b[r·ldb+col] to c[i][col] for col < n
// and i < m, 1 ≤ m ≤ 4: m rows of axpy4AVX512 sharing the loads of the four
// rows of b. The caller guarantees the lengths.
//
//go:noescape
func axpy4mAVX512(n int, b *float64, ldb int, s *[16]float64, c *[4]*float64, m int)

// gemmNTThinAVX512 is gemmNTGeneric for n ≤ 4 and k ≥ 1: each row of A is
// read once, for all n rows of B (rows past n repeat row 0 and are
// discarded).
func gemmNTThinAVX512(m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	var p [4]*float64
	for j := range 4 {
		p[j] = &b[min(j, n-1)*ldb]
	}
	_ = b[(n-1)*ldb+k-1]
	var s [4]float64
	for i := range m {
		row := a[i*lda : i*lda+k]
		dots4pAVX512(k, &p, &row[0], &s)
		crow := c[i*ldc : i*ldc+n]
		for j := range crow {
			if beta == 0 {
				crow[j] = alpha * s[j]
			} else {
				crow[j] = alpha*s[j] + beta*crow[j]
			}
		}
	}
}

// gemmTNThinAVX512 is gemmTNGeneric for m ≤ 4 and k ≥ 1: four rows of B
// at a time are read once for all m rows of C.
func gemmTNThinAVX512(m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	scaleC(m, n, beta, c, ldc)
	if n == 0 {
		return
	}
	var cp [4]*float64
	for i := range 4 {
		cp[i] = &c[min(i, m-1)*ldc]
	}
	_ = c[(m-1)*ldc+n-1]
	var s [16]float64
	l := 0
	for ; l+4 <= k; l += 4 {
		_ = b[(l+3)*ldb+n-1] // the kernel reads rows l … l+3
		for r := range 4 {
			arow := a[(l+r)*lda : (l+r)*lda+m]
			for i, v := range arow {
				s[4*i+r] = alpha * v
			}
		}
		axpy4mAVX512(n, &b[l*ldb], ldb, &s, &cp, m)
	}
	for ; l < k; l++ {
		brow := b[l*ldb : l*ldb+n]
		for i, v := range a[l*lda : l*lda+m] {
			axpyAVX512(alpha*v, brow, c[i*ldc:i*ldc+n])
		}
	}
}

// gemmNTNormsAVX512 is gemmNTNormsGeneric reading each row of A once for
// n ≤ 3: the fourth product of dots4pAVX512 is the row with itself.
func gemmNTNormsAVX512(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int, nrm []float64) {
	if n > 3 || k == 0 {
		gemmNTNormsGeneric(m, n, k, a, lda, b, ldb, c, ldc, nrm)
		return
	}
	var p [4]*float64
	if n > 0 {
		_ = b[(n-1)*ldb+k-1]
		for j := range 3 {
			p[j] = &b[min(j, n-1)*ldb]
		}
	}
	var s [4]float64
	for i := range m {
		row := a[i*lda : i*lda+k]
		if n == 0 {
			p[0], p[1], p[2] = &row[0], &row[0], &row[0]
		}
		p[3] = &row[0]
		dots4pAVX512(k, &p, &row[0], &s)
		if n > 0 {
			copy(c[i*ldc:i*ldc+n], s[:n])
		}
		nrm[i] = s[3]
	}
}
