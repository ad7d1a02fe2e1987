package lowrank

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/linstream/linstream/internal/kernel"
)

// Block Krylov limits: the basis holds at most maxKrylovBlocks blocks (and
// never more than d vectors) before a restart from the Ritz vectors; the
// projected eigenproblem is solved densely up to order denseRitzMax and by
// warm-started filtered subspace iteration above it (gonum's EigenSym of
// order 444 measured 0.5 s here, the filtered iteration a few ms).
// Wide matrices get fewer blocks: beyond two, the basis is capped at
// krylovMaxFloats floats (128 MB; its image as much again), so a stream of
// 10⁵ columns does not hold 8·(r+p) vectors of them.
const (
	maxKrylovBlocks = 8
	denseRitzMax    = 160
	krylovMaxFloats = 1 << 24
)

// krylov is restarted block Krylov iteration (block Lanczos with full
// reorthogonalization; Musco & Musco 2015) on a symmetric positive
// semidefinite operator M given as apply(x, z): z = x·M for a b×d block of
// rows. It keeps an orthonormal basis K = [Q_0; Q_1; …] of
// span{Q_0, Q_0 M, Q_0 M², …} (each block orthogonalized against all the
// earlier ones, blockwise Gram–Schmidt twice through the Gemm kernels), the
// images Z = K M from the passes, and H = K Zᵀ = K M Kᵀ; after every
// application it does Rayleigh–Ritz for the top b pairs of H. Against
// subspace iteration on b vectors, whose r-th vector converges at a rate set
// by λ_r/λ_{b+1}, the Krylov space of depth j makes the r-th converge like a
// Chebyshev polynomial of degree j that separates λ_r from λ_{r+b}: on a
// smooth spectrum it needs far fewer passes. When the basis is full it
// restarts from the b Ritz vectors (thick restart) and goes on.
type krylov struct {
	b, d, maxDim int
	r            int       // pairs the caller needs converged (≤ b)
	dim          int       // vectors in the basis
	lo           int       // first basis vector of the block being applied
	basis, mb    []float64 // maxDim×d rows: K and Z = K·M
	h            []float64 // maxDim×maxDim: H = K M Kᵀ (stride maxDim)
	w            []float64 // dim×b: eigenvectors of H (columns), the last extraction
	wDim         int       // rows of w that are set
	rz           *ritz     // b Ritz pairs of M
	c, coef      []float64
	g, linv, tmp []float64 // Cholesky QR scratch
	y            []float64 // rows×maxDim when kept: Y = A Kᵀ, so that A V = Y W
	yRows        int
	rng          *rand.Rand
	applied      int
	extractions  int
}

func newKrylov(b, d, r int, rng *rand.Rand) *krylov {
	if 2*b > d {
		panic(fmt.Sprintf("lowrank: block Krylov with blocks of %d in %d dimensions", b, d))
	}
	maxDim := krylovDim(b, d)
	return &krylov{
		b: b, d: d, maxDim: maxDim, r: min(r, b),
		basis: make([]float64, maxDim*d),
		mb:    make([]float64, maxDim*d),
		h:     make([]float64, maxDim*maxDim),
		w:     make([]float64, maxDim*b),
		rz:    newRitz(b, d),
		c:     make([]float64, maxDim*b),
		coef:  make([]float64, b),
		rng:   rng,
	}
}

// krylovDim is the basis size for blocks of b in d dimensions (2b ≤ d):
// maxKrylovBlocks blocks while they fit in d and in krylovMaxFloats, never
// fewer than two.
func krylovDim(b, d int) int {
	return b * min(maxKrylovBlocks, d/b, max(2, krylovMaxFloats/(b*d)))
}

// run starts from the orthonormal b×d block q0 and applies M until done(rz)
// reports true after an extraction (run returns true) or maxApply
// applications have been made (false). k.rz then holds the last extraction.
func (k *krylov) run(apply func(x, z []float64) error, q0 []float64, maxApply int, done func(*ritz) bool) (bool, error) {
	b, d := k.b, k.d
	copy(k.basis[:b*d], q0)
	k.dim = 0
	for {
		lo := k.dim
		k.lo = lo
		x := k.basis[lo*d : (lo+b)*d]
		z := k.mb[lo*d : (lo+b)*d]
		if err := apply(x, z); err != nil {
			return false, err
		}
		k.applied++
		k.dim += b
		k.extendH(lo)
		if err := k.extract(); err != nil {
			return false, err
		}
		if done(k.rz) {
			return true, nil
		}
		if k.applied >= maxApply {
			return false, nil
		}
		if k.dim+b > k.maxDim {
			k.restart()
		}
		// Next block: M applied to the newest block, orthogonalized against
		// the basis.
		next := k.basis[k.dim*d : (k.dim+b)*d]
		copy(next, k.mb[(k.dim-b)*d:k.dim*d])
		k.orthoAgainst(next)
	}
}

// extendH fills rows and columns lo…dim−1 of H = K Zᵀ (= K M Kᵀ).
func (k *krylov) extendH(lo int) {
	d, n, s := k.d, k.dim, k.maxDim
	nb := n - lo
	c := k.c[:n*nb] // c[i][j] = K_i · Z_{lo+j}
	kernel.GemmNT(n, nb, d, 1, k.basis, d, k.mb[lo*d:], d, 0, c, nb)
	for i := range lo {
		for j := range nb {
			v := c[i*nb+j]
			k.h[i*s+lo+j] = v
			k.h[(lo+j)*s+i] = v
		}
	}
	// The new diagonal block, symmetrized.
	for i := range nb {
		for j := i; j < nb; j++ {
			v := 0.5 * (c[(lo+i)*nb+j] + c[(lo+j)*nb+i])
			k.h[(lo+i)*s+lo+j] = v
			k.h[(lo+j)*s+lo+i] = v
		}
	}
}

// extract does Rayleigh–Ritz for the top b pairs of H and forms the Ritz
// vectors V = Wᵀ K, their images Wᵀ Z and residuals in k.rz.
func (k *krylov) extract() error {
	b, n, s := k.b, k.dim, k.maxDim
	rz := k.rz
	if n <= denseRitzMax {
		hh := make([]float64, n*n)
		for i := range n {
			copy(hh[i*n:(i+1)*n], k.h[i*s:i*s+n])
		}
		vals := make([]float64, n)
		ww := make([]float64, n*n)
		if !symEig(hh, n, vals, ww) {
			return fmt.Errorf("%w: Rayleigh–Ritz eigenproblem of order %d failed", ErrNoConvergence, n)
		}
		for i := range n {
			copy(k.w[i*b:(i+1)*b], ww[i*n:i*n+b])
		}
		copy(rz.theta, vals[:b])
	} else if err := k.innerEig(); err != nil {
		return err
	}
	k.wDim = n
	k.extractions++
	// V = Wᵀ K (b×d), MV = Wᵀ Z.
	rz.vectors(k.w, n, k.basis, k.mb)
	return nil
}

// innerEig finds the top b eigenpairs of the n×n H by Chebyshev-filtered
// subspace iteration, warm-started from the previous extraction, to a
// residual far below the outer tolerances (innerRitzTol·θ_1) for the top r.
func (k *krylov) innerEig() error {
	b, n, s := k.b, k.dim, k.maxDim
	x := make([]float64, b*n) // rows: start vectors in R^n
	for i := range b {
		for j := range k.wDim {
			x[i*n+j] = k.w[j*b+i]
		}
	}
	if k.wDim == 0 {
		gaussian(x, k.rng)
	}
	orthoRows(x, b, n, make([]float64, b), k.rng)
	apply := func(x, z []float64) error {
		kernel.GemmNN(b, n, n, 1, x, n, k.h, s, 0, z, n)
		return nil
	}
	fi := newFiltered(b, n, k.rng)
	if _, err := fi.run(apply, x, k.r, innerRitzTol, 2000, math.MaxInt); err != nil {
		return err
	}
	for i := range n {
		for j := range b {
			k.w[i*b+j] = fi.rz.vt[j*n+i]
		}
	}
	copy(k.rz.theta, fi.rz.theta)
	return nil
}

// innerRitzTol is the residual tolerance of the projected eigenproblem,
// relative to its largest eigenvalue: the outer residual of a Ritz pair is
// at least the inner one, so this sits well below any outer tolerance.
const innerRitzTol = 1e-12

// restart keeps the b Ritz vectors as the new basis (H becomes their
// projection, diagonal up to rounding; W the identity; Y, when kept, Y·W).
func (k *krylov) restart() {
	b, d, s := k.b, k.d, k.maxDim
	rz := k.rz
	if k.y != nil {
		t := make([]float64, k.yRows*b)
		kernel.GemmNN(k.yRows, b, k.wDim, 1, k.y, s, k.w, b, 0, t, b)
		for i := range k.yRows {
			copy(k.y[i*s:i*s+b], t[i*b:(i+1)*b])
		}
	}
	copy(k.basis[:b*d], rz.vt)
	copy(k.mb[:b*d], rz.mvt)
	k.dim = b
	c := k.c[:b*b]
	kernel.GemmNT(b, b, d, 1, k.basis, d, k.mb, d, 0, c, b)
	for i := range b {
		for j := range b {
			k.h[i*s+j] = 0.5 * (c[i*b+j] + c[j*b+i])
		}
	}
	clear(k.w[:b*b])
	for i := range b {
		k.w[i*b+i] = 1
	}
	k.wDim = b
}

// keepY makes the iteration keep Y = A Kᵀ for an A of the given rows
// (storeY must see every block of every pass).
func (k *krylov) keepY(rows int) {
	k.y = make([]float64, rows*k.maxDim)
	k.yRows = rows
}

// storeY stores the block yb = A_b X_lᵀ (nb×b) of the block of the basis
// being applied, for rows row…row+nb−1.
func (k *krylov) storeY(row int64, nb int, yb []float64) {
	b, s := k.b, k.maxDim
	for i := range nb {
		off := (int(row)+i)*s + k.lo
		copy(k.y[off:off+b], yb[i*b:(i+1)*b])
	}
}

// leftVectors returns U = A V Σ⁻¹ (rows×len(sigma)) from the kept Y and the
// last extraction, or nil if Y was not kept.
func (k *krylov) leftVectors(sigma []float64) []float64 {
	if k.y == nil {
		return nil
	}
	rk, n := len(sigma), k.yRows
	u := make([]float64, n*rk)
	if rk == 0 {
		return u
	}
	kernel.GemmNN(n, rk, k.wDim, 1, k.y, k.maxDim, k.w, k.b, 0, u, rk)
	for i := range n {
		row := u[i*rk : (i+1)*rk]
		for j, sg := range sigma {
			row[j] /= sg
		}
	}
	return u
}

// orthoAgainst orthonormalizes the b rows of x against the dim basis rows
// and among themselves: twice (project out K with two Gemms, then
// orthonormalize within the block), so directions that lost most of their
// norm to K do not keep K's rounding.
func (k *krylov) orthoAgainst(x []float64) {
	b, d, n := k.b, k.d, k.dim
	c := k.c[:b*n]
	for range 2 {
		kernel.GemmNT(b, n, d, 1, x, d, k.basis, d, 0, c, n)
		kernel.GemmNN(b, d, n, -1, c, n, k.basis, d, 1, x, d)
		if !k.cholOrtho(x) {
			orthoRows(x, b, d, k.coef, k.rng)
		}
	}
}

// cholOrtho orthonormalizes the b rows of x by Cholesky QR on the rows
// scaled to unit length (G = X Xᵀ = L Lᵀ, X ← L⁻¹ X, all through the Gemm
// kernels: about 8× faster than Gram–Schmidt row by row at b = 74,
// d = 4096). It reports false, leaving the rows scaled but otherwise
// unchanged, when G is not safely positive definite (a row keeps less than
// 1e-5 of its length against the others): then Gram–Schmidt, which can
// replace such a row, has to do it. Called twice, as orthoAgainst does, it
// is CholeskyQR2, orthonormal to working precision for such blocks.
func (k *krylov) cholOrtho(x []float64) bool {
	b, d := k.b, k.d
	if k.g == nil {
		k.g = make([]float64, b*b)
		k.linv = make([]float64, b*b)
		k.tmp = make([]float64, b*d)
	}
	for i := range b {
		row := x[i*d : (i+1)*d]
		nrm := kernel.Nrm2(row)
		if !(nrm > 0) || math.IsInf(nrm, 0) {
			return false
		}
		kernel.Scal(1/nrm, row)
	}
	g, l := k.g, k.linv
	kernel.GemmNT(b, b, d, 1, x, d, x, d, 0, g, b)
	// Lower Cholesky factor in place.
	for j := range b {
		s := g[j*b+j]
		for t := range j {
			s -= g[j*b+t] * g[j*b+t]
		}
		if !(s > 1e-10) {
			return false
		}
		ljj := math.Sqrt(s)
		g[j*b+j] = ljj
		for i := j + 1; i < b; i++ {
			t := g[i*b+j]
			for q := range j {
				t -= g[i*b+q] * g[j*b+q]
			}
			g[i*b+j] = t / ljj
		}
	}
	// L⁻¹ by forward substitution, column by column.
	clear(l)
	for j := range b {
		l[j*b+j] = 1 / g[j*b+j]
		for i := j + 1; i < b; i++ {
			var t float64
			for q := j; q < i; q++ {
				t += g[i*b+q] * l[q*b+j]
			}
			l[i*b+j] = -t / g[i*b+i]
		}
	}
	kernel.GemmNN(b, d, b, 1, l, b, x, d, 0, k.tmp, d)
	copy(x, k.tmp)
	return true
}
