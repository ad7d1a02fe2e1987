package kernel

import (
	"fmt"
	"github.com/linstream/linstream/internal/racecheck"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests compare every implementation this CPU runs (Impls: the
// assembly bodies and the generic Go bodies, in one binary through Use)
// against a compensated reference, within the bound of the package
// documentation:
//
//	|ĉ − c| ≤ (k+2)·2⁻⁵²·(|α|·Σ|a_l·b_l| + |β·c₀|)
//
// The reference is computed with error-free transformations (TwoProduct by
// FMA, TwoSum), so it is within about 2⁻⁵³·|c| of the exact value; the
// tests therefore allow (k+3)·2⁻⁵² instead of (k+2)·2⁻⁵².

// sentinel marks memory a kernel must not touch; its payload is compared bit
// for bit.
var sentinel = math.Float64frombits(0x7ff8dead0000beef)

func isSentinel(v float64) bool { return math.Float64bits(v) == 0x7ff8dead0000beef }

// forEachImpl runs f once per available implementation, installed.
func forEachImpl(t *testing.T, f func(t *testing.T, impl string)) {
	t.Helper()
	for _, name := range Impls() {
		t.Run(name, func(t *testing.T) {
			defer Use(name)()
			f(t, name)
		})
	}
}

// refSum accumulates Σ p_l exactly enough (Ogita–Rump–Oishi Sum2/Dot2) and
// Σ|p_l|.
type refSum struct{ s, c, abs float64 }

func (r *refSum) addProd(a, b float64) {
	p := a * b
	e := math.FMA(a, b, -p)
	r.add(p)
	r.c += e
	r.abs += math.Abs(p)
}

func (r *refSum) add(v float64) {
	s := r.s + v
	bb := s - r.s
	r.c += (r.s - (s - bb)) + (v - bb)
	r.s = s
}

func (r *refSum) value() float64 { return r.s + r.c }

// bound is the tolerance the tests use for an entry α·Σp + β·c₀ with k
// terms: (k+3)·2⁻⁵²·(|α|·Σ|p| + |β·c₀|).
func bound(k int, alpha, absSum, beta, c0 float64) float64 {
	t := math.Abs(alpha) * absSum
	if beta != 0 {
		t += math.Abs(beta * c0)
	}
	return float64(k+3) * 0x1p-52 * t
}

// refEntry returns the reference α·S + β·c₀ and its tolerance.
func refEntry(r *refSum, k int, alpha, beta, c0 float64) (float64, float64) {
	v := alpha * r.value()
	if beta != 0 {
		v = math.FMA(beta, c0, v)
	}
	return v, bound(k, alpha, r.abs, beta, c0)
}

// randVal returns a value with some dynamic range and occasional exact
// zeros.
func randVal(rng *rand.Rand) float64 {
	if rng.IntN(16) == 0 {
		return 0
	}
	return (2*rng.Float64() - 1) * math.Ldexp(1, rng.IntN(7)-3)
}

// gmat is a row-major matrix inside a sentinel-filled buffer: off guard
// elements before it, guard elements after it, and sentinels in the gaps
// between rows when ld > cols.
type gmat struct {
	buf              []float64
	off, rows, cols  int
	ld               int
	orig             []float64 // copy of buf after filling
	outUpper, output bool      // which elements a kernel may write
}

const guard = 7

func newGMat(rng *rand.Rand, rows, cols, extra, off int) *gmat {
	ld := max(cols, 1) + extra
	size := 0
	if rows > 0 {
		size = (rows-1)*ld + cols
	}
	g := &gmat{buf: make([]float64, off+size+guard), off: off, rows: rows, cols: cols, ld: ld}
	for i := range g.buf {
		g.buf[i] = sentinel
	}
	for i := range rows {
		for j := range cols {
			g.buf[off+i*ld+j] = randVal(rng)
		}
	}
	g.orig = append([]float64(nil), g.buf...)
	return g
}

// data is the slice handed to a kernel: exactly as long as the shape needs.
func (g *gmat) data() []float64 {
	size := 0
	if g.rows > 0 {
		size = (g.rows-1)*g.ld + g.cols
	}
	return g.buf[g.off : g.off+size : g.off+size]
}

func (g *gmat) at(i, j int) float64     { return g.buf[g.off+i*g.ld+j] }
func (g *gmat) orAt(i, j int) float64   { return g.orig[g.off+i*g.ld+j] }
func (g *gmat) reset()                  { copy(g.buf, g.orig) }
func (g *gmat) set(i, j int, v float64) { g.buf[g.off+i*g.ld+j] = v; g.orig[g.off+i*g.ld+j] = v }

// checkUntouched fails unless every element outside the kernel's output is
// bit-identical to what it was before the call. inOut reports whether
// element (i, j) of the matrix is an output.
func (g *gmat) checkUntouched(t *testing.T, what string, inOut func(i, j int) bool) {
	t.Helper()
	for p := range g.buf {
		q := p - g.off
		if q >= 0 && q < len(g.data()) && q%g.ld < g.cols && inOut != nil && inOut(q/g.ld, q%g.ld) {
			continue
		}
		if math.Float64bits(g.buf[p]) != math.Float64bits(g.orig[p]) {
			t.Fatalf("%s: element %d of the buffer (offset %d, ld %d) changed from %v to %v", what, p, g.off, g.ld, g.orig[p], g.buf[p])
		}
	}
}

// scalars are the α and β values every kernel is tried with.
var scalars = []float64{0, 1, -1, 0.75, -3.5}

func TestImpls(t *testing.T) {
	names := Impls()
	require.NotEmpty(t, names)
	assert.Equal(t, "generic", names[len(names)-1])
	assert.Equal(t, names[0], Impl(), "the best implementation is installed at start-up")
	restore := Use("generic")
	assert.Equal(t, "generic", Impl())
	restore()
	assert.Equal(t, names[0], Impl())
	assert.PanicsWithValue(t, fmt.Sprintf("kernel: implementation %q not available (have %v)", "sse9", names), func() { Use("sse9") })
}

func TestDot(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	forEachImpl(t, func(t *testing.T, impl string) {
		for n := range 68 {
			for off := range 2 {
				x := newGMat(rng, 1, n, 0, off)
				y := newGMat(rng, 1, n, 0, 1-off)
				var r refSum
				for i := range n {
					r.addProd(x.at(0, i), y.at(0, i))
				}
				want, tol := refEntry(&r, n, 1, 0, 0)
				got := Dot(x.data(), y.data())
				require.InDelta(t, want, got, tol, "n=%d off=%d", n, off)
				require.InDelta(t, dotGeneric(x.data(), y.data()), got, 2*tol, "n=%d off=%d: against the generic body", n, off)
				x.checkUntouched(t, "x", nil)
				y.checkUntouched(t, "y", nil)
			}
		}
		for _, n := range []int{100, 255, 256, 257, 1000, 1031} {
			x := newGMat(rng, 1, n, 0, 1)
			y := newGMat(rng, 1, n, 0, 0)
			var r refSum
			for i := range n {
				r.addProd(x.at(0, i), y.at(0, i))
			}
			want, tol := refEntry(&r, n, 1, 0, 0)
			require.InDelta(t, want, Dot(x.data(), y.data()), tol, "n=%d", n)
		}
		// Non-finite entries propagate.
		for n := 1; n < 40; n++ {
			x := make([]float64, n)
			y := make([]float64, n)
			for i := range x {
				x[i], y[i] = 1, 1
			}
			x[n/2] = math.Inf(1)
			assert.True(t, math.IsInf(Dot(x, y), 1), "n=%d", n)
			y[n-1] = math.NaN()
			assert.True(t, math.IsNaN(Dot(x, y)), "n=%d", n)
		}
	})
}

func TestAxpyAxpByScal(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	forEachImpl(t, func(t *testing.T, impl string) {
		betas := scalars
		if racecheck.Enabled {
			betas = []float64{0, 1, -3.5}
		}
		for n := range 68 {
			for _, alpha := range scalars {
				for _, beta := range betas {
					off := (3*n + int(alpha) + 8) % 8
					x := newGMat(rng, 1, n, 0, off)
					y := newGMat(rng, 1, n, 0, (n+int(beta)+8)%8)
					if beta == 0 && n > 0 {
						y.set(0, n-1, math.NaN()) // AxpBy with β = 0 must overwrite it
					}
					AxpBy(alpha, x.data(), beta, y.data())
					for i := range n {
						var r refSum
						r.addProd(alpha, x.at(0, i))
						want, tol := refEntry(&r, 1, 1, beta, y.orAt(0, i))
						require.InDelta(t, want, y.at(0, i), tol, "AxpBy n=%d α=%v β=%v i=%d", n, alpha, beta, i)
					}
					x.checkUntouched(t, "x", nil)
					y.checkUntouched(t, "y", func(int, int) bool { return true })
					if beta == 0 {
						continue
					}
					y.reset()
					Axpy(alpha, x.data(), y.data())
					for i := range n {
						var r refSum
						r.addProd(alpha, x.at(0, i))
						want, tol := refEntry(&r, 1, 1, 1, y.orAt(0, i))
						require.InDelta(t, want, y.at(0, i), tol, "Axpy n=%d α=%v i=%d", n, alpha, i)
					}
					y.checkUntouched(t, "y", func(int, int) bool { return true })
				}
				// Scal is exact: one rounded multiply per element.
				x := newGMat(rng, 1, n, 0, (n+int(alpha)+8)%8)
				Scal(alpha, x.data())
				for i := range n {
					require.Equal(t, alpha*x.orAt(0, i), x.at(0, i), "Scal n=%d α=%v", n, alpha)
				}
				x.checkUntouched(t, "x", func(int, int) bool { return true })
			}
		}
	})
}

// bigNorm is √(Σx²) in 300-bit arithmetic (big.Float has no exponent
// limits worth worrying about here).
func bigNorm(x []float64) float64 {
	s := new(big.Float).SetPrec(300)
	for _, v := range x {
		b := new(big.Float).SetPrec(300).SetFloat64(v)
		s.Add(s, b.Mul(b, b))
	}
	f, _ := s.Sqrt(s).Float64()
	return f
}

func TestNrm2(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	forEachImpl(t, func(t *testing.T, impl string) {
		scales := []float64{1, 1e300, 1e-300, 1e306, 0x1p-1074, 0x1p-1060, 1e155, 1e-160}
		for n := range 68 {
			for _, sc := range scales {
				x := make([]float64, n)
				for i := range x {
					x[i] = randVal(rng) * sc
				}
				got := Nrm2(x)
				want := bigNorm(x)
				tol := float64(2*n+4) * 0x1p-52 * want
				require.False(t, math.IsInf(got, 0) || math.IsNaN(got), "n=%d scale=%g", n, sc)
				require.InDelta(t, want, got, tol, "n=%d scale=%g", n, sc)
			}
		}
		assert.Equal(t, 0.0, Nrm2(nil))
		assert.Equal(t, math.MaxFloat64, Nrm2([]float64{0, -math.MaxFloat64, 0}))
		assert.Equal(t, 5*0x1p-1074, Nrm2([]float64{3 * 0x1p-1074, 4 * 0x1p-1074}))
		assert.InDelta(t, math.Sqrt2*math.MaxFloat64/2, Nrm2([]float64{math.MaxFloat64 / 2, math.MaxFloat64 / 2}), 1e292)
		assert.True(t, math.IsInf(Nrm2([]float64{1, math.Inf(-1), 2}), 1))
		assert.True(t, math.IsInf(Nrm2([]float64{math.NaN(), math.Inf(-1)}), 1), "Inf wins over NaN")
		assert.True(t, math.IsNaN(Nrm2([]float64{1, math.NaN(), 1e300})))
		assert.True(t, math.IsNaN(Nrm2([]float64{math.NaN()})))
	})
}
