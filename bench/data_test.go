package bench

import (
	"math"
	"math/rand/v2"

	"github.com/linstream/linstream/internal/kernel"
)

// lowrankData returns an n×d matrix of rank 20 plus noise, the shape of the
// peer comparison: A = X·diag(s)·W + 0.5·E with X (n×20), W (20×d) and E
// standard Gaussian and s_i = 10/√(i+1) — a clear gap after σ_20 and a
// Marchenko–Pastur noise floor behind it.
func lowrankData(n, d int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 20))
	const r = 20
	x := make([]float64, n*r)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	w := make([]float64, r*d)
	for i := range r {
		s := 10 / math.Sqrt(float64(i+1))
		for j := range d {
			w[i*d+j] = s * rng.NormFloat64()
		}
	}
	a := make([]float64, n*d)
	for i := range a {
		a[i] = 0.5 * rng.NormFloat64()
	}
	kernel.GemmNN(n, d, r, 1, x, r, w, d, 1, a, d)
	return a
}
