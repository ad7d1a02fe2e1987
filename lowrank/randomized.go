package lowrank

import (
	"fmt"
	"math"

	"github.com/linstream/linstream/internal/kernel"
	"github.com/linstream/linstream/stream"
)

// Randomized computes a rank-r truncation by randomized subspace iteration
// (Halko, Martinsson & Tropp 2011, Alg. 4.4, on AᵀA) over src: the first
// pass reads src from where it stands, every later pass rewinds it. With
// k = min(r+p, d) (p from WithOversample, default 10):
//
//	Ω ~ N(0,1)^{d×k};  Z = AᵀA Ω;  Q = orth(Z)            (pass 1)
//	repeat q times:    Z = AᵀA Q;  Q = orth(Z)            (passes 2…q+1)
//	Rayleigh–Ritz:     H = QᵀZ = W Θ Wᵀ;  V = Q W;  σ̃_i = √θ_i
//
// Each pass reads A once in blocks (WithBlockRows) and applies both A and
// Aᵀ to the panel (Y_b = A_b Q with GemmNT, Z += A_bᵀ Y_b with GemmTN), so
// the q+1 passes do the work of HMT's 2q+2 applications and reach the power
// (AᵀA)^{q+1}. The panel is re-orthonormalized after every pass (classical
// Gram–Schmidt twice). q is adaptive by default (see WithPowerIters). With
// WithU(true) one more pass computes U = A V Σ⁻¹ (rows×r memory);
// otherwise the sign rule is applied to V. Memory: O(d·k + blockRows·d).
//
// WithKrylov(true) replaces the subspace iteration by block Krylov
// iteration (see WithKrylov and krylov.go): the same passes, each block kept
// in one orthonormal basis of up to 8k vectors (16·k·d more floats), and
// Rayleigh–Ritz on the whole basis after every pass.
//
// Guarantee (HMT Thm 10.5–10.7, expectation over Ω, for p ≥ 2): the
// returned error obeys E‖A − A V Vᵀ‖_F ≤ (1 + r/(p−1))^{1/2}·(Σ_{i>r}σ_i²)^{1/2}
// already with q = 0, and power steps drive the factor towards 1 at a rate
// (σ_{k+1}/σ_r)^{2(q+1)}. The tests hold it, with the default schedule, to
// ‖A − A V Vᵀ‖_F ≤ 1.05·optimal on every one of 10 seeds and ≤ 1.01·optimal
// on at least 9 (a 300×80 matrix with σ_i = i^−1.2, r = 10). TailEnergy is
// the achieved error (exact up to rounding: ‖A‖²_F − Σσ̃_i²), TailLower a
// certified lower bound on the optimum; the optimum lies between them.
//
// It returns an error wrapping stream.ErrEmpty for an empty source,
// stream.ErrShape if the source changes length between passes,
// stream.ErrNonFinite if its sum of squares is not finite, and wraps any
// read or rewind error. It panics if r < 1.
func Randomized(src stream.Rewinder, r int, opts ...Option) (*Result, error) {
	if r < 1 {
		panic(fmt.Sprintf("lowrank: Randomized at rank %d", r))
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	rs := newReaderSource(src, cfg.blockRows)
	res, err := randomized(rs, r, cfg)
	if err != nil {
		return nil, err
	}
	return finishU(res, rs, cfg)
}

// adaptiveTol: the adaptive schedule stops when one more pass would change
// the tail by less than this fraction.
const adaptiveTol = 1e-3

// The residual schedule (principal weights, where individual entries of
// W_r matter, not just the error) runs block Krylov or Chebyshev-filtered
// subspace iteration, one pass per application of AᵀA, until subspaceDone,
// or for maxResidualPasses.
const (
	principalAngleTol = 1e-7
	principalResidTol = 1e-9
	maxResidualPasses = 30
)

// subspaceDone is the residual schedule's stopping rule for the top r Ritz
// pairs: the estimated angle between their span and the true top-r
// eigenspace (subspaceAngle) is at most principalAngleTol — what fixes the
// entries of W_r = A V Vᵀ, so the schedule iterates longer when σ_r and
// σ_{r+1} are close and less when they are far apart — or, when the gap
// is not resolved (σ_r, σ_{r+1} equal within gapTol·σ_1 and the estimates'
// uncertainty, so W_r is not unique and no number of passes picks one), as
// soon as every top-r residual is at most principalResidTol·θ_1.
func subspaceDone(rz *ritz, r int, gapTol float64) bool {
	if subspaceAngle(rz, r) <= principalAngleTol {
		return true
	}
	lim := principalResidTol * rz.theta[0]
	for i := range r {
		if rz.res[i] > lim {
			return false
		}
	}
	return !gapResolved(rz, r, gapTol)
}

// subspaceAngle estimates, by the Davis–Kahan sinΘ theorem, the sine of the
// largest principal angle between the span of the top r Ritz vectors and
// the true top-r eigenspace: ‖R_r‖_F/δ, R_r the residuals M v_i − θ_i v_i
// and δ = θ_r − (θ_{r+1} + ρ_{r+1}) the gap to an estimate of λ_{r+1}
// from above. +Inf when there is no (r+1)-th pair or δ ≤ 0.
func subspaceAngle(rz *ritz, r int) float64 {
	if r < 1 || r >= rz.k {
		return math.Inf(1)
	}
	var ss float64
	for i := range r {
		ss += rz.res[i] * rz.res[i]
	}
	delta := rz.theta[r-1] - rz.theta[r] - rz.res[r]
	if !(delta > 0) {
		return math.Inf(1)
	}
	return math.Sqrt(ss) / delta
}

// gapResolved reports whether σ_r − σ_{r+1} exceeds gapTol·σ_1 plus the
// uncertainty of the two estimates (the test behind Result.Unique), with
// σ_i = √θ_i; false when there is no (r+1)-th pair, and also when θ_r is
// at the resolution floor (A has rank < r: W_r = A, nothing to resolve).
func gapResolved(rz *ritz, r int, gapTol float64) bool {
	if r < 1 || r >= rz.k {
		return false
	}
	th0 := max(rz.theta[0], 0)
	if rz.theta[r-1] <= float64(rz.d)*eps*th0 {
		return false
	}
	sr, snext := math.Sqrt(max(rz.theta[r-1], 0)), math.Sqrt(max(rz.theta[r], 0))
	return sr-snext > gapTol*math.Sqrt(th0)+ritzUnc(rz, r-1)+ritzUnc(rz, r)
}

// ritzUnc is the uncertainty of σ_i = √θ_i from its Ritz residual ρ:
// min(ρ/σ, √ρ).
func ritzUnc(rz *ritz, i int) float64 {
	s := math.Sqrt(max(rz.theta[i], 0))
	u := math.Sqrt(rz.res[i])
	if s > 0 {
		u = min(u, rz.res[i]/s)
	}
	return u
}

// randomized runs the iteration on src.
func randomized(src source, r int, cfg *config) (*Result, error) {
	d := src.cols()
	k := min(r+cfg.oversample, d)
	rng := newRand(cfg.seed)
	qt := make([]float64, k*d)
	zt := make([]float64, k*d)
	coef := make([]float64, k)
	gaussian(qt, rng)
	orthoRows(qt, k, d, coef, rng)
	y := make([]float64, cfg.blockRows*k)
	rz := newRitz(k, d)

	var n int64 = -1
	var frob float64
	passes := 0
	// keepY, when set, sees every block Y_b = A_b Xᵀ of a pass (rows
	// row…row+nb−1).
	var keepY func(row int64, nb int, yb []float64)
	// pass computes z = x·AᵀA (rows A ᵀA x_i) in one pass over the data.
	pass := func(x, z []float64) error {
		clear(z)
		var rows int64
		var ss float64
		err := src.pass(func(nb int, blk []float64) error {
			yb := y[:nb*k]
			kernel.GemmNT(nb, k, d, 1, blk, d, x, d, 0, yb, k)
			if keepY != nil {
				keepY(rows, nb, yb)
			}
			kernel.GemmTN(k, d, nb, 1, yb, k, blk, d, 1, z, d)
			if n < 0 {
				ss += kernel.Dot(blk, blk)
			}
			rows += int64(nb)
			return nil
		})
		if err != nil {
			return err
		}
		passes++
		if n < 0 {
			n, frob = rows, ss
			if n == 0 {
				return fmt.Errorf("lowrank: randomized truncation: %w", stream.ErrEmpty)
			}
			if math.IsNaN(frob) || math.IsInf(frob, 0) {
				return fmt.Errorf("lowrank: randomized truncation: sum of squares is %v: %w", frob, stream.ErrNonFinite)
			}
		} else if rows != n {
			return fmt.Errorf("lowrank: pass %d read %d rows, the first pass %d: %w", passes, rows, n, stream.ErrShape)
		}
		return nil
	}
	maxPasses := cfg.powerIters + 1
	if cfg.powerIters < 0 {
		maxPasses = maxAdaptivePower + 1
	}
	if cfg.krylov > 0 && 2*k <= d {
		// (With d < 2k a second block does not fit: subspace iteration.)
		kr := newKrylov(k, d, r, rng)
		if ms, ok := src.(*memSource); ok && 4*kr.maxDim <= d {
			// In memory, keep A·Kᵀ (rows×basis floats, at most a quarter
			// of A) so that U = A V Σ⁻¹ needs no pass of its own.
			kr.keepY(ms.rows)
			keepY = kr.storeY
		}
		return randomizedKrylov(kr, pass, qt, r, d, cfg, func() (int64, float64, int) { return n, frob, passes })
	}
	if cfg.powerIters < 0 && cfg.residTol > 0 {
		// Residual schedule: Chebyshev-filtered subspace iteration, one
		// pass per application of AᵀA.
		fi := newFiltered(k, d, rng)
		fi.done = func(rz *ritz) bool { return subspaceDone(rz, int(min(int64(min(r, k)), n)), cfg.gapTol) }
		converged, err := fi.run(pass, qt, r, cfg.residTol, math.MaxInt, maxResidualPasses)
		if err != nil {
			return nil, err
		}
		r = int(min(int64(r), min(int64(d), n)))
		res := fromRitz(fi.rz, r, n, d, frob, cfg)
		res.Method, res.Passes, res.Iterations, res.Converged = MethodRandomized, passes, fi.iters, converged
		return res, nil
	}
	prev := math.Inf(-1)
	for {
		if err := pass(qt, zt); err != nil {
			return nil, err
		}
		if !rz.extract(qt, zt) {
			return nil, fmt.Errorf("%w: Rayleigh–Ritz eigenproblem of order %d failed", ErrNoConvergence, k)
		}
		rr := min(int(min(int64(r), n)), k)
		if passes >= maxPasses {
			break
		}
		var captured float64
		for i := range rr {
			captured += rz.theta[i]
		}
		if cfg.powerIters < 0 && cfg.residTol == 0 && passes >= 2 && captured-prev <= adaptiveTol*max(frob-captured, 0) {
			break
		}
		prev = captured
		copy(qt, rz.mvt)
		orthoRows(qt, k, d, coef, rng)
	}
	r = int(min(int64(r), min(int64(d), n)))
	res := fromRitz(rz, r, n, d, frob, cfg)
	res.Method, res.Passes, res.Iterations, res.Converged = MethodRandomized, passes, passes, true
	return res, nil
}

// randomizedKrylov runs the randomized route by block Krylov iteration from
// the orthonormal start qt, on the schedule cfg asks for (fixed, error- or
// residual-driven; see WithPowerIters and PrincipalWeights). state reports
// the rows, ‖A‖²_F and passes seen so far. When kr keeps A·Kᵀ the result
// carries U (signs not yet fixed).
func randomizedKrylov(kr *krylov, pass func(x, z []float64) error, qt []float64, r, d int, cfg *config, state func() (int64, float64, int)) (*Result, error) {
	k := kr.b
	maxApply := cfg.powerIters + 1
	switch {
	case cfg.powerIters >= 0:
	case cfg.residTol > 0:
		maxApply = maxResidualPasses
	default:
		maxApply = maxAdaptivePower + 1
	}
	prev := math.Inf(-1)
	done := func(rz *ritz) bool {
		n, frob, passes := state()
		rr := int(min(int64(min(r, k)), n))
		switch {
		case cfg.powerIters >= 0:
			return false
		case cfg.residTol > 0:
			return subspaceDone(rz, rr, cfg.gapTol)
		}
		var captured float64
		for i := range rr {
			captured += rz.theta[i]
		}
		stop := passes >= 2 && captured-prev <= adaptiveTol*max(frob-captured, 0)
		prev = captured
		return stop
	}
	converged, err := kr.run(pass, qt, maxApply, done)
	if err != nil {
		return nil, err
	}
	n, frob, passes := state()
	r = int(min(int64(r), min(int64(d), n)))
	res := fromRitz(kr.rz, r, n, d, frob, cfg)
	res.Method, res.Passes, res.Iterations = MethodRandomized, passes, kr.extractions
	res.Converged = converged || cfg.residTol == 0 || cfg.powerIters >= 0
	res.U = kr.leftVectors(res.Sigma)
	return res, nil
}
