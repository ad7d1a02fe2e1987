package kernel

// ProjectUpdate is one step of a pipelined thin pass over a stream of rows:
// the projection of the row arriving, x, and the update by the row before
// it, y, share one loop, so that the update's arithmetic runs while x is
// still on its way from memory.
//
// With B a k×n block (row-major, leading dimension ldb) it sets
//
//	p[i] = Σ_j x[j]·B[i][j]   for i < k,   p[k] = Σ_j x[j]²,
//	p[k+1] = Σ_j x[j]·y[j]    (when y is not nil)
//
// and, with C an m×n block (leading dimension ldc), adds
//
//	C[i][j] += s[i]·y[j]       for i < m, j < n.
//
// k and m are at most 3. A nil x skips the projection (p is not touched), a
// nil y the update and p[k+1]. p[i] obeys the package's rounding bound with n terms,
// each C[i][j] with one. C may be the first m rows of B (the same memory
// and leading dimension: every entry of B is read before it is updated, so
// p uses the old values); otherwise C must not overlap x, y, B or p. It
// does not allocate. It panics if k or m is not in [0, 3], n is negative,
// or a slice is too short for its part.
func ProjectUpdate(n, k, m int, x, b []float64, ldb int, p, y, s, c []float64, ldc int) {
	if k < 0 || k > 3 || m < 0 || m > 3 {
		panic("kernel: ProjectUpdate needs 0 ≤ k, m ≤ 3")
	}
	checkMat(k, n, b, ldb)
	checkMat(m, n, c, ldc)
	if x != nil {
		if len(x) < n {
			panic("kernel: vector slice too short")
		}
		if len(p) < k+1 || y != nil && len(p) < k+2 {
			panic("kernel: product slice too short")
		}
	}
	if y != nil {
		if len(y) < n {
			panic("kernel: vector slice too short")
		}
		if len(s) < m {
			panic("kernel: coefficient slice too short")
		}
	}
	if n == 0 {
		if x != nil {
			clear(p[:k+1])
			if y != nil {
				p[k+1] = 0
			}
		}
		return
	}
	projectUpdate(n, k, m, x, b, ldb, p, y, s, c, ldc)
}

// projectUpdateGeneric is the specification of ProjectUpdate for n ≥ 1.
func projectUpdateGeneric(n, k, m int, x, b []float64, ldb int, p, y, s, c []float64, ldc int) {
	if x != nil {
		for i := range k {
			p[i] = dotGeneric(x[:n], b[i*ldb:i*ldb+n])
		}
		p[k] = dotGeneric(x[:n], x[:n])
		if y != nil {
			p[k+1] = dotGeneric(x[:n], y[:n])
		}
	}
	if y != nil {
		for i := range m {
			axpyGeneric(s[i], y[:n], c[i*ldc:i*ldc+n])
		}
	}
}
