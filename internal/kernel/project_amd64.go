//go:build amd64 && !purego

package kernel

// projectUpdate3AVX512 is projectUpdateGeneric for k = 3 with both halves:
// out[r] = ⟨x, b[r]⟩ for r < 3, out[3] = ‖x‖², and c[r] += s[r]·y for r <
// m (m is 2 or 3), in one loop over the n ≥ 1 columns; in each column block
// b is loaded before c is stored. The caller guarantees the lengths.
//
//go:noescape
func projectUpdate3AVX512(n int, x *float64, b *[3]*float64, y *float64, s *[3]float64, c *[3]*float64, m int, out *[4]float64)

// projectUpdateAVX512 is projectUpdateGeneric: the fused loop when both
// halves are present, k = 3 and m ≥ 2; the thin projection and Axpy
// otherwise.
func projectUpdateAVX512(n, k, m int, x, b []float64, ldb int, p, y, s, c []float64, ldc int) {
	if k == 3 && m >= 2 && x != nil && y != nil {
		_, _, _, _, _ = x[n-1], y[n-1], p[3], b[2*ldb+n-1], c[(m-1)*ldc+n-1] // the kernel's reach
		bp := [3]*float64{&b[0], &b[ldb], &b[2*ldb]}
		cp := [3]*float64{&c[0], &c[ldc], &c[0]}
		ss := [3]float64{s[0], s[1], 0}
		if m == 3 {
			cp[2], ss[2] = &c[2*ldc], s[2]
		}
		projectUpdate3AVX512(n, &x[0], &bp, &y[0], &ss, &cp, m, (*[4]float64)(p[:4]))
		return
	}
	if x != nil {
		gemmNTNormsAVX512(1, k, n, x, n, b, ldb, p, k, p[k:k+1])
	}
	if y != nil {
		for i := range m {
			axpyAVX512(s[i], y[:n], c[i*ldc:i*ldc+n])
		}
	}
}
