package kernel

// Gemv computes y = alpha·A·x + beta·y for the m×n row-major matrix A with
// leading dimension lda; len(x) must be n and len(y) m. With beta == 0, y is
// overwritten (NaNs in y do not propagate). Each y[i] obeys the package's
// rounding bound with k = n.
func Gemv(m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	checkMat(m, n, a, lda)
	if len(x) != n || len(y) != m {
		panic(errLen)
	}
	if m == 0 {
		return
	}
	gemv(m, n, alpha, a, lda, x, beta, y)
}

// GemvT computes y = alpha·Aᵀ·x + beta·y for the m×n row-major matrix A with
// leading dimension lda; len(x) must be m and len(y) n. With beta == 0, y is
// overwritten. Each y[j] obeys the package's rounding bound with k = m.
func GemvT(m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	checkMat(m, n, a, lda)
	if len(x) != m || len(y) != n {
		panic(errLen)
	}
	if n == 0 {
		return
	}
	gemvT(m, n, alpha, a, lda, x, beta, y)
}

func gemvGeneric(m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	gemvRows(m, n, alpha, a, lda, x, beta, y, dot)
}

// gemvRows is gemvGeneric with the dot product given: the assembly
// drivers finish the rows their four-row kernels leave with it.
func gemvRows(m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64, dot func(x, y []float64) float64) {
	for i := range m {
		s := alpha * dot(a[i*lda:i*lda+n], x)
		if beta == 0 {
			y[i] = s
		} else {
			y[i] = s + beta*y[i]
		}
	}
}

// storeGemv4 sets y[r] = alpha·s[r] + beta·y[r] for the four dot products of
// a four-row kernel (y is overwritten when beta == 0).
func storeGemv4(y *[4]float64, s *[4]float64, alpha, beta float64) {
	for r, v := range s {
		if beta == 0 {
			y[r] = alpha * v
		} else {
			y[r] = alpha*v + beta*y[r]
		}
	}
}

func gemvTGeneric(m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	switch beta {
	case 0:
		clear(y)
	case 1:
	default:
		scal(beta, y)
	}
	for i := range m {
		axpy(alpha*x[i], a[i*lda:i*lda+n], y)
	}
}

// checkMat panics unless a can hold an m×n row-major matrix with leading
// dimension lda.
func checkMat(m, n int, a []float64, lda int) {
	switch {
	case m < 0 || n < 0:
		panic("kernel: negative dimension")
	case lda < max(n, 1):
		panic("kernel: leading dimension smaller than the row length")
	case m > 0 && len(a) < (m-1)*lda+n:
		panic("kernel: matrix slice too short")
	}
}
