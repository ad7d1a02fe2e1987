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
// The iterates Z (G×d) see each row once, in blocks of up to 8 rows (the
// exact mini-batch form of the row-by-row rule): for a block A_b with row
// Gram C, the products P₀ = Z·A_bᵀ and C come from kernel.GemmNT, the
// sequential products p_l = P₀_l + Σ_{m<l} η·p_m·C_{lm} from a triangular
// recurrence over scalars, and the update Z += Eᵀ·A_b (E_{mg} = η_g·p_m^g)
// from kernel.GemmTN; this equals z_g += η_g·p_g·a row after row in exact
// arithmetic. Each z_g is renormalized lazily (when its norm leaves
// [2⁻²⁰⁰, 2²⁰⁰], and every 64 rows); a block ends at such a row, so this
// happens at the same rows as row by row. A step so large that it
// dominates the iterate (see bigStep) sends the rest of its block through
// the row-by-row rule. Blocks are aligned to the row count (they end where
// it is a multiple of 8, and at every 64th row since the last
// renormalization): a call that ends inside a block keeps a copy of its
// rows, so the state after a stream does not depend on how it was cut into
// WriteRows calls. Result, Choice and VectorAt apply such pending rows to
// a copy.
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
// iterates, scores, epoch bookkeeping and the pending rows of a partial
// block — so a long stream can checkpoint and resume, bit for bit.
type OjaGrid struct {
	cfg *config
	d   int
	g   int
	eta []float64

	zx  []float64 // (G+ojaBlock)×d: the iterates Z, then the block buffer
	z   []float64 // G×d, zx's head
	blk []float64 // ojaBlock×d, zx's tail: the rows of the current block
	nb  int       // rows in blk, not yet applied (fewer than blockLen)
	sb  [ojaBlock]float64
	nz2 []float64
	p   []float64
	cur []float64 // scores, current epoch
	prv []float64 // scores, previous epoch
	cp  []float64 // (G+ojaBlock)×ojaBlock: P₀ above the Gram, per block
	e   []float64 // ojaBlock×G: the steps η_g·p_m^g of a block

	t, sinceNorm int64
	curN, prvN   int64
	epochEnd     int64
	gridSet      bool
	fScale       float64 // F̂ used for the default grid
}

var _ stream.Writer = (*OjaGrid)(nil)

// ojaBlock is OjaGrid's block length B: it divides 64, so blocks aligned to
// the row count never straddle an epoch end. Measured on 100000×512 (G =
// 17), 8 beats 16: the Gram part of the products grows with B, while Z is
// read once per four rows either way. The checkpoint format depends on it.
const ojaBlock = 8

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
	o := &OjaGrid{cfg: cfg, d: cols, g: g, eta: make([]float64, g), nz2: make([]float64, g),
		cur: make([]float64, g), prv: make([]float64, g)}
	o.alloc(make([]float64, g*cols))
	o.Reset()
	return o, nil
}

// alloc sets the iterates to a copy of z (G×d) and allocates the block
// buffer and scratch.
func (o *OjaGrid) alloc(z []float64) {
	g, d := o.g, o.d
	o.zx = make([]float64, (g+ojaBlock)*d)
	copy(o.zx, z)
	o.z, o.blk = o.zx[:g*d:g*d], o.zx[g*d:]
	o.p = make([]float64, g)
	o.cp = make([]float64, (g+ojaBlock)*ojaBlock)
	o.e = make([]float64, ojaBlock*g)
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
	o.nb = 0
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

// setDefaultGrid sets the default grid from the first block of rows (src,
// at least one row): F̂ = n·mean‖a‖² over its first 64 rows.
func (o *OjaGrid) setDefaultGrid(src []float64) {
	d := o.d
	k := min(len(src)/d, 64)
	f := 0.0
	for i := range k {
		a := src[i*d : (i+1)*d]
		f += kernel.Dot(a, a)
	}
	// A scale so extreme that a rate over- or underflows leaves the grid
	// unset, as zero rows do.
	fs := f / float64(k) * float64(o.cfg.rows)
	if lo, hi := 0.5/fs, math.Pow(2, float64(o.g-2))/fs; f > 0 && lo > 0 && !math.IsInf(hi, 0) {
		o.fScale = fs
		o.setGrid(lo, hi)
	}
}

// WriteRows consumes whole rows. Non-finite rows are rejected as by Oja
// (an error wrapping stream.ErrNonFinite that names the row; the rows
// before it are consumed). It does not allocate. It panics if len(src) is
// not a multiple of Cols.
func (o *OjaGrid) WriteRows(src []float64) (int, error) {
	d, g := o.d, o.g
	if len(src)%d != 0 {
		panic(fmt.Sprintf("spectral: OjaGrid.WriteRows: %d values is not a multiple of %d columns", len(src), d))
	}
	rows := len(src) / d
	if rows > 0 && !o.gridSet {
		o.setDefaultGrid(src)
	}
	if !o.gridSet { // only zero rows so far: count them, learn nothing
		for i := range rows {
			a := src[i*d : (i+1)*d]
			s := kernel.Dot(a, a)
			kernel.Gemv(g, d, 1, o.z, d, a, 0, o.p)
			sum := s
			for _, x := range o.p {
				sum += x
			}
			if math.IsNaN(sum) || math.IsInf(sum, 0) {
				return i, nonFiniteRow("OjaGrid", a, o.t+1)
			}
			o.t++
			o.endEpoch()
		}
		return rows, nil
	}
	for i := range rows {
		a := src[i*d : (i+1)*d]
		// A finite ‖a‖² is the whole test: with ‖z_g‖² ≤ 2²⁰⁰ (the
		// renormalization bound, checked after every row) each product
		// |⟨z_g, a⟩| ≤ 2¹⁰⁰·‖a‖ is finite too, so a row is accepted or not
		// whatever the state, as row by row.
		s := kernel.Dot(a, a)
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return i, nonFiniteRow("OjaGrid", a, o.t+int64(o.nb)+1)
		}
		copy(o.blk[o.nb*d:(o.nb+1)*d], a)
		o.sb[o.nb] = s
		o.nb++
		if o.nb == o.blockLen() {
			o.flush()
		}
	}
	return rows, nil
}

// blockLen is the length of the block that starts after the applied rows:
// up to the next multiple of ojaBlock rows, and no further than the
// periodic renormalization.
func (o *OjaGrid) blockLen() int {
	return int(min(ojaBlock-o.t%ojaBlock, 64-o.sinceNorm))
}

// flush applies the buffered rows, in order, and empties the buffer.
func (o *OjaGrid) flush() {
	d := o.d
	for o.nb > 0 {
		k, big := o.block(o.nb)
		if big {
			// A dominating step: the rest of the block row by row.
			for l := k; l < o.nb; l++ {
				a := o.blk[l*d : (l+1)*d]
				kernel.Gemv(o.g, d, 1, o.z, d, a, 0, o.p)
				o.t++
				o.learn(a, o.sb[l])
				o.endEpoch()
			}
			o.nb = 0
			return
		}
		// A renormalization by the bounds ended the block at row k:
		// the rest starts the next one.
		copy(o.blk, o.blk[k*d:o.nb*d])
		copy(o.sb[:], o.sb[k:o.nb])
		o.nb -= k
	}
}

// block applies the first n buffered rows (n ≤ blockLen) as one block and
// returns how many it applied: fewer than n when a row's step renormalizes
// the iterates (the block ends after it) or when a row's step is a
// bigStep (big; the block ends before it, and that row is not applied).
func (o *OjaGrid) block(n int) (k int, big bool) {
	d, g := o.d, o.g
	// cp (G+n−1)×n: column l holds P₀ of row l, then ⟨a_m, a_l⟩ for the
	// rows m < l of the block. Four columns at a time, each from one
	// kernel.GemmNT with four rows of A_b (the thin kernel: no packing)
	// against Z and the rows before them, all contiguous in zx.
	cp := o.cp[:(g+n-1)*n]
	for l0 := 0; l0 < n; l0 += 4 {
		l1 := min(l0+4, n)
		kernel.GemmNT(g+l1-1, l1-l0, d, 1, o.zx[:(g+l1-1)*d], d, o.blk[l0*d:l1*d], d, 0, cp[l0:], n)
	}
	p, e := o.p, o.e
	renorm := false
	eta, nz2, cur := o.eta[:g], o.nz2[:g], o.cur[:g]
	for l := range n {
		s := o.sb[l]
		p := p[:g]
		for j := range p {
			p[j] = cp[j*n+l]
		}
		for m := range l {
			c := cp[(g+m)*n+l]
			em := e[m*g : m*g+g]
			for j := range p {
				p[j] += em[j] * c
			}
		}
		// bigStep is monotone in |ep|: the largest step of the row
		// decides whether any is one.
		el := e[l*g : l*g+g]
		top := 0.0
		for j, pj := range p {
			ep := eta[j] * pj
			el[j] = ep
			if a := math.Abs(ep); a > top {
				top = a
			}
		}
		if bigStep(top, s) {
			big = true
			break
		}
		for j, pj := range p {
			ep := el[j]
			cur[j] += pj * pj / nz2[j]
			v := nz2[j] + ep*(2*pj+ep*s)
			nz2[j] = v
			if v > normHi || v < normLo {
				renorm = true
			}
		}
		o.t++
		o.curN++
		o.sinceNorm++
		k = l + 1
		if renorm {
			break
		}
	}
	if k > 0 {
		// Z += Eᵀ·A_b, four rates at a time (the thin kernel: no
		// packing, and no padding of G to a register tile).
		for g0 := 0; g0 < g; g0 += 4 {
			kernel.GemmTN(min(4, g-g0), d, k, 1, e[g0:], g, o.blk, d, 1, o.z[g0*d:], d)
		}
	}
	if renorm || o.sinceNorm == 64 {
		o.normalize()
	}
	o.endEpoch()
	return k, big
}

// endEpoch starts a new epoch when the applied rows reach its end.
func (o *OjaGrid) endEpoch() {
	if o.t == o.epochEnd {
		copy(o.prv, o.cur)
		clear(o.cur)
		o.prvN, o.curN = o.curN, 0
		o.epochEnd *= 2
	}
}

// learn scores the row a (of squared norm s) against every iterate, with
// p = Z·a already in o.p, then applies each rate's step: the row-by-row
// rule.
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

// settled returns o if no rows are pending, else a copy of o with the
// pending rows applied (as a block cut short).
func (o *OjaGrid) settled() *OjaGrid {
	if o.nb == 0 {
		return o
	}
	c := *o
	c.eta = append([]float64(nil), o.eta...)
	c.nz2 = append([]float64(nil), o.nz2...)
	c.cur = append([]float64(nil), o.cur...)
	c.prv = append([]float64(nil), o.prv...)
	c.alloc(o.z)
	copy(c.blk, o.blk[:o.nb*o.d])
	c.flush()
	return &c
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
	copy(dst, o.settled().z[i*o.d:(i+1)*o.d])
	Canonicalize(dst)
	return dst
}

// Choice reports the selected learning rate and its index in Rates, or
// (NaN, -1) before any row has been scored (no row yet, or the default
// grid not yet set).
func (o *OjaGrid) Choice() (eta float64, index int) {
	best := o.settled().best()
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
	o = o.settled()
	d := o.d
	res := Result{Method: "oja-grid", Rows: o.t, Passes: 1, StateFloats: o.g*(d+5) + ojaBlock*d,
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
