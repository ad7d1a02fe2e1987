package kernel

// GemmNTNorms computes C = A·Bᵀ with A m×k, B n×k and C m×n, all
// row-major (C is overwritten, as GemmNT with alpha = 1, beta = 0), and
// sets nrm[i] = Σ_l A[i][l]², the squared norm of row i of A, for i < m.
// It is the projection pass of a streaming method with a thin iterate (n ≤
// 3): the AVX-512 body reads each row of A once for all n products and its
// norm. Each entry of C and of nrm obeys the package's rounding bound with
// k terms. It does not allocate. It panics if a dimension is negative, a
// leading dimension is smaller than its row, or a slice (nrm included) is
// too short.
func GemmNTNorms(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int, nrm []float64) {
	checkMat(m, k, a, lda)
	checkMat(n, k, b, ldb)
	checkMat(m, n, c, ldc)
	if len(nrm) < m {
		panic("kernel: norm slice too short")
	}
	if m == 0 {
		return
	}
	gemmNTNorms(m, n, k, a, lda, b, ldb, c, ldc, nrm)
}

func gemmNTNormsGeneric(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int, nrm []float64) {
	if n > 0 {
		gemmNT(m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
	}
	for i := range m {
		row := a[i*lda : i*lda+k]
		nrm[i] = dot(row, row)
	}
}
