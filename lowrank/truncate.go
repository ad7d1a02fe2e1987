package lowrank

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/linstream/linstream/internal/kernel"
	"github.com/linstream/linstream/stream"
)

const eps = 0x1p-52

// Truncate returns the best rank-r approximation of the rows×cols row-major
// matrix a, with U, Σ, V and its error. a is not modified or retained.
//
// With MethodAuto (the default) it uses gonum's thin SVD when the matrix is
// small (min(n,d)²·max(n,d) ≤ 2²⁵) or r ≥ min(n,d)/2; otherwise the Gram
// route on the thinner side (AᵀA, or AAᵀ for a wide matrix) when the matrix
// is tall or wide (max ≥ 4·min) with min(n,d) ≤ 2048, and the randomized
// route for everything else (a square-ish matrix gains nothing from
// forming its Gram matrix). WithMethod forces MethodSVD,
// MethodGram or MethodRandomized. The iterative routes work on a transposed
// copy of a wide matrix (one more n·d floats). U is always computed (one
// more memory-bound pass, A·V·Σ⁻¹, on the iterative routes, except block
// Krylov when its basis K has at most a quarter of A's columns: it keeps
// A·Kᵀ and needs no pass for U); signs follow the U rule (see
// CanonicalSigns).
//
// It panics if r < 1, rows < 0, cols < 1 or len(a) != rows·cols. It returns
// an error wrapping stream.ErrEmpty when rows == 0, stream.ErrNonFinite
// (naming the entry) when a holds a NaN or ±Inf, and ErrInvalidOption for a
// bad option.
func Truncate(a []float64, rows, cols, r int, opts ...Option) (*Result, error) {
	if r < 1 || rows < 0 || cols < 1 || len(a) != rows*cols {
		panic(fmt.Sprintf("lowrank: Truncate of %d values as %d×%d at rank %d", len(a), rows, cols, r))
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if rows == 0 {
		return nil, fmt.Errorf("lowrank: truncate: %w", stream.ErrEmpty)
	}
	small, big := min(rows, cols), max(rows, cols)
	m := cfg.method
	if m == MethodAuto {
		switch {
		case float64(small)*float64(small)*float64(big) <= 1<<25 || 2*r >= small:
			m = MethodSVD
		case small <= 2048 && big >= 4*small:
			m = MethodGram
		default:
			m = MethodRandomized
		}
	}
	switch m {
	case MethodSVD:
		if err := checkFinite(a, cols); err != nil {
			return nil, err
		}
		return svdTruncate(a, rows, cols, r, cfg)
	case MethodGram, MethodRandomized:
	default:
		return nil, invalid("Truncate cannot use method %v", m)
	}
	// Iterative routes work on the thinner side.
	src, n, d := a, rows, cols
	wide := cols > rows
	if wide {
		src = transpose(a, rows, cols)
		n, d = cols, rows
	}
	var res *Result
	ms := &memSource{a: src, rows: n, d: d, b: cfg.blockRows}
	if m == MethodGram {
		res, err = gramTruncate(ms, r, cfg)
	} else {
		res, err = randomized(ms, r, cfg)
	}
	if errors.Is(err, stream.ErrNonFinite) {
		// The routes see a non-finite ‖A‖²_F; name the entry.
		if ferr := checkFinite(a, cols); ferr != nil {
			return nil, ferr
		}
	}
	if err != nil {
		return nil, err
	}
	// U = A V Σ⁻¹ of the matrix the route saw (memory-bound: about as
	// long as reading A once).
	k := res.Rank
	u := res.U // the Krylov iteration in memory has it already
	if u == nil {
		u = make([]float64, n*k)
	}
	if k > 0 && res.U == nil {
		vt := make([]float64, k*d) // rows v_i/σ_i
		for i := range d {
			for j := range k {
				vt[j*d+i] = res.V[i*k+j] / res.Sigma[j]
			}
		}
		row := 0
		_ = ms.pass(func(b int, blk []float64) error {
			kernel.GemmNT(b, k, d, 1, blk, d, vt, d, 0, u[row*k:(row+b)*k], k)
			row += b
			return nil
		})
		res.Passes++
	}
	if wide {
		res.U, res.V = res.V, u
		res.Rows, res.Cols = int64(rows), cols
	} else {
		res.U = u
	}
	CanonicalSigns(res.U, rows, res.V, cols, k)
	res.SignsFrom = 'U'
	return res, nil
}

func transpose(a []float64, rows, cols int) []float64 {
	t := make([]float64, len(a))
	for i := range rows {
		for j, v := range a[i*cols : (i+1)*cols] {
			t[j*rows+i] = v
		}
	}
	return t
}

// checkFinite returns an error naming the first non-finite entry of the
// row-major a.
func checkFinite(a []float64, cols int) error {
	return stream.CheckFinite(a, cols, 0)
}

// svdTruncate is the exact route: gonum's thin SVD.
func svdTruncate(a []float64, rows, cols, r int, cfg *config) (*Result, error) {
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(rows, cols, a), mat.SVDThin) {
		return nil, fmt.Errorf("%w: dense SVD of %d×%d failed", ErrNoConvergence, rows, cols)
	}
	s := svd.Values(nil)
	small := len(s)
	r = min(r, small)
	var frob float64
	for _, v := range s {
		frob += v * v
	}
	k := 0
	cut := float64(max(rows, cols)) * eps * s[0]
	for k < r && s[k] > cut {
		k++
	}
	var uu, vv mat.Dense
	svd.UTo(&uu)
	svd.VTo(&vv)
	res := &Result{
		Rows: int64(rows), Cols: cols, Rank: k,
		Sigma:  append([]float64(nil), s[:k]...),
		U:      make([]float64, rows*k),
		V:      make([]float64, cols*k),
		FrobSq: frob, GapTol: cfg.gapTol,
		Method: MethodSVD, SignsFrom: 'U', Passes: 1, Converged: true,
	}
	for i := range rows {
		for j := range k {
			res.U[i*k+j] = uu.At(i, j)
		}
	}
	for i := range cols {
		for j := range k {
			res.V[i*k+j] = vv.At(i, j)
		}
	}
	var tail float64
	for i := small - 1; i >= k; i-- { // small values first, for accuracy
		tail += s[i] * s[i]
	}
	res.TailEnergy, res.TailLower = tail, tail
	if k == r && r < small && s[r] > cut {
		res.NextSigma = s[r]
	}
	setGap(res, r, 0, 0)
	CanonicalSigns(res.U, rows, res.V, cols, k)
	return res, nil
}

// setGap fills Gap and Unique. r is the requested rank (after capping at
// min(n,d)); uncR and uncNext are the uncertainties of σ_r and σ_{r+1}.
func setGap(res *Result, r int, uncR, uncNext float64) {
	if res.Rank < r || res.Rank == 0 {
		// A has numerical rank below r: A_r = A is unique.
		res.Gap = 0
		if res.Rank > 0 {
			res.Gap = res.Sigma[res.Rank-1]
		}
		res.Unique = true
		return
	}
	res.Gap = res.Sigma[r-1] - res.NextSigma
	res.Unique = res.Gap > res.GapTol*res.Sigma[0]+uncR+uncNext
}

// GramTruncate computes the rank-r truncation from one pass over src: it
// accumulates ‖A‖²_F and the d×d Gram matrix AᵀA with kernel.GramUpdate,
// then finds the top eigenpairs by Chebyshev-filtered subspace iteration
// with Rayleigh–Ritz on blocks of k = r+p vectors (p from WithOversample;
// see gramEig) until the top r Ritz pairs have residual ≤ tol·σ̃_1²
// (WithTol, WithMaxIter; hitting the cap leaves Converged false, not an
// error). It factors the d×d matrix densely only when d ≤ 4k. Memory is
// d² + 5·d·k floats; time n·d² for the pass plus 2·s·k·d² per iteration
// for a filter of degree s ≤ 16.
//
// The pass reads src from where it stands.
//
// U is not computed unless WithU(true) is given and src is also a
// stream.Rewinder (one more pass); WithU(true) on a plain Reader returns an
// error wrapping ErrInvalidOption. Without U the sign rule is applied to V.
// Read errors are returned as they come, wrapped; an empty stream returns an
// error wrapping stream.ErrEmpty, a non-finite sum of squares one wrapping
// stream.ErrNonFinite. It panics if r < 1.
func GramTruncate(src stream.Reader, r int, opts ...Option) (*Result, error) {
	if r < 1 {
		panic(fmt.Sprintf("lowrank: GramTruncate at rank %d", r))
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if _, canRewind := src.(stream.Rewinder); cfg.wantU && !canRewind {
		return nil, invalid("WithU needs a second pass, but the source is not a stream.Rewinder")
	}
	rs := newReaderSource(src, cfg.blockRows)
	res, err := gramTruncate(rs, r, cfg)
	if err != nil {
		return nil, err
	}
	return finishU(res, rs, cfg)
}

// finishU computes U with one more pass when asked, and fixes the signs.
func finishU(res *Result, rw source, cfg *config) (*Result, error) {
	if cfg.wantU {
		if err := uPass(res, rw, cfg); err != nil {
			return nil, err
		}
		CanonicalSigns(res.U, int(res.Rows), res.V, res.Cols, res.Rank)
		res.SignsFrom = 'U'
		return res, nil
	}
	CanonicalSigns(nil, 0, res.V, res.Cols, res.Rank)
	res.SignsFrom = 'V'
	return res, nil
}

// uPass computes U = A V Σ⁻¹ in one more pass.
func uPass(res *Result, rw source, cfg *config) error {
	d, k := res.Cols, res.Rank
	n := int(res.Rows)
	res.U = make([]float64, n*k)
	if k == 0 {
		return nil
	}
	vt := make([]float64, k*d) // rows v_i / σ_i
	for i := range d {
		for j := range k {
			vt[j*d+i] = res.V[i*k+j] / res.Sigma[j]
		}
	}
	row := 0
	err := rw.pass(func(b int, blk []float64) error {
		if row+b > n {
			return fmt.Errorf("lowrank: pass for U: source has more than the %d rows of the first pass: %w", n, stream.ErrShape)
		}
		kernel.GemmNT(b, k, d, 1, blk, d, vt, d, 0, res.U[row*k:(row+b)*k], k)
		row += b
		return nil
	})
	if err != nil {
		return err
	}
	if row != n {
		return fmt.Errorf("lowrank: pass for U read %d rows, the first pass %d: %w", row, n, stream.ErrShape)
	}
	res.Passes++
	return nil
}

// readAll reads src to its end through buf, calling f on each block of b
// rows. It returns nil at a clean end.
func readAll(src stream.Reader, buf []float64, f func(b int, blk []float64) error) error {
	d := src.Cols()
	for {
		n, err := src.ReadRows(buf)
		if n > 0 {
			if ferr := f(n, buf[:n*d]); ferr != nil {
				return ferr
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				return nil
			}
			return fmt.Errorf("lowrank: reading rows: %w", err)
		}
	}
}

func gramTruncate(src source, r int, cfg *config) (*Result, error) {
	d := src.cols()
	g := make([]float64, d*d)
	var n int64
	var frob float64
	err := src.pass(func(b int, blk []float64) error {
		kernel.GramUpdate(b, d, 1, blk, d, g, d)
		frob += kernel.Dot(blk, blk)
		n += int64(b)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("lowrank: gram truncation: %w", stream.ErrEmpty)
	}
	if math.IsNaN(frob) || math.IsInf(frob, 0) {
		return nil, fmt.Errorf("lowrank: gram truncation: sum of squares is %v: %w", frob, stream.ErrNonFinite)
	}
	kernel.SymmetrizeUpper(d, g, d)
	small := int(min(int64(d), n))
	r = min(r, small)
	rz, iters, converged, err := gramEig(g, d, r, cfg)
	if err != nil {
		return nil, err
	}
	res := fromRitz(rz, r, n, d, frob, cfg)
	res.Method, res.Passes, res.Iterations, res.Converged = MethodGram, 1, iters, converged
	return res, nil
}

// Chebyshev filter limits: the degree s is at most maxChebDegree, and at
// most what keeps T_s at the top Ritz value below chebGrowth, so the wanted
// directions keep at least 16 − log10(chebGrowth) digits relative to the
// dominant one.
const (
	maxChebDegree = 16
	chebGrowth    = 1e8
)

// gramEig finds the top eigenpairs of the d×d symmetric positive
// semidefinite g: by one dense eigendecomposition when d ≤ 4(r+p) (a small
// problem), otherwise by Chebyshev-filtered subspace iteration (Zhou & Saad
// 2007) on a block of k = r+p vectors: each iteration applies T_s(G) with the
// Chebyshev polynomial T_s mapped to the unwanted interval [0, θ_k] (θ_k the
// smallest current Ritz value), re-orthonormalizes (classical Gram–Schmidt
// twice) and does Rayleigh–Ritz on the k×k projection, until the top r
// Ritz pairs have residual ≤ tol·θ_1. Directions are damped like
// 1/T_s(λ/θ_k) instead of (λ/θ_k)^s, which is what flat (noise-like)
// spectra need, and the small eigenproblem stays k×k.
func gramEig(g []float64, d, r int, cfg *config) (*ritz, int, bool, error) {
	k := min(r+cfg.oversample, d)
	if d <= 4*k {
		rz := newRitz(d, d)
		if !symEig(g, d, rz.theta, rz.w) {
			return nil, 0, false, fmt.Errorf("%w: eigenproblem of order %d failed", ErrNoConvergence, d)
		}
		for i := range d {
			for j := range d {
				rz.vt[i*d+j] = rz.w[j*d+i]
			}
			kernel.AxpBy(rz.theta[i], rz.vt[i*d:(i+1)*d], 0, rz.mvt[i*d:(i+1)*d])
		}
		return rz, 1, true, nil
	}
	rng := newRand(cfg.seed)
	x := make([]float64, k*d)
	gaussian(x, rng)
	orthoRows(x, k, d, make([]float64, k), rng)
	apply := func(x, z []float64) error {
		kernel.GemmNN(k, d, d, 1, x, d, g, d, 0, z, d)
		return nil
	}
	fi := newFiltered(k, d, rng)
	conv, err := fi.run(apply, x, r, cfg.tol, cfg.maxIter, math.MaxInt)
	if err != nil {
		return nil, 0, false, err
	}
	return fi.rz, fi.iters, conv, nil
}

// filtered is Chebyshev-filtered subspace iteration (Zhou & Saad 2007) on a
// symmetric positive semidefinite operator M given as apply(x, z): z = x·M
// for a k×d block of rows. Each iteration does Rayleigh–Ritz on the k×k
// projection, then applies T_s(M) with the Chebyshev polynomial mapped to
// the unwanted interval [0, θ_k] (θ_k the smallest Ritz value) to the Ritz
// vectors and re-orthonormalizes them (classical Gram–Schmidt twice). The
// degree s is at most maxChebDegree and at most what keeps T_s(θ_1) below
// chebGrowth. Directions are damped like 1/T_s(λ/θ_k) rather than
// (λ/θ_k)^s, which is what flat (noise-like) spectra need.
type filtered struct {
	k, d           int
	rz             *ritz
	y0, y1, z      []float64
	coef           []float64
	rng            *rand.Rand
	iters, applied int
	// done, when set, replaces the residual test of run: it is asked after
	// every Rayleigh–Ritz step.
	done func(*ritz) bool
}

func newFiltered(k, d int, rng *rand.Rand) *filtered {
	return &filtered{
		k: k, d: d, rz: newRitz(k, d), rng: rng,
		y0: make([]float64, k*d), y1: make([]float64, k*d), z: make([]float64, k*d),
		coef: make([]float64, k),
	}
}

// run iterates from the orthonormal block x (overwritten) until the top r
// Ritz pairs have residual ≤ tol·θ_1 (it returns true), or maxIter
// Rayleigh–Ritz steps or maxApply applications of M have been made
// (false). f.rz then holds the last Rayleigh–Ritz extraction.
func (f *filtered) run(apply func(x, z []float64) error, x []float64, r int, tol float64, maxIter, maxApply int) (bool, error) {
	k := f.k
	rz := f.rz
	for {
		if err := apply(x, f.z); err != nil {
			return false, err
		}
		f.applied++
		f.iters++
		if !rz.extract(x, f.z) {
			return false, fmt.Errorf("%w: Rayleigh–Ritz eigenproblem of order %d failed", ErrNoConvergence, k)
		}
		converged := true
		lim := tol * rz.theta[0]
		for i := range min(r, k) {
			if rz.res[i] > lim {
				converged = false
				break
			}
		}
		if f.done != nil {
			converged = f.done(rz)
		}
		left := maxApply - f.applied
		if converged || left <= 0 || f.iters >= maxIter {
			return converged, nil
		}
		// Y_0 = V, Y_1 = (VM − cV)/e, Y_{j+1} = 2(Y_j M − c Y_j)/e − Y_{j−1},
		// with c = e = θ_k/2; the last application of a degree-s filter
		// leaves one for the next Rayleigh–Ritz, so s ≤ left.
		cut, top := rz.theta[k-1], rz.theta[0]
		deg := 1
		if cut > 0 && top > cut {
			deg = int(math.Acosh(chebGrowth) / math.Acosh(2*top/cut-1))
			deg = max(1, min(deg, maxChebDegree, left))
		}
		if deg == 1 {
			// No usable interval (or budget): a plain power step.
			copy(x, rz.mvt)
			orthoRows(x, k, f.d, f.coef, f.rng)
			continue
		}
		c := cut / 2
		y0, y1, z := f.y0, f.y1, f.z
		copy(y0, rz.vt)
		for i := range y1 {
			y1[i] = (rz.mvt[i] - c*rz.vt[i]) / c
		}
		for range deg - 1 {
			if err := apply(y1, z); err != nil {
				return false, err
			}
			f.applied++
			for i := range z {
				z[i] = 2*(z[i]-c*y1[i])/c - y0[i]
			}
			y0, y1, z = y1, z, y0
		}
		f.y0, f.y1, f.z = y0, y1, z
		copy(x, y1)
		orthoRows(x, k, f.d, f.coef, f.rng)
	}
}

// fromRitz builds a Result from Ritz pairs of AᵀA. r ≤ min(n, d).
func fromRitz(rz *ritz, r int, n int64, d int, frob float64, cfg *config) *Result {
	k := rz.k
	th0 := max(rz.theta[0], 0)
	cut := float64(d) * eps * th0
	rank := 0
	for rank < min(r, k) && rz.theta[rank] > cut {
		rank++
	}
	res := &Result{
		Rows: n, Cols: d, Rank: rank,
		Sigma:  make([]float64, rank),
		V:      make([]float64, d*rank),
		FrobSq: frob, GapTol: cfg.gapTol,
	}
	var captured float64
	for i := range rank {
		captured += rz.theta[i]
		res.Sigma[i] = math.Sqrt(rz.theta[i])
		for j := range d {
			res.V[j*rank+i] = rz.vt[i*d+j]
		}
		if th0 > 0 {
			res.Residual = max(res.Residual, rz.res[i]/th0)
		}
	}
	res.TailEnergy = max(frob-captured, 0)
	var lower float64
	for i := k - 1; i >= r; i-- {
		lower += max(rz.theta[i], 0)
	}
	res.TailLower = min(lower, res.TailEnergy)
	unc := func(i int) float64 { return ritzUnc(rz, i) }
	var uncR, uncNext float64
	if rank == r && r < k {
		if rz.theta[r] > cut {
			res.NextSigma = math.Sqrt(rz.theta[r])
		}
		uncNext = unc(r)
	}
	if rank == r && r > 0 {
		uncR = unc(r - 1)
	}
	if rank == r && r == k && int64(k) < min(int64(d), n) {
		// No oversampling: σ_{r+1} is unknown; do not claim uniqueness.
		uncNext = math.Inf(1)
	}
	setGap(res, r, uncR, uncNext)
	res.Angle = subspaceAngle(rz, r)
	if rank < r {
		res.Angle = 0 // A has rank < r: A_r = A whatever the vectors
	}
	return res
}
