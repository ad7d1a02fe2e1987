package sketch

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"

	"github.com/linstream/linstream/internal/kernel"
)

// symEig is the eigensolver of the Frequent Directions shrink: the leading
// eigenpairs of a small dense symmetric matrix (the 2ℓ×2ℓ Gram B·Bᵀ, scaled
// to unit maximum diagonal), allocation-free once initialised.
//
// Why not gonum's EigenSym: it computes every eigenvector with the implicit
// QL of Dsteqr, whose plane rotations over the full n×n basis cost about
// 12n³ flops (4.5–8 ms at n = 128 here) — the shrink needs only the top
// ℓ−1 = n/2 − 1 vectors. This solver does
//
//  1. Householder tridiagonalisation T = QᵀGQ on row-major full storage,
//     blocked as LAPACK's dsytrd (panels of 16 whose trailing rank-32 update
//     runs in kernel.GemmTN; the panel work in Gemv/GemvT);
//  2. all eigenvalues of T by gonum's root-free QL/QR (Dsterf): O(n²);
//  3. the needed eigenvectors of T by inverse iteration (partial-pivoting
//     LU of T − λI, LAPACK dstein's scheme: perturbed shifts for equal
//     eigenvalues, modified Gram–Schmidt within clusters closer than
//     10⁻³·‖T‖₁): O(n·k) plus the cluster work;
//  4. back-transformation by the stored reflectors in compact WY blocks of
//     16 (two GEMMs each): 2n²k flops.
//
// If inverse iteration fails to converge it falls back to gonum's Dsyev on
// a saved copy of G (also allocation-free with the preallocated work), so
// the result is always an accurate decomposition. BenchmarkSymEig
// (fd_eigen_test.go) compares it with gonum's EigenSym: at n = 128 about
// 0.9 ms against 7.7 ms of CPU time, 8× (measured on the shared machine).
type symEig struct {
	n, k int // capacities

	vals []float64 // n eigenvalues, descending
	vecs []float64 // k×n eigenvectors (rows)
	save []float64 // n×n copy of G for the fallback
	diag []float64 // T's diagonal; then eigenvalues ascending (Dsterf)
	off  []float64 // T's off-diagonal
	td   []float64 // T's diagonal, kept for inverse iteration
	te   []float64 // T's off-diagonal, kept
	tau  []float64 // reflector scalars
	p    []float64 // n: Gemv result in the reduction; k: in the back-transform
	u0   []float64 // LU of T − λI: reciprocals of the diagonal of U
	u1   []float64 // first superdiagonal
	u2   []float64 // second superdiagonal
	l    []float64 // multipliers
	piv  []bool    // row interchanges
	x    []float64 // iterate
	vt   []float64 // tridiagBlock×n: the panel's reflectors (rows)
	wt   []float64 // tridiagBlock×n: their w vectors
	cv   []float64 // tridiagBlock coefficients
	cw   []float64 // tridiagBlock coefficients
	tm   []float64 // tridiagBlock²: the T factor of a block of reflectors
	y    []float64 // k×tridiagBlock: Z·V in the blocked back-transform

	blocked bool      // use reduceBlocked for n > 2·tridiagBlock
	work    []float64 // Dsyev workspace
	lwork   int

	n0     int // size of the current problem
	g      []float64
	tnorm  float64
	usedFB bool // the current problem fell back to Dsyev
}

func (e *symEig) init(n, k int) {
	e.n, e.k = n, k
	e.vals = make([]float64, n)
	e.vecs = make([]float64, max(k, 1)*n)
	e.save = make([]float64, n*n)
	e.diag = make([]float64, n)
	e.off = make([]float64, n)
	e.td = make([]float64, n)
	e.te = make([]float64, n)
	e.tau = make([]float64, n)
	e.p = make([]float64, max(n, k))
	e.u0 = make([]float64, n)
	e.u1 = make([]float64, n)
	e.u2 = make([]float64, n)
	e.l = make([]float64, n)
	e.piv = make([]bool, n)
	e.x = make([]float64, n)
	e.vt = make([]float64, tridiagBlock*n)
	e.wt = make([]float64, tridiagBlock*n)
	e.cv = make([]float64, tridiagBlock)
	e.cw = make([]float64, tridiagBlock)
	e.tm = make([]float64, tridiagBlock*tridiagBlock)
	e.y = make([]float64, max(k, 1)*tridiagBlock)
	e.blocked = true
	var q [1]float64
	gonum.Implementation{}.Dsyev(lapack.EVCompute, blas.Upper, n, e.save, max(n, 1), e.vals, q[:], -1)
	e.lwork = max(int(q[0]), 3*n)
	e.work = make([]float64, e.lwork)
}

// values computes all eigenvalues of the n×n symmetric g (row-major, full
// storage; overwritten with the reflectors) and returns them in descending
// order. The slice is valid until the next call.
func (e *symEig) values(g []float64, n int) []float64 {
	e.n0, e.g, e.usedFB = n, g, false
	copy(e.save[:n*n], g[:n*n])
	e.tridiagonalize(g, n)
	// Entries below 1e-100·‖T‖ are set to zero (a perturbation far below
	// rounding): gonum's Dsterf rescales an unreduced block whose largest
	// entry is below ~1e-123 through Dlascl with a row stride, which panics
	// for blocks longer than one.
	small := 1e-100 * e.tnorm
	for i := range n {
		if math.Abs(e.td[i]) < small {
			e.td[i] = 0
		}
		if i+1 < n && math.Abs(e.te[i]) < small {
			e.te[i] = 0
		}
	}
	copy(e.diag[:n], e.td[:n])
	copy(e.off[:n], e.te[:n])
	ok := n <= 1 || gonum.Implementation{}.Dsterf(n, e.diag[:n], e.off[:n-1])
	if !ok {
		e.fallback()
		return e.vals[:n]
	}
	for i := range n {
		e.vals[i] = e.diag[n-1-i]
	}
	return e.vals[:n]
}

// vectors returns the eigenvectors of the first k eigenvalues returned by
// values, as the rows of a k×n matrix (valid until the next call).
func (e *symEig) vectors(k int) []float64 {
	n := e.n0
	if e.usedFB || k == 0 {
		return e.vecs[:k*n]
	}
	if !e.inverseIteration(k) {
		e.fallback()
		return e.vecs[:k*n]
	}
	e.backTransform(k)
	return e.vecs[:k*n]
}

// top is values and vectors in one call.
func (e *symEig) top(g []float64, n, k int) (vals, vecs []float64) {
	vals = e.values(g, n)
	return vals, e.vectors(k)
}

// tridiagonalize reduces g to T = QᵀgQ, Q = H_0·H_1⋯H_{n−3}, storing T in
// td/te and the reflector H_i = I − τ_i·v·vᵀ (v = (1, g[i, i+2:])) in row i
// of g and tau[i].
func (e *symEig) tridiagonalize(g []float64, n int) {
	tnorm := 0.0
	// Subdiagonal columns smaller than tiny·max|g_ii| are treated as zero:
	// the perturbation (≤ 1e-30 relative) is far below rounding, and it
	// keeps the reflector from dividing by an underflowing α − β.
	anorm := 0.0
	for i := range n {
		anorm = max(anorm, math.Abs(g[i*n+i]))
	}
	tiny := 1e-30 * anorm
	if e.blocked && n > 2*tridiagBlock {
		e.reduceBlocked(g, n, tiny)
	} else {
		e.reduceUnblocked(g, n, 0, tiny)
	}
	switch {
	case n >= 2:
		e.td[n-2] = g[(n-2)*n+n-2]
		e.te[n-2] = g[(n-2)*n+n-1]
		e.td[n-1] = g[(n-1)*n+n-1]
	case n == 1:
		e.td[0] = g[0]
	}
	for i := range n {
		r := math.Abs(e.td[i])
		if i > 0 {
			r += math.Abs(e.te[i-1])
		}
		if i+1 < n {
			r += math.Abs(e.te[i])
		}
		tnorm = max(tnorm, r)
	}
	e.tnorm = tnorm
}

// reflector turns x = g[i, i+1:] into the Householder vector v (v[0] = 1)
// of H = I − τ·v·vᵀ with H·x = β·e₁, records τ and β, and returns τ (0, and
// x untouched, when x[1:] is negligible).
func (e *symEig) reflector(g []float64, n, i int, tiny float64) float64 {
	m := n - i - 1
	x := g[i*n+i+1 : i*n+n]
	e.td[i] = g[i*n+i]
	alpha := x[0]
	xnorm := 0.0
	if m > 1 {
		xnorm = kernel.Nrm2(x[1:])
	}
	if xnorm <= tiny {
		e.tau[i] = 0
		e.te[i] = alpha
		return 0
	}
	beta := -math.Copysign(math.Hypot(alpha, xnorm), alpha)
	tau := (beta - alpha) / beta
	kernel.Scal(1/(alpha-beta), x[1:])
	x[0] = 1
	e.tau[i] = tau
	e.te[i] = beta
	return tau
}

// reduceUnblocked applies reflectors from column `from` on, each with a
// full-storage Gemv and a rank-2 update by rows.
func (e *symEig) reduceUnblocked(g []float64, n, from int, tiny float64) {
	for i := from; i+2 < n; i++ {
		tau := e.reflector(g, n, i, tiny)
		if tau == 0 {
			continue
		}
		m := n - i - 1
		x := g[i*n+i+1 : i*n+n]
		a22 := g[(i+1)*n+i+1:]
		p := e.p[:m]
		kernel.Gemv(m, m, tau, a22, n, x, 0, p)
		kernel.Axpy(-0.5*tau*kernel.Dot(p, x), x, p)
		for r := range m {
			row := a22[r*n : r*n+m]
			kernel.Axpy(-x[r], p, row)
			kernel.Axpy(-p[r], x, row)
		}
	}
}

// tridiagBlock is the panel width of the blocked reduction.
const tridiagBlock = 16

// reduceBlocked is LAPACK's dsytrd scheme (dlatrd panels) on row-major full
// storage: within a panel of nb columns the trailing matrix is not updated;
// each new column and each product A·v is corrected by the panel's
// reflectors so far (A_cur = A − V·Wᵀ − W·Vᵀ, V and W stored transposed as
// nb rows of n), and at the end of the panel the trailing matrix takes the
// rank-2nb update with two GemmTN calls. Half the flops then run in the
// level-3 kernel instead of n² short Axpy calls.
func (e *symEig) reduceBlocked(g []float64, n int, tiny float64) {
	const nb = tridiagBlock
	vt, wt := e.vt, e.wt
	cv, cw := e.cv[:nb], e.cw[:nb]
	j0 := 0
	for ; j0+nb+2 < n; j0 += nb { // leave the last columns to the unblocked loop
		for t := range nb {
			j := j0 + t
			row := g[j*n+j : j*n+n] // A[j, j:] = A[j:, j]: diagonal and column below
			if t > 0 {
				// row −= V[j:, :t]·W[j, :t]ᵀ + W[j:, :t]·V[j, :t]ᵀ
				for s := range t {
					cw[s] = wt[s*n+j]
					cv[s] = vt[s*n+j]
				}
				kernel.GemvT(t, n-j, -1, vt[j:], n, cw[:t], 1, row)
				kernel.GemvT(t, n-j, -1, wt[j:], n, cv[:t], 1, row)
			}
			tau := e.reflector(g, n, j, tiny)
			vrow := vt[t*n : (t+1)*n]
			wrow := wt[t*n : (t+1)*n]
			clear(vrow[:j+1])
			clear(wrow[:j+1])
			m := n - j - 1
			if tau == 0 {
				clear(vrow[j+1:])
				clear(wrow[j+1:])
				continue
			}
			v := g[j*n+j+1 : j*n+n]
			copy(vrow[j+1:], v)
			// p = τ·(A − V·Wᵀ − W·Vᵀ)·v over the trailing m×m block.
			p := wrow[j+1:]
			kernel.Gemv(m, m, 1, g[(j+1)*n+j+1:], n, v, 0, p)
			if t > 0 {
				kernel.Gemv(t, m, 1, wt[j+1:], n, v, 0, cw[:t])
				kernel.GemvT(t, m, -1, vt[j+1:], n, cw[:t], 1, p)
				kernel.Gemv(t, m, 1, vt[j+1:], n, v, 0, cv[:t])
				kernel.GemvT(t, m, -1, wt[j+1:], n, cv[:t], 1, p)
			}
			kernel.Scal(tau, p)
			kernel.Axpy(-0.5*tau*kernel.Dot(p, v), v, p) // w
		}
		// Trailing update A[j1:, j1:] −= V·Wᵀ + W·Vᵀ (both triangles).
		j1 := j0 + nb
		m1 := n - j1
		c := g[j1*n+j1:]
		kernel.GemmTN(m1, m1, nb, -1, vt[j1:], n, wt[j1:], n, 1, c, n)
		kernel.GemmTN(m1, m1, nb, -1, wt[j1:], n, vt[j1:], n, 1, c, n)
	}
	e.reduceUnblocked(g, n, j0, tiny)
}

// factor computes the LU factorisation with partial pivoting of T − λI
// (tridiagonal, so U has two superdiagonals). Pivots smaller than pivmin
// are replaced by ±pivmin.
func (e *symEig) factor(lambda, pivmin float64) {
	n := e.n0
	d, off := e.td[:n], e.te[:n]
	p := d[0] - lambda
	q := 0.0
	if n > 1 {
		q = off[0]
	}
	r := 0.0
	for i := 0; i+1 < n; i++ {
		s := off[i]
		t := d[i+1] - lambda
		w := 0.0
		if i+2 < n {
			w = off[i+1]
		}
		if math.Abs(p) >= math.Abs(s) {
			if math.Abs(p) < pivmin {
				p = math.Copysign(pivmin, p)
			}
			l := s / p
			e.u0[i], e.u1[i], e.u2[i], e.l[i], e.piv[i] = p, q, r, l, false
			p, q, r = t-l*q, w-l*r, 0
		} else {
			l := p / s
			e.u0[i], e.u1[i], e.u2[i], e.l[i], e.piv[i] = s, t, w, l, true
			p, q, r = q-l*t, r-l*w, 0
		}
	}
	if math.Abs(p) < pivmin {
		p = math.Copysign(pivmin, p)
	}
	e.u0[n-1] = p
	for i, u := range e.u0[:n] { // solve multiplies by the reciprocals
		e.u0[i] = 1 / u
	}
}

// solve overwrites y with (T − λI)⁻¹·y using the factorisation.
func (e *symEig) solve(y []float64) {
	n := e.n0
	for i := 0; i+1 < n; i++ {
		if e.piv[i] {
			y[i], y[i+1] = y[i+1], y[i]-e.l[i]*y[i+1]
		} else {
			y[i+1] -= e.l[i] * y[i]
		}
	}
	r0, r1, r2 := e.u0[:n], e.u1[:n], e.u2[:n]
	y = y[:n]
	y[n-1] *= r0[n-1]
	if n >= 2 {
		y[n-2] = (y[n-2] - r1[n-2]*y[n-1]) * r0[n-2]
	}
	for i := n - 3; i >= 0; i-- {
		y[i] = (y[i] - r1[i]*y[i+1] - r2[i]*y[i+2]) * r0[i]
	}
}

// inverseIteration computes the eigenvectors of T for vals[0:k] into the
// rows of vecs. It reports false if some vector did not converge.
func (e *symEig) inverseIteration(k int) bool {
	n := e.n0
	if n == 1 {
		e.vecs[0] = 1
		return true
	}
	const eps = 0x1p-52
	tn := max(e.tnorm, math.SmallestNonzeroFloat64)
	pertol := 10 * eps * tn
	ortol := 1e-3 * tn
	pivmin := eps * tn
	const maxIts = 8
	var prev float64
	cstart := 0
	seed := uint64(0x9e3779b97f4a7c15)
	for j := range k {
		lambda := e.vals[j]
		if j > 0 {
			if prev-lambda < pertol {
				lambda = prev - pertol
			}
			if prev-lambda > ortol {
				cstart = j
			}
		}
		prev = lambda
		e.factor(lambda, pivmin)
		x := e.x[:n]
		for i := range x { // deterministic start vector in (−1, 1)
			seed ^= seed << 13
			seed ^= seed >> 7
			seed ^= seed << 17
			x[i] = float64(int64(seed>>11))/(1<<52) - 1
		}
		kernel.Scal(1/kernel.Nrm2(x), x)
		converged, extra := false, 0
		for range maxIts {
			e.solve(x)
			for c := cstart; c < j; c++ {
				z := e.vecs[c*n : (c+1)*n]
				kernel.Axpy(-kernel.Dot(x, z), z, x)
			}
			growth := kernel.Nrm2(x)
			if !(growth > 0) || math.IsInf(growth, 0) {
				return false
			}
			kernel.Scal(1/growth, x)
			if converged {
				extra++
				if extra == 1 {
					break
				}
			}
			if growth*tn > 1e6 {
				converged = true
				// The residual of x is ‖(T − λI)x‖ = 1/growth, so growth
				// ≥ 1e14/‖T‖ certifies ‖Tx − λx‖ ≤ 1e-14·‖T‖ (≈ 50ε‖T‖):
				// accurate to rounding already, no extra iteration.
				if growth*tn > 1e14 {
					break
				}
			}
		}
		if !converged {
			return false
		}
		copy(e.vecs[j*n:(j+1)*n], x)
	}
	return true
}

// backTransform replaces each row z of vecs[0:k] by Q·z.
func (e *symEig) backTransform(k int) {
	if e.blocked && e.n0 > 2*tridiagBlock {
		e.backTransformBlocked(k)
		return
	}
	e.backTransformUnblocked(k)
}

// backTransformBlocked applies the reflectors nb at a time in compact WY
// form: H_lo⋯H_hi = I − V·T·Vᵀ (LAPACK dlarft, forward), so for the rows
// z of Z, z·H_hi⋯H_lo = z − ((z·V)·Tᵀ)·Vᵀ: two GEMMs per block instead of
// one Gemv and k short Axpy calls per reflector.
func (e *symEig) backTransformBlocked(k int) {
	const nb = tridiagBlock
	n := e.n0
	g := e.g
	z := e.vecs[:k*n]
	vt, tm, y, sv := e.vt, e.tm, e.y[:k*nb], e.cv[:nb]
	for hi := n - 3; hi >= 0; hi -= nb {
		lo := max(0, hi-nb+1)
		nbk := hi - lo + 1
		c0 := lo + 1 // first column any reflector of the block touches
		w := n - c0
		for r := range nbk {
			i := lo + r
			row := vt[r*n : r*n+w]
			clear(row)
			if e.tau[i] != 0 {
				row[i+1-c0] = 1
				copy(row[i+2-c0:], g[i*n+i+2:i*n+n])
			}
		}
		// T, upper triangular: T[j][j] = τ_j, T[0:j, j] = −τ_j·T[0:j, 0:j]·(Vᵀv_j)[0:j].
		for j := range nbk {
			tj := e.tau[lo+j]
			tm[j*nb+j] = tj
			if j == 0 {
				continue
			}
			kernel.Gemv(j, w, 1, vt, n, vt[j*n:j*n+w], 0, sv[:j])
			for i := range j {
				acc := 0.0
				for l := i; l < j; l++ {
					acc += tm[i*nb+l] * sv[l]
				}
				tm[i*nb+j] = -tj * acc
			}
		}
		// Y = Z[:, c0:]·V, then Y ← Y·Tᵀ, then Z[:, c0:] −= Y·Vᵀ.
		kernel.GemmNT(k, nbk, w, 1, z[c0:], n, vt, n, 0, y, nb)
		for r := range k {
			yr := y[r*nb : r*nb+nbk]
			for i := range nbk {
				acc := 0.0
				for j := i; j < nbk; j++ {
					acc += yr[j] * tm[i*nb+j]
				}
				yr[i] = acc
			}
		}
		kernel.GemmNN(k, w, nbk, -1, y, nb, vt, n, 1, z[c0:], n)
	}
}

// backTransformUnblocked applies the reflectors one at a time.
func (e *symEig) backTransformUnblocked(k int) {
	n := e.n0
	g := e.g
	z := e.vecs[:k*n]
	t := e.p[:k]
	for i := n - 3; i >= 0; i-- {
		tau := e.tau[i]
		if tau == 0 {
			continue
		}
		m := n - i - 1
		v := g[i*n+i+1 : i*n+n]
		kernel.Gemv(k, m, 1, z[i+1:], n, v, 0, t)
		for r := range k {
			kernel.Axpy(-tau*t[r], v, z[r*n+i+1:r*n+n])
		}
	}
}

// fallback computes every eigenpair of the saved matrix with gonum's Dsyev.
func (e *symEig) fallback() {
	n := e.n0
	e.usedFB = true
	a := e.save[:n*n]
	w := e.diag[:n]
	// Dsyev reports failure only if its QL iteration does not converge in
	// 30n sweeps, which does not happen for the scaled symmetric matrices
	// met here; its output is used as is.
	_ = gonum.Implementation{}.Dsyev(lapack.EVCompute, blas.Upper, n, a, n, w, e.work, e.lwork)
	for i := range n {
		e.vals[i] = w[n-1-i]
	}
	kk := min(e.k, n)
	for j := range kk {
		c := n - 1 - j
		row := e.vecs[j*n : (j+1)*n]
		for r := range n {
			row[r] = a[r*n+c]
		}
	}
}
