package kernel

import (
	"github.com/linstream/linstream/internal/racecheck"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// level-2 and level-3 kernels against a compensated naive loop, the generic
// body and each other, inside sentinel-filled buffers with odd leading
// dimensions and odd starting offsets.

// shapeSizes are the sizes the level-2/3 sweeps draw from: every size up
// to 17 and the edges of the 8/16/24/32/64-wide vector and register tiles.
var shapeSizes = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 23, 24, 25, 31, 32, 33, 47, 48, 49, 63, 64, 65, 66, 67}

func pickSize(rng *rand.Rand) int { return shapeSizes[rng.IntN(len(shapeSizes))] }

func TestGemvGemvT(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	cases := 400
	if racecheck.Enabled {
		cases = 60
	}
	for range cases {
		m, n := pickSize(rng), pickSize(rng)
		alpha, beta := scalars[rng.IntN(len(scalars))], scalars[rng.IntN(len(scalars))]
		a := newGMat(rng, m, n, rng.IntN(4), rng.IntN(8))
		for _, trans := range []bool{false, true} {
			nx, ny := n, m
			if trans {
				nx, ny = m, n
			}
			x := newGMat(rng, 1, nx, 0, rng.IntN(2))
			y := newGMat(rng, 1, ny, 0, rng.IntN(8))
			if beta == 0 && ny > 0 {
				y.set(0, rng.IntN(ny), math.NaN())
			}
			want := make([]float64, ny)
			tol := make([]float64, ny)
			for i := range ny {
				var r refSum
				for l := range nx {
					if trans {
						r.addProd(a.at(l, i), x.at(0, l))
					} else {
						r.addProd(a.at(i, l), x.at(0, l))
					}
				}
				want[i], tol[i] = refEntry(&r, nx, alpha, beta, y.orAt(0, i))
			}
			forEachImpl(t, func(t *testing.T, impl string) {
				y.reset()
				if trans {
					GemvT(m, n, alpha, a.data(), a.ld, x.data(), beta, y.data())
				} else {
					Gemv(m, n, alpha, a.data(), a.ld, x.data(), beta, y.data())
				}
				for i := range ny {
					require.InDelta(t, want[i], y.at(0, i), tol[i], "trans=%v m=%d n=%d lda=%d α=%v β=%v i=%d", trans, m, n, a.ld, alpha, beta, i)
				}
				a.checkUntouched(t, "A", nil)
				x.checkUntouched(t, "x", nil)
				y.checkUntouched(t, "y", func(int, int) bool { return true })
			})
		}
	}
}

// gemmCase is one level-3 problem: C = α·op(A)·op(B) + β·C.
type gemmCase struct {
	form       string // "NN", "NT", "TN" or "Gram"
	m, n, k    int
	alpha, bet float64
	a, b, c    *gmat
	want, tol  []float64 // m×n, row-major
}

func newGemmCase(rng *rand.Rand, form string, m, n, k int) *gemmCase {
	g := &gemmCase{form: form, m: m, n: n, k: k}
	g.alpha = scalars[rng.IntN(len(scalars))]
	g.bet = scalars[rng.IntN(len(scalars))]
	ex := func() int { return rng.IntN(4) }
	switch form {
	case "NN":
		g.a, g.b = newGMat(rng, m, k, ex(), rng.IntN(2)), newGMat(rng, k, n, ex(), rng.IntN(2))
	case "NT":
		g.a, g.b = newGMat(rng, m, k, ex(), rng.IntN(2)), newGMat(rng, n, k, ex(), rng.IntN(2))
	case "TN":
		g.a, g.b = newGMat(rng, k, m, ex(), rng.IntN(2)), newGMat(rng, k, n, ex(), rng.IntN(2))
	case "Gram": // C (n×n) += α·AᵀA with A k×n
		g.m, g.bet = n, 1
		g.a = newGMat(rng, k, n, ex(), rng.IntN(2))
		g.b = g.a
	}
	g.c = newGMat(rng, g.m, n, ex(), rng.IntN(2))
	if g.bet == 0 && g.m > 0 && n > 0 {
		g.c.set(rng.IntN(g.m), rng.IntN(n), math.NaN()) // β = 0 must overwrite it
	}
	g.want = make([]float64, g.m*n)
	g.tol = make([]float64, g.m*n)
	for i := range g.m {
		for j := range n {
			if form == "Gram" && j < i {
				continue
			}
			var r refSum
			for l := range k {
				switch form {
				case "NN":
					r.addProd(g.a.at(i, l), g.b.at(l, j))
				case "NT":
					r.addProd(g.a.at(i, l), g.b.at(j, l))
				default:
					r.addProd(g.a.at(l, i), g.b.at(l, j))
				}
			}
			g.want[i*n+j], g.tol[i*n+j] = refEntry(&r, k, g.alpha, g.bet, g.c.orAt(i, j))
		}
	}
	return g
}

func (g *gemmCase) run() {
	a, b, c := g.a, g.b, g.c
	switch g.form {
	case "NN":
		GemmNN(g.m, g.n, g.k, g.alpha, a.data(), a.ld, b.data(), b.ld, g.bet, c.data(), c.ld)
	case "NT":
		GemmNT(g.m, g.n, g.k, g.alpha, a.data(), a.ld, b.data(), b.ld, g.bet, c.data(), c.ld)
	case "TN":
		GemmTN(g.m, g.n, g.k, g.alpha, a.data(), a.ld, b.data(), b.ld, g.bet, c.data(), c.ld)
	case "Gram":
		GramUpdate(g.k, g.n, g.alpha, a.data(), a.ld, c.data(), c.ld)
	}
}

func (g *gemmCase) check(t *testing.T) {
	t.Helper()
	g.c.reset()
	g.run()
	for i := range g.m {
		for j := range g.n {
			if g.form == "Gram" && j < i {
				continue
			}
			got := g.c.at(i, j)
			if !(math.Abs(got-g.want[i*g.n+j]) <= g.tol[i*g.n+j]) {
				t.Fatalf("%s m=%d n=%d k=%d lda=%d ldb=%d ldc=%d α=%v β=%v: C[%d,%d] = %v, want %v ± %v",
					g.form, g.m, g.n, g.k, g.a.ld, g.b.ld, g.c.ld, g.alpha, g.bet, i, j, got, g.want[i*g.n+j], g.tol[i*g.n+j])
			}
		}
	}
	g.a.checkUntouched(t, g.form+" A", nil)
	g.b.checkUntouched(t, g.form+" B", nil)
	g.c.checkUntouched(t, g.form+" C", func(i, j int) bool { return g.form != "Gram" || j >= i })
}

func TestLevel3(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	var cases []*gemmCase
	perForm := 150
	if racecheck.Enabled {
		perForm = 25
	}
	for _, form := range []string{"NN", "NT", "TN", "Gram"} {
		for range perForm {
			cases = append(cases, newGemmCase(rng, form, pickSize(rng), pickSize(rng), pickSize(rng)))
		}
		// Shapes beyond the blocking parameters of the assembly drivers
		// (blockK = 128, blockM = 96, blockN = 512).
		cases = append(cases,
			newGemmCase(rng, form, 21, 45, 333),
			newGemmCase(rng, form, 101, 20, 9))
		if !racecheck.Enabled {
			cases = append(cases,
				newGemmCase(rng, form, 37, 300, 19),
				newGemmCase(rng, form, 70, 530, 70))
		}
	}
	forEachImpl(t, func(t *testing.T, impl string) {
		for _, g := range cases {
			g.check(t)
		}
	})
}

func TestSymmetrizeUpper(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, n := range []int{0, 1, 2, 5, 17} {
		c := newGMat(rng, n, n, 2, 1)
		SymmetrizeUpper(n, c.data(), c.ld)
		for i := range n {
			for j := range n {
				assert.Equal(t, c.orAt(min(i, j), max(i, j)), c.at(i, j))
			}
		}
		c.checkUntouched(t, "C", func(i, j int) bool { return j < i })
	}
}

func TestPanics(t *testing.T) {
	s := make([]float64, 10)
	cases := map[string]func(){
		"Dot":            func() { Dot(s, s[:9]) },
		"Axpy":           func() { Axpy(1, s, s[:9]) },
		"AxpBy":          func() { AxpBy(1, s[:3], 0, s) },
		"Gemv short A":   func() { Gemv(3, 4, 1, s, 4, s[:4], 0, s[:3]) },
		"Gemv negative":  func() { Gemv(-1, 4, 1, s, 4, s[:4], 0, s[:0]) },
		"Gemv lda":       func() { Gemv(2, 4, 1, s, 3, s[:4], 0, s[:2]) },
		"Gemv x":         func() { Gemv(2, 4, 1, s, 4, s[:3], 0, s[:2]) },
		"GemvT y":        func() { GemvT(2, 4, 1, s, 4, s[:2], 0, s[:3]) },
		"GemvT negative": func() { GemvT(2, -4, 1, s, 4, s[:2], 0, s[:0]) },
		"Gram short A":   func() { GramUpdate(3, 4, 1, s, 4, s, 4) },
		"Gram short C":   func() { GramUpdate(1, 4, 1, s, 4, s, 4) },
		"Gram ldc":       func() { GramUpdate(1, 3, 1, s, 3, s, 2) },
		"Gram negative":  func() { GramUpdate(-1, 3, 1, s, 3, s, 3) },
		"GemmNN short B": func() { GemmNN(1, 2, 3, 1, s, 3, s[:5], 2, 0, s, 2) },
		"GemmNT short C": func() { GemmNT(2, 2, 2, 1, s, 2, s, 2, 0, s[:3], 2) },
		"GemmTN short A": func() { GemmTN(3, 1, 4, 1, s, 3, s, 1, 0, s, 1) },
		"GemmTN neg k":   func() { GemmTN(1, 1, -1, 1, s, 1, s, 1, 0, s, 1) },
		"GemmNT ldb":     func() { GemmNT(1, 1, 3, 1, s, 3, s, 2, 0, s, 1) },
		"Symmetrize":     func() { SymmetrizeUpper(4, s, 4) },
	}
	for name, f := range cases {
		assert.Panics(t, f, name)
	}
	// The message carries the package prefix.
	defer func() { assert.Contains(t, recover(), "kernel: ") }()
	Gemv(3, 4, 1, s, 4, s[:4], 0, s[:3])
}

func TestZeroAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const m, n, k = 40, 70, 33
	a := make([]float64, 300*300)
	b := make([]float64, 300*300)
	c := make([]float64, 300*300)
	for i := range a {
		a[i], b[i] = randVal(rng), randVal(rng)
	}
	forEachImpl(t, func(t *testing.T, impl string) {
		for name, f := range map[string]func(){
			"Dot":        func() { Dot(a[:n], b[:n]) },
			"Axpy":       func() { Axpy(0.5, a[:n], c[:n]) },
			"AxpBy":      func() { AxpBy(0.5, a[:n], 0.25, c[:n]) },
			"Scal":       func() { Scal(0.5, c[:n]) },
			"Nrm2":       func() { Nrm2(a[:n]) },
			"Gemv":       func() { Gemv(m, n, 1, a, n, b[:n], 0.5, c[:m]) },
			"GemvT":      func() { GemvT(m, n, 1, a, n, b[:m], 0.5, c[:n]) },
			"GramUpdate": func() { GramUpdate(k, 290, 1, a, 290, c, 290) },
			"GemmNN":     func() { GemmNN(m, 290, k, 1, a, k, b, 290, 0.5, c, 290) },
			"GemmNT":     func() { GemmNT(m, n, 290, 1, a, 290, b, 290, 0.5, c, n) },
			"GemmTN":     func() { GemmTN(m, 290, k, 1, a, m, b, 290, 0.5, c, 290) },
			"Symmetrize": func() { SymmetrizeUpper(n, c, n) },
		} {
			runs := 20
			if racecheck.Enabled {
				if strings.HasPrefix(name, "Gemm") || name == "GramUpdate" {
					continue // pooled packing scratch: the detector empties the pool at random
				}
				runs = 2
			}
			assert.Zero(t, testing.AllocsPerRun(runs, f), name)
		}
	})
}

// class is the IEEE class of v: NaN, +Inf, −Inf or finite.
func class(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return "finite"
}

// TestNonFinite checks that every body propagates Inf and NaN the same way
// (no product is skipped, so 0·Inf is NaN everywhere).
func TestNonFinite(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	specials := []float64{math.Inf(1), math.Inf(-1), math.NaN(), 0}
	for trial := range 60 {
		form := []string{"NN", "NT", "TN", "Gram"}[trial%4]
		g := newGemmCase(rng, form, 1+rng.IntN(20), 1+rng.IntN(20), 1+rng.IntN(20))
		if g.alpha == 0 {
			g.alpha = 1 // α = 0 may return early (GramUpdate)
		}
		for range 3 {
			m := g.a
			if rng.IntN(2) == 0 {
				m = g.b
			}
			if m.rows > 0 && m.cols > 0 {
				m.set(rng.IntN(m.rows), rng.IntN(m.cols), specials[rng.IntN(len(specials))])
			}
		}
		var want []string
		for _, impl := range []string{"generic"} {
			restore := Use(impl)
			g.c.reset()
			g.run()
			restore()
			for i := range g.m {
				for j := range g.n {
					want = append(want, class(g.c.at(i, j)))
				}
			}
		}
		forEachImpl(t, func(t *testing.T, impl string) {
			g.c.reset()
			g.run()
			for i := range g.m {
				for j := range g.n {
					require.Equal(t, want[i*g.n+j], class(g.c.at(i, j)), "%s %dx%dx%d α=%v β=%v C[%d,%d]", form, g.m, g.n, g.k, g.alpha, g.bet, i, j)
				}
			}
		})
	}
}
