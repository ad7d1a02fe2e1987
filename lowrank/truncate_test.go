package lowrank

import (
	"errors"
	"io"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/internal/digits"
	"github.com/linstream/linstream/stream"
)

func TestTruncateSVDTailFormula(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		rng := testRand(seed)
		for _, sh := range [][2]int{{30, 12}, {12, 30}, {25, 25}} {
			n, d := sh[0], sh[1]
			a := randMatrix(n, d, rng)
			orig := append([]float64(nil), a...)
			for _, r := range []int{1, 3, 7} {
				res, err := Truncate(a, n, d, r, WithMethod(MethodSVD))
				require.NoError(t, err)
				require.Equal(t, orig, a, "input modified")
				require.Equal(t, r, res.Rank)
				ar := res.Reconstruct(nil)
				got := diffNorm(a, ar)
				norm := math.Sqrt(frobSq(a))
				assert.InDelta(t, math.Sqrt(res.TailEnergy), got, 1e-12*norm)
				ref := refValues(t, a, n, d)
				assert.InDelta(t, math.Sqrt(tailOf(ref, r)), got, 1e-12*norm)
				assert.InDelta(t, ref[r], res.NextSigma, 1e-12*norm)
				assert.Equal(t, res.TailEnergy, res.TailLower)
				for i := range r {
					assert.InDelta(t, ref[i], res.Sigma[i], 1e-12*norm)
				}
				// No random rank-r matrix beats it.
				for range 20 {
					x := randMatrix(n, r, rng)
					y := randMatrix(r, d, rng)
					// A random rank-r matrix, optimally scaled.
					p := make([]float64, n*d)
					for i := range n {
						for j := range d {
							for l := range r {
								p[i*d+j] += x[i*r+l] * y[l*d+j]
							}
						}
					}
					var num, den float64
					for i := range p {
						num += p[i] * a[i]
						den += p[i] * p[i]
					}
					for i := range p {
						p[i] *= num / den
					}
					assert.GreaterOrEqual(t, diffNorm(a, p), got)
				}
			}
		}
	}
}

func TestTruncateRoutesAgree(t *testing.T) {
	rng := testRand(7)
	n, d := 400, 40
	s := geometric(40, 10, 0.8)
	a := withSpectrum(n, d, s, rng)
	ref := refValues(t, a, n, d)
	norm := math.Sqrt(frobSq(a))
	for _, m := range []Method{MethodSVD, MethodGram, MethodRandomized} {
		for _, r := range []int{1, 5, 12} {
			res, err := Truncate(a, n, d, r, WithMethod(m), WithPowerIters(8))
			require.NoError(t, err, m)
			require.Equal(t, r, res.Rank)
			got := diffNorm(a, res.Reconstruct(nil))
			opt := math.Sqrt(tailOf(ref, r))
			assert.InDelta(t, opt, got, 1e-7*norm, "method %v r %d", m, r)
			assert.InDelta(t, got, res.FrobError(), 1e-6*norm, "method %v r %d", m, r)
			assert.LessOrEqual(t, res.TailLower, tailOf(ref, r)*(1+1e-9)+1e-12*norm*norm)
			assert.True(t, res.Unique, m)
			assert.Equal(t, byte('U'), res.SignsFrom)
			for i := range r {
				assert.InDelta(t, ref[i], res.Sigma[i], 1e-8*ref[0], m)
			}
		}
	}
}

func TestTruncateWideGram(t *testing.T) {
	rng := testRand(3)
	n, d := 30, 300
	a := withSpectrum(n, d, geometric(30, 5, 0.7), rng)
	ref := refValues(t, a, n, d)
	res, err := Truncate(a, n, d, 4, WithMethod(MethodGram))
	require.NoError(t, err)
	assert.Equal(t, int64(n), res.Rows)
	assert.Equal(t, d, res.Cols)
	assert.Len(t, res.U, n*4)
	assert.Len(t, res.V, d*4)
	assert.InDelta(t, math.Sqrt(tailOf(ref, 4)), diffNorm(a, res.Reconstruct(nil)), 1e-9)
}

func TestTruncateUniqueFlag(t *testing.T) {
	rng := testRand(11)
	n, d := 60, 20
	s := []float64{9, 7, 5, 5, 3, 1}
	a := withSpectrum(n, d, s, rng)
	for _, m := range []Method{MethodSVD, MethodGram, MethodRandomized} {
		res, err := Truncate(a, n, d, 3, WithMethod(m), WithPowerIters(6))
		require.NoError(t, err)
		assert.False(t, res.Unique, "σ_3 = σ_4 must not be unique (%v)", m)
		assert.InDelta(t, 0, res.Gap, 1e-6)
		res, err = Truncate(a, n, d, 2, WithMethod(m), WithPowerIters(6))
		require.NoError(t, err)
		assert.True(t, res.Unique, m)
		assert.InDelta(t, 2, res.Gap, 1e-6)
		// Rank deficiency: A has rank 6, so rank 8 is A itself and unique.
		res, err = Truncate(a, n, d, 8, WithMethod(m), WithPowerIters(6))
		require.NoError(t, err)
		assert.Equal(t, 6, res.Rank, m)
		assert.True(t, res.Unique)
		assert.InDelta(t, 0, res.TailEnergy, 1e-9)
	}
}

func TestCanonicalSigns(t *testing.T) {
	rng := testRand(5)
	m, n, r := 9, 7, 4
	u := randMatrix(m, r, rng)
	v := randMatrix(n, r, rng)
	// A near tie in column 0: the smaller index decides.
	u[0*r+0], u[3*r+0] = 2, -2*(1-1e-14)
	// A zero column keeps its sign.
	for i := range m {
		u[i*r+3] = 0
	}
	CanonicalSigns(u, m, v, n, r)
	assert.Equal(t, 2.0, u[0])
	once := append([]float64(nil), u...)
	oncev := append([]float64(nil), v...)
	CanonicalSigns(u, m, v, n, r)
	assert.Equal(t, once, u, "idempotent")
	assert.Equal(t, oncev, v)
	// Flip every pair's sign pattern: same output.
	for mask := range 1 << r {
		u2 := append([]float64(nil), once...)
		v2 := append([]float64(nil), oncev...)
		for j := range r {
			if mask>>j&1 == 1 {
				for i := range m {
					u2[i*r+j] = -u2[i*r+j]
				}
				for i := range n {
					v2[i*r+j] = -v2[i*r+j]
				}
			}
		}
		CanonicalSigns(u2, m, v2, n, r)
		if mask&8 == 0 { // the zero column of u cannot decide for v
			assert.Equal(t, once, u2)
			assert.Equal(t, oncev, v2)
		}
	}
	// The largest entry of each nonzero column is positive.
	for j := range 3 {
		best := 0
		for i := range m {
			if math.Abs(u[i*r+j]) > math.Abs(u[best*r+j])*(1+1e-12) {
				best = i
			}
		}
		assert.Positive(t, u[best*r+j])
	}
	// v-based rule.
	v3 := append([]float64(nil), oncev...)
	for i := range v3 {
		v3[i] = -v3[i]
	}
	CanonicalSigns(nil, 0, v3, n, r)
	vv := append([]float64(nil), oncev...)
	CanonicalSigns(nil, 0, vv, n, r)
	assert.Equal(t, vv, v3)
}

func TestTruncateSignInvariance(t *testing.T) {
	// Negating A flips every pair; the canonical U must be the same.
	rng := testRand(2)
	n, d := 40, 15
	a := withSpectrum(n, d, geometric(15, 4, 0.8), rng)
	neg := make([]float64, len(a))
	for i, v := range a {
		neg[i] = -v
	}
	for _, m := range []Method{MethodSVD, MethodGram} {
		r1, err := Truncate(a, n, d, 5, WithMethod(m))
		require.NoError(t, err)
		r2, err := Truncate(neg, n, d, 5, WithMethod(m))
		require.NoError(t, err)
		assert.InDeltaSlice(t, r1.U, r2.U, 1e-8, m)
		for i := range r1.V {
			assert.InDelta(t, r1.V[i], -r2.V[i], 1e-8)
		}
	}
}

func TestRandomizedWithinFactor(t *testing.T) {
	// Decaying spectrum: over several seeds the randomized route is within
	// (1+ε) of optimal with the default adaptive schedule.
	n, d, r := 300, 80, 10
	s := make([]float64, d)
	for i := range s {
		s[i] = 1 / math.Pow(float64(i+1), 1.2)
	}
	a := withSpectrum(n, d, s, testRand(21))
	ref := refValues(t, a, n, d)
	opt := math.Sqrt(tailOf(ref, r))
	ok := 0
	for seed := uint64(1); seed <= 10; seed++ {
		res, err := Randomized(stream.NewSliceReader(a, d), r, WithSeed(seed), WithU(true))
		require.NoError(t, err)
		got := diffNorm(a, res.Reconstruct(nil))
		assert.InDelta(t, got, res.FrobError(), 1e-9)
		assert.GreaterOrEqual(t, got, opt*(1-1e-12))
		assert.LessOrEqual(t, res.TailLower, opt*opt*(1+1e-12))
		if got <= 1.01*opt {
			ok++
		}
		assert.LessOrEqual(t, got, 1.05*opt, "seed %d", seed)
	}
	assert.GreaterOrEqual(t, ok, 9)
}

func TestRandomizedStreamNoU(t *testing.T) {
	rng := testRand(8)
	n, d := 500, 30
	a := withSpectrum(n, d, geometric(30, 3, 0.6), rng)
	res, err := Randomized(stream.NewSliceReader(a, d), 4, WithBlockRows(7))
	require.NoError(t, err)
	assert.Nil(t, res.U)
	assert.Equal(t, byte('V'), res.SignsFrom)
	assert.Equal(t, int64(n), res.Rows)
	ref := refValues(t, a, n, d)
	assert.InDelta(t, math.Sqrt(tailOf(ref, 4)), errorAVV(a, n, d, res.V, 4), 1e-8)
	assert.GreaterOrEqual(t, res.Passes, 2)

	g, err := GramTruncate(stream.NewSliceReader(a, d), 4)
	require.NoError(t, err)
	assert.Equal(t, 1, g.Passes)
	assert.InDeltaSlice(t, res.V, g.V, 1e-6)
}

func TestTruncateDigits(t *testing.T) {
	a := digits.Pixels()
	n, d := digits.Rows, digits.Cols
	ref := refValues(t, a, n, d)
	norm := math.Sqrt(frobSq(a))
	for _, r := range []int{2, 10} {
		exact, err := Truncate(a, n, d, r)
		require.NoError(t, err)
		assert.Equal(t, MethodSVD, exact.Method)
		assert.InDelta(t, math.Sqrt(tailOf(ref, r)), diffNorm(a, exact.Reconstruct(nil)), 1e-12*norm)
		g, err := Truncate(a, n, d, r, WithMethod(MethodGram))
		require.NoError(t, err)
		assert.InDelta(t, exact.FrobError(), g.FrobError(), 1e-7*norm)
		assert.InDeltaSlice(t, exact.U, g.U, 1e-6)
		rd, err := Randomized(stream.NewSliceReader(a, d), r)
		require.NoError(t, err)
		assert.LessOrEqual(t, rd.FrobError(), 1.01*exact.FrobError())
	}
}

func TestTruncateErrors(t *testing.T) {
	a := []float64{1, 2, math.NaN(), 4}
	_, err := Truncate(a, 2, 2, 1)
	require.ErrorIs(t, err, stream.ErrNonFinite)
	assert.Contains(t, err.Error(), "row 2, column 1")
	for _, m := range []Method{MethodGram, MethodRandomized} {
		big := randMatrix(50, 4, testRand(1))
		big[4*37+2] = math.Inf(-1)
		_, err = Truncate(big, 50, 4, 1, WithMethod(m))
		require.ErrorIs(t, err, stream.ErrNonFinite)
		assert.Contains(t, err.Error(), "row 38, column 3")
	}
	_, err = Truncate(nil, 0, 3, 1)
	require.ErrorIs(t, err, stream.ErrEmpty)
	_, err = GramTruncate(stream.NewSliceReader(nil, 3), 1)
	require.ErrorIs(t, err, stream.ErrEmpty)
	_, err = Randomized(stream.NewSliceReader([]float64{1, math.Inf(1)}, 2), 1)
	require.ErrorIs(t, err, stream.ErrNonFinite)
	_, err = Truncate([]float64{1}, 1, 1, 1, WithOversample(-1))
	require.ErrorIs(t, err, ErrInvalidOption)
	_, err = GramTruncate(onlyReader{stream.NewSliceReader([]float64{1}, 1)}, 1, WithU(true))
	require.ErrorIs(t, err, ErrInvalidOption)
	assert.Panics(t, func() { _, _ = Truncate([]float64{1, 2}, 1, 1, 1) })
	assert.Panics(t, func() { _, _ = Truncate([]float64{1}, 1, 1, 0) })
	// A source that changes length between passes.
	_, err = Randomized(&growing{d: 2, pass: 1, left: 1}, 1, WithPowerIters(1))
	require.ErrorIs(t, err, stream.ErrShape)
	// A read error is passed on.
	_, err = GramTruncate(failing{}, 1)
	require.ErrorIs(t, err, errBoom)
}

type onlyReader struct{ stream.Reader }

var errBoom = errors.New("boom")

type failing struct{}

func (failing) Cols() int                       { return 2 }
func (failing) ReadRows([]float64) (int, error) { return 0, errBoom }

// growing yields one more row on every pass.
type growing struct {
	d, pass, left int
}

func (g *growing) Cols() int { return g.d }
func (g *growing) Rewind() error {
	g.pass++
	g.left = g.pass
	return nil
}
func (g *growing) ReadRows(dst []float64) (int, error) {
	if g.left == 0 {
		return 0, io.EOF
	}
	g.left--
	for i := range g.d {
		dst[i] = float64(i + g.pass)
	}
	return 1, nil
}

// TestGramFiltered exercises the Gram route's filtered subspace iteration
// (d > 4(r+p)): a flat noise spectrum, a tie at σ_r = σ_{r+1}, and exact
// low rank (the filtered block becomes dependent and is refilled with random
// vectors).
func TestGramFiltered(t *testing.T) {
	n, d, r := 300, 120, 4
	noise := randMatrix(n, d, testRand(31))
	ref := refValues(t, noise, n, d)
	res, err := GramTruncate(stream.NewSliceReader(noise, d), r, WithOversample(6))
	require.NoError(t, err)
	require.True(t, res.Converged)
	assert.Greater(t, res.Iterations, 1)
	for i := range r {
		assert.InDelta(t, ref[i], res.Sigma[i], 1e-8*ref[0])
	}
	assert.InDelta(t, ref[r], res.NextSigma, 1e-6*ref[0])
	assert.InDelta(t, math.Sqrt(tailOf(ref, r)), errorAVV(noise, n, d, res.V, r), 1e-9*ref[0])
	assert.LessOrEqual(t, res.TailLower, tailOf(ref, r)*(1+1e-12))

	tied := withSpectrum(n, d, []float64{10, 8, 6, 5, 5, 2, 1, 0.5}, testRand(32))
	res, err = GramTruncate(stream.NewSliceReader(tied, d), 4, WithOversample(6))
	require.NoError(t, err)
	assert.False(t, res.Unique)
	res, err = GramTruncate(stream.NewSliceReader(tied, d), 3, WithOversample(6))
	require.NoError(t, err)
	assert.True(t, res.Unique)
	assert.InDelta(t, 1, res.Gap, 1e-8)

	low := withSpectrum(n, d, []float64{3, 2, 1}, testRand(33))
	res, err = GramTruncate(stream.NewSliceReader(low, d), 5, WithOversample(6))
	require.NoError(t, err)
	assert.Equal(t, 3, res.Rank)
	assert.True(t, res.Unique)
	assert.InDelta(t, 0, res.TailEnergy, 1e-9)
	assert.InDeltaSlice(t, []float64{3, 2, 1}, res.Sigma, 1e-9)
}

// TestRandomizedTieOverSeeds: with σ_3 = σ_4 exactly, the randomized route
// must never claim a unique rank-3 truncation, whatever the seed and
// schedule.
func TestRandomizedTieOverSeeds(t *testing.T) {
	n, d := 80, 30
	a := withSpectrum(n, d, []float64{9, 7, 5, 5, 3, 1, 0.5, 0.2}, testRand(12))
	for seed := uint64(1); seed <= 10; seed++ {
		for _, q := range []int{-1, 0, 1} {
			opts := []Option{WithSeed(seed), WithOversample(3)}
			if q >= 0 {
				opts = append(opts, WithPowerIters(q))
			}
			res, err := Randomized(stream.NewSliceReader(a, d), 3, opts...)
			require.NoError(t, err)
			assert.False(t, res.Unique, "seed %d q %d: gap %g", seed, q, res.Gap)
		}
	}
}
