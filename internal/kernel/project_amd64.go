//go:build amd64 && !purego

package kernel

// projectUpdate3AVX512 computes, in one loop over the n ≥ 1 columns,
// out[r] = ⟨x, b[r]⟩ for r < 3, out[3] = ‖x‖², out[4] = ⟨x, y⟩, and
// c[r] += s[r]·y for r < m (m is 2 or 3); in each column block b is loaded
// before c is stored. The caller guarantees the lengths.
//
//go:noescape
func projectUpdate3AVX512(n int, x *float64, b *[3]*float64, y *float64, s *[3]float64, c *[3]*float64, m int, out *[5]float64)

// projectUpdateAVX512 is projectUpdateGeneric: the fused loop when both
// halves are present, 2 ≤ k, m ≤ 3 (for k = 2 the loop's third product
// repeats the first and is dropped); the thin projection and Axpy
// otherwise.
func projectUpdateAVX512(n, k, m int, x, b []float64, ldb int, p, y, s, c []float64, ldc int) {
	if k >= 2 && m >= 2 && x != nil && y != nil {
		_, _, _, _, _ = x[n-1], y[n-1], p[k+1], b[(k-1)*ldb+n-1], c[(m-1)*ldc+n-1] // the kernel's reach
		bp := [3]*float64{&b[0], &b[ldb], &b[0]}
		cp := [3]*float64{&c[0], &c[ldc], &c[0]}
		ss := [3]float64{s[0], s[1], 0}
		if k == 3 {
			bp[2] = &b[2*ldb]
		}
		if m == 3 {
			cp[2], ss[2] = &c[2*ldc], s[2]
		}
		var out [5]float64
		projectUpdate3AVX512(n, &x[0], &bp, &y[0], &ss, &cp, m, &out)
		copy(p[:k], out[:k])
		p[k], p[k+1] = out[3], out[4]
		return
	}
	if x != nil {
		gemmNTNormsAVX512(1, k, n, x, n, b, ldb, p, k, p[k:k+1])
		if y != nil {
			p[k+1] = dotAVX512(x[:n], y[:n])
		}
	}
	if y != nil {
		for i := range m {
			axpyAVX512(s[i], y[:n], c[i*ldc:i*ldc+n])
		}
	}
}
