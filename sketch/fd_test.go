package sketch_test

import (
	"github.com/linstream/linstream/internal/racecheck"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/linstream/linstream/internal/digits"
	"github.com/linstream/linstream/sketch"
	"github.com/linstream/linstream/stream"
)

// lowRankNoise draws n×d rows: a rank-r signal with decaying strengths plus
// isotropic noise.
func lowRankNoise(rng *rand.Rand, n, d, r int, noise float64) []float64 {
	basis := make([]float64, r*d)
	for i := range basis {
		basis[i] = rng.NormFloat64()
	}
	a := make([]float64, n*d)
	for i := range n {
		row := a[i*d : (i+1)*d]
		for k := range r {
			c := rng.NormFloat64() * 10 * math.Pow(0.6, float64(k))
			for j := range d {
				row[j] += c * basis[k*d+j]
			}
		}
		for j := range d {
			row[j] += noise * rng.NormFloat64()
		}
	}
	return a
}

// gram returns AᵀA of the row-major n×d matrix a.
func gram(a []float64, d int) *mat.SymDense {
	n := len(a) / d
	var g mat.SymDense
	if n == 0 {
		return mat.NewSymDense(d, nil)
	}
	g.SymOuterK(1, mat.NewDense(n, d, slices.Clone(a)).T())
	return &g
}

// symEigs returns the eigenvalues of s in descending order.
func symEigs(t testing.TB, s mat.Symmetric) []float64 {
	var e mat.EigenSym
	require.True(t, e.Factorize(s, false))
	v := e.Values(nil)
	slices.Reverse(v)
	return v
}

// fdCheck asserts every guarantee of FD for the matrix a and the sketch f.
func fdCheck(t *testing.T, a []float64, d int, f *sketch.FrequentDirections) {
	t.Helper()
	b := f.Sketch(nil)
	ata := gram(a, d)
	btb := gram(b, d)
	var nb mat.SymDense
	nb.ScaleSym(-1, btb)
	var diff mat.SymDense
	diff.AddSym(ata, &nb)
	ev := symEigs(t, &diff)
	sv := symEigs(t, ata) // σ_i(A)²
	fro := 0.0
	for _, x := range sv {
		fro += x
	}
	tol := 1e-9 * max(sv[0], 1e-300)
	err2 := math.Max(math.Abs(ev[0]), math.Abs(ev[len(ev)-1]))

	// BᵀB ≼ AᵀA and ‖AᵀA − BᵀB‖₂ ≤ Δ.
	assert.GreaterOrEqual(t, ev[len(ev)-1], -tol, "λ_min(AᵀA − BᵀB)")
	assert.LessOrEqual(t, err2, f.Delta()+tol, "‖AᵀA − BᵀB‖₂ ≤ Δ")
	// ℓ·Δ ≤ ‖A‖²_F − ‖B‖²_F.
	bf := 0.0
	for _, x := range b {
		bf += x * x
	}
	ell := f.Ell()
	assert.LessOrEqual(t, float64(ell)*f.Delta(), f.Frobenius2()-bf+tol*float64(ell), "ℓΔ ≤ ‖A‖²_F − ‖B‖²_F")
	assert.InDelta(t, fro, f.Frobenius2(), 1e-9*fro)
	// Δ ≤ ‖A − A_k‖²_F/(ℓ − k) for every k < ℓ.
	tail := fro
	for k := 0; k < ell; k++ {
		if k > 0 && k-1 < len(sv) {
			tail -= sv[k-1]
		}
		bound := max(tail, 0) / float64(ell-k)
		assert.LessOrEqual(t, f.Delta(), bound+tol, "k = %d", k)
		assert.LessOrEqual(t, err2, bound+tol, "k = %d", k)
	}
	assert.LessOrEqual(t, f.Len(), 2*ell)
}

func writeRowByRow(t testing.TB, w stream.Writer, a []float64) {
	t.Helper()
	d := w.Cols()
	for i := 0; i < len(a); i += d {
		_, err := w.WriteRows(a[i : i+d])
		require.NoError(t, err)
	}
}

func TestFDGuarantees(t *testing.T) {
	for seed := range uint64(4) {
		rng := rand.New(rand.NewPCG(seed, 1))
		for _, c := range []struct{ n, d, r, ell int }{
			{300, 30, 5, 8}, {200, 12, 12, 4}, {150, 40, 3, 16}, {100, 3, 3, 5}, {80, 6, 6, 1}, {120, 20, 20, 2},
		} {
			a := lowRankNoise(rng, c.n, c.d, c.r, 0.5)
			f, err := sketch.NewFrequentDirections(c.d, c.ell)
			require.NoError(t, err)
			// Check at several moments mid-stream, not only at the end.
			for _, stop := range []int{c.n / 3, c.n/2 + 1, c.n} {
				writeAll(t, f, a[int(f.Seen())*c.d:stop*c.d], 7)
				fdCheck(t, a[:stop*c.d], c.d, f)
			}
			assert.Positive(t, f.Shrinks())
		}
	}
}

func TestFDDigits(t *testing.T) {
	a := slices.Clone(digits.Pixels())
	d := 64
	for _, ell := range []int{5, 10, 24} {
		f, err := sketch.NewFrequentDirections(d, ell)
		require.NoError(t, err)
		writeAll(t, f, a, 100)
		fdCheck(t, a, d, f)
		top := f.TopK(3)
		sv := symEigs(t, gram(a, d))
		for i := range 3 {
			assert.LessOrEqual(t, top.Values[i], math.Sqrt(sv[i])*(1+1e-9))
			assert.GreaterOrEqual(t, top.Upper[i], math.Sqrt(sv[i])*(1-1e-9))
		}
	}
}

func TestFDExactBelowEll(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, c := range []struct{ n, d, r, ell int }{{400, 30, 6, 8}, {300, 10, 4, 5}, {200, 50, 1, 3}} {
		a := lowRankNoise(rng, c.n, c.d, c.r, 0)
		f, err := sketch.NewFrequentDirections(c.d, c.ell)
		require.NoError(t, err)
		writeAll(t, f, a, 13)
		require.Positive(t, f.Shrinks())
		ata := gram(a, c.d)
		btb := gram(f.Sketch(nil), c.d)
		scale := symEigs(t, ata)[0]
		assert.LessOrEqual(t, f.Delta(), 1e-9*scale, "rank < ℓ: every δ is 0")
		assert.True(t, mat.EqualApprox(ata, btb, 1e-9*scale), "BᵀB = AᵀA")
	}
}

func TestFDMerge(t *testing.T) {
	for seed := range uint64(4) {
		rng := rand.New(rand.NewPCG(seed, 3))
		d, ell := 25, 6
		a := lowRankNoise(rng, 400, d, 8, 0.3)
		for _, cut := range []int{0, 10, 200, 399} {
			f1, _ := sketch.NewFrequentDirections(d, ell)
			f2, _ := sketch.NewFrequentDirections(d, ell)
			writeAll(t, f1, a[:cut*d], 32)
			writeAll(t, f2, a[cut*d:], 32)
			d1, d2 := f1.Delta(), f2.Delta()
			b2 := f2.Sketch(nil)
			require.NoError(t, f1.Merge(f2))
			assert.Equal(t, b2, f2.Sketch(nil), "other unchanged")
			assert.GreaterOrEqual(t, f1.Delta(), d1+d2)
			assert.Equal(t, int64(400), f1.Seen())
			fdCheck(t, a, d, f1)
		}
	}
	f1, _ := sketch.NewFrequentDirections(5, 3)
	f2, _ := sketch.NewFrequentDirections(5, 4)
	f3, _ := sketch.NewFrequentDirections(6, 3)
	assert.ErrorIs(t, f1.Merge(f2), sketch.ErrIncompatible)
	assert.ErrorIs(t, f1.Merge(f3), sketch.ErrIncompatible)
	require.NoError(t, f1.Merge(nil))
	a := lowRankNoise(rand.New(rand.NewPCG(1, 1)), 40, 5, 5, 1)
	writeAll(t, f1, a, 8)
	require.NoError(t, f1.Merge(f1))
	fdCheck(t, append(slices.Clone(a), a...), 5, f1)
}

func TestFDRotationEquivariance(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	d, ell := 20, 5
	a := lowRankNoise(rng, 300, d, 7, 0.5)
	// Random orthogonal Q from the QR of a Gaussian matrix.
	gd := make([]float64, d*d)
	for i := range gd {
		gd[i] = rng.NormFloat64()
	}
	var qr mat.QR
	qr.Factorize(mat.NewDense(d, d, gd))
	var q mat.Dense
	qr.QTo(&q)
	var aq mat.Dense
	aq.Mul(mat.NewDense(300, d, slices.Clone(a)), &q)

	f, _ := sketch.NewFrequentDirections(d, ell)
	fq, _ := sketch.NewFrequentDirections(d, ell)
	writeAll(t, f, a, 16)
	writeAll(t, fq, aq.RawMatrix().Data, 16)
	btb := gram(f.Sketch(nil), d)
	var want mat.Dense
	want.Product(q.T(), btb, &q)
	got := gram(fq.Sketch(nil), d)
	scale := symEigs(t, gram(a, d))[0]
	assert.True(t, mat.EqualApprox(&want, got, 1e-8*scale), "sketch(AQ)ᵀsketch(AQ) = Qᵀ BᵀB Q")
	assert.InDelta(t, f.Delta(), fq.Delta(), 1e-8*scale)
}

func TestFDMarshalResume(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	d, ell := 17, 6
	a := lowRankNoise(rng, 500, d, 9, 0.4)
	ref, _ := sketch.NewFrequentDirections(d, ell)
	writeAll(t, ref, a, 1)
	want, err := ref.MarshalBinary()
	require.NoError(t, err)

	for _, cut := range []int{0, 1, 5, 11, 12, 13, 250, 499, 500} {
		f, _ := sketch.NewFrequentDirections(d, ell)
		writeAll(t, f, a[:cut*d], 1)
		b, err := f.MarshalBinary()
		require.NoError(t, err)
		var g sketch.FrequentDirections
		require.NoError(t, g.UnmarshalBinary(b))
		again, _ := g.MarshalBinary()
		assert.Equal(t, b, again, "round trip is bit-exact")
		writeAll(t, &g, a[cut*d:], 3)
		got, _ := g.MarshalBinary()
		assert.Equal(t, want, got, "resumed at row %d equals the uninterrupted sketch bit for bit", cut)
	}
	b, _ := ref.AppendBinary([]byte{1, 2})
	assert.Equal(t, want, b[2:])

	var g sketch.FrequentDirections
	require.NoError(t, g.UnmarshalBinary(want))
	for i := range len(want) {
		assert.ErrorIs(t, g.UnmarshalBinary(want[:i]), sketch.ErrCorrupt, "truncated at %d", i)
	}
	assert.ErrorIs(t, g.UnmarshalBinary(append(slices.Clone(want), 0)), sketch.ErrCorrupt)
	bad := slices.Clone(want)
	bad[6] = 0 // ℓ = 0
	assert.ErrorIs(t, g.UnmarshalBinary(bad), sketch.ErrCorrupt)
	bad = slices.Clone(want)
	copy(bad[len(bad)-8:], []byte{0, 0, 0, 0, 0, 0, 0xf8, 0x7f}) // NaN in B
	assert.ErrorIs(t, g.UnmarshalBinary(bad), sketch.ErrCorrupt)
	got, _ := g.MarshalBinary()
	assert.Equal(t, want, got, "receiver unchanged by failed decodes")
}

func TestFDResetCloneAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	d, ell := 64, 8
	a := lowRankNoise(rng, 400, d, 20, 1)
	f, _ := sketch.NewFrequentDirections(d, ell)
	writeAll(t, f, a, 50)
	c := f.Clone()
	want, _ := f.MarshalBinary()
	f.Reset()
	assert.Equal(t, 0, f.Len())
	assert.Zero(t, f.Delta())
	got, _ := c.MarshalBinary()
	assert.Equal(t, want, got)
	writeAll(t, f, a, 50)
	got, _ = f.MarshalBinary()
	assert.Equal(t, want, got, "Reset then the same rows gives the same sketch")

	for _, s := range []*sketch.FrequentDirections{f, c} {
		s.Reset()
		i := 0
		before := s.Shrinks()
		allocs := testing.AllocsPerRun(300, func() {
			_, _ = s.WriteRows(a[(i%400)*d : (i%400+1)*d])
			i++
		})
		if !racecheck.Enabled {
			assert.Zero(t, allocs, "no allocation per row, shrinks included")
		}
		assert.Greater(t, s.Shrinks(), before+10)
	}
	// Merge does not allocate either.
	o := c.Clone()
	if allocs := testing.AllocsPerRun(5, func() { _ = f.Merge(o) }); !racecheck.Enabled {
		assert.Zero(t, allocs)
	}
}

func TestFDErrors(t *testing.T) {
	_, err := sketch.NewFrequentDirections(5, 0)
	assert.ErrorIs(t, err, sketch.ErrInvalidOption)
	_, err = sketch.NewFrequentDirections(5, 3000)
	assert.ErrorIs(t, err, sketch.ErrInvalidOption)
	_, err = sketch.NewFrequentDirections(1<<28, 4)
	assert.ErrorIs(t, err, sketch.ErrInvalidOption)
	_, err = sketch.NewFrequentDirections(5, 3, sketch.WithSeed(1))
	assert.ErrorIs(t, err, sketch.ErrInvalidOption)
	assert.Panics(t, func() { _, _ = sketch.NewFrequentDirections(0, 3) })

	f, _ := sketch.NewFrequentDirections(2, 3)
	n, err := f.WriteRows([]float64{1, 2, math.Inf(1), 0})
	assert.Equal(t, 1, n)
	assert.ErrorIs(t, err, stream.ErrNonFinite)
	assert.Equal(t, int64(1), f.Seen())
	assert.Panics(t, func() { _, _ = f.WriteRows([]float64{1}) })
	assert.Panics(t, func() { f.Sketch(make([]float64, 5)) })
	assert.Panics(t, func() { f.TopK(3) })
	assert.Panics(t, func() { f.TopK(0) })

	// Zero rows are counted, not stored.
	_, err = f.WriteRows(make([]float64, 20))
	require.NoError(t, err)
	assert.Equal(t, int64(11), f.Seen())
	assert.Equal(t, 1, f.Len())
}

func TestFDTopK(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	d, ell := 30, 10
	a := lowRankNoise(rng, 500, d, 4, 0.2)
	f, _ := sketch.NewFrequentDirections(d, ell)
	writeAll(t, f, a, 64)
	k := 3
	top := f.TopK(k)
	require.Len(t, top.Values, k)
	require.Len(t, top.Vectors, k*d)
	assert.Equal(t, f.Delta(), top.Delta)
	assert.Equal(t, int64(500), top.Rows)
	assert.GreaterOrEqual(t, top.TailBound, top.Delta)

	// Against the SVD of B itself.
	b := f.Sketch(nil)
	var svd mat.SVD
	require.True(t, svd.Factorize(mat.NewDense(f.Len(), d, b), mat.SVDThin))
	sv := svd.Values(nil)
	var v mat.Dense
	svd.VTo(&v)
	for i := range k {
		assert.InDelta(t, sv[i], top.Values[i], 1e-9*sv[0])
		dot := 0.0
		for j := range d {
			dot += v.At(j, i) * top.Vectors[i*d+j]
		}
		assert.InDelta(t, 1, math.Abs(dot), 1e-8)
		assert.InDelta(t, math.Sqrt(sv[i]*sv[i]+f.Delta()), top.Upper[i], 1e-9*sv[0])
	}
	// The true top singular values lie in [Values, Upper].
	sa := symEigs(t, gram(a, d))
	for i := range k {
		assert.LessOrEqual(t, top.Values[i], math.Sqrt(sa[i])*(1+1e-9))
		assert.GreaterOrEqual(t, top.Upper[i], math.Sqrt(sa[i])*(1-1e-9))
	}
	// Reading does not change the state.
	before, _ := f.MarshalBinary()
	_ = f.TopK(k)
	after, _ := f.MarshalBinary()
	assert.Equal(t, before, after)
}

func TestFDEqualTopValues(t *testing.T) {
	// Orthogonal rows of equal norm: the ℓ top eigenvalues tie, so a shrink
	// keeps no row at all (p = 0).
	d, ell := 6, 3
	var a []float64
	for i := range 60 {
		row := make([]float64, d)
		row[i%d] = 2
		a = append(a, row...)
	}
	f, _ := sketch.NewFrequentDirections(d, ell)
	writeRowByRow(t, f, a)
	require.Positive(t, f.Shrinks())
	fdCheck(t, a, d, f)
}

func TestFDExtremeScales(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	d, ell := 5, 2
	for _, scale := range []float64{1e-160, 1e-140, 1e-100, 1e-40, 1e40, 1e100, 1e150} {
		a := lowRankNoise(rng, 60, d, 5, 1)
		for i := range a {
			a[i] *= scale
		}
		f, _ := sketch.NewFrequentDirections(d, ell)
		writeAll(t, f, a, 7)
		assert.GreaterOrEqual(t, f.Delta(), 0.0)
		assert.False(t, math.IsNaN(f.Delta()) || math.IsInf(f.Delta(), 0), "scale %g", scale)
		for _, v := range f.Sketch(nil) {
			require.False(t, math.IsNaN(v) || math.IsInf(v, 0), "scale %g", scale)
		}
		top := f.TopK(1) // must not panic at any scale
		assert.False(t, math.IsNaN(top.Values[0]), "scale %g", scale)
		// The gonum oracle itself (EigenSym → Dsterf) panics on matrices
		// whose entries are below ~1e-123 or above ~1e153 (Dlascl is given a
		// row stride for a vector), so the dense checks run where it works.
		if scale >= 1e-40 && scale <= 1e40 {
			fdCheck(t, a, d, f)
		}
	}
	// Rows whose scales differ by 1e200 in one stream.
	a := lowRankNoise(rng, 40, d, 5, 1)
	for i := range a {
		if (i/d)%2 == 0 {
			a[i] *= 1e100
		} else {
			a[i] *= 1e-100
		}
	}
	f, _ := sketch.NewFrequentDirections(d, ell)
	writeAll(t, f, a, 3)
	for _, v := range f.Sketch(nil) {
		require.False(t, math.IsNaN(v) || math.IsInf(v, 0))
	}
}
