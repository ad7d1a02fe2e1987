package lowrank

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

func testRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 99)) }

// randOrtho returns an n×k row-major matrix with orthonormal columns.
func randOrtho(n, k int, rng *rand.Rand) []float64 {
	g := mat.NewDense(n, k, nil)
	for i := range n {
		for j := range k {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	out := make([]float64, n*k)
	for i := range n {
		for j := range k {
			out[i*k+j] = q.At(i, j)
		}
	}
	return out
}

// withSpectrum returns U diag(s) Vᵀ (n×d) for random orthonormal U, V.
func withSpectrum(n, d int, s []float64, rng *rand.Rand) []float64 {
	k := len(s)
	u := randOrtho(n, k, rng)
	v := randOrtho(d, k, rng)
	a := make([]float64, n*d)
	for i := range n {
		for j := range d {
			var x float64
			for l := range k {
				x += u[i*k+l] * s[l] * v[j*k+l]
			}
			a[i*d+j] = x
		}
	}
	return a
}

func randMatrix(n, d int, rng *rand.Rand) []float64 {
	a := make([]float64, n*d)
	for i := range a {
		a[i] = rng.NormFloat64()
	}
	return a
}

// refValues returns all singular values of a from gonum.
func refValues(t testing.TB, a []float64, n, d int) []float64 {
	var svd mat.SVD
	require.True(t, svd.Factorize(mat.NewDense(n, d, append([]float64(nil), a...)), mat.SVDNone))
	return svd.Values(nil)
}

func tailOf(s []float64, r int) float64 {
	var t float64
	for i := len(s) - 1; i >= r; i-- {
		t += s[i] * s[i]
	}
	return t
}

func frobSq(a []float64) float64 {
	var s float64
	for _, v := range a {
		s += v * v
	}
	return s
}

// errorAVV returns ‖A − A V Vᵀ‖_F for V d×k row-major.
func errorAVV(a []float64, n, d int, v []float64, k int) float64 {
	var s float64
	t := make([]float64, k)
	for i := range n {
		row := a[i*d : (i+1)*d]
		clear(t)
		for j, x := range row {
			for l := range k {
				t[l] += x * v[j*k+l]
			}
		}
		for j, x := range row {
			var p float64
			for l := range k {
				p += t[l] * v[j*k+l]
			}
			s += (x - p) * (x - p)
		}
	}
	return math.Sqrt(s)
}

func diffNorm(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += (a[i] - b[i]) * (a[i] - b[i])
	}
	return math.Sqrt(s)
}

func geometric(k int, first, ratio float64) []float64 {
	s := make([]float64, k)
	for i := range s {
		s[i] = first * math.Pow(ratio, float64(i))
	}
	return s
}

// energyShares returns the shares of ‖W‖²_F and of ‖W_r‖²_F held by the
// entries idx (flat indices), the reference for PrincipalResult's
// EnergyShare and LowRankShare.
func energyShares(w, wr []float64, idx []int) (shareW, shareR float64) {
	var selW, allW, selR, allR float64
	for i := range w {
		allW += w[i] * w[i]
		allR += wr[i] * wr[i]
	}
	for _, i := range idx {
		selW += w[i] * w[i]
		selR += wr[i] * wr[i]
	}
	return selW / allW, selR / allR
}
