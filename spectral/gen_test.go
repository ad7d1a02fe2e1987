package spectral

import (
	"io"
	"math"
	"math/rand/v2"

	"github.com/linstream/linstream/internal/kernel"
	"gonum.org/v1/gonum/mat"
)

// Private generators for the tests: rows made on the fly, never stored.

// reflector is the Householder reflection Q = I − 2uuᵀ for a random unit
// u: a cheap dense rotation of an axis-aligned instance.
type reflector []float64

func newReflector(d int, rng *rand.Rand) reflector {
	u := make([]float64, d)
	for i := range u {
		u[i] = rng.NormFloat64()
	}
	kernel.Scal(1/kernel.Nrm2(u), u)
	return u
}

func (u reflector) apply(x []float64) { kernel.Axpy(-2*kernel.Dot(u, x), u, x) }

// col returns Q·e_j.
func (u reflector) col(j int) []float64 {
	v := make([]float64, len(u))
	v[j] = 1
	u.apply(v)
	return v
}

// spiked draws n rows x = g + (√R − 1)⟨v, g⟩v with g a vector of independent
// random signs (mean 0, covariance I; cheap to draw): covariance
// I + (R−1)vvᵀ, top eigenvector v (dense, random), spectral ratio R.
type spiked struct {
	d    int
	n, i int
	r    float64
	v    []float64
	rng  *rand.Rand
}

func newSpiked(d, n int, ratio float64, seed uint64) *spiked {
	rng := rand.New(rand.NewPCG(seed, 77))
	v := newReflector(d, rng).col(0)
	return &spiked{d: d, n: n, r: ratio, v: v, rng: rng}
}

func (s *spiked) Cols() int      { return s.d }
func (s *spiked) Rows() int64    { return int64(s.n) }
func (s *spiked) top() []float64 { return s.v }

func (s *spiked) ReadRows(dst []float64) (int, error) {
	k := 0
	for ; k*s.d < len(dst) && s.i < s.n; k++ {
		x := dst[k*s.d : (k+1)*s.d]
		for j := 0; j < len(x); j += 64 {
			bits := s.rng.Uint64()
			for l := j; l < min(j+64, len(x)); l++ {
				x[l] = float64(int64(bits&1)*2 - 1)
				bits >>= 1
			}
		}
		kernel.Axpy((math.Sqrt(s.r)-1)*kernel.Dot(s.v, x), s.v, x)
		s.i++
	}
	if k == 0 {
		return 0, io.EOF
	}
	return k, nil
}

// hard is the random-order hard instance: R copies of the unit row Qe₁ and,
// for every other coordinate j, K rows √(1/K)·Qe_j; in a uniformly random
// order (shuffled == true) or sorted with the heavy rows last.
type hard struct {
	d, k, r int
	perm    []int32
	i       int
	q       reflector
}

func newHard(d, ratio, k int, seed uint64, shuffled bool) *hard {
	rng := rand.New(rand.NewPCG(seed, 99))
	n := ratio + (d-1)*k
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	if shuffled {
		rng.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	} else {
		// Adversarial: light rows first, heavy rows in the last block.
		for i := range perm {
			perm[i] = int32((i + ratio) % n)
		}
	}
	return &hard{d: d, k: k, r: ratio, perm: perm, q: newReflector(d, rng)}
}

func (h *hard) Cols() int      { return h.d }
func (h *hard) Rows() int64    { return int64(len(h.perm)) }
func (h *hard) top() []float64 { return h.q.col(0) }

func (h *hard) ReadRows(dst []float64) (int, error) {
	k := 0
	w := math.Sqrt(1 / float64(h.k))
	for ; k*h.d < len(dst) && h.i < len(h.perm); k++ {
		x := dst[k*h.d : (k+1)*h.d]
		clear(x)
		idx := int(h.perm[h.i])
		if idx < h.r {
			x[0] = 1
		} else {
			x[1+(idx-h.r)/h.k] = w
		}
		h.q.apply(x)
		h.i++
	}
	if k == 0 {
		return 0, io.EOF
	}
	return k, nil
}

func sqrtf(x float64) float64 { return math.Sqrt(x) }

// exactTop returns the top eigenpair of AᵀA and λ₂ by gonum's EigenSym.
func exactTop(data []float64, d int) (v []float64, l1, l2 float64) {
	a := mat.NewDense(len(data)/d, d, data)
	var g mat.SymDense
	g.SymOuterK(1, a.T())
	var es mat.EigenSym
	if !es.Factorize(&g, true) {
		panic("EigenSym failed")
	}
	vals := es.Values(nil)
	var vecs mat.Dense
	es.VectorsTo(&vecs)
	v = mat.Col(nil, d-1, &vecs)
	return v, vals[d-1], vals[d-2]
}

// centred returns a copy of data with every column's mean subtracted.
func centred(data []float64, d int) []float64 {
	out := append([]float64(nil), data...)
	n := len(data) / d
	for j := range d {
		m := 0.0
		for i := range n {
			m += out[i*d+j]
		}
		m /= float64(n)
		for i := range n {
			out[i*d+j] -= m
		}
	}
	return out
}

// shuffledRows returns a copy of data with its rows in a random order.
func shuffledRows(data []float64, d int, seed uint64) []float64 {
	n := len(data) / d
	rng := rand.New(rand.NewPCG(seed, 5))
	out := make([]float64, len(data))
	for i, p := range rng.Perm(n) {
		copy(out[i*d:(i+1)*d], data[p*d:(p+1)*d])
	}
	return out
}
