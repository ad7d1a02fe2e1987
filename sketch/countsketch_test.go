package sketch_test

// Tests shared by the three oblivious linear sketches (CountSketch, OSNAP,
// Gaussian): one harness, run over each. Helpers carry an "obl" prefix.

import (
	"errors"
	"github.com/linstream/linstream/internal/racecheck"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/linstream/linstream/sketch"
	"github.com/linstream/linstream/stream"
)

// oblSketch is the common surface of CountSketch, OSNAP and Gaussian.
type oblSketch interface {
	stream.Writer
	Sketch(dst []float64) []float64
	Rows() int64
	NextRow() int64
	Seed() uint64
	Reset()
	MarshalBinary() ([]byte, error)
	AppendBinary(b []byte) ([]byte, error)
	UnmarshalBinary(b []byte) error
}

type oblCase struct {
	name string
	// make builds a sketch with m rows (s non-zeros per column for OSNAP).
	make func(cols, m int, opts ...sketch.Option) (oblSketch, error)
	// dense returns S restricted to columns [0, n): m×n.
	dense func(sk oblSketch, m, n int) *mat.Dense
	merge func(a, b oblSketch) error
	clone func(a oblSketch) oblSketch
	empty func() oblSketch // zero value, for UnmarshalBinary
	// exact: updates round identically whatever the order of
	// additions of ±1·row (integer data merges bit for bit).
	exact bool
	// mTheory is the m at which the doc comment promises ε = 1/2 with
	// δ = 1/10 for d = 4.
	mTheory int
}

const oblS = 4 // OSNAP non-zeros per column in these tests

var oblCases = []oblCase{
	{
		name: "CountSketch",
		make: func(cols, m int, opts ...sketch.Option) (oblSketch, error) {
			return sketch.NewCountSketch(cols, m, opts...)
		},
		dense: func(sk oblSketch, m, n int) *mat.Dense {
			S := mat.NewDense(m, n, nil)
			for i := range n {
				b, s := sk.(*sketch.CountSketch).Column(int64(i))
				S.Set(b, i, s)
			}
			return S
		},
		merge: func(a, b oblSketch) error { return a.(*sketch.CountSketch).Merge(b.(*sketch.CountSketch)) },
		clone: func(a oblSketch) oblSketch { return a.(*sketch.CountSketch).Clone() },
		empty: func() oblSketch { return new(sketch.CountSketch) },
		exact: true,
		// (d²+d)/(ε²δ) = 20/(0.25·0.1)
		mTheory: 800,
	},
	{
		name: "OSNAP",
		make: func(cols, m int, opts ...sketch.Option) (oblSketch, error) {
			return sketch.NewOSNAP(cols, m, min(oblS, m), opts...)
		},
		dense: func(sk oblSketch, m, n int) *mat.Dense {
			o := sk.(*sketch.OSNAP)
			_, s := o.Size()
			S := mat.NewDense(m, n, nil)
			b := make([]int, s)
			v := make([]float64, s)
			for i := range n {
				o.Column(int64(i), b, v)
				for k := range s {
					S.Set(b[k], i, v[k])
				}
			}
			return S
		},
		merge:   func(a, b oblSketch) error { return a.(*sketch.OSNAP).Merge(b.(*sketch.OSNAP)) },
		clone:   func(a oblSketch) oblSketch { return a.(*sketch.OSNAP).Clone() },
		empty:   func() oblSketch { return new(sketch.OSNAP) },
		exact:   true,
		mTheory: 800,
	},
	{
		name: "Gaussian",
		make: func(cols, m int, opts ...sketch.Option) (oblSketch, error) {
			return sketch.NewGaussian(cols, m, opts...)
		},
		dense: func(sk oblSketch, m, n int) *mat.Dense {
			S := mat.NewDense(m, n, nil)
			col := make([]float64, m)
			for i := range n {
				sk.(*sketch.Gaussian).Column(int64(i), col)
				S.SetCol(i, col)
			}
			return S
		},
		merge: func(a, b oblSketch) error { return a.(*sketch.Gaussian).Merge(b.(*sketch.Gaussian)) },
		clone: func(a oblSketch) oblSketch { return a.(*sketch.Gaussian).Clone() },
		empty: func() oblSketch { return new(sketch.Gaussian) },
		// ((√4 + √(2 ln 20))/(√1.5 − 1))² = 391.9
		mTheory: 392,
	},
}

func oblMustMake(t testing.TB, c oblCase, cols, m int, opts ...sketch.Option) oblSketch {
	t.Helper()
	sk, err := c.make(cols, m, opts...)
	require.NoError(t, err)
	return sk
}

// oblRandom returns an n×d row-major matrix of N(0,1) entries.
func oblRandom(seed uint64, n, d int) []float64 {
	r := rand.New(rand.NewPCG(seed, 99))
	a := make([]float64, n*d)
	for i := range a {
		a[i] = r.NormFloat64()
	}
	return a
}

// oblWriteIn writes a in blocks of the given number of rows.
func oblWriteIn(t testing.TB, w stream.Writer, a []float64, block int) {
	t.Helper()
	d := w.Cols()
	for len(a) > 0 {
		k := min(block*d, len(a))
		n, err := w.WriteRows(a[:k])
		require.NoError(t, err)
		require.Equal(t, k/d, n)
		a = a[k:]
	}
}

func oblBits(t testing.TB, want, got []float64) {
	t.Helper()
	require.Equal(t, len(want), len(got))
	for i := range want {
		if math.Float64bits(want[i]) != math.Float64bits(got[i]) {
			t.Fatalf("entry %d: %v (%#x) != %v (%#x)", i, got[i], math.Float64bits(got[i]), want[i], math.Float64bits(want[i]))
		}
	}
}

func oblClose(t testing.TB, want, got []float64, tol float64) {
	t.Helper()
	require.Equal(t, len(want), len(got))
	var scale float64
	for _, v := range want {
		scale = max(scale, math.Abs(v))
	}
	for i := range want {
		if math.Abs(want[i]-got[i]) > tol*(1+scale) {
			t.Fatalf("entry %d: got %v, want %v (tol %g·%g)", i, got[i], want[i], tol, 1+scale)
		}
	}
}

// Sketching the identity gives S itself: check its structure and that it
// is the S Column reports.
func TestOblStructure(t *testing.T) {
	const n, m = 40, 12
	for _, c := range oblCases {
		t.Run(c.name, func(t *testing.T) {
			sk := oblMustMake(t, c, n, m, sketch.WithSeed(3))
			id := make([]float64, n*n)
			for i := range n {
				id[i*n+i] = 1
			}
			oblWriteIn(t, sk, id, 5)
			got := sk.Sketch(nil) // m×n = S
			S := c.dense(sk, m, n)
			oblClose(t, S.RawMatrix().Data, got, 1e-15)
			for i := range n {
				nnz := 0
				for r := range m {
					v := got[r*n+i]
					if v == 0 {
						continue
					}
					nnz++
					switch c.name {
					case "CountSketch":
						require.True(t, v == 1 || v == -1, "entry %v", v)
					case "OSNAP":
						require.InDelta(t, 1/math.Sqrt(oblS), math.Abs(v), 1e-15)
					}
				}
				switch c.name {
				case "CountSketch":
					require.Equal(t, 1, nnz, "column %d", i)
				case "OSNAP":
					require.Equal(t, oblS, nnz, "column %d", i)
				case "Gaussian":
					require.Equal(t, m, nnz, "column %d", i)
				}
			}
		})
	}
}

// The streamed sketch equals the dense product S·A with S built from the
// same seed, and reading it twice gives the same bits (no state change).
func TestOblDenseProduct(t *testing.T) {
	const n, d, m = 300, 5, 24
	for _, c := range oblCases {
		t.Run(c.name, func(t *testing.T) {
			a := oblRandom(1, n, d)
			sk := oblMustMake(t, c, d, m, sketch.WithSeed(11))
			oblWriteIn(t, sk, a, 37)
			var want mat.Dense
			want.Mul(c.dense(sk, m, n), mat.NewDense(n, d, a))
			got := sk.Sketch(nil)
			oblClose(t, want.RawMatrix().Data, got, 1e-12)
			oblBits(t, got, sk.Sketch(make([]float64, m*d)))
			require.Equal(t, int64(n), sk.Rows())
			require.Equal(t, int64(n), sk.NextRow())
		})
	}
}

// Same seed and rows give the same bits, whatever the block sizes; another
// seed gives another sketch.
func TestOblBlockIndependent(t *testing.T) {
	const n, d, m = 203, 6, 16
	a := oblRandom(2, n, d)
	for _, c := range oblCases {
		t.Run(c.name, func(t *testing.T) {
			var ref []float64
			for _, block := range []int{1, 3, 64, 65, 128, n} {
				sk := oblMustMake(t, c, d, m, sketch.WithSeed(5))
				oblWriteIn(t, sk, a, block)
				got := sk.Sketch(nil)
				if ref == nil {
					ref = got
					continue
				}
				oblBits(t, ref, got)
			}
			other := oblMustMake(t, c, d, m, sketch.WithSeed(6))
			oblWriteIn(t, other, a, n)
			require.NotEqual(t, ref, other.Sketch(nil))
		})
	}
}

// Shards built at their global row offsets merge into the sketch of the
// stacked matrix.
func TestOblMerge(t *testing.T) {
	const n, d, m, k = 150, 4, 20, 67
	for _, c := range oblCases {
		t.Run(c.name, func(t *testing.T) {
			for _, integer := range []bool{false, true} {
				a := oblRandom(3, n, d)
				if integer {
					for i := range a {
						a[i] = math.Round(8 * a[i])
					}
				}
				whole := oblMustMake(t, c, d, m, sketch.WithSeed(9))
				oblWriteIn(t, whole, a, 10)
				s1 := oblMustMake(t, c, d, m, sketch.WithSeed(9))
				s2 := oblMustMake(t, c, d, m, sketch.WithSeed(9), sketch.WithRowOffset(k))
				oblWriteIn(t, s1, a[:k*d], 10)
				oblWriteIn(t, s2, a[k*d:], 10)
				before := s2.Sketch(nil)
				require.NoError(t, c.merge(s1, s2))
				oblBits(t, before, s2.Sketch(nil)) // other unchanged
				require.Equal(t, int64(n), s1.Rows())
				require.Equal(t, int64(n), s1.NextRow())
				if integer && c.exact {
					oblBits(t, whole.Sketch(nil), s1.Sketch(nil))
				} else {
					oblClose(t, whole.Sketch(nil), s1.Sketch(nil), 1e-12)
				}
			}
			// Merging a sketch into itself doubles it: S(A+A).
			self := oblMustMake(t, c, d, m, sketch.WithSeed(9))
			oblWriteIn(t, self, oblRandom(3, 5, d), 5)
			once := self.Sketch(nil)
			require.NoError(t, c.merge(self, self))
			for i, v := range self.Sketch(nil) {
				require.InDelta(t, 2*once[i], v, 1e-12*(1+math.Abs(v)))
			}
			require.Equal(t, int64(10), self.Rows())

			// Incompatible: seed, m, cols.
			x := oblMustMake(t, c, d, m, sketch.WithSeed(1))
			for _, y := range []oblSketch{
				oblMustMake(t, c, d, m, sketch.WithSeed(2)),
				oblMustMake(t, c, d, m+1, sketch.WithSeed(1)),
				oblMustMake(t, c, d+1, m, sketch.WithSeed(1)),
			} {
				err := c.merge(x, y)
				require.ErrorIs(t, err, sketch.ErrIncompatible)
			}
		})
	}
}

// E[SᵀS] = I: the mean over seeds of ‖Sx‖²/‖x‖² is 1 within a CLT bound.
func TestOblUnbiased(t *testing.T) {
	const n, m, trials = 64, 16, 400
	x := oblRandom(4, n, 1)
	var xx float64
	for _, v := range x {
		xx += v * v
	}
	for _, c := range oblCases {
		t.Run(c.name, func(t *testing.T) {
			var sum, sum2 float64
			dst := make([]float64, m)
			for seed := range uint64(trials) {
				sk := oblMustMake(t, c, 1, m, sketch.WithSeed(seed))
				oblWriteIn(t, sk, x, n)
				var r float64
				for _, v := range sk.Sketch(dst) {
					r += v * v
				}
				r /= xx
				sum += r
				sum2 += r * r
			}
			mean := sum / trials
			sd := math.Sqrt(sum2/trials - mean*mean)
			t.Logf("mean %.4f, sd %.4f, bound ±%.4f", mean, sd, 4*sd/math.Sqrt(trials))
			assert.InDelta(t, 1, mean, 4*sd/math.Sqrt(trials))
		})
	}
}

// oblOrthonormal returns an n×d matrix with orthonormal columns (QR of a
// Gaussian matrix).
func oblOrthonormal(seed uint64, n, d int) *mat.Dense {
	var qr mat.QR
	qr.Factorize(mat.NewDense(n, d, oblRandom(seed, n, d)))
	var q mat.Dense
	qr.QTo(&q)
	return mat.DenseCopyOf(q.Slice(0, n, 0, d))
}

// At the m the doc comments state (d = 4, ε = 1/2, δ = 1/10), S embeds a
// fixed 4-dimensional subspace with max|σ_k(SU)² − 1| ≤ ε in at least 90%
// of 20 seeds.
func TestOblDistortion(t *testing.T) {
	const n, d, eps, seeds = 200, 4, 0.5, 20
	U := oblOrthonormal(5, n, d)
	u := U.RawMatrix().Data
	for _, c := range oblCases {
		t.Run(c.name, func(t *testing.T) {
			ok := 0
			var worst float64
			for seed := range uint64(seeds) {
				sk := oblMustMake(t, c, d, c.mTheory, sketch.WithSeed(seed))
				oblWriteIn(t, sk, u, 64)
				var svd mat.SVD
				require.True(t, svd.Factorize(mat.NewDense(c.mTheory, d, sk.Sketch(nil)), mat.SVDNone))
				dist := 0.0
				for _, s := range svd.Values(nil) {
					dist = max(dist, math.Abs(s*s-1))
				}
				worst = max(worst, dist)
				if dist <= eps {
					ok++
				}
			}
			t.Logf("m = %d: %d/%d seeds within ε = %g (worst %.3f)", c.mTheory, ok, seeds, eps, worst)
			require.GreaterOrEqual(t, ok, seeds*9/10)
		})
	}
}

func TestOblZeroAllocs(t *testing.T) {
	const d, m = 32, 8
	a := oblRandom(6, 100, d)
	for _, c := range oblCases {
		t.Run(c.name, func(t *testing.T) {
			if racecheck.Enabled && c.name == "Gaussian" {
				t.Skip("Gaussian goes through GemmTN, whose pooled scratch the race detector drops")
			}
			sk := oblMustMake(t, c, d, m)
			dst := make([]float64, m*d)
			allocs := testing.AllocsPerRun(20, func() {
				_, _ = sk.WriteRows(a[:d]) // one row
				_, _ = sk.WriteRows(a[d:]) // a block
				_ = sk.Sketch(dst)
			})
			require.Zero(t, allocs)
			allocs = testing.AllocsPerRun(5, sk.Reset)
			require.Zero(t, allocs)
		})
	}
}

// A checkpoint taken mid-stream resumes to the same bits as an
// uninterrupted run; Clone is deep; Reset returns to the start.
func TestOblCheckpointCloneReset(t *testing.T) {
	const n, d, m, k = 150, 3, 10, 71 // k: not a multiple of 64
	a := oblRandom(7, n, d)
	for _, c := range oblCases {
		t.Run(c.name, func(t *testing.T) {
			whole := oblMustMake(t, c, d, m, sketch.WithSeed(2), sketch.WithRowOffset(1000))
			oblWriteIn(t, whole, a, 16)

			part := oblMustMake(t, c, d, m, sketch.WithSeed(2), sketch.WithRowOffset(1000))
			oblWriteIn(t, part, a[:k*d], 16)
			b, err := part.MarshalBinary()
			require.NoError(t, err)
			b2, err := part.AppendBinary([]byte("xyz"))
			require.NoError(t, err)
			require.Equal(t, b, b2[3:])

			resumed := c.empty()
			require.NoError(t, resumed.UnmarshalBinary(b))
			require.Equal(t, int64(1000+k), resumed.NextRow())
			cl := c.clone(resumed)
			oblWriteIn(t, resumed, a[k*d:], 5)
			oblBits(t, whole.Sketch(nil), resumed.Sketch(nil))
			oblBits(t, part.Sketch(nil), cl.Sketch(nil)) // clone unaffected

			resumed.Reset()
			require.Equal(t, int64(1000), resumed.NextRow())
			require.Zero(t, resumed.Rows())
			oblWriteIn(t, resumed, a, 64)
			oblBits(t, whole.Sketch(nil), resumed.Sketch(nil))
		})
	}
}

// Corrupted and truncated encodings are refused with ErrCorrupt and leave
// the receiver unchanged.
func TestOblUnmarshalCorrupt(t *testing.T) {
	const d, m = 3, 5
	a := oblRandom(8, 9, d)
	for _, c := range oblCases {
		t.Run(c.name, func(t *testing.T) {
			src := oblMustMake(t, c, d, m, sketch.WithSeed(4))
			oblWriteIn(t, src, a, 9)
			good, err := src.MarshalBinary()
			require.NoError(t, err)

			recv := oblMustMake(t, c, 2, 3, sketch.WithSeed(77))
			oblWriteIn(t, recv, a[:6], 2)
			want, _ := recv.MarshalBinary()
			check := func(b []byte) {
				t.Helper()
				err := recv.UnmarshalBinary(b)
				require.Error(t, err)
				require.ErrorIs(t, err, sketch.ErrCorrupt)
				got, _ := recv.MarshalBinary()
				require.Equal(t, want, got, "receiver changed")
			}
			for k := range len(good) {
				check(good[:k])
			}
			check(append(good[:len(good):len(good)], 0))
			for _, off := range []int{0, 4, 5} { // magic, kind, version
				b := append([]byte(nil), good...)
				b[off] ^= 0xff
				check(b)
			}
			// Absurd sizes: cols and m fields are the first two after the header.
			for _, off := range []int{6, 14} {
				b := append([]byte(nil), good...)
				b[off+7] = 0x7f
				check(b)
				b[off+7] = 0xff // negative
				check(b)
			}
			// Every single-byte flip either fails cleanly or decodes.
			for k := range good {
				b := append([]byte(nil), good...)
				b[k] ^= 0x55
				if err := recv.UnmarshalBinary(b); err != nil {
					require.ErrorIs(t, err, sketch.ErrCorrupt)
					got, _ := recv.MarshalBinary()
					require.Equal(t, want, got)
				} else {
					require.NoError(t, recv.UnmarshalBinary(want))
				}
			}
		})
	}
}

func TestOblNonFinite(t *testing.T) {
	const d, m = 4, 6
	for _, c := range oblCases {
		t.Run(c.name, func(t *testing.T) {
			for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
				a := oblRandom(9, 10, d)
				a[6*d+2] = bad
				sk := oblMustMake(t, c, d, m, sketch.WithSeed(1))
				n, err := sk.WriteRows(a)
				require.ErrorIs(t, err, stream.ErrNonFinite)
				require.Equal(t, 6, n)
				require.Equal(t, int64(6), sk.Rows())
				var de *stream.DataError
				require.True(t, errors.As(err, &de))
				require.Equal(t, int64(7), de.Row)
				ref := oblMustMake(t, c, d, m, sketch.WithSeed(1))
				oblWriteIn(t, ref, a[:6*d], 6)
				oblBits(t, ref.Sketch(nil), sk.Sketch(nil))
			}
			sk := oblMustMake(t, c, d, m)
			require.Panics(t, func() { _, _ = sk.WriteRows(make([]float64, d+1)) })
			require.Panics(t, func() { sk.Sketch(make([]float64, 1)) })
			require.PanicsWithValue(t, "sketch: "+c.name+".WriteRows on a zero "+c.name+": build it with New"+c.name+" or UnmarshalBinary",
				func() { _, _ = c.empty().WriteRows(nil) })
		})
	}
}

func TestOblOptions(t *testing.T) {
	for _, c := range oblCases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.make(4, 0)
			require.ErrorIs(t, err, sketch.ErrInvalidOption)
			_, err = c.make(4, 1<<28)
			require.ErrorIs(t, err, sketch.ErrInvalidOption)
			_, err = c.make(4, 8, sketch.WithRowOffset(-1))
			require.ErrorIs(t, err, sketch.ErrInvalidOption)
			_, err = c.make(4, 8, sketch.WithCapacity(3))
			require.ErrorIs(t, err, sketch.ErrInvalidOption)
			require.Panics(t, func() { _, _ = c.make(0, 8) })
			sk := oblMustMake(t, c, 4, 8, sketch.WithSeed(42), sketch.WithRowOffset(7))
			require.Equal(t, uint64(42), sk.Seed())
			require.Equal(t, int64(7), sk.NextRow())
			require.Equal(t, 4, sk.Cols())

			// Stream indices stop at 2⁶².
			last := oblMustMake(t, c, 2, 8, sketch.WithRowOffset(1<<62-1))
			n, err := last.WriteRows([]float64{1, 2, 3, 4})
			require.ErrorIs(t, err, stream.ErrTooLarge)
			require.Equal(t, 1, n)
			require.Equal(t, int64(1<<62), last.NextRow())
			_, err = c.make(4, 8, sketch.WithRowOffset(1<<62+1))
			require.ErrorIs(t, err, sketch.ErrInvalidOption)
		})
	}
	_, err := sketch.NewOSNAP(4, 3, 4)
	require.ErrorIs(t, err, sketch.ErrInvalidOption)
	_, err = sketch.NewOSNAP(4, 3, 0)
	require.ErrorIs(t, err, sketch.ErrInvalidOption)
}

func TestCountSketchColumn(t *testing.T) {
	cs, err := sketch.NewCountSketch(2, 7, sketch.WithSeed(1))
	require.NoError(t, err)
	seen := map[int]bool{}
	for i := range int64(200) {
		b, s := cs.Column(i)
		require.True(t, b >= 0 && b < 7)
		require.True(t, s == 1 || s == -1)
		seen[b] = true
	}
	require.Len(t, seen, 7)
	require.Panics(t, func() { cs.Column(-1) })
}

func TestOblMergeNil(t *testing.T) {
	cs, _ := sketch.NewCountSketch(2, 3)
	require.NoError(t, cs.Merge(nil))
	o, _ := sketch.NewOSNAP(2, 3, 2)
	require.NoError(t, o.Merge(nil))
	g, _ := sketch.NewGaussian(2, 3)
	require.NoError(t, g.Merge(nil))
}
