package spectral

import (
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/linstream/linstream/internal/kernel"
	"github.com/linstream/linstream/stream"
)

// operator applies a symmetric positive semi-definite matrix M (AᵀA).
type operator interface {
	dim() int
	// apply sets y = M·z.
	apply(z, y []float64) error
	rows() int64
	scratch() int // floats of scratch held
}

// passBlockRows is the read buffer of a matrix-free pass, in rows.
const passBlockRows = 256

// streamOp computes AᵀAz = Σ (aᵀz)a in one pass over a Rewinder.
type streamOp struct {
	r    stream.Rewinder
	d    int
	buf  []float64
	p    []float64
	n    int64 // rows in a pass (-1 before the first)
	pass int
}

func newStreamOp(r stream.Rewinder) *streamOp {
	d := r.Cols()
	if d < 1 {
		panic("spectral: reader with no columns")
	}
	return &streamOp{r: r, d: d, buf: make([]float64, passBlockRows*d), p: make([]float64, passBlockRows), n: -1}
}

func (o *streamOp) dim() int     { return o.d }
func (o *streamOp) rows() int64  { return max(o.n, 0) }
func (o *streamOp) scratch() int { return len(o.p) }

func (o *streamOp) apply(z, y []float64) error {
	o.pass++
	if o.pass > 1 {
		if err := o.r.Rewind(); err != nil {
			return fmt.Errorf("spectral: rewinding for pass %d: %w", o.pass, err)
		}
	}
	clear(y)
	var n int64
	for {
		k, err := o.r.ReadRows(o.buf)
		if k > 0 {
			blk := o.buf[:k*o.d]
			p := o.p[:k]
			kernel.Gemv(k, o.d, 1, blk, o.d, z, 0, p)
			kernel.GemvT(k, o.d, 1, blk, o.d, p, 1, y)
			n += int64(k)
		}
		if err != nil {
			if errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				break
			}
			return fmt.Errorf("spectral: pass %d, after row %d: %w", o.pass, n, err)
		}
	}
	switch {
	case n == 0:
		return fmt.Errorf("spectral: pass %d read no rows: %w", o.pass, stream.ErrEmpty)
	case o.n >= 0 && n != o.n:
		return fmt.Errorf("spectral: pass %d read %d rows, the first pass %d: %w", o.pass, n, o.n, stream.ErrShape)
	}
	o.n = n
	if s := kernel.Dot(y, y); math.IsNaN(s) || math.IsInf(s, 0) {
		return fmt.Errorf("spectral: pass %d: AᵀAz is not finite (a non-finite or huge value in the input): %w", o.pass, stream.ErrNonFinite)
	}
	return nil
}

// gramOp applies an in-memory d×d symmetric matrix.
type gramOp struct {
	g []float64
	d int
}

func (o gramOp) dim() int     { return o.d }
func (o gramOp) rows() int64  { return 0 }
func (o gramOp) scratch() int { return 0 }
func (o gramOp) apply(z, y []float64) error {
	kernel.Gemv(o.d, o.d, 1, o.g, o.d, z, 0, y)
	if s := kernel.Dot(y, y); math.IsNaN(s) || math.IsInf(s, 0) {
		return fmt.Errorf("spectral: Gram·z is not finite: %w", stream.ErrNonFinite)
	}
	return nil
}

func checkGram(who string, g []float64, d int) {
	if d < 1 || len(g) != d*d {
		panic(fmt.Sprintf("spectral: %s: Gram matrix of %d values, want %d×%d", who, len(g), d, d))
	}
}

// Power computes the top eigenpair of AᵀA by the power method, one pass
// over r per iteration (matrix-free: each pass forms AᵀAz = Σ (aᵀz)a with
// kernel.Gemv and kernel.GemvT, holding one read buffer). It stops when
// the residual r = AᵀAz − θz (θ = zᵀAᵀAz, z unit) of the current iterate
// satisfies ‖r‖ ≤ tol·θ, and returns that iterate with its residual — a
// certificate: |θ − λ| ≤ ‖r‖ for some eigenvalue λ, and
// sin θ(z, v₁) ≤ ‖r‖/(λ₁ − λ₂) when θ is closest to λ₁. Convergence is
// geometric with ratio λ₂/λ₁.
//
// Options: WithSeed, WithTolerance (default 1e-8), WithMaxPasses (default
// 300). If the budget runs out, the last iterate is returned with
// Converged false. Errors from r are returned wrapped, as are an empty
// stream (stream.ErrEmpty), a pass whose row count differs from the first
// (stream.ErrShape) and non-finite data (stream.ErrNonFinite).
func Power(r stream.Rewinder, opts ...Option) (Result, error) {
	return power("power", newStreamOp(r), opts)
}

// PowerGram is Power on an in-memory symmetric d×d Gram matrix g
// (row-major, both triangles). It panics if len(g) != d·d.
func PowerGram(g []float64, d int, opts ...Option) (Result, error) {
	checkGram("PowerGram", g, d)
	return power("power-gram", gramOp{g, d}, opts)
}

func power(name string, op operator, opts []Option) (Result, error) {
	cfg, err := newConfig(name, optSeed|optTol|optPasses, opts)
	if err != nil {
		return Result{}, err
	}
	maxPasses := cfg.passes
	if maxPasses == 0 {
		maxPasses = 300
	}
	d := op.dim()
	z, y := make([]float64, d), make([]float64, d)
	gaussianStart(cfg.seed, z, 1, d)
	res := Result{Method: name, SinBound: math.NaN(), Gap: math.NaN(), Stability: math.NaN(), StateFloats: 2*d + op.scratch()}
	for res.Passes < maxPasses {
		if err := op.apply(z, y); err != nil {
			return Result{}, err
		}
		res.Passes++
		theta := kernel.Dot(z, y)
		res.Value = theta
		kernel.Axpy(-theta, z, y) // y is now the residual
		res.Residual = kernel.Nrm2(y)
		if res.Residual <= cfg.tol*theta || theta == 0 {
			res.Converged = true
			break
		}
		if res.Passes == maxPasses {
			break
		}
		kernel.Axpy(theta, z, y) // back to AᵀAz
		unitTo(z, y, kernel.Nrm2(y))
	}
	res.Rows = op.rows()
	res.Vector = z
	Canonicalize(res.Vector)
	res.Confident = res.Converged
	return res, nil
}

// Lanczos computes the top eigenpair of AᵀA by the Lanczos method with full
// reorthogonalization, one pass over r per Krylov step (matrix-free, as in
// Power). The basis holds at most WithBasis vectors (default 32); when it
// is full, Lanczos restarts from its current top Ritz vector. The
// tridiagonal eigenproblem is solved by Jacobi rotations. It stops when
// the Lanczos residual estimate β·|sₖ| ≤ tol·θ₁, then spends one more pass
// to verify: Residual is the true ‖AᵀAx − θx‖ of the returned x, and
// SinBound = Residual/(θ₁ − θ₂) uses the second Ritz value θ₂ as the
// estimate of λ₂. Convergence needs about √(λ₁/(λ₁−λ₂)) times fewer
// passes than Power.
//
// Options: WithSeed, WithTolerance (default 1e-8), WithMaxPasses (default
// 100), WithBasis. Errors as for Power.
func Lanczos(r stream.Rewinder, opts ...Option) (Result, error) {
	return lanczos("lanczos", newStreamOp(r), opts)
}

// LanczosGram is Lanczos on an in-memory symmetric d×d Gram matrix g
// (row-major, both triangles). It panics if len(g) != d·d.
func LanczosGram(g []float64, d int, opts ...Option) (Result, error) {
	checkGram("LanczosGram", g, d)
	return lanczos("lanczos-gram", gramOp{g, d}, opts)
}

func lanczos(name string, op operator, opts []Option) (Result, error) {
	cfg, err := newConfig(name, optSeed|optTol|optPasses|optBasis, opts)
	if err != nil {
		return Result{}, err
	}
	maxPasses := cfg.passes
	if maxPasses == 0 {
		maxPasses = 100
	}
	d := op.dim()
	kmax := cfg.basis
	if kmax == 0 {
		kmax = 32
	}
	kmax = min(kmax, d)
	v := make([]float64, kmax*d) // basis, row i is v_i
	w := make([]float64, d)
	x := make([]float64, d)
	t := make([]float64, kmax*kmax)
	vecs := make([]float64, kmax*kmax)
	vals := make([]float64, kmax)
	alpha, beta := make([]float64, kmax), make([]float64, kmax)
	gaussianStart(cfg.seed, v[:d], 1, d)
	res := Result{Method: name, Gap: math.NaN(), Stability: math.NaN(), SinBound: math.NaN(),
		StateFloats: (kmax+2)*d + 2*kmax*kmax + 3*kmax + op.scratch()}
	passes := 0
	theta2 := math.NaN()
	for {
		// One Lanczos cycle from v_0.
		k := 0
		done := false
		for k < kmax && passes < maxPasses {
			vk := v[k*d : (k+1)*d]
			if err := op.apply(vk, w); err != nil {
				return Result{}, err
			}
			passes++
			alpha[k] = kernel.Dot(vk, w)
			// Full reorthogonalization, twice ("twice is enough").
			for range 2 {
				for i := 0; i <= k; i++ {
					vi := v[i*d : (i+1)*d]
					kernel.Axpy(-kernel.Dot(vi, w), vi, w)
				}
			}
			beta[k] = kernel.Nrm2(w)
			k++
			// Ritz values of the k×k tridiagonal.
			clear(t[:k*k])
			for i := range k {
				t[i*k+i] = alpha[i]
				if i+1 < k {
					t[i*k+i+1], t[(i+1)*k+i] = beta[i], beta[i]
				}
			}
			symEig(t[:k*k], k, vals[:k], vecs[:k*k])
			est := beta[k-1] * math.Abs(vecs[(k-1)*k+0])
			if k > 1 {
				theta2 = vals[1]
			}
			invariant := beta[k-1] <= 1e-14*math.Max(math.Abs(alpha[0]), vals[0])
			if est <= cfg.tol*vals[0] || invariant || vals[0] == 0 {
				done = true
				break
			}
			if k < kmax {
				kernel.AxpBy(1/beta[k-1], w, 0, v[k*d:(k+1)*d])
			}
		}
		// x = V·s, the top Ritz vector of this cycle.
		clear(x)
		for i := range k {
			kernel.Axpy(vecs[i*k+0], v[i*d:(i+1)*d], x)
		}
		unitTo(x, x, kernel.Nrm2(x))
		if done || passes >= maxPasses {
			res.Converged = done
			break
		}
		copy(v[:d], x) // restart
	}
	// Verification pass: the true residual of x.
	if err := op.apply(x, w); err != nil {
		return Result{}, err
	}
	passes++
	theta := kernel.Dot(x, w)
	kernel.Axpy(-theta, x, w)
	res.Value = theta
	res.Residual = kernel.Nrm2(w)
	if theta2 < theta && !math.IsNaN(theta2) {
		res.SinBound = math.Min(1, res.Residual/(theta-theta2))
		res.Gap = ratio(theta, theta2)
	}
	res.Passes = passes
	res.Rows = op.rows()
	res.Vector = x
	Canonicalize(res.Vector)
	res.Confident = res.Converged
	return res, nil
}
