package lowrank

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/linstream/linstream/sketch"
	"github.com/linstream/linstream/stream"
)

// FromSketch reads a rank-r truncation off a Frequent Directions sketch B of
// the stream A (one pass, O(ℓ·d) memory, already paid by the sketch). With
// σ̂_i = σ_i(B), V̂ the right singular vectors of B, and the sketch's bound
// 0 ≼ AᵀA − BᵀB ≼ Δ·I (Δ = fd.Delta()):
//
//	σ̂_i ≤ σ_i(A) ≤ √(σ̂_i² + Δ)                               (Weyl)
//	‖A − A V̂_r V̂_rᵀ‖²_F ≤ ‖A‖²_F − Σ_{i≤r} σ̂_i²  = TailEnergy  (an upper bound)
//	Σ_{i>r} σ_i(A)² ≥ max(TailEnergy − r·Δ, Σ_{i>r} σ̂_i²) = TailLower
//
// and, from the FD guarantee, ‖A − π_{B_r}(A)‖²_F ≤ (1 + r/(ℓ−r))·Σ_{i>r}σ_i(A)²
// for r < ℓ. Sigma holds the lower bounds σ̂_i and Delta the sketch's Δ; U
// is not available (the sign rule is applied to V). Unique is reported only
// when it is certain: σ̂_r − √(σ̂_{r+1}² + Δ) > GapTol·σ̂_1.
//
// Options: WithGapTol; others are ignored. The sketch is not changed. It
// returns an error wrapping stream.ErrEmpty if the sketch has seen no rows
// and ErrNoConvergence if the small dense SVD fails. It panics if r < 1 or
// fd is nil.
func FromSketch(fd *sketch.FrequentDirections, r int, opts ...Option) (*Result, error) {
	if r < 1 || fd == nil {
		panic(fmt.Sprintf("lowrank: FromSketch at rank %d", r))
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if fd.Seen() == 0 {
		return nil, fmt.Errorf("lowrank: truncation from an FD sketch: %w", stream.ErrEmpty)
	}
	d, l := fd.Cols(), fd.Len()
	delta, frob := fd.Delta(), fd.Frobenius2()
	res := &Result{
		Rows: fd.Seen(), Cols: d, FrobSq: frob, GapTol: cfg.gapTol, Delta: delta,
		Method: MethodSketch, SignsFrom: 'V', Passes: 1, Converged: true,
		Angle: math.Inf(1),
	}
	var s []float64
	var vv mat.Dense
	if l > 0 {
		var svd mat.SVD
		if !svd.Factorize(mat.NewDense(l, d, fd.Sketch(nil)), mat.SVDThin) {
			return nil, fmt.Errorf("%w: SVD of the %d×%d sketch failed", ErrNoConvergence, l, d)
		}
		s = svd.Values(nil)
		svd.VTo(&vv)
	}
	k := 0
	if len(s) > 0 {
		cut := float64(max(l, d)) * eps * s[0]
		for k < min(r, len(s)) && s[k] > cut {
			k++
		}
	}
	res.Rank = k
	res.Sigma = append([]float64(nil), s[:k]...)
	res.V = make([]float64, d*k)
	for i := range d {
		for j := range k {
			res.V[i*k+j] = vv.At(i, j)
		}
	}
	var captured, rest float64
	for i := range k {
		captured += s[i] * s[i]
	}
	for i := len(s) - 1; i >= k; i-- {
		rest += s[i] * s[i]
	}
	res.TailEnergy = max(frob-captured, 0)
	res.TailLower = min(max(res.TailEnergy-float64(r)*delta, rest, 0), res.TailEnergy)
	var next float64
	if k < len(s) {
		next = s[k]
	}
	if k == r {
		res.NextSigma = next
	}
	upperNext := math.Sqrt(next*next + delta)
	switch {
	case k == 0:
		res.Unique = delta == 0 // A = 0 exactly when nothing was shrunk away
	case k < r:
		// B has rank < r: A_r = A only if nothing was shrunk away.
		res.Gap = res.Sigma[k-1]
		res.Unique = delta == 0
	default:
		res.Gap = res.Sigma[r-1] - next
		res.Unique = res.Sigma[r-1]-upperNext > cfg.gapTol*res.Sigma[0]
	}
	CanonicalSigns(nil, 0, res.V, d, k)
	return res, nil
}
