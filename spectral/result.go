package spectral

import (
	"fmt"
	"math"

	"github.com/linstream/linstream/internal/kernel"
)

// Result is an estimate of the top eigenpair of AᵀA with its evidence.
// Fields that a method cannot provide are NaN (floats) or zero.
type Result struct {
	// Method names the estimator: "randorder", "oja", "oja-grid", "power",
	// "lanczos", "power-gram" or "lanczos-gram".
	Method string
	// Vector is the unit estimate of v₁, sign canonical: its
	// largest-magnitude entry is positive (ties: the smallest index). It is
	// nil when no rows were seen. The slice belongs to the Result.
	Vector []float64
	// Value estimates λ₁ = σ₁². For the multi-pass methods it is the
	// Rayleigh quotient vᵀAᵀAv, exact up to rounding. For the one-pass
	// methods it is an unbiased-in-expectation estimate from rows the
	// iterate had not yet used; each estimator's doc says which.
	Value float64
	// Rows is the number of rows seen (per pass for the multi-pass methods).
	Rows int64
	// Passes over the data (1 for the one-pass estimators; the Gram
	// variants count applications of the Gram matrix).
	Passes int
	// HeavyRows is the number of rows stored exactly (RandomOrder only).
	HeavyRows int
	// HeavyEvicted counts rows that were heavy on arrival but were moved to
	// the light path because the heavy buffer was full (RandomOrder,
	// WithMaxHeavy). Zero means every heavy row was kept.
	HeavyEvicted int64
	// StateFloats is the number of float64 values of state the estimator
	// holds (iterates, scratch, heavy rows, Krylov basis), excluding the
	// caller's read buffer.
	StateFloats int
	// Residual is ‖AᵀAv − Value·v‖ (multi-pass methods): a certificate, since
	// some eigenvalue of AᵀA lies within Residual of Value. NaN for the
	// one-pass estimators.
	Residual float64
	// SinBound is Residual/(Value − λ̂₂), the Davis–Kahan bound on
	// sin θ(v, v₁) with the gap estimated by the method's second Ritz value
	// λ̂₂ (Lanczos) — an estimate, since λ̂₂ ≤ λ₂ can make the gap look wider
	// than it is. NaN when unknown.
	SinBound float64
	// Converged reports that a multi-pass method reached its tolerance
	// (Residual ≤ tol·Value) within its pass budget.
	Converged bool
	// Gap estimates the spectral ratio λ₁/λ₂ as seen by the method (see each
	// estimator). NaN when unknown; +Inf when the second estimate is zero.
	Gap float64
	// Stability is ⟨v_prev, v⟩² for an earlier iterate v_prev named by each
	// one-pass estimator: 1 means the estimate has stopped moving. NaN for
	// the multi-pass methods.
	Stability float64
	// Confident is the method's verdict on its own answer. For one-pass
	// estimators: Gap ≥ MinGap and Stability ≥ MinStability (defaults
	// DefaultMinGap, DefaultMinStability; WithConfidence changes them).
	// For multi-pass methods: Converged.
	Confident bool
	// Assumes states the precondition under which the estimate carries its
	// guarantee, e.g. "rows in uniformly random order"; "" when none.
	Assumes string
}

// Defaults of the one-pass confidence rule.
const (
	// DefaultMinGap: below an estimated λ₁/λ₂ of 2 a one-pass estimate is
	// never reported as confident.
	DefaultMinGap = 2.0
	// DefaultMinStability: the iterates compared must agree to
	// ⟨v_prev, v⟩² ≥ 0.95.
	DefaultMinStability = 0.95
)

// String summarises the Result on one line.
func (r Result) String() string {
	return fmt.Sprintf("%s: λ₁≈%.6g rows=%d heavy=%d state=%d floats confident=%v",
		r.Method, r.Value, r.Rows, r.HeavyRows, r.StateFloats, r.Confident)
}

// Correlation returns ⟨u, v⟩²/(‖u‖²‖v‖²), the squared cosine of the angle
// between u and v (1 − Correlation = sin²θ), which does not depend on signs.
// It returns 0 if either vector is zero, and panics if the lengths differ.
func Correlation(u, v []float64) float64 {
	if len(u) != len(v) {
		panic("spectral: Correlation of vectors of different lengths")
	}
	uu, vv := kernel.Dot(u, u), kernel.Dot(v, v)
	if uu == 0 || vv == 0 {
		return 0
	}
	c := kernel.Dot(u, v)
	return math.Min(1, c*c/uu/vv)
}

// Canonicalize scales v to unit length and flips its sign so that its
// largest-magnitude entry is positive (ties: the smallest index). A zero
// vector is left unchanged. It does not allocate.
func Canonicalize(v []float64) {
	nrm := kernel.Nrm2(v)
	if nrm == 0 || math.IsNaN(nrm) || math.IsInf(nrm, 0) {
		return
	}
	best, arg := -1.0, 0
	for i, x := range v {
		if a := math.Abs(x); a > best {
			best, arg = a, i
		}
	}
	if v[arg] < 0 {
		nrm = -nrm
	}
	unitTo(v, v, nrm)
}

// unitTo sets dst = src/n (n the norm of src, non-zero and finite), safely
// when 1/n would overflow (a subnormal norm). dst may alias src.
func unitTo(dst, src []float64, n float64) {
	if inv := 1 / n; !math.IsInf(inv, 0) {
		kernel.AxpBy(inv, src, 0, dst)
		return
	}
	for i, v := range src {
		dst[i] = v / n
	}
}

// confident applies the one-pass rule.
func (c *config) confident(gap, stab float64) bool {
	return gap >= c.minGap && stab >= c.minStab
}

// sym2Eig returns the eigenvalues hi ≥ lo of the symmetric 2×2 matrix
// [a b; b c].
func sym2Eig(a, b, c float64) (hi, lo float64) {
	m := (a + c) / 2
	r := math.Hypot((a-c)/2, b)
	return m + r, m - r
}

// ratio returns hi/lo as a gap estimate: +Inf when lo ≤ 0 < hi, NaN when
// hi ≤ 0.
func ratio(hi, lo float64) float64 {
	switch {
	case hi <= 0 || math.IsNaN(hi) || math.IsNaN(lo):
		return math.NaN()
	case lo <= 0:
		return math.Inf(1)
	}
	return hi / lo
}
