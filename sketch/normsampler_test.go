package sketch_test

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/sketch"
	"github.com/linstream/linstream/stream"
)

func nsMake(t testing.TB, cols, c int, opts ...sketch.Option) *sketch.NormSampler {
	t.Helper()
	s, err := sketch.NewNormSampler(cols, c, opts...)
	require.NoError(t, err)
	return s
}

// nsStream is a small stream with varied squared norms, zero rows included.
func nsStream() (a []float64, w []float64) {
	const d = 2
	rows := [][d]float64{{1, 0}, {0, 2}, {0, 0}, {1, 1}, {3, 0}, {0.5, 0.5}, {2, 2}, {0, 0.1}, {1, -2}, {0, 0}, {-1, 0}, {4, 1}}
	for _, r := range rows {
		a = append(a, r[:]...)
		w = append(w, r[0]*r[0]+r[1]*r[1])
	}
	return a, w
}

// nsChi2 returns the chi-square statistic of counts against probabilities
// p (cells with p = 0 must have count 0) and the degrees of freedom.
func nsChi2(t testing.TB, counts []float64, p []float64) (chi float64, df int) {
	t.Helper()
	var total float64
	for _, c := range counts {
		total += c
	}
	for i, c := range counts {
		if p[i] == 0 {
			require.Zero(t, c, "row %d has probability 0 but was drawn", i)
			continue
		}
		e := total * p[i]
		chi += (c - e) * (c - e) / e
		df++
	}
	return chi, df - 1
}

// chi2Crit999 holds the 99.9% quantiles of chi-square by degrees of freedom.
var chi2Crit999 = map[int]float64{8: 26.12, 9: 27.88}

// Over 10⁴ seeds × 4 slots, the drawn rows follow ‖a_i‖²/‖A‖²_F: chi-square
// below its 99.9% quantile, written whole, row by row, and as merged shards.
func TestNormSamplerInclusionChi2(t *testing.T) {
	const d, c, trials = 2, 4, 10000
	a, w := nsStream()
	n := len(w)
	var W float64
	for _, v := range w {
		W += v
	}
	p := make([]float64, n)
	for i, v := range w {
		p[i] = v / W
	}
	idx := make([]int64, c)
	for _, mode := range []string{"whole", "rows", "merged"} {
		t.Run(mode, func(t *testing.T) {
			counts := make([]float64, n)
			pairs := 0.0 // slots 0 and 1 holding the same row
			for seed := range uint64(trials) {
				var s *sketch.NormSampler
				switch mode {
				case "whole":
					s = nsMake(t, d, c, sketch.WithSeed(seed))
					oblWriteIn(t, s, a, n)
				case "rows":
					s = nsMake(t, d, c, sketch.WithSeed(seed))
					oblWriteIn(t, s, a, 1)
				case "merged":
					s = nsMake(t, d, c, sketch.WithSeed(seed))
					s2 := nsMake(t, d, c, sketch.WithSeed(seed), sketch.WithRowOffset(5))
					oblWriteIn(t, s, a[:5*d], 2)
					oblWriteIn(t, s2, a[5*d:], 3)
					require.NoError(t, s.Merge(s2))
					require.Equal(t, int64(n), s.Rows())
				}
				for _, i := range s.Indices(idx) {
					counts[i]++
				}
				if idx[0] == idx[1] {
					pairs++
				}
			}
			chi, df := nsChi2(t, counts, p)
			t.Logf("chi-square %.2f with %d degrees of freedom", chi, df)
			require.Less(t, chi, chi2Crit999[df])
			// Independent slots: P(same row) = Σ p_i².
			var q float64
			for _, v := range p {
				q += v * v
			}
			assert.InDelta(t, q*trials, pairs, 4*math.Sqrt(trials*q*(1-q)))
		})
	}
}

// E[BᵀB] = AᵀA: mean over seeds within a CLT bound, entry by entry.
func TestNormSamplerUnbiased(t *testing.T) {
	const d, c, trials = 2, 3, 3000
	a, w := nsStream()
	n := len(w)
	var ata [d * d]float64
	for i := range n {
		for j := range d {
			for k := range d {
				ata[j*d+k] += a[i*d+j] * a[i*d+k]
			}
		}
	}
	var sum, sum2 [d * d]float64
	b := make([]float64, c*d)
	for seed := range uint64(trials) {
		s := nsMake(t, d, c, sketch.WithSeed(seed+1e6))
		oblWriteIn(t, s, a, 4)
		s.Sample(b)
		var btb [d * d]float64
		for r := range c {
			for j := range d {
				for k := range d {
					btb[j*d+k] += b[r*d+j] * b[r*d+k]
				}
			}
		}
		for e, v := range btb {
			sum[e] += v
			sum2[e] += v * v
		}
	}
	for e := range ata {
		mean := sum[e] / trials
		sd := math.Sqrt(sum2[e]/trials - mean*mean)
		assert.InDelta(t, ata[e], mean, 4*sd/math.Sqrt(trials)+1e-12, "entry %d", e)
	}
}

func TestNormSamplerSample(t *testing.T) {
	const d, c = 2, 5
	a, w := nsStream()
	var W float64
	for _, v := range w {
		W += v
	}
	s := nsMake(t, d, c, sketch.WithSeed(3))
	// Before any row of positive norm: empty slots.
	_, err := s.WriteRows([]float64{0, 0, 0, 0})
	require.NoError(t, err)
	require.Equal(t, []int64{-1, -1, -1, -1, -1}, s.Indices(nil))
	require.Equal(t, make([]float64, c*d), s.Sample(nil))
	s.Reset()

	oblWriteIn(t, s, a, 5)
	require.InDelta(t, W, s.FrobeniusSq(), 1e-12)
	b := s.Sample(nil)
	for j, i := range s.Indices(nil) {
		require.GreaterOrEqual(t, i, int64(0))
		f := math.Sqrt(W / (c * w[i]))
		require.InDelta(t, a[i*d]*f, b[j*d], 1e-12)
		require.InDelta(t, a[i*d+1]*f, b[j*d+1], 1e-12)
	}
	// Reading does not change the state.
	oblBits(t, b, s.Sample(make([]float64, c*d)))
	require.Panics(t, func() { s.Sample(make([]float64, 3)) })
	require.Panics(t, func() { s.Indices(make([]int64, 3)) })
}

func TestNormSamplerBlockIndependent(t *testing.T) {
	const d, c = 8, 16
	a := oblRandom(12, 500, d)
	var ref []float64
	var refIdx []int64
	for _, block := range []int{1, 7, 64, 500} {
		s := nsMake(t, d, c, sketch.WithSeed(4))
		oblWriteIn(t, s, a, block)
		if ref == nil {
			ref, refIdx = s.Sample(nil), s.Indices(nil)
			continue
		}
		oblBits(t, ref, s.Sample(nil))
		require.Equal(t, refIdx, s.Indices(nil))
	}
	other := nsMake(t, d, c, sketch.WithSeed(5))
	oblWriteIn(t, other, a, 500)
	require.NotEqual(t, refIdx, other.Indices(nil))
}

func TestNormSamplerCheckpointCloneReset(t *testing.T) {
	const d, c, n, k = 3, 6, 200, 77
	a := oblRandom(13, n, d)
	whole := nsMake(t, d, c, sketch.WithSeed(8), sketch.WithRowOffset(50))
	oblWriteIn(t, whole, a, 9)

	part := nsMake(t, d, c, sketch.WithSeed(8), sketch.WithRowOffset(50))
	oblWriteIn(t, part, a[:k*d], 9)
	b, err := part.MarshalBinary()
	require.NoError(t, err)
	var resumed sketch.NormSampler
	require.NoError(t, resumed.UnmarshalBinary(b))
	cl := resumed.Clone()
	oblWriteIn(t, &resumed, a[k*d:], 4)
	oblBits(t, whole.Sample(nil), resumed.Sample(nil))
	require.Equal(t, whole.Indices(nil), resumed.Indices(nil))
	require.Equal(t, whole.FrobeniusSq(), resumed.FrobeniusSq())
	oblBits(t, part.Sample(nil), cl.Sample(nil))

	resumed.Reset()
	require.Equal(t, int64(50), resumed.NextRow())
	oblWriteIn(t, &resumed, a, 200)
	oblBits(t, whole.Sample(nil), resumed.Sample(nil))
}

func TestNormSamplerUnmarshalCorrupt(t *testing.T) {
	const d, c = 2, 3
	a, _ := nsStream()
	src := nsMake(t, d, c, sketch.WithSeed(4))
	oblWriteIn(t, src, a, 3)
	good, err := src.MarshalBinary()
	require.NoError(t, err)
	empty, err := nsMake(t, d, c).MarshalBinary()
	require.NoError(t, err)

	recv := nsMake(t, 3, 2, sketch.WithSeed(77))
	oblWriteIn(t, recv, oblRandom(1, 5, 3), 2)
	want, _ := recv.MarshalBinary()
	check := func(b []byte) {
		t.Helper()
		err := recv.UnmarshalBinary(b)
		require.ErrorIs(t, err, sketch.ErrCorrupt)
		got, _ := recv.MarshalBinary()
		require.Equal(t, want, got, "receiver changed")
	}
	for _, enc := range [][]byte{good, empty} {
		for k := range len(enc) {
			check(enc[:k])
		}
		check(append(enc[:len(enc):len(enc)], 0))
		for k := range enc {
			b := append([]byte(nil), enc...)
			b[k] ^= 0x55
			if err := recv.UnmarshalBinary(b); err != nil {
				require.ErrorIs(t, err, sketch.ErrCorrupt)
				got, _ := recv.MarshalBinary()
				require.Equal(t, want, got)
			} else {
				require.NoError(t, recv.UnmarshalBinary(want))
			}
		}
	}
	// A held row altered without its recorded norm.
	b := append([]byte(nil), good...)
	b[len(b)-1] ^= 0x40
	check(b)
	// A huge slot count with few bytes.
	b = append([]byte(nil), good...)
	b[14+6] = 0x10
	check(b)
}

func TestNormSamplerErrors(t *testing.T) {
	const d = 3
	s := nsMake(t, d, 4, sketch.WithSeed(1))
	a := oblRandom(14, 10, d)
	a[4*d+1] = math.NaN()
	n, err := s.WriteRows(a)
	require.ErrorIs(t, err, stream.ErrNonFinite)
	require.Equal(t, 4, n)
	require.Equal(t, int64(4), s.Rows())
	var de *stream.DataError
	require.True(t, errors.As(err, &de))
	require.Equal(t, int64(5), de.Row)

	s.Reset()
	n, err = s.WriteRows([]float64{1e200, 0, 0, 1, 1, 1})
	require.ErrorIs(t, err, stream.ErrNonFinite)
	require.Zero(t, n)
	require.Contains(t, err.Error(), "overflows")

	last := nsMake(t, 2, 3, sketch.WithRowOffset(1<<62-1))
	n, err = last.WriteRows([]float64{1, 2, 3, 4})
	require.ErrorIs(t, err, stream.ErrTooLarge)
	require.Equal(t, 1, n)
	require.Equal(t, int64(1), last.Rows())

	_, err = sketch.NewNormSampler(d, 0)
	require.ErrorIs(t, err, sketch.ErrInvalidOption)
	_, err = sketch.NewNormSampler(d, 4, sketch.WithCapacity(2))
	require.ErrorIs(t, err, sketch.ErrInvalidOption)
	require.Panics(t, func() { _, _ = sketch.NewNormSampler(0, 4) })
	require.Panics(t, func() { _, _ = s.WriteRows(make([]float64, 4)) })

	for _, o := range []*sketch.NormSampler{nsMake(t, d, 5, sketch.WithSeed(1)), nsMake(t, d+1, 4, sketch.WithSeed(1)), nsMake(t, d, 4, sketch.WithSeed(2))} {
		require.ErrorIs(t, s.Merge(o), sketch.ErrIncompatible)
	}
	require.NoError(t, s.Merge(nil))
}

func TestNormSamplerZeroAllocs(t *testing.T) {
	const d, c = 64, 32
	a := oblRandom(15, 100, d)
	s := nsMake(t, d, c)
	dst := make([]float64, c*d)
	idx := make([]int64, c)
	allocs := testing.AllocsPerRun(20, func() {
		_, _ = s.WriteRows(a[:d])
		_, _ = s.WriteRows(a[d:])
		s.Sample(dst)
		s.Indices(idx)
	})
	require.Zero(t, allocs)
	require.Zero(t, testing.AllocsPerRun(5, s.Reset))
}

// The stated error: E‖AᵀA − BᵀB‖²_F = (‖A‖⁴_F − ‖AᵀA‖²_F)/c ≤ ‖A‖⁴_F/c for
// c independent draws. The mean over 300 seeds matches the exact value
// within a CLT bound (which needs the slots to be independent) and stays
// under the stated bound.
func TestNormSamplerFrobeniusError(t *testing.T) {
	const n, d, c, trials = 120, 6, 20, 300
	a := oblRandom(16, n, d)
	for i := range 10 { // a few heavy rows
		for j := range d {
			a[i*7*d+j] *= 5
		}
	}
	ata := make([]float64, d*d)
	var W float64
	for i := range n {
		for j := range d {
			W += a[i*d+j] * a[i*d+j]
			for k := range d {
				ata[j*d+k] += a[i*d+j] * a[i*d+k]
			}
		}
	}
	var ata2 float64
	for _, v := range ata {
		ata2 += v * v
	}
	exact := (W*W - ata2) / c
	b := make([]float64, c*d)
	var sum, sum2 float64
	for seed := range uint64(trials) {
		s := nsMake(t, d, c, sketch.WithSeed(seed+7e6))
		oblWriteIn(t, s, a, 16)
		s.Sample(b)
		var e float64
		for j := range d {
			for k := range d {
				var v float64
				for r := range c {
					v += b[r*d+j] * b[r*d+k]
				}
				e += (v - ata[j*d+k]) * (v - ata[j*d+k])
			}
		}
		sum += e
		sum2 += e * e
	}
	mean := sum / trials
	sd := math.Sqrt(sum2/trials - mean*mean)
	t.Logf("mean %.4g, exact %.4g ± %.3g, bound ‖A‖⁴_F/c = %.4g", mean, exact, 4*sd/math.Sqrt(trials), W*W/c)
	assert.InDelta(t, exact, mean, 4*sd/math.Sqrt(trials))
	assert.Less(t, mean, W*W/c)
}
