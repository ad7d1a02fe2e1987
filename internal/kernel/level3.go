package kernel

// GramUpdate computes C += alpha·AᵀA for the b×d row-major block A (leading
// dimension lda), updating only the upper triangle (j ≥ i) of the d×d
// row-major C (leading dimension ldc). The strict lower triangle of C is
// neither read nor written. Each entry obeys the package's rounding bound
// with k = b and β = 1; alpha == 0 leaves C unchanged.
func GramUpdate(b, d int, alpha float64, a []float64, lda int, c []float64, ldc int) {
	checkMat(b, d, a, lda)
	checkMat(d, d, c, ldc)
	if b == 0 || d == 0 || alpha == 0 {
		return
	}
	gramUpdate(b, d, alpha, a, lda, c, ldc)
}

// SymmetrizeUpper copies the upper triangle of the n×n row-major C into its
// lower triangle.
func SymmetrizeUpper(n int, c []float64, ldc int) {
	checkMat(n, n, c, ldc)
	for i := 1; i < n; i++ {
		for j := range i {
			c[i*ldc+j] = c[j*ldc+i]
		}
	}
}

// GemmNN computes C = alpha·A·B + beta·C with A m×k, B k×n and C m×n, all
// row-major with leading dimensions lda, ldb, ldc. With beta == 0, C is
// overwritten. Each entry obeys the package's rounding bound.
func GemmNN(m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	checkMat(m, k, a, lda)
	checkMat(k, n, b, ldb)
	checkMat(m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	gemmNN(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// GemmNT computes C = alpha·A·Bᵀ + beta·C with A m×k, B n×k and C m×n, all
// row-major. This is the form that applies a k×d panel B to a b×d block A.
// With beta == 0, C is overwritten. Each entry obeys the package's rounding
// bound.
func GemmNT(m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	checkMat(m, k, a, lda)
	checkMat(n, k, b, ldb)
	checkMat(m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	gemmNT(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// GemmTN computes C = alpha·Aᵀ·B + beta·C with A k×m, B k×n and C m×n, all
// row-major. This is the form that accumulates a panel from a row block.
// With beta == 0, C is overwritten. Each entry obeys the package's rounding
// bound.
func GemmTN(m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	checkMat(k, m, a, lda)
	checkMat(k, n, b, ldb)
	checkMat(m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	gemmTN(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// scaleC applies beta to the m×n matrix C (beta == 0 overwrites with zeros).
func scaleC(m, n int, beta float64, c []float64, ldc int) {
	if beta == 1 {
		return
	}
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
		} else {
			scal(beta, row)
		}
	}
}

func gramUpdateGeneric(b, d int, alpha float64, a []float64, lda int, c []float64, ldc int) {
	for r := range b {
		row := a[r*lda : r*lda+d]
		for i, v := range row {
			axpy(alpha*v, row[i:], c[i*ldc+i:i*ldc+d])
		}
	}
}

func gemmNNGeneric(m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	scaleC(m, n, beta, c, ldc)
	for i := range m {
		crow := c[i*ldc : i*ldc+n]
		for l, v := range a[i*lda : i*lda+k] {
			axpy(alpha*v, b[l*ldb:l*ldb+n], crow)
		}
	}
}

func gemmNTGeneric(m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	for i := range m {
		arow := a[i*lda : i*lda+k]
		crow := c[i*ldc : i*ldc+n]
		for j := range n {
			s := alpha * dot(arow, b[j*ldb:j*ldb+k])
			if beta == 0 {
				crow[j] = s
			} else {
				crow[j] = s + beta*crow[j]
			}
		}
	}
}

func gemmTNGeneric(m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	scaleC(m, n, beta, c, ldc)
	for l := range k {
		brow := b[l*ldb : l*ldb+n]
		for i, v := range a[l*lda : l*lda+m] {
			axpy(alpha*v, brow, c[i*ldc:i*ldc+n])
		}
	}
}
