package kernel

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/linstream/linstream/internal/racecheck"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The thin level-3 paths: GemmNT with n ≤ 4 rows of B and GemmTN with
// m ≤ 4 columns (the shapes of a streaming method with a thin iterate),
// and GemmNTNorms, against the compensated reference in guarded buffers.

func thinSize(rng *rand.Rand) int {
	if rng.IntN(4) == 0 {
		return []int{127, 128, 129, 333, 512, 8193}[rng.IntN(6)] // 8193: past thinMax
	}
	return pickSize(rng)
}

func TestGemmThin(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	perShape := 12
	if racecheck.Enabled {
		perShape = 3
	}
	var cases []*gemmCase
	for thin := 1; thin <= 4; thin++ {
		for range perShape {
			cases = append(cases,
				newGemmCase(rng, "NT", pickSize(rng), thin, thinSize(rng)),
				newGemmCase(rng, "TN", thin, thinSize(rng), pickSize(rng)))
		}
	}
	forEachImpl(t, func(t *testing.T, impl string) {
		for _, g := range cases {
			g.check(t)
		}
	})
}

func TestGemmNTNorms(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	trials := 80
	if racecheck.Enabled {
		trials = 16
	}
	for range trials {
		m, n, k := pickSize(rng), rng.IntN(6), thinSize(rng)
		a := newGMat(rng, m, k, rng.IntN(4), rng.IntN(2))
		b := newGMat(rng, n, k, rng.IntN(4), rng.IntN(2))
		c := newGMat(rng, m, n, rng.IntN(3), rng.IntN(2))
		nrm := newGMat(rng, 1, m, 0, rng.IntN(2))
		if m > 0 && n > 0 {
			c.set(rng.IntN(m), rng.IntN(n), math.NaN()) // overwritten
		}
		want, tol := make([]float64, m*n), make([]float64, m*n)
		wantN, tolN := make([]float64, m), make([]float64, m)
		for i := range m {
			for j := range n {
				var r refSum
				for l := range k {
					r.addProd(a.at(i, l), b.at(j, l))
				}
				want[i*n+j], tol[i*n+j] = refEntry(&r, k, 1, 0, 0)
			}
			var r refSum
			for l := range k {
				r.addProd(a.at(i, l), a.at(i, l))
			}
			wantN[i], tolN[i] = refEntry(&r, k, 1, 0, 0)
		}
		forEachImpl(t, func(t *testing.T, impl string) {
			c.reset()
			nrm.reset()
			GemmNTNorms(m, n, k, a.data(), a.ld, b.data(), b.ld, c.data(), c.ld, nrm.data())
			for i := range m {
				for j := range n {
					require.InDelta(t, want[i*n+j], c.at(i, j), tol[i*n+j], "m=%d n=%d k=%d C[%d,%d]", m, n, k, i, j)
				}
				require.InDelta(t, wantN[i], nrm.at(0, i), tolN[i], "m=%d n=%d k=%d nrm[%d]", m, n, k, i)
			}
			a.checkUntouched(t, "A", nil)
			b.checkUntouched(t, "B", nil)
			c.checkUntouched(t, "C", func(int, int) bool { return true })
			nrm.checkUntouched(t, "nrm", func(int, int) bool { return true })
		})
	}
}

func TestGemmThinPanicsAndAllocs(t *testing.T) {
	s := make([]float64, 8)
	assert.PanicsWithValue(t, "kernel: norm slice too short", func() { GemmNTNorms(2, 1, 2, s, 2, s, 2, s, 1, s[:1]) })
	assert.PanicsWithValue(t, "kernel: matrix slice too short", func() { GemmNTNorms(2, 2, 2, s, 2, s, 2, s[:3], 2, s) })
	rng := rand.New(rand.NewPCG(11, 11))
	const b, d = 37, 129
	a := make([]float64, b*d)
	z := make([]float64, 3*d)
	p := make([]float64, b*3)
	nrm := make([]float64, b)
	for i := range a {
		a[i] = randVal(rng)
	}
	for i := range z {
		z[i] = randVal(rng)
	}
	forEachImpl(t, func(t *testing.T, impl string) {
		if racecheck.Enabled {
			t.Skip("sync.Pool drops scratch at random under the race detector")
		}
		for name, f := range map[string]func(){
			"GemmNTNorms": func() { GemmNTNorms(b, 3, d, a, d, z, d, p, 3, nrm) },
			"GemmNT thin": func() { GemmNT(b, 3, d, 1, a, d, z, d, 0, p, 3) },
			"GemmTN thin": func() { GemmTN(3, d, b, 1, p, 3, a, d, 1, z, d) },
		} {
			assert.Zero(t, testing.AllocsPerRun(20, f), name)
		}
	})
}
