package lowrank

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/linstream/linstream/internal/kernel"
)

// newRand returns the package's deterministic generator for a seed.
func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x6c6f7772616e6b)) // "lowrank"
}

// gaussian fills x with independent N(0, 1) draws.
func gaussian(x []float64, rng *rand.Rand) {
	for i := range x {
		x[i] = rng.NormFloat64()
	}
}

// orthoRows orthonormalizes the k rows (each of length d, k ≤ d) of the
// row-major q in place by classical Gram–Schmidt applied twice ("twice is
// enough"), through the level-2 kernels. A row that is numerically in the
// span of the earlier ones (it loses all but 1e-10 of its norm) is replaced
// by a fresh random vector and orthogonalized again, so the result always
// has k orthonormal rows. coef is scratch of length ≥ k.
func orthoRows(q []float64, k, d int, coef []float64, rng *rand.Rand) {
	orthoRowsFrom(q, 0, k, d, coef, rng)
}

// orthoRowsFrom is orthoRows for rows start…end−1 when rows 0…start−1 are
// already orthonormal (they are not changed).
func orthoRowsFrom(q []float64, start, end, d int, coef []float64, rng *rand.Rand) {
	for i := start; i < end; i++ {
		row := q[i*d : (i+1)*d]
		for attempt := 0; ; attempt++ {
			before := kernel.Nrm2(row)
			if before > 0 && i > 0 {
				c := coef[:i]
				for range 2 {
					kernel.Gemv(i, d, 1, q, d, row, 0, c)
					kernel.GemvT(i, d, -1, q, d, c, 1, row)
				}
			}
			after := kernel.Nrm2(row)
			if after > 1e-10*before && after > 0 && !math.IsInf(after, 0) && !math.IsNaN(after) {
				kernel.Scal(1/after, row)
				break
			}
			if attempt > 8 {
				panic("lowrank: cannot complete an orthonormal basis") // k ≤ d makes this unreachable
			}
			gaussian(row, rng)
		}
	}
}

// symEig returns the eigenvalues of the k×k symmetric row-major h in
// descending order and the k×k row-major matrix w whose column i is the
// eigenvector of the i-th. Only the upper triangle of h is read.
func symEig(h []float64, k int, vals, w []float64) bool {
	s := mat.NewSymDense(k, append([]float64(nil), h[:k*k]...))
	var e mat.EigenSym
	if !e.Factorize(s, true) {
		return false
	}
	asc := e.Values(nil)
	var vec mat.Dense
	e.VectorsTo(&vec)
	for i := range k {
		src := k - 1 - i
		vals[i] = asc[src]
		for j := range k {
			w[j*k+i] = vec.At(j, src)
		}
	}
	return true
}

// ritz holds a Rayleigh–Ritz extraction from a k-dimensional subspace of a
// symmetric d×d operator M.
type ritz struct {
	k, d  int
	theta []float64 // k Ritz values, descending
	vt    []float64 // k×d: row i is the Ritz vector of theta[i]
	mvt   []float64 // k×d: row i is M·v_i
	res   []float64 // k residual norms ‖M v_i − θ_i v_i‖
	h, w  []float64 // k×k scratch
}

func newRitz(k, d int) *ritz {
	return &ritz{
		k: k, d: d,
		theta: make([]float64, k),
		vt:    make([]float64, k*d),
		mvt:   make([]float64, k*d),
		res:   make([]float64, k),
		h:     make([]float64, k*k),
		w:     make([]float64, k*k),
	}
}

// extract computes the Ritz pairs of M on span(qt) given zt = qt·M (rows
// M q_i), where qt has orthonormal rows.
func (r *ritz) extract(qt, zt []float64) bool {
	k, d := r.k, r.d
	kernel.GemmNT(k, k, d, 1, qt, d, zt, d, 0, r.h, k)
	for i := range k {
		for j := i + 1; j < k; j++ {
			m := 0.5 * (r.h[i*k+j] + r.h[j*k+i])
			r.h[i*k+j], r.h[j*k+i] = m, m
		}
	}
	if !symEig(r.h, k, r.theta, r.w) {
		return false
	}
	r.vectors(r.w, k, qt, zt)
	return true
}

// vectors sets the Ritz vectors V = Wᵀ·basis and their images MV = Wᵀ·image
// from the n×k coefficients w (row-major, the columns the k Ritz pairs) of
// an n-row basis (n×d) and its image under M, and the residual norms
// ‖M v_i − θ_i v_i‖.
func (r *ritz) vectors(w []float64, n int, basis, image []float64) {
	k, d := r.k, r.d
	kernel.GemmTN(k, d, n, 1, w, k, basis, d, 0, r.vt, d)
	kernel.GemmTN(k, d, n, 1, w, k, image, d, 0, r.mvt, d)
	for i := range k {
		v, mv := r.vt[i*d:(i+1)*d], r.mvt[i*d:(i+1)*d]
		var s float64
		for j, x := range mv {
			t := x - r.theta[i]*v[j]
			s += t * t
		}
		r.res[i] = math.Sqrt(s)
	}
}
