package lowrank

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

func scoreMatrix(m, n int, seed uint64) []float64 {
	rng := testRand(seed)
	s := withSpectrum(m, n, []float64{6, 3, 1.5, 0.5, 0.2}, rng)
	for i := range m {
		for j := range n {
			s[i*n+j] += 0.7*float64(i%3) - 0.2*float64(j) + 1.5 + 0.01*rng.NormFloat64()
		}
	}
	return s
}

func TestNormalFormTail(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		m, n := 17, 11
		s := scoreMatrix(m, n, seed)
		norm := math.Sqrt(frobSq(s))
		for _, r := range []int{1, 2, 4} {
			nf, err := NormalForm(s, m, n, r)
			require.NoError(t, err)
			require.Equal(t, r, nf.Rank)
			got := diffNorm(s, nf.Reconstruct(nil))
			assert.InDelta(t, math.Sqrt(nf.TailEnergy), got, 1e-12*norm)
			// Against gonum on the explicitly double-centred matrix.
			inter := make([]float64, m*n)
			for i := range m {
				for j := range n {
					inter[i*n+j] = s[i*n+j] - nf.Mu - nf.RowField[i] - nf.ColField[j]
				}
			}
			ref := refValues(t, inter, m, n)
			assert.InDelta(t, math.Sqrt(tailOf(ref, r)), got, 1e-12*norm)
			assert.InDelta(t, frobSq(inter), nf.InteractionEnergy, 1e-12*norm*norm)
			// Fields and factors are centred.
			var sa, sb float64
			for _, v := range nf.RowField {
				sa += v
			}
			for _, v := range nf.ColField {
				sb += v
			}
			assert.InDelta(t, 0, sa, 1e-12*norm)
			assert.InDelta(t, 0, sb, 1e-12*norm)
			for l := range r {
				var cq, ck float64
				for i := range m {
					cq += nf.Q[i*r+l]
				}
				for j := range n {
					ck += nf.K[j*r+l]
				}
				assert.InDelta(t, 0, cq, 1e-10*norm)
				assert.InDelta(t, 0, ck, 1e-10*norm)
			}
			// Balanced: QᵀQ = KᵀK = Σ.
			for l := range r {
				var qq, kk float64
				for i := range m {
					qq += nf.Q[i*r+l] * nf.Q[i*r+l]
				}
				for j := range n {
					kk += nf.K[j*r+l] * nf.K[j*r+l]
				}
				assert.InDelta(t, nf.Sigma[l], qq, 1e-10*norm)
				assert.InDelta(t, nf.Sigma[l], kk, 1e-10*norm)
			}
		}
	}
}

func TestNormalFormFieldInvariance(t *testing.T) {
	m, n, r := 14, 9, 3
	s := scoreMatrix(m, n, 4)
	nf, err := NormalForm(s, m, n, r)
	require.NoError(t, err)
	rng := testRand(40)
	for range 5 {
		rf := randMatrix(m, 1, rng)
		cf := randMatrix(n, 1, rng)
		s2 := append([]float64(nil), s...)
		for i := range m {
			for j := range n {
				s2[i*n+j] += 3*rf[i] + 3*cf[j]
			}
		}
		nf2, err := NormalForm(s2, m, n, r)
		require.NoError(t, err)
		assert.InDeltaSlice(t, nf.Q, nf2.Q, 1e-10)
		assert.InDeltaSlice(t, nf.K, nf2.K, 1e-10)
		assert.InDeltaSlice(t, nf.Sigma, nf2.Sigma, 1e-10)
		assert.InDelta(t, nf.TailEnergy, nf2.TailEnergy, 1e-10)
	}
}

func TestNormalFormIdempotent(t *testing.T) {
	m, n, r := 12, 10, 2
	s := scoreMatrix(m, n, 5)
	nf, err := NormalForm(s, m, n, r)
	require.NoError(t, err)
	rec := nf.Reconstruct(nil)
	nf2, err := NormalForm(rec, m, n, r)
	require.NoError(t, err)
	assert.InDelta(t, nf.Mu, nf2.Mu, 1e-12)
	assert.InDeltaSlice(t, nf.RowField, nf2.RowField, 1e-12)
	assert.InDeltaSlice(t, nf.ColField, nf2.ColField, 1e-12)
	assert.InDeltaSlice(t, nf.Q, nf2.Q, 1e-10)
	assert.InDeltaSlice(t, nf.K, nf2.K, 1e-10)
	assert.InDelta(t, 0, nf2.TailEnergy, 1e-20)
	assert.InDeltaSlice(t, rec, nf2.Reconstruct(nil), 1e-12)
}

func TestNormalFormSignFlips(t *testing.T) {
	// S = U Σ Vᵀ + fields, built with each singular pair's sign flipped in
	// turn: the canonical output does not depend on the input gauge.
	m, n := 10, 8
	rng := testRand(6)
	u := randOrtho(m, 3, rng)
	v := randOrtho(n, 3, rng)
	sig := []float64{5, 2, 1}
	build := func(flip int) []float64 {
		s := make([]float64, m*n)
		for i := range m {
			for j := range n {
				x := 0.3*float64(i) - 0.1*float64(j)
				for l := range 3 {
					ul, vl := u[i*3+l], v[j*3+l]
					if flip>>l&1 == 1 {
						ul, vl = -ul, -vl
					}
					x += sig[l] * ul * vl
				}
				s[i*n+j] = x
			}
		}
		return s
	}
	base, err := NormalForm(build(0), m, n, 2)
	require.NoError(t, err)
	for flip := 1; flip < 8; flip++ {
		nf, err := NormalForm(build(flip), m, n, 2)
		require.NoError(t, err)
		assert.InDeltaSlice(t, base.Q, nf.Q, 1e-12)
		assert.InDeltaSlice(t, base.K, nf.K, 1e-12)
	}
}

// denseTwoWay solves min Σ_{(i,j)∈Ω} (S_ij − μ − a_i − b_j)² with a_0 = b_0
// = 0 by dense least squares and returns the fitted residuals on Ω.
func denseTwoWay(t *testing.T, s []float64, mask []bool, m, n int) []float64 {
	var rows int
	for _, ok := range mask {
		if ok {
			rows++
		}
	}
	p := 1 + (m - 1) + (n - 1)
	x := mat.NewDense(rows, p, nil)
	y := mat.NewVecDense(rows, nil)
	k := 0
	for i := range m {
		for j := range n {
			if !mask[i*n+j] {
				continue
			}
			x.Set(k, 0, 1)
			if i > 0 {
				x.Set(k, i, 1)
			}
			if j > 0 {
				x.Set(k, m-1+j, 1)
			}
			y.SetVec(k, s[i*n+j])
			k++
		}
	}
	var beta mat.VecDense
	require.NoError(t, beta.SolveVec(x, y))
	res := make([]float64, m*n)
	k = 0
	for i := range m {
		for j := range n {
			if !mask[i*n+j] {
				continue
			}
			f := beta.AtVec(0)
			if i > 0 {
				f += beta.AtVec(i)
			}
			if j > 0 {
				f += beta.AtVec(m - 1 + j)
			}
			res[i*n+j] = s[i*n+j] - f
			k++
		}
	}
	return res
}

func TestNormalFormMasked(t *testing.T) {
	m, n := 9, 7
	for seed := uint64(1); seed <= 3; seed++ {
		s := scoreMatrix(m, n, seed)
		rng := testRand(seed + 100)
		masks := map[string][]bool{"causal": make([]bool, m*n), "random": make([]bool, m*n)}
		for i := range m {
			for j := range n {
				masks["causal"][i*n+j] = j <= i
				masks["random"][i*n+j] = rng.Float64() < 0.7 || i == j
			}
		}
		for name, mask := range masks {
			nf, err := NormalForm(s, m, n, 2, WithMask(mask))
			require.NoError(t, err, name)
			assert.Positive(t, nf.Sweeps)
			ref := denseTwoWay(t, s, mask, m, n)
			got := make([]float64, m*n)
			for i := range m {
				for j := range n {
					if mask[i*n+j] {
						got[i*n+j] = s[i*n+j] - nf.Mu - nf.RowField[i] - nf.ColField[j]
					}
				}
			}
			assert.InDeltaSlice(t, ref, got, 1e-9, name)
			assert.InDelta(t, frobSq(ref), nf.InteractionEnergy, 1e-9, name)
			// The masked normal form with a full mask is the dense one.
		}
	}
	s := scoreMatrix(m, n, 9)
	full := make([]bool, m*n)
	for i := range full {
		full[i] = true
	}
	a, err := NormalForm(s, m, n, 2)
	require.NoError(t, err)
	b, err := NormalForm(s, m, n, 2, WithMask(full))
	require.NoError(t, err)
	assert.InDelta(t, a.Mu, b.Mu, 1e-12)
	assert.InDeltaSlice(t, a.RowField, b.RowField, 1e-12)
	assert.InDeltaSlice(t, a.ColField, b.ColField, 1e-12)
	assert.InDeltaSlice(t, a.Q, b.Q, 1e-10)
}

func TestNormalFormErrors(t *testing.T) {
	s := scoreMatrix(6, 5, 1)
	mask := make([]bool, 30)
	mask[0], mask[7], mask[14] = true, true, true
	_, err := NormalForm(s, 6, 5, 1, WithMask(mask), WithBackfit(0, 1))
	require.ErrorIs(t, err, ErrInvalidOption)
	// A chain mask converges slowly: a sweep cap of 1 must fail loudly.
	chain := make([]bool, 30)
	for i := range 6 {
		for j := range 5 {
			chain[i*5+j] = j == i || j == i-1
		}
	}
	_, err = NormalForm(s, 6, 5, 1, WithMask(chain), WithBackfit(1e-12, 1))
	require.ErrorIs(t, err, ErrNoConvergence)
	_, err = NormalForm(s, 6, 5, 1, WithMask(make([]bool, 30)))
	require.Error(t, err)
	bad := append([]float64(nil), s...)
	bad[7] = math.NaN()
	_, err = NormalForm(bad, 6, 5, 1)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "row 2, column 3")
	// A NaN outside the mask is ignored.
	_, err = NormalForm(bad, 6, 5, 1, WithMask(chain))
	require.NoError(t, err)
	assert.Panics(t, func() { _, _ = NormalForm(s, 6, 5, 1, WithMask(make([]bool, 3))) })
	// A pure-field matrix has no interaction.
	pure := make([]float64, 30)
	for i := range 6 {
		for j := range 5 {
			pure[i*5+j] = float64(i) + 2*float64(j)
		}
	}
	nf, err := NormalForm(pure, 6, 5, 2)
	require.NoError(t, err)
	assert.InDelta(t, 0, nf.InteractionEnergy, 1e-20)
	assert.True(t, nf.Unique)
}
