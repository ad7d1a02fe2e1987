package spectral

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/linstream/linstream/internal/kernel"
	"github.com/linstream/linstream/stream"
)

// RandomOrder estimates v₁ in one pass over rows that arrive in uniformly
// random order, with memory (heavy rows + O(1))·d floats independent of n.
//
// It is the random-order heavy-row estimator of Kacham & Woodruff (NeurIPS
// 2024) as reconstructed in linstream's algorithm notes §1, with the
// shifted step of their Caution paragraph:
//
//   - A row is heavy when ‖a‖² ≥ F̂/(d·L) at its arrival, with F̂ = F·N/t the
//     running estimate of ‖A‖²_F (F = Σ‖a‖² over the t rows seen, N the
//     total number of rows, declared or estimated) and slack L = (log₂ d)²
//     by default. Heavy rows are stored exactly.
//
//   - Light rows drive a block power method: the stream is cut into
//     P = ⌈3·log₂ d⌉ blocks of consecutive rows; in random order each
//     block is a uniform sample of the rows. At the end of block j of b
//     rows, t rows seen so far and H the heavy rows seen so far:
//
//     y_L = (N/b)·Σ_{light a in block} ⟨a, z⟩a
//     y_H = (N/t)·Σ_{h ∈ H} ⟨h, z⟩h
//     s   = ⟨z, y_L⟩
//     z   ← (y_L + y_H + s·z)/‖y_L + y_H + s·z‖
//
//     The heavy part is applied exactly, scaled to the whole stream; the
//     shift s keeps directions whose rows have not arrived yet alive.
//
// Rows are read once from memory: kernel.ProjectUpdate takes the k
// products and the squared norm of each arriving row in the same loop that
// adds the light row before it (now in L1) to the light sums, so the
// update's arithmetic overlaps the arriving row's memory latency. The sums
// are accumulated row by row in stream order, so the result does not depend
// on how the stream is cut into WriteRows calls.
//
// # Number of rows
//
// N comes from WithRows (a file header: see stream.Lener). Without it, or
// once more rows than declared have arrived, RandomOrder follows a doubling
// rule: the stream is cut into epochs — the first of 64·P rows (or the
// declared n), each later one as long as all rows before it — and every
// epoch is split into P equal blocks; N is the end of the current epoch.
// The iterate carries over from epoch to epoch, so the last, largest epoch
// refines the earlier ones.
//
// # Refinements of the single-vector step
//
// The single-vector step above, with the Caution paragraph's shift, still
// failed on the hard instance when the first heavy copy of v₁ arrived late
// (d = 256, R = 3: correlation 0.10 on one seed in three): until a heavy
// direction's rows arrive, every block shrinks its component by about
// s/(s + λ_light), and a late row finds nothing left to grow. Two changes,
// validated by the tests, fix it:
//
//   - The iterate is a k = 3 column block Z = [z, w, u] (orthonormal), and
//     every block end is a Rayleigh–Ritz step: with G the block operator
//     above, M = ZᵀGZ = SΘSᵀ (Θ descending) and
//     Z ← orth((G + s·I)·Z·S), so z is the shifted step applied to the
//     block's best Ritz vector rather than to the old z.
//   - Heavy-row injection: when heavy rows arrived during a block, the
//     third column u is replaced after the step by the one among them with
//     the most energy outside span{z, w} (orthonormalized). A heavy direction
//     then enters the subspace as soon as one of its rows is seen, and the
//     next Rayleigh–Ritz step promotes it if G says it is on top.
//
// # Uncertainty
//
// Result.Value and Result.Gap come from the Ritz values θ₁ ≥ θ₂ of the
// last block's operator on the iterates entering that block — iterates that
// had not seen the block's rows, so Value = (rows seen)·θ₁ estimates
// zᵀAᵀAz without the optimism of reusing rows, and Gap = θ₁/θ₂ estimates
// λ₁/λ₂ as resolved by one block (block sampling noise lowers it).
// Stability is ⟨z_prev, z⟩² across the last block. Confident is
// Gap ≥ MinGap and Stability ≥ MinStability.
//
// # Memory
//
// State is (h + O(1))·d floats for h heavy rows held, independent of n
// (the heavy buffer grows by doubling, so up to 2h rows may be reserved).
// Since every row of a stream shorter than d·L rows clears the threshold
// (and, without n, so do the first ≈ d·L/2 rows while N is still small), h
// is capped: WithMaxHeavy(h), by default max(64, DefaultHeavyFloats/d). A
// heavy row arriving at a full buffer evicts the lightest held row (if it
// is heavier) into the current block's light sums, as if that row had
// arrived then as a light row; Result.HeavyEvicted counts these. The
// guarantee assumes no eviction of a row that is heavy for the whole
// stream, so give a buffer larger than the number of truly heavy rows.
//
// # Precondition
//
// Rows must arrive in uniformly random order (stream.Shuffle gives it).
// In any other order — rows sorted by norm, by class, by time — blocks are
// not samples of A and the answer may be arbitrarily wrong; that is outside
// the estimator's contract, and Result.Assumes says so.
type RandomOrder struct {
	cfg  *config
	d, k int
	p    int     // blocks per epoch
	l    float64 // heavy slack
	n    int64   // declared rows, 0 if unknown
	init int64   // length of the first epoch

	zs, ys, tmp []float64     // k×d: iterates (row i is column i), light sums, scratch
	zPrev       []float64     // d
	pv          []float64     // k+2: the arriving row's products, squared norm and product with the row before
	pc          [maxK]float64 // products of the light row awaiting its update
	heavy       []float64     // heavy rows, row-major, one slot each
	hnorm       []float64     // squared norm of each slot's row
	hblock      []int64       // block (r.blocks) in which each slot's row was stored
	heap        []int32       // slots, a min-heap by squared norm
	nHeavy      int
	maxHeavy    int
	evicted     int64

	t          int64   // rows seen
	f          float64 // Σ‖a‖² over rows seen
	epochStart int64
	epochLen   int64
	blockLen   int64
	blockEnd   int64 // row count at which the current block ends
	blockRows  int64 // rows (light and heavy) in the current block
	light      int64 // light rows in the current block
	blocks     int   // blocks completed

	// evidence from the last completed block
	theta     [maxK]float64 // Ritz values of G/N on the entering iterates
	stability float64
	small     [3 * maxK * maxK]float64 // k×k scratch: M, S, and a copy
}

const maxK = 3

var _ stream.Writer = (*RandomOrder)(nil)

// DefaultHeavyFloats bounds the heavy-row buffer of a RandomOrder by
// default: at most max(64, DefaultHeavyFloats/d) rows (256 MiB of rows).
const DefaultHeavyFloats = 1 << 25

// NewRandomOrder returns a RandomOrder estimator for rows of cols columns.
// Options: WithSeed, WithRows, WithBlocks, WithHeavySlack, WithMaxHeavy,
// WithConfidence.
// It panics if cols < 1.
func NewRandomOrder(cols int, opts ...Option) (*RandomOrder, error) {
	if cols < 1 {
		panic(fmt.Sprintf("spectral: NewRandomOrder with %d columns", cols))
	}
	cfg, err := newConfig("RandomOrder", optSeed|optRows|optBlocks|optSlack|optMaxHeavy|optConfidence, opts)
	if err != nil {
		return nil, err
	}
	lg := math.Log2(float64(max(cols, 2)))
	r := &RandomOrder{cfg: cfg, d: cols, k: min(maxK, cols), n: cfg.rows}
	r.p = cfg.blocks
	if r.p == 0 {
		r.p = max(2, int(math.Ceil(3*lg)))
	}
	r.l = cfg.slack
	if r.l == 0 {
		r.l = max(1, lg*lg)
	}
	r.init = r.n
	if r.init == 0 {
		r.init = 64 * int64(r.p)
	}
	r.maxHeavy = cfg.maxHeavy
	if r.maxHeavy == 0 {
		r.maxHeavy = max(64, DefaultHeavyFloats/cols)
	}
	r.alloc()
	r.Reset()
	return r, nil
}

// alloc sizes the fixed buffers for r.d and r.k.
func (r *RandomOrder) alloc() {
	d, k := r.d, r.k
	buf := make([]float64, 3*k*d+d+k+2)
	r.zs, buf = buf[:k*d:k*d], buf[k*d:]
	r.ys, buf = buf[:k*d:k*d], buf[k*d:]
	r.tmp, buf = buf[:k*d:k*d], buf[k*d:]
	r.zPrev, buf = buf[:d:d], buf[d:]
	r.pv = buf
}

// Cols returns the number of columns d.
func (r *RandomOrder) Cols() int { return r.d }

// Blocks returns P, the number of blocks per epoch.
func (r *RandomOrder) Blocks() int { return r.p }

// Slack returns L, the heavy-row slack.
func (r *RandomOrder) Slack() float64 { return r.l }

// Reset returns the estimator to its freshly constructed state (same seed,
// same start vectors), keeping its storage.
func (r *RandomOrder) Reset() {
	gaussianStart(r.cfg.seed, r.zs, r.k, r.d)
	copy(r.zPrev, r.zs[:r.d])
	clear(r.ys)
	r.heavy = r.heavy[:0]
	r.hnorm, r.hblock, r.heap = r.hnorm[:0], r.hblock[:0], r.heap[:0]
	r.nHeavy, r.evicted = 0, 0
	r.t, r.f = 0, 0
	r.blocks, r.light, r.blockRows = 0, 0, 0
	r.theta = [maxK]float64{}
	r.stability = math.NaN()
	r.startEpoch(0, r.init)
}

func (r *RandomOrder) startEpoch(start, length int64) {
	r.epochStart, r.epochLen = start, length
	r.blockLen = (length + int64(r.p) - 1) / int64(r.p)
	r.blockEnd = start + r.blockLen
}

// total is N: the declared or estimated number of rows of the stream.
func (r *RandomOrder) total() int64 { return r.epochStart + r.epochLen }

// WriteRows consumes whole rows. It returns an error wrapping
// stream.ErrNonFinite, naming the row, if a row holds a NaN or an infinity
// or its squared norm overflows; the rows before it are consumed. It does
// not allocate except to store a heavy row. It panics if len(src) is not a
// multiple of Cols.
func (r *RandomOrder) WriteRows(src []float64) (int, error) {
	d := r.d
	if len(src)%d != 0 {
		panic(fmt.Sprintf("spectral: RandomOrder.WriteRows: %d values is not a multiple of %d columns", len(src), d))
	}
	rows := len(src) / d
	k, pv := r.k, r.pv
	// The light row whose update rides on the next row's projection, and
	// its products.
	var pend []float64
	pc := r.pc[:k]
	for i := range rows {
		a := src[i*d : (i+1)*d]
		kernel.ProjectUpdate(d, k, k, a, r.zs, d, pv, pend, pc, r.ys, d)
		pend = nil
		s := pv[k]
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return i, nonFiniteRow("RandomOrder", a, r.t+1)
		}
		r.t++
		r.f += s
		r.blockRows++
		// Classify in order (the threshold runs with F); heavy rows are
		// stored, light ones wait for the next row's pass.
		fhat := r.f * float64(r.total()) / float64(r.t)
		heavy := s > 0 && s >= fhat/(float64(d)*r.l)
		if heavy && (r.nHeavy < r.maxHeavy || s > r.hnorm[r.heap[0]]) {
			r.storeHeavy(a, s)
		} else {
			if heavy {
				r.evicted++ // lighter than every held row: stays light
			}
			pend = a
			copy(pc, pv[:k])
			r.light++
		}
		if r.t == r.blockEnd {
			if pend != nil {
				r.addLight(pend, pc)
				pend = nil
			}
			r.endBlock()
		}
	}
	if pend != nil {
		r.addLight(pend, pc)
	}
	return rows, nil
}

// addLight adds the light row, whose products with the iterates are p, to
// the current block's light sums.
func (r *RandomOrder) addLight(row, p []float64) {
	kernel.ProjectUpdate(r.d, r.k, r.k, nil, r.zs, r.d, nil, row, p, r.ys, r.d)
}

// storeHeavy keeps row (squared norm s) exactly. When the buffer is full,
// the lightest held row is evicted into the current block's light sums (as
// if it had arrived now as a light row) and its slot reused.
func (r *RandomOrder) storeHeavy(row []float64, s float64) {
	d := r.d
	if r.nHeavy < r.maxHeavy {
		slot := r.nHeavy
		if len(r.heavy)+d > cap(r.heavy) {
			// Double (append grows large slices by 1.25×, which costs a
			// first pass over a stream with thousands of heavy rows ~1.5×
			// its later passes in copies and fresh pages).
			c := min(max(2*cap(r.heavy), 64*d), r.maxHeavy*d)
			h := make([]float64, len(r.heavy), c)
			copy(h, r.heavy)
			r.heavy = h
		}
		r.heavy = append(r.heavy, row...)
		r.hnorm = append(r.hnorm, s)
		r.hblock = append(r.hblock, int64(r.blocks))
		r.heap = append(r.heap, int32(slot))
		r.nHeavy++
		r.heapUp(len(r.heap) - 1)
		return
	}
	slot := int(r.heap[0])
	old := r.heavy[slot*d : (slot+1)*d]
	var p [maxK]float64
	kernel.GemmNT(1, r.k, d, 1, old, d, r.zs, d, 0, p[:r.k], r.k)
	r.addLight(old, p[:r.k]) // a light row now
	r.light++
	r.evicted++
	copy(old, row)
	r.hnorm[slot], r.hblock[slot] = s, int64(r.blocks)
	r.heapDown(0)
}

func (r *RandomOrder) heapUp(i int) {
	h := r.heap
	for i > 0 {
		p := (i - 1) / 2
		if r.hnorm[h[p]] <= r.hnorm[h[i]] {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (r *RandomOrder) heapDown(i int) {
	h := r.heap
	for {
		m, l := i, 2*i+1
		if l < len(h) && r.hnorm[h[l]] < r.hnorm[h[m]] {
			m = l
		}
		if l+1 < len(h) && r.hnorm[h[l+1]] < r.hnorm[h[m]] {
			m = l + 1
		}
		if m == i {
			return
		}
		h[m], h[i] = h[i], h[m]
		i = m
	}
}

// nonFiniteRow describes a rejected row (1-based index row).
func nonFiniteRow(who string, x []float64, row int64) error {
	msg := "squared row norm overflows float64"
	for j, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			msg = fmt.Sprintf("column %d holds %v, expected a finite number", j+1, v)
			break
		}
	}
	return fmt.Errorf("spectral: %s: %w", who, &stream.DataError{Row: row, Offset: -1, Msg: msg, Err: stream.ErrNonFinite})
}

// endBlock performs the block step and starts the next block.
func (r *RandomOrder) endBlock() {
	r.step(r.zs, r.ys, r.tmp, r.zPrev, &r.theta, &r.stability, r.small[:])
	r.blocks++
	clear(r.ys)
	r.light, r.blockRows = 0, 0
	end := r.epochStart + r.epochLen
	if r.blockEnd >= end {
		// Next epoch: as long as everything before it.
		r.startEpoch(end, end)
	} else {
		r.blockEnd = min(r.blockEnd+r.blockLen, end)
	}
}

// step applies the Rayleigh–Ritz shifted block step to the k columns zs in
// place, given their light sums ys (overwritten) and a k×d scratch tmp. It
// records the Ritz values and the stability, leaves the entering top column
// in zPrev, and injects a heavy row of the current block into the last
// column.
func (r *RandomOrder) step(zs, ys, tmp, zPrev []float64, theta *[maxK]float64, stab *float64, small []float64) {
	d, k := r.d, r.k
	col := func(m []float64, i int) []float64 { return m[i*d : (i+1)*d] }
	// ys ← (LᵀL/b)Z, b the rows of the block (light and heavy): the light
	// part per row of the stream, since the block is a uniform sample.
	if r.blockRows > 0 {
		kernel.Scal(1/float64(r.blockRows), ys)
	}
	s := kernel.Dot(col(zs, 0), col(ys, 0)) // the shift, per row of the stream
	// ys += (HᵀH/t)Z: the heavy rows seen so far.
	// Pipelined as the light rows are: each held row's update rides on the
	// next one's projection.
	if h := r.nHeavy; h > 0 {
		pv, pc := r.pv, r.pc[:k]
		inv := 1 / float64(r.t)
		var prev []float64
		for i := range h {
			row := r.heavy[i*d : (i+1)*d]
			kernel.ProjectUpdate(d, k, k, row, zs, d, pv, prev, pc, ys, d)
			for c := range pc {
				pc[c] = inv * pv[c]
			}
			prev = row
		}
		kernel.ProjectUpdate(d, k, k, nil, zs, d, nil, prev, pc, ys, d)
	}
	// Rayleigh–Ritz: M = ZᵀGZ (per row), M = SΘSᵀ.
	m, sv, vals := small[:k*k], small[k*k:2*k*k], theta[:k]
	for i := range k {
		for j := i; j < k; j++ {
			v := (kernel.Dot(col(zs, i), col(ys, j)) + kernel.Dot(col(zs, j), col(ys, i))) / 2
			m[i*k+j], m[j*k+i] = v, v
		}
	}
	symEig(m, k, vals, sv)
	copy(zPrev, col(zs, 0))
	if vals[0] <= 0 && s == 0 {
		*stab = 1
		return // all rows so far are zero: no information
	}
	// tmp = (G + sI)·Z·S, column by column; then Z ← orth(tmp).
	kernel.Axpy(s, zs, ys) // ys += s·Z (all k columns at once: same layout)
	for j := range k {
		c := col(tmp, j)
		clear(c)
		for i := range k {
			kernel.Axpy(sv[i*k+j], col(ys, i), c)
		}
	}
	for j := range k {
		c := col(tmp, j)
		for i := range j {
			kernel.Axpy(-kernel.Dot(c, col(zs, i)), col(zs, i), c)
		}
		if n := kernel.Nrm2(c); n > 0 && !math.IsInf(n, 0) {
			unitTo(col(zs, j), c, n)
			continue
		}
		// Degenerate: keep the old column, orthogonalized.
		z := col(zs, j)
		for i := range j {
			kernel.Axpy(-kernel.Dot(z, col(zs, i)), col(zs, i), z)
		}
		if n := kernel.Nrm2(z); n > 0 {
			unitTo(z, z, n)
		}
	}
	c := kernel.Dot(zPrev, col(zs, 0))
	*stab = math.Min(1, c*c)
	r.inject(zs, col(tmp, 0))
}

// inject replaces the last column by the heavy row of the current block
// with the most energy outside the other columns' span, if there is one.
func (r *RandomOrder) inject(zs, scratch []float64) {
	d, k := r.d, r.k
	if k < 2 {
		return
	}
	// Each candidate's energy outside span{z_0 … z_{k-2}} (orthonormal) is
	// ‖h‖² − Σ⟨h, z_i⟩², from one read of the row; only the best is then
	// orthogonalized.
	prod, nrm := r.pv[:k-1], r.pv[k-1:k]
	best, bestE := -1, 0.0
	for h := range r.nHeavy {
		if r.hblock[h] != int64(r.blocks) {
			continue
		}
		kernel.GemmNTNorms(1, k-1, d, r.heavy[h*d:(h+1)*d], d, zs, d, prod, k-1, nrm)
		e := nrm[0]
		for _, v := range prod {
			e -= v * v
		}
		if e > bestE {
			best, bestE = h, e
		}
	}
	if best < 0 {
		return
	}
	copy(scratch, r.heavy[best*d:(best+1)*d])
	for i := range k - 1 {
		zi := zs[i*d : (i+1)*d]
		kernel.Axpy(-kernel.Dot(scratch, zi), zi, scratch)
	}
	if n := kernel.Nrm2(scratch); n > 0 && !math.IsInf(n, 0) {
		unitTo(zs[(k-1)*d:], scratch, n)
	}
}

// gaussianStart fills the k×d block zs with independent standard normal
// values from the seed and orthonormalizes its rows (Gram–Schmidt).
func gaussianStart(seed uint64, zs []float64, k, d int) {
	rng := rand.New(rand.NewPCG(seed, 0x73706563747261)) // "spectra"
	for i := range k {
		v := zs[i*d : (i+1)*d]
		for j := range v {
			v[j] = rng.NormFloat64()
		}
		for p := range i {
			u := zs[p*d : (p+1)*d]
			kernel.Axpy(-kernel.Dot(v, u), u, v)
		}
		unitTo(v, v, kernel.Nrm2(v))
	}
}

// Result returns the current estimate. It does not change the estimator's
// state. If the current block is at least half full (or no block has
// completed yet), its rows are applied to a copy of the iterates as a final
// shorter block; otherwise the rows of that partial block have not yet
// influenced the vector (they are still counted in Rows).
func (r *RandomOrder) Result() Result {
	d, k := r.d, r.k
	res := Result{
		Method:    "randorder",
		Rows:      r.t,
		Passes:    1,
		HeavyRows: r.nHeavy,
		// Z, its light sums, the step scratch, z_prev, the products of the
		// arriving row and of the one before it, and the heavy rows with
		// their norm, block and heap entry.
		StateFloats:  3*k*d + d + 2*k + 2 + r.nHeavy*(d+3),
		HeavyEvicted: r.evicted,
		Value:        math.NaN(),
		Residual:     math.NaN(),
		SinBound:     math.NaN(),
		Gap:          math.NaN(),
		Stability:    r.stability,
		Assumes:      "rows in uniformly random order",
	}
	if r.t == 0 {
		return res
	}
	zs, theta, stab := r.zs, r.theta, r.stability
	if r.blockRows > 0 && (r.blocks == 0 || 2*r.blockRows >= r.blockLen) {
		buf := make([]float64, 3*k*d+d)
		zs = buf[:k*d]
		copy(zs, r.zs)
		ys, tmp := buf[k*d:2*k*d], buf[2*k*d:3*k*d]
		copy(ys, r.ys)
		var small [3 * maxK * maxK]float64
		r.step(zs, ys, tmp, buf[3*k*d:], &theta, &stab, small[:])
		if r.blocks == 0 {
			stab = math.NaN() // one block is no evidence of stability
		}
	}
	res.Vector = append([]float64(nil), zs[:d]...)
	Canonicalize(res.Vector)
	res.Value = float64(r.t) * theta[0]
	if k > 1 {
		res.Gap = ratio(theta[0], theta[1])
	}
	res.Stability = stab
	res.Confident = r.cfg.confident(res.Gap, stab)
	return res
}

// Vector writes the current unit estimate into dst (allocated if nil) and
// returns it. It panics if dst is non-nil with a length other than Cols.
func (r *RandomOrder) Vector(dst []float64) []float64 {
	if dst != nil && len(dst) != r.d {
		panic("spectral: RandomOrder.Vector: destination length differs from Cols")
	}
	res := r.Result()
	if dst == nil {
		return res.Vector
	}
	copy(dst, res.Vector)
	return dst
}
