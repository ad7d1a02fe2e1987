package lowrank

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/linstream/linstream/internal/kernel"
	"github.com/linstream/linstream/stream"
)

// NormalFormFactors computes the rank-r normal form of a score matrix given
// as a dot-product chart S = P·Rᵀ — P m×h (queries), R n×h (keys), both
// row-major — without forming S: O((m+n)·h²) time and memory instead of
// O(m·n·min(m,n)). With p̄ and r̄ the column means of P and R,
//
//	μ = p̄·r̄,  a_i = p_i·r̄ − μ,  b_j = p̄·r_j − μ,
//	I = (P − 1p̄ᵀ)(R − 1r̄ᵀ)ᵀ = Q₁T₁ (Q₂T₂)ᵀ,  T₁T₂ᵀ = Ũ Σ Ṽᵀ,  U = Q₁Ũ, V = Q₂Ṽ
//
// (thin QR factors by classical Gram–Schmidt twice, the h×h SVD by gonum).
// The result is the same as NormalForm on S (up to rounding) and depends on
// the chart only through S: replacing (P, R) by (P·M, R·M⁻ᵀ) for any
// invertible M — in particular flipping the signs of matching columns —
// gives the same output. When h ≥ min(m, n) it forms S and calls
// NormalForm. Masks are not supported here (an error wrapping
// ErrInvalidOption); WithGapTol applies.
//
// It panics if r < 1, m < 1, n < 1, h < 1 or the slices do not match their
// shapes; non-finite entries return an error wrapping stream.ErrNonFinite.
func NormalFormFactors(p []float64, m int, q []float64, n, h, r int, opts ...Option) (*NormalFormResult, error) {
	if r < 1 || m < 1 || n < 1 || h < 1 || len(p) != m*h || len(q) != n*h {
		panic(fmt.Sprintf("lowrank: NormalFormFactors of P %d values (%d×%d), R %d values (%d×%d), rank %d", len(p), m, h, len(q), n, h, r))
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if cfg.mask != nil {
		return nil, invalid("NormalFormFactors does not take a mask")
	}
	if err := stream.CheckFinite(p, h, 0); err != nil {
		return nil, fmt.Errorf("lowrank: factor P: %w", err)
	}
	if err := stream.CheckFinite(q, h, 0); err != nil {
		return nil, fmt.Errorf("lowrank: factor R: %w", err)
	}
	if h >= min(m, n) {
		s := make([]float64, m*n)
		kernel.GemmNT(m, n, h, 1, p, h, q, h, 0, s, n)
		return NormalForm(s, m, n, r, opts...)
	}
	pbar, pc := centreCols(p, m, h)
	qbar, qc := centreCols(q, n, h)
	mu := kernel.Dot(pbar, qbar)
	nf := &NormalFormResult{Rows: m, Cols: n, Mu: mu, RowField: make([]float64, m), ColField: make([]float64, n),
		GapTol: cfg.gapTol, Method: MethodSVD}
	kernel.Gemv(m, h, 1, p, h, qbar, 0, nf.RowField)
	kernel.Gemv(n, h, 1, q, h, pbar, 0, nf.ColField)
	for i := range nf.RowField {
		nf.RowField[i] -= mu
	}
	for j := range nf.ColField {
		nf.ColField[j] -= mu
	}
	// Thin QR of the centred factors: Q₁ᵀ (h×m) and T₁ = Q₁ᵀ·P_c (h×h).
	rng := newRand(cfg.seed)
	q1t, t1 := thinQR(pc, m, h, rng)
	q2t, t2 := thinQR(qc, n, h, rng)
	core := make([]float64, h*h)
	kernel.GemmNT(h, h, h, 1, t1, h, t2, h, 0, core, h)
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(h, h, core), mat.SVDThin) {
		return nil, fmt.Errorf("%w: SVD of the %d×%d core failed", ErrNoConvergence, h, h)
	}
	s := svd.Values(nil)
	var cu, cv mat.Dense
	svd.UTo(&cu)
	svd.VTo(&cv)
	r = min(r, min(m, n))
	k := 0
	if s[0] > 0 {
		cut := float64(max(m, n)) * eps * s[0]
		for k < min(r, h) && s[k] > cut {
			k++
		}
	}
	var energy, tail float64
	for i := h - 1; i >= 0; i-- {
		energy += s[i] * s[i]
		if i >= k {
			tail += s[i] * s[i]
		}
	}
	nf.InteractionEnergy, nf.TailEnergy = energy, tail
	nf.Rank, nf.Sigma = k, append([]float64(nil), s[:k]...)
	// U = Q₁·Ũ_k (m×k), V = Q₂·Ṽ_k (n×k).
	uk := make([]float64, h*k)
	vk := make([]float64, h*k)
	for i := range h {
		for j := range k {
			uk[i*k+j] = cu.At(i, j)
			vk[i*k+j] = cv.At(i, j)
		}
	}
	u := make([]float64, m*k)
	v := make([]float64, n*k)
	if k > 0 {
		kernel.GemmTN(m, k, h, 1, q1t, m, uk, k, 0, u, k)
		kernel.GemmTN(n, k, h, 1, q2t, n, vk, k, 0, v, k)
	}
	CanonicalSigns(u, m, v, n, k)
	for j := range k {
		hs := math.Sqrt(s[j])
		for i := range m {
			u[i*k+j] *= hs
		}
		for i := range n {
			v[i*k+j] *= hs
		}
	}
	nf.Q, nf.K = u, v
	if k == r && r < h && s[r] > float64(max(m, n))*eps*s[0] {
		nf.NextSigma = s[r]
	}
	switch {
	case k < r || k == 0:
		nf.Unique = true
		if k > 0 {
			nf.Gap = s[k-1]
		}
	default:
		nf.Gap = s[r-1] - nf.NextSigma
		nf.Unique = nf.Gap > cfg.gapTol*s[0]
	}
	return nf, nil
}

// centreCols returns the column means of the rows×h matrix x and x with
// them subtracted.
func centreCols(x []float64, rows, h int) (mean, centred []float64) {
	mean = make([]float64, h)
	for i := range rows {
		kernel.Axpy(1, x[i*h:(i+1)*h], mean)
	}
	kernel.Scal(1/float64(rows), mean)
	centred = append([]float64(nil), x...)
	for i := range rows {
		kernel.Axpy(-1, mean, centred[i*h:(i+1)*h])
	}
	return mean, centred
}

// thinQR factors the rows×h matrix x (h < rows) as Q·T with Q orthonormal
// columns, returning Qᵀ (h×rows) and T = Qᵀx (h×h). A rank-deficient x gets
// random completing columns in Q, so Q·T = x still holds.
func thinQR(x []float64, rows, h int, rng *rand.Rand) (qt, t []float64) {
	qt = make([]float64, h*rows)
	for i := range rows {
		for j := range h {
			qt[j*rows+i] = x[i*h+j]
		}
	}
	orthoRows(qt, h, rows, make([]float64, h), rng)
	t = make([]float64, h*h)
	kernel.GemmNN(h, h, rows, 1, qt, rows, x, h, 0, t, h)
	return qt, t
}
