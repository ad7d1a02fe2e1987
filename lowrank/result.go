package lowrank

import (
	"fmt"
	"math"
)

// Result is a rank-r truncation A_r = U Σ Vᵀ with the evidence of its
// quality. All slices are owned by the Result.
type Result struct {
	Rows int64 // n, rows of A
	Cols int   // d, columns of A
	// Rank is len(Sigma): the requested r, capped at min(n, d) and at the
	// numerical rank (singular values at or below the route's resolution
	// — n·ε·σ_1 for the SVD route, √(d·ε)·σ_1 for the others — are not
	// returned, since their vectors would be arbitrary).
	Rank int
	// Sigma holds σ_1 ≥ … ≥ σ_Rank.
	Sigma []float64
	// U is Rows×Rank row-major (column i is u_i), or nil when the route did
	// not compute it (streaming routes without WithU, the sketch route).
	U []float64
	// V is Cols×Rank row-major (column i is v_i).
	V []float64
	// FrobSq is ‖A‖²_F.
	FrobSq float64
	// TailEnergy is the squared Frobenius error of the returned
	// approximation, ‖A − A V Vᵀ‖²_F = ‖A‖²_F − Σ_{i≤Rank} σ_i². On the SVD
	// route it is computed as Σ_{i>Rank} σ_i² (no cancellation); on the
	// others as the difference, with absolute rounding error about
	// d·ε·‖A‖²_F. On the sketch route, where ‖A V‖ is not observed, it is an
	// upper bound. It is never below the optimum Σ_{i>r} σ_i².
	TailEnergy float64
	// TailLower is a lower bound on the optimal tail Σ_{i>r} σ_i² (equal to
	// TailEnergy on the SVD route). Iterative routes use the Ritz values
	// beyond r, which interlace below the true ones; the sketch route uses
	// its Δ. The optimum lies in [TailLower, TailEnergy].
	TailLower float64
	// NextSigma is σ_{r+1}: exact on the SVD route, a Ritz estimate
	// (never above the true value) on the iterative routes, 0 when r ≥
	// min(n, d) or A has rank ≤ r.
	NextSigma float64
	// Gap is σ_r − σ_{r+1} (with the estimates above).
	Gap float64
	// GapTol is the relative tolerance used for Unique.
	GapTol float64
	// Unique reports whether A_r is the unique best rank-r approximation in
	// the Frobenius norm: A has rank ≤ r, or σ_r − σ_{r+1} > GapTol·σ_1 +
	// the uncertainty of the two estimates (zero on the SVD route; on the
	// iterative routes min(ρ/σ̃, √ρ) per value, ρ its Ritz residual).
	Unique bool
	// Method is the route that was taken.
	Method Method
	// SignsFrom is 'U' when the sign rule was applied to U and 'V' when U
	// was not available and it was applied to V.
	SignsFrom byte
	// Passes counts passes over the data: 1 for the SVD, Gram and sketch
	// routes, q+1 for the randomized one, and one more when U was computed
	// by the iterative routes (Truncate always does, except on block Krylov
	// in memory with a basis of at most a quarter of A's columns; streams
	// with WithU).
	Passes int
	// Iterations counts subspace iterations, or Rayleigh–Ritz extractions
	// of block Krylov (0 on the SVD route).
	Iterations int
	// Residual is max_{i≤Rank} ‖AᵀA v_i − σ_i² v_i‖ / σ_1² on the iterative
	// routes (0 on the SVD route).
	Residual float64
	// Angle estimates the sine of the largest principal angle between span V
	// and the true top-r right singular subspace — what the entries of
	// A_r = A V Vᵀ depend on — by the Davis–Kahan sinΘ theorem from the Ritz
	// residuals and the gap σ_r² − σ_{r+1}² on the iterative routes (an
	// estimate: σ_{r+1} is itself estimated). It is 0 on the SVD route and
	// when A has rank < r, and +Inf when σ_{r+1} is not known (no
	// oversampling, the sketch route) or the estimated gap is not positive.
	Angle float64
	// Converged is false when the Gram route hit its iteration cap before
	// its tolerance, or the randomized route's residual schedule (used for
	// principal weights) its pass cap; the result is still the best of the
	// last subspace (see Residual). Fixed and error-driven randomized
	// schedules report true.
	Converged bool
	// Delta is the sketch route's bound ‖AᵀA − BᵀB‖₂ ≤ Delta (0 otherwise):
	// each σ_i² lies in [σ̂_i², σ̂_i² + Delta].
	Delta float64
}

// FrobError returns the Frobenius error ‖A − A_r‖_F of the returned
// approximation, √TailEnergy.
func (r *Result) FrobError() float64 { return math.Sqrt(max(r.TailEnergy, 0)) }

// StableRank returns ‖A‖²_F / ‖A‖²₂ = FrobSq/σ_1² (0 for a zero matrix).
// On the sketch route σ_1 is a lower bound, so this is an upper bound.
func (r *Result) StableRank() float64 {
	if r.Rank == 0 || r.Sigma[0] == 0 {
		return 0
	}
	return r.FrobSq / (r.Sigma[0] * r.Sigma[0])
}

// Reconstruct writes A_r = U Σ Vᵀ into dst (Rows×Cols row-major), allocating
// when dst is nil, and returns it. It panics if U was not computed or dst
// has the wrong length.
func (r *Result) Reconstruct(dst []float64) []float64 {
	if r.U == nil && r.Rank > 0 {
		panic("lowrank: Reconstruct without U (use WithU or A·V·Vᵀ)")
	}
	n, d, k := int(r.Rows), r.Cols, r.Rank
	if dst == nil {
		dst = make([]float64, n*d)
	}
	if len(dst) != n*d {
		panic(fmt.Sprintf("lowrank: Reconstruct into %d values, want %d×%d", len(dst), n, d))
	}
	clear(dst)
	us := make([]float64, k)
	for i := range n {
		row := dst[i*d : (i+1)*d]
		for j := range k {
			us[j] = r.U[i*k+j] * r.Sigma[j]
		}
		for c := range d {
			var s float64
			vr := r.V[c*k : (c+1)*k]
			for j, x := range us {
				s += x * vr[j]
			}
			row[c] = s
		}
	}
	return dst
}

// signTieTol is the relative tolerance under which two magnitudes count as
// tied in the sign rule.
const signTieTol = 1e-12

// CanonicalSigns fixes the sign gauge of r singular pairs in place: u is m×r
// and v is n×r, row-major (column i holds the i-th vector). For each i it
// finds the entry of u_i of largest magnitude — the smallest index among
// those within a relative 1e-12 of the largest — and negates both u_i and
// v_i if that entry is negative. If u is nil the rule is applied to v_i
// (and v alone is flipped). A zero vector is left as it is. Applying it
// twice changes nothing, and flipping any input pairs first gives the same
// output. It panics if the slices do not match their shapes.
func CanonicalSigns(u []float64, m int, v []float64, n int, r int) {
	if r < 0 || m < 0 || n < 0 || (u != nil && len(u) != m*r) || (v != nil && len(v) != n*r) {
		panic(fmt.Sprintf("lowrank: CanonicalSigns shapes u %d (m=%d) v %d (n=%d) r=%d", len(u), m, len(v), n, r))
	}
	for i := range r {
		var neg bool
		if u != nil {
			neg = pivotNegative(u, m, r, i)
		} else {
			neg = pivotNegative(v, n, r, i)
		}
		if !neg {
			continue
		}
		for j := range m {
			if u != nil {
				u[j*r+i] = -u[j*r+i]
			}
		}
		for j := range n {
			if v != nil {
				v[j*r+i] = -v[j*r+i]
			}
		}
	}
}

// pivotNegative reports whether column i of the rows×r matrix x has its
// sign-deciding entry negative.
func pivotNegative(x []float64, rows, r, i int) bool {
	var big float64
	for j := range rows {
		big = max(big, math.Abs(x[j*r+i]))
	}
	if big == 0 {
		return false
	}
	lim := big * (1 - signTieTol)
	for j := range rows {
		if v := x[j*r+i]; math.Abs(v) >= lim {
			return v < 0
		}
	}
	return false
}
