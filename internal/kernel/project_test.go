package kernel

import (
	"math/rand/v2"
	"testing"

	"github.com/linstream/linstream/internal/racecheck"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ProjectUpdate against the compensated reference in guarded buffers, with
// either half absent, k, m = 0…3, C apart from B or aliasing its first
// rows, for every body.
func TestProjectUpdate(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	trials := 200
	if racecheck.Enabled {
		trials = 40
	}
	for trial := range trials {
		k, m, n := rng.IntN(4), rng.IntN(4), thinSize(rng)
		alias := trial%3 == 0
		if alias {
			m = min(m, k)
		}
		hasX, hasY := trial%5 != 1 && trial%5 != 4, trial%5 != 2 && trial%5 != 4
		x := newGMat(rng, 1, n, 0, rng.IntN(2))
		y := newGMat(rng, 1, n, 0, rng.IntN(2))
		b := newGMat(rng, k, n, rng.IntN(4), rng.IntN(2))
		c := newGMat(rng, m, n, rng.IntN(3), rng.IntN(2))
		if alias {
			c = b
		}
		p := newGMat(rng, 1, k+2, 0, rng.IntN(2))
		s := newGMat(rng, 1, m, 0, 0)
		var xs, ys []float64
		if hasX {
			xs = x.data()
		}
		if hasY {
			ys = y.data()
		}
		wantP, tolP := make([]float64, k+2), make([]float64, k+2)
		for i := range k + 2 {
			var r refSum
			for j := range n {
				switch {
				case i < k:
					r.addProd(x.at(0, j), b.orAt(i, j))
				case i == k:
					r.addProd(x.at(0, j), x.at(0, j))
				default:
					r.addProd(x.at(0, j), y.at(0, j))
				}
			}
			wantP[i], tolP[i] = refEntry(&r, n, 1, 0, 0)
		}
		forEachImpl(t, func(t *testing.T, impl string) {
			b.reset()
			c.reset()
			p.reset()
			cd := c.data()
			if m == 0 && alias {
				cd = b.data()
			}
			ProjectUpdate(n, k, m, xs, b.data(), b.ld, p.data(), ys, s.data(), cd, c.ld)
			for i := range m {
				for j := range n {
					want, tol := c.orAt(i, j), 0.0
					if hasY {
						var r refSum
						r.addProd(s.at(0, i), y.at(0, j))
						want, tol = refEntry(&r, 1, 1, 1, c.orAt(i, j))
					}
					require.InDelta(t, want, c.at(i, j), tol, "k=%d m=%d n=%d alias=%v C[%d,%d]", k, m, n, alias, i, j)
				}
			}
			if hasX {
				np := k + 1
				if hasY {
					np++
				}
				for i := range np {
					require.InDelta(t, wantP[i], p.at(0, i), tolP[i], "k=%d m=%d n=%d alias=%v p[%d]", k, m, n, alias, i)
				}
				p.checkUntouched(t, "p", func(_, j int) bool { return j < np })
			} else {
				p.checkUntouched(t, "p", nil)
			}
			c.checkUntouched(t, "C", func(i, _ int) bool { return hasY && i < m })
			x.checkUntouched(t, "x", nil)
			y.checkUntouched(t, "y", nil)
			if !alias {
				b.checkUntouched(t, "B", nil)
			}
		})
	}
}

func TestProjectUpdatePanicsAndAllocs(t *testing.T) {
	v := make([]float64, 16)
	assert.PanicsWithValue(t, "kernel: ProjectUpdate needs 0 ≤ k, m ≤ 3", func() { ProjectUpdate(2, 4, 3, v, v, 2, v, v, v, v, 2) })
	assert.PanicsWithValue(t, "kernel: ProjectUpdate needs 0 ≤ k, m ≤ 3", func() { ProjectUpdate(2, 3, -1, v, v, 2, v, v, v, v, 2) })
	assert.PanicsWithValue(t, "kernel: product slice too short", func() { ProjectUpdate(2, 3, 3, v, v, 2, v[:3], nil, nil, v, 2) })
	assert.PanicsWithValue(t, "kernel: product slice too short", func() { ProjectUpdate(2, 3, 3, v, v, 2, v[:4], v, v, v, 2) })
	assert.PanicsWithValue(t, "kernel: coefficient slice too short", func() { ProjectUpdate(2, 3, 3, v, v, 2, v, v, v[:2], v, 2) })
	assert.PanicsWithValue(t, "kernel: vector slice too short", func() { ProjectUpdate(4, 3, 3, v[:3], v, 4, v, nil, nil, v, 4) })
	assert.PanicsWithValue(t, "kernel: matrix slice too short", func() { ProjectUpdate(4, 3, 3, v, v, 4, v, v, v, v[:11], 4) })
	assert.PanicsWithValue(t, "kernel: leading dimension smaller than the row length", func() { ProjectUpdate(4, 3, 3, v, v, 3, v, v, v, v, 4) })
	if racecheck.Enabled {
		return
	}
	const d = 515
	x, y, b, c, p, s := make([]float64, d), make([]float64, d), make([]float64, 3*d), make([]float64, 3*d), make([]float64, 5), []float64{1, 2, 3}
	forEachImpl(t, func(t *testing.T, impl string) {
		assert.Zero(t, testing.AllocsPerRun(20, func() { ProjectUpdate(d, 3, 3, x, b, d, p, y, s, c, d) }))
		assert.Zero(t, testing.AllocsPerRun(20, func() { ProjectUpdate(d, 3, 2, x, b, d, p, y, s, b, d) }))
	})
}
