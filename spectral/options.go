package spectral

import (
	"errors"
	"fmt"
	"math"
)

// ErrInvalidOption is wrapped by every constructor error about an option.
var ErrInvalidOption = errors.New("spectral: invalid option")

// Option configures an estimator. Options are validated by the constructor
// (or the multi-pass function) that receives them; an option that does not
// apply to that estimator is an error.
type Option func(*config) error

type optBit uint32

const (
	optSeed optBit = 1 << iota
	optRows
	optSchedule
	optBlocks
	optSlack
	optRates
	optTol
	optPasses
	optConfidence
	optBasis
	optMaxHeavy
)

var optNames = map[optBit]string{
	optSeed: "WithSeed", optRows: "WithRows", optSchedule: "WithSchedule",
	optBlocks: "WithBlocks", optSlack: "WithHeavySlack", optRates: "WithLearningRates",
	optTol: "WithTolerance", optPasses: "WithMaxPasses", optConfidence: "WithConfidence",
	optBasis: "WithBasis", optMaxHeavy: "WithMaxHeavy",
}

type config struct {
	set      optBit
	seed     uint64
	rows     int64
	sched    Schedule
	blocks   int
	slack    float64
	etaLo    float64
	etaHi    float64
	etaN     int
	tol      float64
	passes   int
	minGap   float64
	minStab  float64
	basis    int
	maxHeavy int
	hasRates bool
}

func newConfig(who string, allowed optBit, opts []Option) (*config, error) {
	c := &config{
		seed:    1,
		sched:   Schedule{kind: schedFrobenius, c: math.NaN()},
		tol:     1e-8,
		minGap:  DefaultMinGap,
		minStab: DefaultMinStability,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		before := c.set
		if err := o(c); err != nil {
			return nil, fmt.Errorf("spectral: %s: %w", who, err)
		}
		if added := c.set &^ before; added&^allowed != 0 {
			return nil, fmt.Errorf("spectral: %s: option %s does not apply: %w", who, optNames[added&^allowed], ErrInvalidOption)
		}
	}
	return c, nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, ErrInvalidOption)...)
}

// WithSeed sets the seed of the random start vector (default 1).
func WithSeed(seed uint64) Option {
	return func(c *config) error {
		c.set |= optSeed
		c.seed = seed
		return nil
	}
}

// WithRows declares the number of rows n the stream will deliver
// (RandomOrder, OjaGrid). RandomOrder uses it for its block lengths and
// Frobenius estimate; without it RandomOrder follows its doubling rule.
// n must be ≥ 1.
func WithRows(n int64) Option {
	return func(c *config) error {
		c.set |= optRows
		if n < 1 {
			return invalid("WithRows(%d): want n ≥ 1", n)
		}
		c.rows = n
		return nil
	}
}

// WithSchedule sets Oja's learning-rate schedule (default Frobenius(d)).
func WithSchedule(s Schedule) Option {
	return func(c *config) error {
		c.set |= optSchedule
		if s.kind == schedNone {
			return invalid("WithSchedule: zero Schedule; use Fixed, InvT, InvSqrtT or Frobenius")
		}
		if !(s.c > 0) || math.IsInf(s.c, 0) {
			return invalid("WithSchedule(%v): the constant must be positive and finite", s)
		}
		c.sched = s
		return nil
	}
}

// WithBlocks sets RandomOrder's number of power-method blocks P per epoch
// (default ⌈3·log₂ d⌉, at least 2). P must be in [1, 1<<20].
func WithBlocks(p int) Option {
	return func(c *config) error {
		c.set |= optBlocks
		if p < 1 || p > 1<<20 {
			return invalid("WithBlocks(%d): want 1 to %d", p, 1<<20)
		}
		c.blocks = p
		return nil
	}
}

// WithHeavySlack sets RandomOrder's heavy-row slack L: a row is heavy when
// ‖a‖² ≥ ‖A‖²_F/(d·L) (default L = (log₂ d)², at least 1). L must be ≥ 1.
func WithHeavySlack(l float64) Option {
	return func(c *config) error {
		c.set |= optSlack
		if !(l >= 1) || math.IsInf(l, 0) {
			return invalid("WithHeavySlack(%v): want a finite L ≥ 1", l)
		}
		c.slack = l
		return nil
	}
}

// WithMaxHeavy caps the heavy rows RandomOrder holds (default
// max(64, DefaultHeavyFloats/d)); see RandomOrder's Memory section. h must
// be in [1, 2³¹).
func WithMaxHeavy(h int) Option {
	return func(c *config) error {
		c.set |= optMaxHeavy
		if h < 1 || h >= 1<<31 {
			return invalid("WithMaxHeavy(%d): want 1 to 2³¹−1", h)
		}
		c.maxHeavy = h
		return nil
	}
}

// WithLearningRates sets OjaGrid's grid explicitly: count rates spaced
// geometrically from lo to hi inclusive (absolute units: the η of
// z ← z + η(aᵀz)a). 0 < lo ≤ hi, 1 ≤ count ≤ 256 (lo == hi needs count 1).
func WithLearningRates(lo, hi float64, count int) Option {
	return func(c *config) error {
		c.set |= optRates
		if !(lo > 0) || !(hi >= lo) || math.IsInf(hi, 0) || count < 1 || count > 256 || (count > 1 && lo == hi) {
			return invalid("WithLearningRates(%v, %v, %d): want 0 < lo < hi finite and 1 ≤ count ≤ 256", lo, hi, count)
		}
		c.etaLo, c.etaHi, c.etaN, c.hasRates = lo, hi, count, true
		return nil
	}
}

// WithTolerance sets the multi-pass methods' stopping rule: stop when
// ‖AᵀAv − λv‖ ≤ tol·λ (default 1e-8). tol must be in (0, 1).
func WithTolerance(tol float64) Option {
	return func(c *config) error {
		c.set |= optTol
		if !(tol > 0 && tol < 1) {
			return invalid("WithTolerance(%v): want 0 < tol < 1", tol)
		}
		c.tol = tol
		return nil
	}
}

// WithMaxPasses caps the passes of the multi-pass methods (default 300
// for Power, 100 for Lanczos). k must be in [1, 1e6].
func WithMaxPasses(k int) Option {
	return func(c *config) error {
		c.set |= optPasses
		if k < 1 || k > 1e6 {
			return invalid("WithMaxPasses(%d): want 1 to 1000000", k)
		}
		c.passes = k
		return nil
	}
}

// WithBasis sets the largest Krylov basis Lanczos keeps before restarting
// from its current Ritz vector (default 32). k must be in [2, 1024].
func WithBasis(k int) Option {
	return func(c *config) error {
		c.set |= optBasis
		if k < 2 || k > 1024 {
			return invalid("WithBasis(%d): want 2 to 1024", k)
		}
		c.basis = k
		return nil
	}
}

// WithConfidence sets the one-pass confidence rule: a Result is Confident
// when its Gap ≥ minGap and its Stability ≥ minStability (defaults
// DefaultMinGap, DefaultMinStability). minGap ≥ 1, minStability in [0, 1].
func WithConfidence(minGap, minStability float64) Option {
	return func(c *config) error {
		c.set |= optConfidence
		if !(minGap >= 1) || !(minStability >= 0 && minStability <= 1) {
			return invalid("WithConfidence(%v, %v): want minGap ≥ 1 and 0 ≤ minStability ≤ 1", minGap, minStability)
		}
		c.minGap, c.minStab = minGap, minStability
		return nil
	}
}

type schedKind uint8

const (
	schedNone schedKind = iota
	schedFixed
	schedInvT
	schedInvSqrtT
	schedFrobenius
)

// Schedule is an Oja learning-rate schedule η_t for row t = 1, 2, ….
// The zero Schedule is invalid.
type Schedule struct {
	kind schedKind
	c    float64
}

// Fixed is the constant learning rate η_t = eta.
func Fixed(eta float64) Schedule { return Schedule{schedFixed, eta} }

// InvT is η_t = c/t.
func InvT(c float64) Schedule { return Schedule{schedInvT, c} }

// InvSqrtT is η_t = c/√t.
func InvSqrtT(c float64) Schedule { return Schedule{schedInvSqrtT, c} }

// Frobenius is η_t = c/F_t with F_t = Σ_{s≤t} ‖a_s‖²: the c/t schedule in
// units of the mean squared row norm, so it does not depend on the scale of
// A (rescaling every row leaves the output unchanged). With c·(λ₁−λ₂)/‖A‖²_F
// above ½ it converges like c/t does under the classical condition. It is
// Oja's default with c = d.
func Frobenius(c float64) Schedule { return Schedule{schedFrobenius, c} }

func (s Schedule) String() string {
	switch s.kind {
	case schedFixed:
		return fmt.Sprintf("fixed η=%g", s.c)
	case schedInvT:
		return fmt.Sprintf("η=%g/t", s.c)
	case schedInvSqrtT:
		return fmt.Sprintf("η=%g/√t", s.c)
	case schedFrobenius:
		return fmt.Sprintf("η=%g/Σ‖a‖²", s.c)
	}
	return "invalid schedule"
}
