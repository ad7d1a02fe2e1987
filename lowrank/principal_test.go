package lowrank

import (
	"math"
	"slices"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/linstream/linstream/internal/digits"
	"github.com/linstream/linstream/stream"
)

// denseWr returns the rank-r approximation from gonum's full SVD.
func denseWr(t testing.TB, w []float64, m, n, r int) []float64 {
	var svd mat.SVD
	require.True(t, svd.Factorize(mat.NewDense(m, n, append([]float64(nil), w...)), mat.SVDThin))
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	s := svd.Values(nil)
	out := make([]float64, m*n)
	for i := range m {
		for j := range n {
			var x float64
			for l := range min(r, len(s)) {
				x += u.At(i, l) * s[l] * v.At(j, l)
			}
			out[i*n+j] = x
		}
	}
	return out
}

// topK is the dense reference: a full sort by (|x| desc, index asc). It
// also returns the relative margin between the K-th and (K+1)-th
// magnitudes.
func topK(x []float64, k int) ([]int, float64) {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return math.Abs(x[idx[a]]) > math.Abs(x[idx[b]]) })
	margin := math.Inf(1)
	if k > 0 && k < len(x) {
		hi, lo := math.Abs(x[idx[k-1]]), math.Abs(x[idx[k]])
		margin = (hi - lo) / max(hi, 1e-300)
	}
	sel := append([]int{}, idx[:k]...)
	slices.Sort(sel)
	return sel, margin
}

func gapMatrix(m, n, r int, seed uint64) []float64 {
	rng := testRand(seed)
	s := make([]float64, min(m, n))
	for i := range s {
		if i < r {
			s[i] = 10 + float64(r-i)
		} else {
			s[i] = 0.5 * math.Pow(0.9, float64(i-r))
		}
	}
	return withSpectrum(m, n, s, rng)
}

func TestPrincipalWeightsDenseReference(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		for _, sh := range [][3]int{{40, 25, 3}, {25, 60, 4}, {50, 50, 6}} {
			m, n, r := sh[0], sh[1], sh[2]
			w := gapMatrix(m, n, r, seed)
			budget := LoRABudget(2)
			kk, err := budget.Count(m, n)
			require.NoError(t, err)
			assert.Equal(t, min((m+n)*2, m*n), kk)
			wr := denseWr(t, w, m, n, r)
			want, margin := topK(wr, kk)
			require.Greater(t, margin, 1e-9, "test matrix has a near tie at the boundary")
			for _, meth := range []Method{MethodAuto, MethodGram, MethodRandomized} {
				p, err := PrincipalWeights(w, m, n, r, budget, WithMethod(meth))
				require.NoError(t, err)
				assert.Equal(t, want, p.Indices, "in memory, %v", meth)
				assert.True(t, p.Truncation.Unique)
			}
			ps, err := PrincipalWeightsStream(stream.NewSliceReader(w, n), r, budget, WithBlockRows(7))
			require.NoError(t, err)
			assert.Equal(t, want, ps.Indices, "stream")
			assert.Equal(t, kk, ps.K)
			assert.InDelta(t, float64(kk)/float64(m*n), ps.Density, 1e-15)
			// Energy shares against the reference.
			shareW, shareR := energyShares(w, wr, want)
			assert.InDelta(t, shareW, ps.EnergyShare, 1e-9)
			assert.InDelta(t, shareR, ps.LowRankShare, 1e-8)
		}
	}
}

// TestPrincipalWeightsLargestNotSmallest would catch the reference code's
// regression (§8e: torch.topk(largest=False) selecting the smallest
// entries): every selected |W_r| is at least every unselected one.
func TestPrincipalWeightsLargestNotSmallest(t *testing.T) {
	m, n, r := 30, 20, 3
	w := gapMatrix(m, n, r, 9)
	wr := denseWr(t, w, m, n, r)
	p, err := PrincipalWeights(w, m, n, r, FractionBudget(0.1))
	require.NoError(t, err)
	require.Equal(t, 60, p.K)
	mask := p.Mask()
	minSel, maxUnsel := math.Inf(1), 0.0
	for i, v := range wr {
		if mask[i] {
			minSel = min(minSel, math.Abs(v))
		} else {
			maxUnsel = max(maxUnsel, math.Abs(v))
		}
	}
	assert.Greater(t, minSel, maxUnsel)
	assert.InDelta(t, minSel, p.Threshold, 1e-9)
	smallest := make([]float64, len(wr))
	for i, v := range wr {
		smallest[i] = 1 / (math.Abs(v) + 1e-300)
	}
	bad, _ := topK(smallest, p.K)
	assert.NotEqual(t, bad, p.Indices)
	// Energy: the principal weights hold far more than their share.
	assert.Greater(t, p.LowRankShare, p.Density)
}

func TestPrincipalWeightsFullRankIsMagnitude(t *testing.T) {
	// rank(W) ≤ r: W_r = W, so the mask is the plain magnitude mask.
	m, n := 30, 18
	w := withSpectrum(m, n, []float64{5, 3, 2}, testRand(3))
	want, margin := topK(w, 100)
	require.Greater(t, margin, 1e-9)
	for _, r := range []int{3, 5} {
		p, err := PrincipalWeights(w, m, n, r, CountBudget(100))
		require.NoError(t, err)
		assert.Equal(t, want, p.Indices)
		ps, err := PrincipalWeightsStream(stream.NewSliceReader(w, n), r, CountBudget(100))
		require.NoError(t, err)
		assert.Equal(t, want, ps.Indices)
	}
}

func TestPrincipalWeightsGaugeInvariance(t *testing.T) {
	// Negating W flips every singular pair; any orthogonal change of basis
	// of the rows keeps V; the mask of W and of −W must agree.
	m, n, r := 35, 22, 4
	w := gapMatrix(m, n, r, 12)
	neg := make([]float64, len(w))
	for i, v := range w {
		neg[i] = -v
	}
	a, err := PrincipalWeights(w, m, n, r, LoRABudget(1))
	require.NoError(t, err)
	b, err := PrincipalWeights(neg, m, n, r, LoRABudget(1))
	require.NoError(t, err)
	assert.Equal(t, a.Indices, b.Indices)
	for seed := uint64(1); seed <= 5; seed++ {
		c, err := PrincipalWeightsStream(stream.NewSliceReader(neg, n), r, LoRABudget(1), WithSeed(seed))
		require.NoError(t, err)
		assert.Equal(t, a.Indices, c.Indices, "seed %d", seed)
	}
}

func TestPrincipalWeightsDigits(t *testing.T) {
	w := digits.Pixels()
	m, n, r := digits.Rows, digits.Cols, 8
	wr := denseWr(t, w, m, n, r)
	budget := LoRABudget(2)
	kk, _ := budget.Count(m, n)
	want, margin := topK(wr, kk)
	require.Greater(t, margin, 1e-9)
	p, err := PrincipalWeights(w, m, n, r, budget)
	require.NoError(t, err)
	assert.Equal(t, want, p.Indices)
	ps, err := PrincipalWeightsStream(stream.NewSliceReader(w, n), r, budget, WithPowerIters(6))
	require.NoError(t, err)
	assert.Equal(t, want, ps.Indices)
	assert.Greater(t, p.EnergyShare, p.Density)
}

func TestSelectorTies(t *testing.T) {
	s := newSelector(3, 4)
	w := make([]float64, 8)
	wr := []float64{1, -1, 1, 1, -1, 1, 1, 1}
	s.add(0, 2, w, wr)
	tr := &Result{}
	p := s.result(2, 4, tr)
	assert.Equal(t, []int{0, 1, 2}, p.Indices)
	// Fed in two blocks, same answer.
	s = newSelector(3, 4)
	s.add(0, 1, w[:4], wr[:4])
	s.add(1, 1, w[4:], []float64{1, 1, 2, 1})
	assert.Equal(t, []int{0, 1, 6}, s.result(2, 4, tr).Indices)
}

func TestBudgets(t *testing.T) {
	k, err := LoRABudget(128).Count(4096, 4096)
	require.NoError(t, err)
	assert.Equal(t, 8192*128, k)
	k, _ = LoRABudget(10).Count(5, 6)
	assert.Equal(t, 30, k)
	k, _ = FractionBudget(0.05).Count(100, 10)
	assert.Equal(t, 50, k)
	k, _ = CountBudget(7).Count(2, 2)
	assert.Equal(t, 4, k)
	for _, b := range []Budget{{}, LoRABudget(0), FractionBudget(0), FractionBudget(1.5), FractionBudget(math.NaN()), CountBudget(-1)} {
		_, err := b.Count(3, 3)
		require.ErrorIs(t, err, ErrInvalidOption, b.String())
		_, err = PrincipalWeights(make([]float64, 9), 3, 3, 1, b)
		require.ErrorIs(t, err, ErrInvalidOption)
		_, err = PrincipalWeightsStream(stream.NewSliceReader(make([]float64, 9), 3), 1, b)
		require.ErrorIs(t, err, ErrInvalidOption)
	}
	p, err := PrincipalWeights(make([]float64, 9), 3, 3, 1, CountBudget(0))
	require.NoError(t, err)
	assert.Empty(t, p.Indices)
	assert.Equal(t, make([]uint8, 9), p.MaskBytes(nil))
	p, err = PrincipalWeights([]float64{1, 2, 3, 4}, 2, 2, 1, CountBudget(4))
	require.NoError(t, err)
	assert.Equal(t, []uint8{1, 1, 1, 1}, p.MaskBytes(nil))
	assert.True(t, p.Contains(1, 1))
	assert.InDelta(t, 1, p.EnergyShare, 1e-15)
}

func TestSelectorAgainstSort(t *testing.T) {
	rng := testRand(77)
	for trial := range 200 {
		n := 1 + rng.IntN(40)
		m := 1 + rng.IntN(40)
		k := rng.IntN(m*n + 3)
		wr := make([]float64, m*n)
		levels := 1 + rng.IntN(8) // few distinct magnitudes: many ties
		if trial%3 == 0 {
			levels = 1 << 30
		}
		for i := range wr {
			wr[i] = float64(rng.IntN(levels)) * float64(1-2*rng.IntN(2))
		}
		want, _ := topK(wr, min(k, m*n))
		s := newSelector(min(k, m*n), n)
		for row := 0; row < m; {
			b := 1 + rng.IntN(3)
			b = min(b, m-row)
			s.add(row, b, wr[row*n:(row+b)*n], wr[row*n:(row+b)*n])
			row += b
		}
		got := s.result(m, n, &Result{})
		require.Equal(t, want, got.Indices, "trial %d m %d n %d k %d", trial, m, n, k)
	}
}

// TestPrincipalWeightsFlatSpectrum: on a noise-like matrix (no clear gap
// after σ_r) the stream's residual schedule — Chebyshev-filtered, one pass
// per application — still converges and matches the dense reference.
func TestPrincipalWeightsFlatSpectrum(t *testing.T) {
	m, n, r := 240, 150, 6
	w := randMatrix(m, n, testRand(61))
	for i := range m {
		for j := range n {
			w[i*n+j] *= 1 + 2/float64(1+j%17)
		}
	}
	wr := denseWr(t, w, m, n, r)
	want, margin := topK(wr, 500)
	require.Greater(t, margin, 1e-9)
	p, err := PrincipalWeightsStream(stream.NewSliceReader(w, n), r, CountBudget(500))
	require.NoError(t, err)
	assert.True(t, p.Truncation.Converged, "residual %g after %d passes", p.Truncation.Residual, p.Truncation.Passes)
	assert.Equal(t, want, p.Indices)
	// The plain error-driven schedule would stop early: the filtered one
	// needs fewer passes than its cap.
	assert.Less(t, p.Truncation.Passes, maxResidualPasses+1)
}

// TestSortIndices: both paths (bitmap for dense selections, sort for
// sparse ones) give the ascending order.
func TestSortIndices(t *testing.T) {
	rng := testRand(12)
	for _, c := range []struct{ mn, k int }{{1000, 900}, {1000, 10}, {64, 64}, {65, 1}, {1 << 16, 100}, {1 << 16, 5000}, {7, 0}} {
		perm := rng.Perm(c.mn)[:c.k]
		got := slices.Clone(perm)
		sortIndices(got, c.mn)
		want := slices.Clone(perm)
		slices.Sort(want)
		assert.Equal(t, want, got, "mn %d k %d", c.mn, c.k)
	}
}

// TestPrincipalWeightsSampleFloor: on matrices large enough for the
// sampled floor (≥ 2²⁰ entries) the mask is still exactly the top K of the
// returned W_r — also when the sampled rows are the heavy ones, so the
// floor lies above the K-th value and the selection must run again.
func TestPrincipalWeightsSampleFloor(t *testing.T) {
	m, n, r := 1100, 1000, 3
	rng := testRand(21)
	s := min(m, DefaultBlockRows, max(16, (1<<18)/n))
	sampled := map[int]bool{}
	for i := range s {
		sampled[i*m/s] = true
	}
	for _, heavy := range []bool{false, true} {
		x, y := randMatrix(m, r, rng), randMatrix(r, n, rng)
		if heavy {
			for i := range m {
				if sampled[i] {
					for j := range r {
						x[i*r+j] *= 30
					}
				}
			}
		}
		w := make([]float64, m*n)
		for i := range m {
			for j := range n {
				var v float64
				for l := range r {
					v += x[i*r+l] * y[l*n+j]
				}
				w[i*n+j] = v + 1e-3*rng.NormFloat64()
			}
		}
		kk := 40000
		p, err := PrincipalWeights(w, m, n, r, CountBudget(kk))
		require.NoError(t, err)
		tr := p.Truncation
		require.NotNil(t, tr.U)
		wr := make([]float64, m*n)
		for i := range m {
			for j := range n {
				var v float64
				for l := range tr.Rank {
					v += tr.U[i*tr.Rank+l] * tr.Sigma[l] * tr.V[j*tr.Rank+l]
				}
				wr[i*n+j] = v
			}
		}
		want, margin := topK(wr, kk)
		require.Greater(t, margin, 1e-12)
		assert.Equal(t, want, p.Indices, "heavy sampled rows %v", heavy)
		var above int
		for i, v := range wr {
			if sampled[i/n] && math.Abs(v) >= p.Threshold {
				above++
			}
		}
		if heavy {
			assert.Greater(t, above, kk*s/m*2, "the sampled rows really are heavy")
		}
	}
}

// TestNthLargest against a sort, with ties and degenerate inputs.
func TestNthLargest(t *testing.T) {
	rng := testRand(14)
	for trial := range 200 {
		n := 1 + rng.IntN(300)
		x := make([]float64, n)
		for i := range x {
			switch trial % 3 {
			case 0:
				x[i] = rng.NormFloat64()
			case 1:
				x[i] = float64(rng.IntN(4))
			default:
				x[i] = float64(i)
			}
		}
		want := slices.Clone(x)
		slices.Sort(want)
		j := rng.IntN(n)
		assert.Equal(t, want[n-1-j], nthLargest(slices.Clone(x), j), "trial %d n %d j %d", trial, n, j)
	}
}
