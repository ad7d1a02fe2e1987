package lowrank

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/linstream/linstream/internal/kernel"
	"github.com/linstream/linstream/stream"
)

// smoothSpectrum is W = U diag(s) Vᵀ with s_i = (rank − i) + 0.3·(i mod 3)
// for i < rank and a flat noise-like tail of 1: rank r < rank cuts a smooth
// spectrum (σ_r/σ_{r+1} ≈ 1 + 1/(rank−r)), the hard case of principal
// weights.
func smoothSpectrum(m, n, rank int, seed uint64) []float64 {
	s := make([]float64, min(m, n))
	for i := range s {
		if i < rank {
			s[i] = float64(rank-i) + 0.3*float64(i%3)
		} else {
			s[i] = 1 / (1 + 0.01*float64(i-rank))
		}
	}
	return withSpectrum(m, n, s, testRand(seed))
}

// checkFactors asserts that res is a rank-r truncation of a with σ within
// tol of the reference values, orthonormal U and V, and A V = U Σ.
func checkFactors(t *testing.T, a []float64, n, d int, res *Result, ref []float64, tol float64) {
	t.Helper()
	k := res.Rank
	for i := range k {
		assert.InDelta(t, ref[i], res.Sigma[i], tol*ref[0], "σ_%d", i+1)
	}
	require.NotNil(t, res.U)
	for i := range k {
		for j := range k {
			var uu, vv float64
			for l := range n {
				uu += res.U[l*k+i] * res.U[l*k+j]
			}
			for l := range d {
				vv += res.V[l*k+i] * res.V[l*k+j]
			}
			want := 0.0
			if i == j {
				want = 1
			}
			assert.InDelta(t, want, uu, 1e-10, "UᵀU[%d][%d]", i, j)
			assert.InDelta(t, want, vv, 1e-10, "VᵀV[%d][%d]", i, j)
		}
	}
	var worst float64
	for l := range n {
		for j := range k {
			var av float64
			for c := range d {
				av += a[l*d+c] * res.V[c*k+j]
			}
			worst = max(worst, math.Abs(av-res.U[l*k+j]*res.Sigma[j]))
		}
	}
	assert.Less(t, worst, 1e-10*ref[0], "max |A V − U Σ|")
}

// TestKrylovMatchesSVD: block Krylov on a smooth spectrum reaches the
// dense SVD's singular values and vectors, in memory (U from the kept
// A·Kᵀ, no pass of its own) and over a stream (U by a pass), in fewer
// passes than subspace iteration needs for the same residual.
func TestKrylovMatchesSVD(t *testing.T) {
	n, d, r := 300, 200, 12
	a := smoothSpectrum(n, d, 40, 5)
	ref := refValues(t, a, n, d)
	opts := []Option{WithMethod(MethodRandomized), WithKrylov(true), residualSchedule}
	res, err := Truncate(a, n, d, r, opts...)
	require.NoError(t, err)
	assert.True(t, res.Converged, "residual %g", res.Residual)
	assert.LessOrEqual(t, res.Residual, principalResidTol)
	checkFactors(t, a, n, d, res, ref, 1e-10)
	assert.InDelta(t, tailOf(ref, r), res.TailEnergy, 1e-9*frobSq(a))
	assert.True(t, res.Unique)
	assert.InDelta(t, ref[r], res.NextSigma, 1e-6*ref[0])

	st, err := Randomized(stream.NewSliceReader(a, d), r, WithKrylov(true), WithU(true), residualSchedule)
	require.NoError(t, err)
	checkFactors(t, a, n, d, st, ref, 1e-10)
	// The basis (8·22 vectors) is more than a quarter of the 200 columns:
	// no A·Kᵀ kept, U by a pass on both.
	assert.Equal(t, res.Passes, st.Passes)
	for i := range res.U {
		assert.InDelta(t, res.U[i], st.U[i], 1e-8)
	}
	// Blocks of 6 (a basis of 48 ≤ 200/4): in memory U comes from A·Kᵀ.
	small, err := Truncate(a, n, d, 4, WithMethod(MethodRandomized), WithKrylov(true), WithOversample(2), residualSchedule)
	require.NoError(t, err)
	checkFactors(t, a, n, d, small, ref, 1e-10)
	sst, err := Randomized(stream.NewSliceReader(a, d), 4, WithKrylov(true), WithOversample(2), WithU(true), residualSchedule)
	require.NoError(t, err)
	assert.Equal(t, small.Passes+1, sst.Passes, "the stream needs one more pass for U")

	sub, err := Truncate(a, n, d, r, WithMethod(MethodRandomized), WithKrylov(false), residualSchedule)
	require.NoError(t, err)
	assert.Less(t, res.Passes, sub.Passes, "Krylov %d passes, subspace iteration %d", res.Passes, sub.Passes)
	t.Logf("passes: Krylov %d in memory, %d streamed with U; subspace iteration %d", res.Passes, st.Passes, sub.Passes)
}

// TestKrylovRestart: with small blocks and a fixed, long schedule the basis
// fills (8 blocks) and restarts from the Ritz vectors; the result is still
// the truncation, with U consistent with A V Σ⁻¹ across the restarts.
func TestKrylovRestart(t *testing.T) {
	n, d, r := 220, 200, 4 // blocks of 6, a basis of 48 ≤ d/4: A·Kᵀ kept
	a := smoothSpectrum(n, d, 30, 9)
	ref := refValues(t, a, n, d)
	res, err := Truncate(a, n, d, r, WithMethod(MethodRandomized), WithKrylov(true), WithOversample(2), WithPowerIters(24))
	require.NoError(t, err)
	assert.Equal(t, 25+0, res.Passes, "25 applications, no pass for U")
	assert.Greater(t, res.Iterations, maxKrylovBlocks, "restarted")
	checkFactors(t, a, n, d, res, ref, 1e-11)
}

// TestKrylovSmallWidth: with fewer than two blocks' worth of columns the
// option falls back to subspace iteration and still answers.
func TestKrylovSmallWidth(t *testing.T) {
	n, d, r := 120, 15, 3
	a := smoothSpectrum(n, d, 10, 2)
	ref := refValues(t, a, n, d)
	res, err := Truncate(a, n, d, r, WithMethod(MethodRandomized), WithKrylov(true), residualSchedule)
	require.NoError(t, err)
	checkFactors(t, a, n, d, res, ref, 1e-10)
}

// TestPrincipalWeightsSmoothSpectrum defines correctness where rank r cuts
// a smooth spectrum (σ_r/σ_{r+1} ≈ 1.03, W_r unique): the mask equals the
// dense reference's (gonum SVD, full sort) whenever the reference's K-th
// and (K+1)-th magnitudes differ by more than 1e-9 relative, and the energy
// shares agree with the reference's to 1e-9 — on the default (block
// Krylov) and the subspace-iteration schedule, in memory and streamed.
func TestPrincipalWeightsSmoothSpectrum(t *testing.T) {
	m, n, r := 260, 300, 24
	for seed := uint64(1); seed <= 3; seed++ {
		w := smoothSpectrum(m, n, 60, seed)
		wr := denseWr(t, w, m, n, r)
		budget := LoRABudget(4)
		kk, err := budget.Count(m, n)
		require.NoError(t, err)
		want, margin := topK(wr, kk)
		require.Greater(t, margin, 1e-9, "seed %d: near tie at the boundary", seed)
		shareW, shareR := energyShares(w, wr, want)
		check := func(name string, p *PrincipalResult) {
			assert.True(t, p.Truncation.Converged, "%s seed %d: residual %g", name, seed, p.Truncation.Residual)
			assert.True(t, p.Truncation.Unique, name)
			assert.Equal(t, want, p.Indices, "%s seed %d", name, seed)
			assert.InDelta(t, shareW, p.EnergyShare, 1e-9, name)
			assert.InDelta(t, shareR, p.LowRankShare, 1e-9, name)
		}
		p, err := PrincipalWeights(w, m, n, r, budget, WithMethod(MethodRandomized))
		require.NoError(t, err)
		check("krylov", p)
		ps, err := PrincipalWeightsStream(stream.NewSliceReader(w, n), r, budget, WithBlockRows(33))
		require.NoError(t, err)
		check("krylov stream", ps)
		pi, err := PrincipalWeights(w, m, n, r, budget, WithMethod(MethodRandomized), WithKrylov(false))
		require.NoError(t, err)
		check("subspace", pi)
	}
}

// TestPrincipalWeightsTie defines correctness when W_r is not unique
// (σ_r = σ_{r+1} exactly, or within the gap tolerance): the result says so
// (Unique false), still stops within its pass cap, returns a best rank-r
// approximation (its error is the optimal tail), and the mask is exactly
// the top K of that approximation's magnitudes. Which of the equally good
// W_r it picked is not specified, so the mask is not compared with the
// reference's.
func TestPrincipalWeightsTie(t *testing.T) {
	m, n, r := 200, 160, 6
	s := make([]float64, n)
	for i := range s {
		s[i] = 1 / (1 + 0.05*float64(i))
	}
	for _, tie := range []float64{0, 1e-13} {
		s[r] = s[r-1] * (1 - tie)
		w := withSpectrum(m, n, s, testRand(8))
		for _, name := range []string{"memory", "stream"} {
			var p *PrincipalResult
			var err error
			if name == "memory" {
				p, err = PrincipalWeights(w, m, n, r, CountBudget(900), WithMethod(MethodRandomized))
			} else {
				p, err = PrincipalWeightsStream(stream.NewSliceReader(w, n), r, CountBudget(900))
			}
			require.NoError(t, err)
			tr := p.Truncation
			t.Logf("%s tie %g: unique %v converged %v passes %d residual %.3g gap %.3g", name, tie, tr.Unique, tr.Converged, tr.Passes, tr.Residual, tr.Gap)
			assert.False(t, tr.Unique, "%s tie %g: gap %g", name, tie, tr.Gap)
			assert.LessOrEqual(t, tr.Passes, maxResidualPasses+1, name)
			assert.InDelta(t, tailOf(s, r), tr.TailEnergy, 1e-9*frobSq(w), name)
			// The mask is the top K of W V Vᵀ for the returned V.
			wr := make([]float64, m*n)
			k := tr.Rank
			for i := range m {
				for j := range n {
					var x float64
					for l := range k {
						var wv float64
						for c := range n {
							wv += w[i*n+c] * tr.V[c*k+l]
						}
						x += wv * tr.V[j*k+l]
					}
					wr[i*n+j] = x
				}
			}
			want, margin := topK(wr, 900)
			if margin > 1e-9 {
				assert.Equal(t, want, p.Indices, "%s tie %g", name, tie)
			}
		}
	}
}

// TestKrylovOrthoAgainst: a new block whose rows differ in length by 10¹²,
// lie mostly in the basis, or repeat each other comes out orthonormal and
// orthogonal to the basis to working precision (Cholesky QR where it is
// safe, Gram–Schmidt where it is not).
func TestKrylovOrthoAgainst(t *testing.T) {
	b, d := 6, 50
	rng := testRand(31)
	for _, kind := range []string{"scaled", "nearly in K", "repeated rows"} {
		k := newKrylov(b, d, b, rng)
		copy(k.basis, randOrthoRows(2*b, d, rng))
		k.dim = 2 * b
		x := randMatrix(b, d, rng)
		switch kind {
		case "scaled":
			for i := range b {
				kernel.Scal(math.Pow(10, float64(2*i)), x[i*d:(i+1)*d])
			}
		case "nearly in K":
			for i := range b {
				row := x[i*d : (i+1)*d]
				kernel.Scal(1e-9, row)
				kernel.Axpy(1, k.basis[i*d:(i+1)*d], row)
			}
		case "repeated rows":
			copy(x[d:2*d], x[:d])
		}
		k.orthoAgainst(x)
		all := append(append([]float64{}, k.basis[:2*b*d]...), x...)
		for i := range 3 * b {
			for j := range 3 * b {
				var dot float64
				for c := range d {
					dot += all[i*d+c] * all[j*d+c]
				}
				want := 0.0
				if i == j {
					want = 1
				}
				assert.InDelta(t, want, dot, 1e-13, "%s: row %d · row %d", kind, i, j)
			}
		}
	}
}

func randOrthoRows(k, d int, rng *rand.Rand) []float64 {
	q := randOrtho(d, k, rng) // d×k, orthonormal columns
	out := make([]float64, k*d)
	for i := range k {
		for j := range d {
			out[i*d+j] = q[j*k+i]
		}
	}
	return out
}

// trueAngle is ‖(I − V Vᵀ) V_ref‖_F for the top r right singular vectors
// V_ref of a from gonum (an upper bound on the sine of the largest
// principal angle between the two spans).
func trueAngle(t *testing.T, a []float64, n, d int, v []float64, r int) float64 {
	t.Helper()
	var svd mat.SVD
	require.True(t, svd.Factorize(mat.NewDense(n, d, append([]float64(nil), a...)), mat.SVDThin))
	var vr mat.Dense
	svd.VTo(&vr)
	var ss float64
	for l := range r {
		// x = v_ref,l − V Vᵀ v_ref,l
		c := make([]float64, r)
		for j := range r {
			for i := range d {
				c[j] += v[i*r+j] * vr.At(i, l)
			}
		}
		for i := range d {
			x := vr.At(i, l)
			for j := range r {
				x -= v[i*r+j] * c[j]
			}
			ss += x * x
		}
	}
	return math.Sqrt(ss)
}

// TestKrylovAngle: the Angle the result reports bounds the true angle
// between span V and the top-r right singular subspace, the residual
// schedule stops only when it is below 1e-7 — on a clear gap, and on a
// small one (σ_{r+1} = σ_r·(1 − 1e-4), where the residuals alone would
// stop too early) — and where the gap cannot be resolved W_r is reported
// not unique and the schedule stops on the residuals.
func TestKrylovAngle(t *testing.T) {
	n, d, r := 240, 160, 6
	s := make([]float64, d)
	for i := range s {
		s[i] = 1 / (1 + 0.05*float64(i))
	}
	for _, c := range []struct {
		name      string
		rel       float64 // σ_{r+1} = σ_r·(1 − rel)
		converged bool
		unique    bool
	}{{"clear gap", -1, true, true}, {"small gap", 1e-4, true, true}, {"tie", 0, true, false}} {
		if c.rel >= 0 {
			s[r] = s[r-1] * (1 - c.rel)
		}
		a := withSpectrum(n, d, s, testRand(4))
		for _, kr := range []bool{true, false} {
			res, err := Truncate(a, n, d, r, WithMethod(MethodRandomized), WithKrylov(kr), residualSchedule)
			require.NoError(t, err)
			what := fmt.Sprintf("%s, krylov %v", c.name, kr)
			t.Logf("%s: passes %d angle %.3g residual %.3g unique %v", what, res.Passes, res.Angle, res.Residual, res.Unique)
			assert.Equal(t, c.converged, res.Converged, what)
			assert.Equal(t, c.unique, res.Unique, what)
			if c.unique {
				assert.LessOrEqual(t, res.Angle, principalAngleTol, what)
				assert.LessOrEqual(t, trueAngle(t, a, n, d, res.V, r), res.Angle*(1+1e-6)+1e-12, what)
			} else {
				assert.LessOrEqual(t, res.Residual, principalResidTol, what)
			}
		}
		s[r] = 1 / (1 + 0.05*float64(r))
	}
}

// TestKrylovBasisSize: eight blocks while they fit in d and in
// krylovMaxFloats, never fewer than two.
func TestKrylovBasisSize(t *testing.T) {
	for _, c := range []struct{ b, d, want int }{
		{74, 4096, 8 * 74},
		{22, 200, 8 * 22},
		{30, 100, 3 * 30},
		{74, 100000, 2 * 74},
		{20, 200000, 4 * 20},
	} {
		assert.Equal(t, c.want, krylovDim(c.b, c.d), "b %d d %d", c.b, c.d)
	}
}
