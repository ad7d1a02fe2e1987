package spectral

import (
	"fmt"
	"math"

	"github.com/linstream/linstream/internal/kernel"
	"github.com/linstream/linstream/stream"
)

// OjaGrid runs Oja's rule with a geometric grid of fixed learning rates
// η_1 < … < η_G in the same pass — in the spirit of Price & Xun, whose
// variant combines several rates because the right η ≈ log d/λ₁ depends
// on the unknown λ₁ — and picks one iterate by a documented rule.
//
// The grid is WithLearningRates(lo, hi, G), or by default (which needs
// WithRows(n)) the rates with η·F̂ = 2⁻¹, 2⁰, …, up to the first power of
// two ≥ 8·d·ln d, where F̂ = n·(mean ‖a‖² of the first block written)
// estimates ‖A‖²_F: since λ₁ ∈ [‖A‖²_F/d, ‖A‖²_F], this brackets the
// useful η·λ₁ ≈ ln d. Until a block sets it — a first block of zero rows,
// or one so extreme in scale that a rate would over- or underflow, does
// not — the rows are counted but not learned from, and Result has no
// Vector.
//
// The iterates Z (G×d) see each row once: p = Z·a through kernel.Gemv,
// then z_g += η_g·p_g·a. Each z_g is renormalized lazily (when its norm
// leaves [2⁻²⁰⁰, 2²⁰⁰], and every 64 rows).
//
// # Selection rule
//
// Each row scores every iterate before updating it, as in Oja:
// q_g = ⟨a, z_g⟩²/‖z_g‖², summed over the last two epochs of the doubling
// schedule (the last quarter to half of the rows). The chosen η* is the
// one with the largest score — the iterate that explained the most
// variance of rows it had not yet seen. Value = (rows)·mean score of η*.
// Evidence: Stability is the smallest ⟨z*, z_g⟩² over the grid neighbours
// of η* (1 means the answer does not depend on the exact rate); Gap is the
// ratio of η*'s score to the best score among the rival iterates — those
// with ⟨z*, z_g⟩² < ½, answers that disagree with z* — or NaN if the grid
// produced no rival (then it is never Confident). Confident = η* is not at either end of the grid (else the
// grid did not bracket the best rate: a reported failure), and
// Gap ≥ MinGap and Stability ≥ MinStability.
//
// # Checkpoints
//
// MarshalBinary, AppendBinary and UnmarshalBinary (binfmt kind
// KindOjaGrid) save and restore the whole state — configuration, grid,
// iterates, scores and epoch bookkeeping — so a long stream can checkpoint
// and resume, bit for bit.
type OjaGrid struct {
	cfg *config
	d   int
	g   int
	eta []float64

	z   []float64 // G×d
	nz2 []float64
	p   []float64
	cur []float64 // scores, current epoch
	prv []float64 // scores, previous epoch

	t, sinceNorm int64
	curN, prvN   int64
	epochEnd     int64
	gridSet      bool
	fScale       float64 // F̂ used for the default grid
}

var _ stream.Writer = (*OjaGrid)(nil)

// NewOjaGrid returns an OjaGrid for rows of cols columns. Options: WithSeed,
// WithRows, WithLearningRates, WithConfidence; WithRows or
// WithLearningRates is required. It panics if cols < 1.
func NewOjaGrid(cols int, opts ...Option) (*OjaGrid, error) {
	if cols < 1 {
		panic(fmt.Sprintf("spectral: NewOjaGrid with %d columns", cols))
	}
	cfg, err := newConfig("OjaGrid", optSeed|optRows|optRates|optConfidence, opts)
	if err != nil {
		return nil, err
	}
	var g int
	switch {
	case cfg.hasRates:
		g = cfg.etaN
	case cfg.rows > 0:
		top := 8 * float64(cols) * math.Log(math.Max(float64(cols), 2))
		g = 2 + int(math.Ceil(math.Log2(top)))
	default:
		return nil, fmt.Errorf("spectral: OjaGrid: give WithRows(n) for the default grid, or WithLearningRates: %w", ErrInvalidOption)
	}
	o := &OjaGrid{cfg: cfg, d: cols, g: g, eta: make([]float64, g),
		z: make([]float64, g*cols), nz2: make([]float64, g), p: make([]float64, g),
		cur: make([]float64, g), prv: make([]float64, g)}
	o.Reset()
	return o, nil
}

// Cols returns the number of columns d.
func (o *OjaGrid) Cols() int { return o.d }

// Rates returns the grid of learning rates (a copy), or nil while the
// default grid is not yet set (before the first row).
func (o *OjaGrid) Rates() []float64 {
	if !o.gridSet {
		return nil
	}
	return append([]float64(nil), o.eta...)
}

// Reset returns the estimator to its freshly constructed state. A default
// grid is set again from the next first block.
func (o *OjaGrid) Reset() {
	d := o.d
	gaussianStart(o.cfg.seed, o.z[:d], 1, d)
	for i := 1; i < o.g; i++ {
		copy(o.z[i*d:(i+1)*d], o.z[:d]) // the same start for every rate
	}
	for i := range o.nz2 {
		o.nz2[i] = 1
	}
	clear(o.cur)
	clear(o.prv)
	o.t, o.sinceNorm, o.curN, o.prvN = 0, 0, 0, 0
	o.epochEnd = 64
	o.gridSet = false
	o.fScale = 0
	clear(o.eta)
	if o.cfg.hasRates {
		o.setGrid(o.cfg.etaLo, o.cfg.etaHi)
	}
}

func (o *OjaGrid) setGrid(lo, hi float64) {
	for i := range o.eta {
		if o.g == 1 {
			o.eta[i] = lo
			continue
		}
		o.eta[i] = lo * math.Pow(hi/lo, float64(i)/float64(o.g-1))
	}
	o.gridSet = true
}

// WriteRows consumes whole rows. Non-finite rows are rejected as by Oja. It
// does not allocate. It panics if len(src) is not a multiple of Cols.
func (o *OjaGrid) WriteRows(src []float64) (int, error) {
	d, g := o.d, o.g
	if len(src)%d != 0 {
		panic(fmt.Sprintf("spectral: OjaGrid.WriteRows: %d values is not a multiple of %d columns", len(src), d))
	}
	rows := len(src) / d
	if rows > 0 && !o.gridSet {
		// Default grid from the first block: F̂ = n·mean‖a‖².
		k := min(rows, 64)
		f := 0.0
		for i := range k {
			a := src[i*d : (i+1)*d]
			f += kernel.Dot(a, a)
		}
		// A scale so extreme that a rate over- or underflows leaves the
		// grid unset, as zero rows do.
		fs := f / float64(k) * float64(o.cfg.rows)
		if lo, hi := 0.5/fs, math.Pow(2, float64(g-2))/fs; f > 0 && lo > 0 && !math.IsInf(hi, 0) {
			o.fScale = fs
			o.setGrid(lo, hi)
		}
	}
	for i := range rows {
		a := src[i*d : (i+1)*d]
		s := kernel.Dot(a, a)
		p := o.p
		kernel.Gemv(g, d, 1, o.z, d, a, 0, p)
		sum := s
		for _, x := range p {
			sum += x
		}
		if math.IsNaN(sum) || math.IsInf(sum, 0) {
			return i, nonFiniteRow("OjaGrid", a, o.t+1)
		}
		o.t++
		if o.gridSet { // else only zero rows so far: nothing to learn
			o.learn(a, s)
		}
		if o.t == o.epochEnd {
			copy(o.prv, o.cur)
			clear(o.cur)
			o.prvN, o.curN = o.curN, 0
			o.epochEnd *= 2
		}
	}
	return rows, nil
}

// learn scores the row a (of squared norm s) against every iterate, with
// p = Z·a already in o.p, then applies each rate's step.
func (o *OjaGrid) learn(a []float64, s float64) {
	d, p := o.d, o.p
	renorm := false
	for j, pj := range p {
		o.cur[j] += pj * pj / o.nz2[j]
		ep := o.eta[j] * pj
		switch zj := o.z[j*d : (j+1)*d]; {
		case ep == 0:
		case bigStep(ep, s):
			stepTo(zj, a, ep, s)
			o.nz2[j] = kernel.Dot(zj, zj)
		default:
			kernel.Axpy(ep, a, zj)
			o.nz2[j] += ep * (2*pj + ep*s)
		}
		renorm = renorm || o.nz2[j] > normHi || o.nz2[j] < normLo
	}
	o.curN++
	o.sinceNorm++
	if renorm || o.sinceNorm == 64 {
		o.normalize()
	}
}

func (o *OjaGrid) normalize() {
	o.sinceNorm = 0
	d := o.d
	for j := range o.g {
		z := o.z[j*d : (j+1)*d]
		if n := kernel.Nrm2(z); n > 0 && !math.IsInf(n, 0) {
			unitTo(z, z, n)
		}
		o.nz2[j] = kernel.Dot(z, z)
	}
}

// VectorAt writes the unit iterate of rate i (of Rates) into dst
// (allocated if nil) and returns it, sign canonical. It panics if i is out
// of range or dst is non-nil with a length other than Cols.
func (o *OjaGrid) VectorAt(i int, dst []float64) []float64 {
	if i < 0 || i >= o.g {
		panic(fmt.Sprintf("spectral: OjaGrid.VectorAt(%d) of %d rates", i, o.g))
	}
	if dst == nil {
		dst = make([]float64, o.d)
	}
	if len(dst) != o.d {
		panic("spectral: OjaGrid.VectorAt: destination length differs from Cols")
	}
	copy(dst, o.z[i*o.d:(i+1)*o.d])
	Canonicalize(dst)
	return dst
}

// Choice reports the selected learning rate and its index in Rates, or
// (NaN, -1) before any row has been scored (no row yet, or the default
// grid not yet set).
func (o *OjaGrid) Choice() (eta float64, index int) {
	best := o.best()
	if best < 0 {
		return math.NaN(), -1
	}
	return o.eta[best], best
}

func (o *OjaGrid) best() int {
	if o.curN+o.prvN == 0 {
		return -1
	}
	best, bs := 0, math.Inf(-1)
	for j := range o.g {
		if s := o.cur[j] + o.prv[j]; s > bs {
			best, bs = j, s
		}
	}
	return best
}

// Result returns the estimate of the selected rate with the grid's
// evidence (see the type's doc). It does not change the state.
func (o *OjaGrid) Result() Result {
	d := o.d
	res := Result{Method: "oja-grid", Rows: o.t, Passes: 1, StateFloats: o.g * (d + 5),
		Value: math.NaN(), Residual: math.NaN(), SinBound: math.NaN(), Gap: math.NaN(), Stability: math.NaN()}
	b := o.best()
	if b < 0 {
		return res
	}
	zb := o.z[b*d : (b+1)*d]
	res.Vector = append([]float64(nil), zb...)
	Canonicalize(res.Vector)
	n := o.curN + o.prvN
	score := func(j int) float64 { return o.cur[j] + o.prv[j] }
	res.Value = float64(o.t) * score(b) / float64(n)
	stab := 1.0
	for _, j := range []int{b - 1, b + 1} {
		if j >= 0 && j < o.g {
			stab = math.Min(stab, Correlation(zb, o.z[j*d:(j+1)*d]))
		}
	}
	rival := -1
	for j := range o.g {
		if Correlation(zb, o.z[j*d:(j+1)*d]) < 0.5 && (rival < 0 || score(j) > score(rival)) {
			rival = j
		}
	}
	if rival >= 0 {
		res.Gap = ratio(score(b), score(rival))
	}
	res.Stability = stab
	res.Confident = b > 0 && b < o.g-1 && o.cfg.confident(res.Gap, stab)
	return res
}
