package spectral

import (
	"fmt"
	"math"

	"github.com/linstream/linstream/internal/kernel"
	"github.com/linstream/linstream/stream"
)

// Oja estimates v₁ with Oja's rule, one row at a time:
//
//	z ← z + η_t·⟨a_t, z⟩·a_t
//
// from a Gaussian start (WithSeed), with the learning rate η_t of a
// Schedule (WithSchedule; default Frobenius(d)). The product of the
// (I + η a aᵀ) is linear, so z is renormalized only when its norm leaves
// [2⁻²⁰⁰, 2²⁰⁰] and at the end of every 64 rows; normalization does not
// change the direction. Any row order is accepted; the quality of the
// answer depends on the order, the schedule and the gap λ₁/λ₂ (Price & Xun:
// fixed η needs R = Ω(log n·log d) in adversarial order; on the random-order
// hard instance it fails for every fixed η when R ≲ log d/log log d).
//
// # Evidence
//
// A companion w, kept orthogonal to z, follows the same updates (the
// two-dimensional Oja subspace rule, of which z is exactly the rank-one
// rule). Each row a_t is scored before it updates the iterates — a
// prequential, out-of-sample estimate: q_z = ⟨a_t, z⟩²/‖z‖² and the same
// for the part of w orthogonal to z. The window is the last two epochs of
// a doubling schedule (epoch k holds rows 64·2ᵏ to 64·2ᵏ⁺¹), so it always
// covers at least the last quarter of the rows.
//
//   - Value = (rows seen)·mean(q_z) over the window, an estimate of zᵀAᵀAz in
//     random order.
//   - Gap = Σq_z/Σq_w over the window, an estimate of λ₁/λ₂.
//   - Stability = ⟨z_w, z⟩², z_w the iterate at the start of the window.
//   - Confident = Gap ≥ MinGap and Stability ≥ MinStability.
//
// Cost per row: one loop over the row (kernel.ProjectUpdate) takes its
// products with z and w and its squared norm while it adds the previous
// row's step to z and w, so the step's arithmetic overlaps the row's
// arrival from memory; the products are then brought up to date with
// ⟨a_t, a_{t-1}⟩. A step still pending when WriteRows returns is kept (with
// a copy of its row) and applied with the next row, so the arithmetic does
// not depend on how the stream is cut into calls. No allocation.
type Oja struct {
	cfg *config
	d   int

	z, w, snapCur, snapPrev []float64
	nz2, nw2, zw            float64    // ‖z‖², ‖w‖², ⟨z, w⟩, updated per row
	pv                      [4]float64 // per-row scratch: ⟨a,z⟩ ⟨a,w⟩ ‖a‖² ⟨a,a_prev⟩
	e                       [2]float64 // the steps of the row awaiting its update
	pend                    []float64  // that row, when a call ends before its update
	hasPend                 bool

	t, sinceNorm int64
	f            float64 // Σ‖a‖²

	epochEnd  int64
	cur, prev window
}

type window struct {
	sz, sw float64
	n      int64
}

var _ stream.Writer = (*Oja)(nil)

// NewOja returns an Oja estimator for rows of cols columns. Options:
// WithSeed, WithSchedule, WithConfidence. It panics if cols < 1.
func NewOja(cols int, opts ...Option) (*Oja, error) {
	if cols < 1 {
		panic(fmt.Sprintf("spectral: NewOja with %d columns", cols))
	}
	cfg, err := newConfig("Oja", optSeed|optSchedule|optConfidence, opts)
	if err != nil {
		return nil, err
	}
	if math.IsNaN(cfg.sched.c) {
		cfg.sched = Frobenius(float64(cols))
	}
	o := &Oja{cfg: cfg, d: cols}
	o.alloc()
	o.Reset()
	return o, nil
}

// alloc sizes the vectors for o.d; z and w are adjacent so that Reset can
// draw both from one Gaussian start.
func (o *Oja) alloc() {
	d := o.d
	buf := make([]float64, 5*d)
	o.z, o.w, o.snapCur, o.snapPrev = buf[:d], buf[d:2*d:2*d], buf[2*d:3*d:3*d], buf[3*d:4*d:4*d]
	o.pend = buf[4*d:]
}

// Cols returns the number of columns d.
func (o *Oja) Cols() int { return o.d }

// Schedule returns the learning-rate schedule in use.
func (o *Oja) Schedule() Schedule { return o.cfg.sched }

// Reset returns the estimator to its freshly constructed state.
func (o *Oja) Reset() {
	if o.d >= 2 {
		gaussianStart(o.cfg.seed, o.z[:2*o.d], 2, o.d) // z and w are adjacent
	} else {
		o.z[0], o.w[0] = 1, 0
	}
	o.nz2, o.nw2, o.zw = 1, kernel.Dot(o.w, o.w), 0
	copy(o.snapCur, o.z)
	copy(o.snapPrev, o.z)
	o.t, o.sinceNorm, o.f = 0, 0, 0
	o.epochEnd = 64
	o.cur, o.prev = window{}, window{}
	o.hasPend, o.e = false, [2]float64{}
	clear(o.pend)
}

// rate returns η_t as num/den; the step η·p is computed as num·(p/den),
// which stays finite when F_t is subnormal.
func (s Schedule) rate(t int64, f float64) (num, den float64) {
	switch s.kind {
	case schedFixed:
		return s.c, 1
	case schedInvT:
		return s.c, float64(t)
	case schedInvSqrtT:
		return s.c, math.Sqrt(float64(t))
	case schedFrobenius:
		return s.c, f
	}
	return 0, 1
}

// bigStep reports whether the update ep·a of a row with ‖a‖² = s would
// dwarf an iterate of norm about one, so that it is taken as
// z ← z/ep + a (same direction) to stay within range.
func bigStep(ep, s float64) bool { return math.Abs(ep)*math.Sqrt(s) > 0x1p400 }

// stepTo applies z ← z + ep·a, or z ← z/ep + a when bigStep.
func stepTo(z, a []float64, ep, s float64) {
	if bigStep(ep, s) {
		unitTo(z, z, ep)
		kernel.Axpy(1, a, z)
		return
	}
	kernel.Axpy(ep, a, z)
}

const (
	normHi = 0x1p200
	normLo = 0x1p-200
)

// WriteRows consumes whole rows. It returns an error wrapping
// stream.ErrNonFinite, naming the row, for a row holding a NaN or an
// infinity (or whose squared norm overflows); the rows before it are
// consumed. It does not allocate. It panics if len(src) is not a multiple of
// Cols.
func (o *Oja) WriteRows(src []float64) (int, error) {
	d := o.d
	if len(src)%d != 0 {
		panic(fmt.Sprintf("spectral: Oja.WriteRows: %d values is not a multiple of %d columns", len(src), d))
	}
	rows := len(src) / d
	z, w := o.z, o.w
	zw := o.z[:2*d] // z and w are adjacent: the 2×d block [z; w]
	pv, e := o.pv[:], o.e[:]
	// The row whose step (e) rides on the next row's pass: one loop takes
	// the arriving row's products with the old z and w while it adds the
	// step, so the step's arithmetic overlaps the arriving row's memory
	// latency; ⟨a, a_prev⟩ from the same loop brings the products up to date.
	// A call that ends with a step pending keeps a copy of its row, so the
	// arithmetic does not depend on how the stream is cut into calls.
	var prev []float64
	if o.hasPend {
		prev = o.pend
	}
	for i := range rows {
		a := src[i*d : (i+1)*d]
		kernel.ProjectUpdate(d, 2, 2, a, zw, d, pv, prev, e, zw, d)
		s, p, q := pv[2], pv[0], pv[1]
		if prev != nil {
			p += e[0] * pv[3]
			q += e[1] * pv[3]
			prev, o.hasPend = nil, false
		}
		if math.IsNaN(s+p+q) || math.IsInf(s+p+q, 0) {
			return i, nonFiniteRow("Oja", a, o.t+1)
		}
		o.t++
		o.f += s
		// Prequential scores: the row has not touched z or w yet.
		c := o.zw / o.nz2
		wp2 := o.nw2 - o.zw*c
		o.cur.sz += p * p / o.nz2
		if wp2 > 1e-24*o.nw2 {
			qp := q - c*p
			o.cur.sw += qp * qp / wp2
		}
		o.cur.n++
		num, den := o.cfg.sched.rate(o.t, o.f)
		if num != 0 && den != 0 {
			ep, eq := num*(p/den), num*(q/den)
			if bigStep(ep, s) || bigStep(eq, s) {
				stepTo(z, a, ep, s)
				stepTo(w, a, eq, s)
				o.normalize()
			} else {
				// z += ep·a and w += eq·a, with the next row's pass.
				e[0], e[1] = ep, eq
				prev = a
				o.nz2 += ep * (2*p + ep*s)
				o.nw2 += eq * (2*q + eq*s)
				o.zw += ep*q + eq*p + ep*eq*s
			}
		}
		o.sinceNorm++
		norm := o.nz2 > normHi || o.nz2 < normLo || o.nw2 > normHi || o.nw2 < normLo || o.sinceNorm == 64
		if (norm || o.t == o.epochEnd) && prev != nil {
			kernel.ProjectUpdate(d, 2, 2, nil, zw, d, nil, prev, e, zw, d)
			prev = nil
		}
		if norm {
			o.normalize()
		}
		if o.t == o.epochEnd {
			o.newEpoch()
		}
	}
	if prev != nil && !o.hasPend {
		copy(o.pend, prev)
		o.hasPend = true
	}
	return rows, nil
}

// current returns z with the pending step applied: z itself, or dst.
func (o *Oja) current(dst []float64) []float64 {
	if !o.hasPend {
		return o.z
	}
	copy(dst, o.z)
	kernel.Axpy(o.e[0], o.pend, dst)
	return dst
}

// normalize rescales z to unit length and makes w a unit vector orthogonal
// to it; the span, and z's direction, are unchanged.
func (o *Oja) normalize() {
	o.sinceNorm = 0
	n := kernel.Nrm2(o.z)
	if n == 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return
	}
	unitTo(o.z, o.z, n)
	o.nz2 = 1
	kernel.Axpy(-kernel.Dot(o.w, o.z), o.z, o.w)
	if m := kernel.Nrm2(o.w); m > 0 && !math.IsInf(m, 0) {
		unitTo(o.w, o.w, m)
	}
	o.nw2, o.zw = kernel.Dot(o.w, o.w), kernel.Dot(o.w, o.z)
}

func (o *Oja) newEpoch() {
	o.prev, o.cur = o.cur, window{}
	o.epochEnd *= 2
	copy(o.snapPrev, o.snapCur)
	n := kernel.Nrm2(o.z)
	unitTo(o.snapCur, o.z, n)
}

// Result returns the current estimate. It does not change the estimator's
// state.
func (o *Oja) Result() Result {
	res := Result{
		Method:      "oja",
		Rows:        o.t,
		Passes:      1,
		StateFloats: 5*o.d + 6, // z, w, two snapshots, a pending row, its steps and the row products
		Value:       math.NaN(),
		Residual:    math.NaN(),
		SinBound:    math.NaN(),
		Gap:         math.NaN(),
		Stability:   math.NaN(),
	}
	if o.t == 0 {
		return res
	}
	res.Vector = make([]float64, o.d)
	copy(res.Vector, o.current(res.Vector))
	Canonicalize(res.Vector)
	win := window{o.cur.sz + o.prev.sz, o.cur.sw + o.prev.sw, o.cur.n + o.prev.n}
	res.Value = float64(o.t) * win.sz / float64(win.n)
	if o.d > 1 {
		res.Gap = ratio(win.sz, win.sw)
	}
	res.Stability = Correlation(o.snapPrev, res.Vector)
	res.Confident = o.cfg.confident(res.Gap, res.Stability)
	return res
}

// Vector writes the current unit estimate into dst (allocated if nil) and
// returns it. It panics if dst is non-nil with a length other than Cols.
func (o *Oja) Vector(dst []float64) []float64 {
	if dst != nil && len(dst) != o.d {
		panic("spectral: Oja.Vector: destination length differs from Cols")
	}
	if dst == nil {
		dst = make([]float64, o.d)
	}
	copy(dst, o.current(dst))
	Canonicalize(dst)
	return dst
}
