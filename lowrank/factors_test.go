package lowrank

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/linstream/linstream/stream"
)

func chart(p []float64, m int, q []float64, n, h int) []float64 {
	s := make([]float64, m*n)
	for i := range m {
		for j := range n {
			for l := range h {
				s[i*n+j] += p[i*h+l] * q[j*h+l]
			}
		}
	}
	return s
}

func TestNormalFormFactorsMatchesDense(t *testing.T) {
	rng := testRand(50)
	m, n, h := 23, 17, 5
	p := randMatrix(m, h, rng)
	q := randMatrix(n, h, rng)
	for i := range p {
		p[i] += 0.5 // non-centred factors give fields
	}
	s := chart(p, m, q, n, h)
	for _, r := range []int{1, 3, 5, 7} {
		want, err := NormalForm(s, m, n, r)
		require.NoError(t, err)
		got, err := NormalFormFactors(p, m, q, n, h, r)
		require.NoError(t, err)
		require.Equal(t, want.Rank, got.Rank, "r %d", r)
		assert.InDelta(t, want.Mu, got.Mu, 1e-12)
		assert.InDeltaSlice(t, want.RowField, got.RowField, 1e-12)
		assert.InDeltaSlice(t, want.ColField, got.ColField, 1e-12)
		assert.InDeltaSlice(t, want.Sigma, got.Sigma, 1e-10)
		assert.InDeltaSlice(t, want.Q, got.Q, 1e-9)
		assert.InDeltaSlice(t, want.K, got.K, 1e-9)
		assert.InDelta(t, want.TailEnergy, got.TailEnergy, 1e-9)
		assert.InDelta(t, want.InteractionEnergy, got.InteractionEnergy, 1e-9)
		assert.Equal(t, want.Unique, got.Unique)
		norm := math.Sqrt(frobSq(s))
		assert.InDelta(t, math.Sqrt(got.TailEnergy), diffNorm(s, got.Reconstruct(nil)), 1e-12*norm)
	}
}

// TestNormalFormFactorsGauge: the chart (P·M, R·M⁻ᵀ) is the same score
// matrix for every invertible M, so the normal form must not move — sign
// flips of matching columns (the SVD gauge of an input factorisation) and
// general GL(h) changes alike.
func TestNormalFormFactorsGauge(t *testing.T) {
	rng := testRand(51)
	m, n, h, r := 19, 14, 4, 2
	p := randMatrix(m, h, rng)
	q := randMatrix(n, h, rng)
	base, err := NormalFormFactors(p, m, q, n, h, r)
	require.NoError(t, err)
	for flips := 1; flips < 1<<h; flips++ {
		p2 := append([]float64(nil), p...)
		q2 := append([]float64(nil), q...)
		for l := range h {
			if flips>>l&1 == 1 {
				for i := range m {
					p2[i*h+l] = -p2[i*h+l]
				}
				for j := range n {
					q2[j*h+l] = -q2[j*h+l]
				}
			}
		}
		nf, err := NormalFormFactors(p2, m, q2, n, h, r)
		require.NoError(t, err)
		assert.InDeltaSlice(t, base.Q, nf.Q, 1e-12, "flips %b", flips)
		assert.InDeltaSlice(t, base.K, nf.K, 1e-12)
	}
	for range 5 {
		g := randMatrix(h, h, rng)
		gm := mat.NewDense(h, h, g)
		var inv mat.Dense
		require.NoError(t, inv.Inverse(gm))
		pm := make([]float64, m*h)
		qm := make([]float64, n*h)
		for i := range m {
			for j := range h {
				for l := range h {
					pm[i*h+j] += p[i*h+l] * g[l*h+j]
				}
			}
		}
		for i := range n {
			for j := range h {
				for l := range h {
					qm[i*h+j] += q[i*h+l] * inv.At(j, l) // R·M⁻ᵀ
				}
			}
		}
		nf, err := NormalFormFactors(pm, m, qm, n, h, r)
		require.NoError(t, err)
		assert.InDeltaSlice(t, base.Q, nf.Q, 1e-8)
		assert.InDeltaSlice(t, base.K, nf.K, 1e-8)
		assert.InDelta(t, base.Mu, nf.Mu, 1e-9)
	}
}

func TestNormalFormFactorsEdges(t *testing.T) {
	rng := testRand(52)
	// h ≥ min(m, n): falls back to the dense path.
	p := randMatrix(4, 6, rng)
	q := randMatrix(9, 6, rng)
	got, err := NormalFormFactors(p, 4, q, 9, 6, 2)
	require.NoError(t, err)
	want, err := NormalForm(chart(p, 4, q, 9, 6), 4, 9, 2)
	require.NoError(t, err)
	assert.InDeltaSlice(t, want.Q, got.Q, 1e-12)
	// Rank-deficient centred factor: columns of P all equal the mean.
	flat := make([]float64, 10*3)
	for i := range flat {
		flat[i] = float64(i % 3)
	}
	q = randMatrix(8, 3, rng)
	nf, err := NormalFormFactors(flat, 10, q, 8, 3, 2)
	require.NoError(t, err)
	assert.Equal(t, 0, nf.Rank)
	assert.InDelta(t, 0, nf.InteractionEnergy, 1e-20)
	assert.True(t, nf.Unique)
	// Errors.
	_, err = NormalFormFactors(flat, 10, q, 8, 3, 2, WithMask(make([]bool, 80)))
	require.ErrorIs(t, err, ErrInvalidOption)
	q[5] = math.Inf(1)
	_, err = NormalFormFactors(randMatrix(10, 3, rng), 10, q, 8, 3, 2)
	require.ErrorIs(t, err, stream.ErrNonFinite)
	assert.Panics(t, func() { _, _ = NormalFormFactors(flat, 10, q, 7, 3, 2) })
}
