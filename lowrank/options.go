package lowrank

import (
	"errors"
	"fmt"
)

// Method selects how a truncation is computed.
type Method int

const (
	// MethodAuto lets the function choose (see each function's doc).
	MethodAuto Method = iota
	// MethodSVD is gonum's dense thin SVD: full accuracy, in memory only,
	// O(n·d·min(n,d)) time. Used for small matrices.
	MethodSVD
	// MethodGram accumulates AᵀA in one pass and finds its top eigenpairs by
	// subspace iteration: O(n·d²) time, O(d²) memory, any Reader. Singular
	// values below about √ε·σ_1 are not resolved (they are squared).
	MethodGram
	// MethodRandomized is randomized subspace iteration over a Rewinder:
	// O(passes·n·d·(r+p)) time, O(d·(r+p)) memory.
	MethodRandomized
	// MethodSketch reads the truncation off a Frequent Directions sketch.
	MethodSketch
)

// String returns "auto", "svd", "gram", "randomized" or "sketch".
func (m Method) String() string {
	switch m {
	case MethodAuto:
		return "auto"
	case MethodSVD:
		return "svd"
	case MethodGram:
		return "gram"
	case MethodRandomized:
		return "randomized"
	case MethodSketch:
		return "sketch"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// ErrNoConvergence is wrapped by errors from iterations that did not reach
// their tolerance within their iteration cap.
var ErrNoConvergence = errors.New("lowrank: no convergence")

// ErrInvalidOption is wrapped by errors from options given invalid values.
var ErrInvalidOption = errors.New("lowrank: invalid option")

// Option configures a truncation, a normal form or a principal-weight
// selection. Options are validated when the function that takes them is
// called; an invalid one makes it return an error wrapping ErrInvalidOption.
type Option func(*config) error

type config struct {
	method     Method
	oversample int
	powerIters int // -1: adaptive
	seed       uint64
	wantU      bool
	wantUSet   bool
	blockRows  int
	tol        float64
	maxIter    int
	gapTol     float64
	mask       []bool
	nfTol      float64
	nfMaxIter  int
	residTol   float64 // > 0: randomized adaptive schedule by residuals
	krylov     int     // randomized route: 0 default, 1 block Krylov, -1 subspace iteration
}

// Defaults.
const (
	DefaultOversample = 10
	DefaultBlockRows  = 256
	DefaultGapTol     = 1e-10
	DefaultTol        = 1e-10
	DefaultMaxIter    = 1000
	maxAdaptivePower  = 6
)

func newConfig(opts []Option) (*config, error) {
	c := &config{
		oversample: DefaultOversample,
		powerIters: -1,
		seed:       1,
		blockRows:  DefaultBlockRows,
		tol:        DefaultTol,
		maxIter:    DefaultMaxIter,
		gapTol:     DefaultGapTol,
		nfTol:      1e-13,
		nfMaxIter:  10000,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidOption}, args...)...)
}

// WithMethod forces a route. Not every function accepts every method; the
// ones it does not accept make it return an error wrapping ErrInvalidOption.
func WithMethod(m Method) Option {
	return func(c *config) error {
		if m < MethodAuto || m > MethodSketch {
			return invalid("unknown method %d", int(m))
		}
		c.method = m
		return nil
	}
}

// WithOversample sets the oversampling p ≥ 0 of the iterative routes: they
// work on blocks of r+p vectors (capped at the number of columns). The
// default is 10. The extra vectors speed up convergence and give the
// estimate of σ_{r+1}.
func WithOversample(p int) Option {
	return func(c *config) error {
		if p < 0 {
			return invalid("oversampling %d < 0", p)
		}
		c.oversample = p
		return nil
	}
}

// WithPowerIters fixes the number q ≥ 0 of power steps of the randomized
// route (q+1 passes over the data, plus one for U). By default q is chosen
// adaptively: passes continue, up to q = 6, until the captured energy
// Σ_{i≤r} σ̃_i² changes by less than 1e-3 of the current tail estimate, with
// at least one power step.
func WithPowerIters(q int) Option {
	return func(c *config) error {
		if q < 0 {
			return invalid("power iterations %d < 0", q)
		}
		c.powerIters = q
		return nil
	}
}

// WithKrylov chooses, for the randomized route, block Krylov iteration
// (true) or subspace iteration (false). Block Krylov (Musco & Musco 2015)
// keeps every block Q, QAᵀA, Q(AᵀA)², … of the passes in one orthonormal
// basis, up to 8 blocks of r+p vectors (fewer when 8 blocks would exceed d
// or 2²⁴ floats; then it restarts from the Ritz vectors), and does
// Rayleigh–Ritz on all of it: the r-th singular vector converges at a rate
// set by the gap between σ_r and σ_{2r+p}, not σ_r and σ_{r+p+1} as in
// subspace iteration, so on smooth spectra it needs far fewer passes (29 →
// 7 on BenchmarkLowrankPrincipal's smooth matrix), for up to 16·(r+p)·d
// more floats of memory (the basis and its image); with a clear gap after
// σ_r it needs as many passes and costs about 10 % more. The number of
// passes follows the same schedules (WithPowerIters: q+1 passes). The
// default is subspace iteration for Truncate and Randomized, block Krylov
// for the principal-weight functions.
func WithKrylov(on bool) Option {
	return func(c *config) error {
		c.krylov = -1
		if on {
			c.krylov = 1
		}
		return nil
	}
}

// WithSeed sets the seed of the random start (math/rand/v2 PCG). The default
// is 1. Same seed, same input → same bits.
func WithSeed(seed uint64) Option {
	return func(c *config) error { c.seed = seed; return nil }
}

// WithU asks streaming routes to compute U = A V Σ⁻¹ with one more pass
// (rows×r memory). In-memory routes always compute U.
func WithU(want bool) Option {
	return func(c *config) error { c.wantU, c.wantUSet = want, true; return nil }
}

// WithBlockRows sets how many rows are read and processed at a time
// (default 256).
func WithBlockRows(b int) Option {
	return func(c *config) error {
		if b < 1 {
			return invalid("block rows %d < 1", b)
		}
		c.blockRows = b
		return nil
	}
}

// WithTol sets the convergence tolerance of the Gram route's eigen
// iteration: it stops when every one of the top r Ritz pairs (θ, v) of AᵀA
// has residual ‖AᵀA v − θ v‖ ≤ tol·θ_1. The default is 1e-10.
func WithTol(tol float64) Option {
	return func(c *config) error {
		if !(tol > 0 && tol < 1) {
			return invalid("tolerance %g not in (0, 1)", tol)
		}
		c.tol = tol
		return nil
	}
}

// WithMaxIter caps the Gram route's filtered subspace iterations (default
// 1000).
func WithMaxIter(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return invalid("iteration cap %d < 1", n)
		}
		c.maxIter = n
		return nil
	}
}

// WithGapTol sets the relative gap below which A_r is reported as not
// unique: Unique is false when σ_r − σ_{r+1} ≤ gapTol·σ_1 (+ the estimate's
// own uncertainty on iterative routes). The default is 1e-10.
func WithGapTol(tol float64) Option {
	return func(c *config) error {
		if !(tol >= 0 && tol < 1) {
			return invalid("gap tolerance %g not in [0, 1)", tol)
		}
		c.gapTol = tol
		return nil
	}
}

// WithMask restricts NormalForm to the addressable entries: mask is m×n
// row-major, true where S is observed. It is not retained.
func WithMask(mask []bool) Option {
	return func(c *config) error { c.mask = mask; return nil }
}

// WithBackfit sets the masked NormalForm's backfitting tolerance (the sweep
// stops when no field moves by more than tol·max|S|; default 1e-13) and its
// sweep cap (default 10000).
func WithBackfit(tol float64, maxSweeps int) Option {
	return func(c *config) error {
		if !(tol > 0 && tol < 1) || maxSweeps < 1 {
			return invalid("backfit tolerance %g, sweeps %d", tol, maxSweeps)
		}
		c.nfTol, c.nfMaxIter = tol, maxSweeps
		return nil
	}
}
