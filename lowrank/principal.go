package lowrank

import (
	"cmp"
	"fmt"
	"math"
	mathbits "math/bits"
	"slices"

	"github.com/linstream/linstream/internal/kernel"
	"github.com/linstream/linstream/stream"
)

// Budget says how many entries a principal-weight mask keeps. Build one
// with LoRABudget, FractionBudget or CountBudget; the zero Budget is
// invalid.
type Budget struct {
	kind  byte // 'l', 'f', 'c'
	k     int
	frac  float64
	count int
}

// LoRABudget is LIFT's LoRA-equivalent budget for LoRA rank k: a matrix of
// m×n keeps K = min((m+n)·k, m·n) entries, as many as a rank-k LoRA adapter
// trains.
func LoRABudget(k int) Budget { return Budget{kind: 'l', k: k} }

// FractionBudget keeps K = ⌊f·m·n + ½⌋ entries, 0 < f ≤ 1.
func FractionBudget(f float64) Budget { return Budget{kind: 'f', frac: f} }

// CountBudget keeps K = min(count, m·n) entries, count ≥ 0.
func CountBudget(count int) Budget { return Budget{kind: 'c', count: count} }

// Count returns K for an m×n matrix, or an error wrapping ErrInvalidOption
// for an invalid budget.
func (b Budget) Count(m, n int) (int, error) {
	mn := m * n
	switch b.kind {
	case 'l':
		if b.k < 1 {
			return 0, invalid("LoRA budget rank %d < 1", b.k)
		}
		return min((m+n)*b.k, mn), nil
	case 'f':
		if !(b.frac > 0 && b.frac <= 1) {
			return 0, invalid("budget fraction %g not in (0, 1]", b.frac)
		}
		return min(int(math.Floor(b.frac*float64(mn)+0.5)), mn), nil
	case 'c':
		if b.count < 0 {
			return 0, invalid("budget count %d < 0", b.count)
		}
		return min(b.count, mn), nil
	}
	return 0, invalid("zero Budget")
}

// String describes the budget ("lora-rank 128", "fraction 0.05", "count 1000").
func (b Budget) String() string {
	switch b.kind {
	case 'l':
		return fmt.Sprintf("lora-rank %d", b.k)
	case 'f':
		return fmt.Sprintf("fraction %g", b.frac)
	case 'c':
		return fmt.Sprintf("count %d", b.count)
	}
	return "invalid budget"
}

// PrincipalResult is a principal-weight mask: the K entries of largest
// |W_r|, W_r the rank-r approximation of W.
type PrincipalResult struct {
	Rows, Cols int // m, n
	K          int // entries selected
	// Indices are the selected flat indices i·Cols + j, ascending.
	Indices []int
	// Density is K/(m·n).
	Density float64
	// EnergyShare is Σ_{mask} W_ij² / ‖W‖²_F: the share of W's energy held
	// by the selected entries (0 for a zero W).
	EnergyShare float64
	// LowRankShare is Σ_{mask} (W_r)_ij² / ‖W_r‖²_F.
	LowRankShare float64
	// Threshold is the smallest selected |(W_r)_ij|.
	Threshold float64
	// Truncation is the rank-r truncation W_r came from (Σ, V, gap and
	// Unique flag; U only on the in-memory path). When it is not Unique, the
	// mask depends on which minimizer was picked.
	Truncation *Result
}

// Contains reports whether entry (i, j) is selected.
func (p *PrincipalResult) Contains(i, j int) bool {
	_, ok := slices.BinarySearch(p.Indices, i*p.Cols+j)
	return ok
}

// Mask returns the selection as an m·n row-major []bool (allocated).
func (p *PrincipalResult) Mask() []bool {
	m := make([]bool, p.Rows*p.Cols)
	for _, i := range p.Indices {
		m[i] = true
	}
	return m
}

// MaskBytes writes the selection into dst as m×n row-major bytes, 1 for a
// selected entry and 0 otherwise (the layout of a `|u1` .npy array),
// allocating when dst is nil, and returns it. It panics if dst has the wrong
// length.
func (p *PrincipalResult) MaskBytes(dst []uint8) []uint8 {
	if dst == nil {
		dst = make([]uint8, p.Rows*p.Cols)
	}
	if len(dst) != p.Rows*p.Cols {
		panic(fmt.Sprintf("lowrank: MaskBytes into %d bytes, want %d×%d", len(dst), p.Rows, p.Cols))
	}
	clear(dst)
	for _, i := range p.Indices {
		dst[i] = 1
	}
	return dst
}

// PrincipalWeights selects LIFT's principal weights of the m×n row-major
// matrix w (Liu et al., ICML 2025): the K entries with the largest |W_r|,
// where W_r is the rank-r approximation of W and K comes from budget. Ties
// in |W_r| go to the smaller flat index, so the mask is deterministic. This
// is the paper's rule (largest magnitudes); the public reference code at
// HEAD selects the smallest ones by mistake, which this does not copy.
//
// W_r comes from Truncate (options pass through; by default the exact SVD
// for small matrices, the Gram route for tall or wide ones up to 2048 on the
// thin side, the randomized route otherwise). On the randomized route,
// unless WithPowerIters fixes q, it runs block Krylov iteration (WithKrylov;
// WithKrylov(false) gives Chebyshev-filtered subspace iteration; one pass
// per application of WᵀW) until the estimated angle between span V_r and
// the true top-r right singular subspace (Truncation.Angle, from the Ritz
// residuals and the gap σ_r² − σ_{r+1}²) is at most 1e-7, for at most 30
// passes (Truncation.Converged reports which): a mask depends on single
// entries of W_r near the threshold, so the subspace must have converged,
// not just the error, and the closer σ_r is to σ_{r+1} the more passes that
// takes. When σ_r and σ_{r+1} cannot be told apart (Truncation.Unique
// false) W_r is not unique and no number of passes picks one: the schedule
// stops once every top-r Ritz residual ‖WᵀW v − θ v‖ is at most 1e-9·σ̃_1²,
// and the mask is that of one of the best rank-r approximations, not
// necessarily the one another solver returns. w is not modified or retained. Memory is the
// truncation's plus O(K) for the selection.
//
// It panics if rank < 1 or len(w) != m·n; an invalid budget returns an
// error wrapping ErrInvalidOption, non-finite entries stream.ErrNonFinite.
func PrincipalWeights(w []float64, m, n, rank int, budget Budget, opts ...Option) (*PrincipalResult, error) {
	if rank < 1 || m < 1 || n < 1 || len(w) != m*n {
		panic(fmt.Sprintf("lowrank: PrincipalWeights of %d values as %d×%d at rank %d", len(w), m, n, rank))
	}
	kk, err := budget.Count(m, n)
	if err != nil {
		return nil, err
	}
	tr, err := Truncate(w, m, n, rank, append(opts[:len(opts):len(opts)], residualSchedule)...)
	if err != nil {
		return nil, err
	}
	k := tr.Rank
	us := make([]float64, DefaultBlockRows*k)
	wr := make([]float64, DefaultBlockRows*n)
	// rowsOfWr writes rows i0…i0+b−1 of W_r = (U Σ) Vᵀ into wb.
	rowsOfWr := func(rows []int, wb []float64) {
		b := len(rows)
		ub := us[:b*k]
		for i, row := range rows {
			for j := range k {
				ub[i*k+j] = tr.U[row*k+j] * tr.Sigma[j]
			}
		}
		if k > 0 {
			kernel.GemmNT(b, n, k, 1, ub, k, tr.V, k, 0, wb[:b*n], n)
		} else {
			clear(wb[:b*n])
		}
	}
	rows := make([]int, DefaultBlockRows)
	floor, hasFloor := sampleFloor(rowsOfWr, rows, wr, m, n, kk)
	for {
		sel := newSelector(kk, n)
		sel.thr, sel.has = floor, hasFloor
		for i0 := 0; i0 < m; i0 += DefaultBlockRows {
			b := min(DefaultBlockRows, m-i0)
			for i := range b {
				rows[i] = i0 + i
			}
			rowsOfWr(rows[:b], wr)
			sel.add(i0, b, w[i0*n:(i0+b)*n], wr[:b*n])
		}
		if sel.compact(); len(sel.buf) == kk || !hasFloor {
			return sel.result(m, n, tr), nil
		}
		hasFloor = false // the sample's floor was above the K-th value: again without
	}
}

// sampleFloor estimates, from the |W_r| of a few rows (about 2¹⁸ values)
// spread evenly over the m rows, a floor below the K-th largest |W_r| of the
// whole matrix: the value that ranks K·f·1.1 + 4√(K·f) + 1 in the sample, f
// the sampled fraction of rows. The selection then never looks at entries
// below it, which saves most of its buffer compactions; if fewer than K
// entries were above it after all, the caller selects again without it, so
// the result never depends on the sample. It reports false when the matrix
// is too small for a sample to pay.
func sampleFloor(rowsOfWr func([]int, []float64), rows []int, wr []float64, m, n, kk int) (float64, bool) {
	s := min(m, len(rows), max(16, (1<<18)/n)) // about 2¹⁸ values: a 15 ms sort
	if m*n < 1<<20 || kk == 0 || s == m {
		return 0, false
	}
	for i := range s {
		rows[i] = int(int64(i) * int64(m) / int64(s))
	}
	rowsOfWr(rows[:s], wr)
	vals := wr[:s*n]
	for i, v := range vals {
		vals[i] = math.Abs(v)
	}
	f := float64(s) / float64(m)
	want := float64(kk)*f*1.1 + 4*math.Sqrt(float64(kk)*f) + 1
	if want >= float64(len(vals)) {
		return 0, false
	}
	j := int(want)
	return nthLargest(vals, j), true
}

// nthLargest returns the j-th largest (0-based) of x, reordering x, by
// quickselect (median-of-three pivots; a sort if the partitioning
// degenerates).
func nthLargest(x []float64, j int) float64 {
	lo, hi := 0, len(x) // the answer's position lies in [lo, hi)
	for budget := 2 * (bits64(len(x)) + 4); hi-lo > 16; budget-- {
		if budget == 0 {
			break
		}
		mid := lo + (hi-lo)/2
		a, b, c := x[lo], x[mid], x[hi-1]
		p := max(min(a, b), min(max(a, b), c)) // median of three
		// Three-way partition: [lo, lt) > p, [lt, i) == p, (gt, hi) < p.
		lt, i, gt := lo, lo, hi-1
		for i <= gt {
			switch v := x[i]; {
			case v > p:
				x[lt], x[i] = x[i], x[lt]
				lt++
				i++
			case v < p:
				x[gt], x[i] = x[i], x[gt]
				gt--
			default:
				i++
			}
		}
		switch {
		case j < lt:
			hi = lt
		case j <= gt:
			return p
		default:
			lo = gt + 1
		}
	}
	s := x[lo:hi]
	slices.SortFunc(s, func(a, b float64) int { return cmp.Compare(b, a) })
	return s[j-lo]
}

// PrincipalWeightsStream is PrincipalWeights over a row stream of W, in
// O(r·n + K) memory (plus a block of rows; the block Krylov basis and its
// image are at most 16·(r+p)·n floats, 39 MB at n = 4096, r = 64, and at
// most 256 MB or two blocks on wider matrices): the first passes find V_r
// by the randomized route (Randomized, with the residual schedule described
// at PrincipalWeights; WithMethod(MethodGram) uses one pass and n² memory
// instead), and one more pass computes each block of rows of
// W_r = W V_r V_rᵀ and keeps the K best entries, by (|value|, −index), in a
// bounded buffer of 2K. The first pass reads src from where it stands;
// later passes rewind it. Errors are those of Randomized and GramTruncate,
// plus stream.ErrShape if the last pass sees a different number of rows.
// Truncation.U is nil (signs follow the V rule).
func PrincipalWeightsStream(src stream.Rewinder, rank int, budget Budget, opts ...Option) (*PrincipalResult, error) {
	if rank < 1 {
		panic(fmt.Sprintf("lowrank: PrincipalWeightsStream at rank %d", rank))
	}
	cfg, err := newConfig(append(opts[:len(opts):len(opts)], residualSchedule))
	if err != nil {
		return nil, err
	}
	if _, err := budget.Count(1, 1); err != nil {
		return nil, err
	}
	var tr *Result
	rs := newReaderSource(src, cfg.blockRows)
	switch cfg.method {
	case MethodAuto, MethodRandomized:
		tr, err = randomized(rs, rank, cfg)
	case MethodGram:
		tr, err = gramTruncate(rs, rank, cfg)
	default:
		return nil, invalid("PrincipalWeightsStream cannot use method %v", cfg.method)
	}
	if err != nil {
		return nil, err
	}
	CanonicalSigns(nil, 0, tr.V, tr.Cols, tr.Rank)
	tr.SignsFrom = 'V'
	m, n, k := int(tr.Rows), tr.Cols, tr.Rank
	kk, err := budget.Count(m, n)
	if err != nil {
		return nil, err
	}
	b := cfg.blockRows
	t := make([]float64, b*k)
	wr := make([]float64, b*n)
	sel := newSelector(kk, n)
	row := 0
	err = rs.pass(func(nb int, blk []float64) error {
		if row+nb > m {
			return fmt.Errorf("lowrank: selection pass: more than the %d rows of the first pass: %w", m, stream.ErrShape)
		}
		wb := wr[:nb*n]
		if k > 0 {
			tb := t[:nb*k]
			kernel.GemmNN(nb, k, n, 1, blk, n, tr.V, k, 0, tb, k)
			kernel.GemmNT(nb, n, k, 1, tb, k, tr.V, k, 0, wb, n)
		} else {
			clear(wb)
		}
		sel.add(row, nb, blk, wb)
		row += nb
		return nil
	})
	if err != nil {
		return nil, err
	}
	if row != m {
		return nil, fmt.Errorf("lowrank: selection pass read %d rows, the first pass %d: %w", row, m, stream.ErrShape)
	}
	tr.Passes++
	return sel.result(m, n, tr), nil
}

// residualSchedule makes the randomized route's adaptive schedule (when
// WithPowerIters is not given) run until the top-r Ritz residuals are below
// principalResidTol·σ̃_1²: a mask depends on individual entries of W_r near
// the threshold, so the subspace must have converged, not just the error.
func residualSchedule(c *config) error {
	c.residTol = principalResidTol
	if c.krylov == 0 {
		c.krylov = 1
	}
	return nil
}

// entry is a selection candidate: |W_r| at flat index idx, and W there.
type entry struct {
	abs, w float64
	idx    int
}

// worse reports whether a ranks below b: smaller |W_r|, or equal and a
// larger index.
func worse(a, b entry) bool {
	return a.abs < b.abs || (a.abs == b.abs && a.idx > b.idx)
}

// selector keeps the K best entries of a stream of candidates in a bounded
// buffer of at most 2K (a threshold buffer: candidates that beat the
// current threshold are appended; when the buffer is full a quickselect
// keeps the K best and raises the threshold to the K-th). It gives exactly
// the set a bounded min-heap keyed by (|value|, −index) would keep, with
// O(1) amortized work per candidate and sequential memory access — a heap
// of a million entries spent most of its time in cache misses. Entries
// arrive in increasing index order, so a candidate that ties the threshold
// loses.
type selector struct {
	k, n   int
	buf    []entry
	thr    float64 // candidates with abs ≤ thr cannot enter (valid when has)
	has    bool
	wsq    float64 // Σ W² over everything seen
	sorted bool
}

func newSelector(k, n int) *selector {
	return &selector{k: k, n: n, buf: make([]entry, 0, 2*k)}
}

// add offers rows row0…row0+b−1, with W in w and W_r in wr (both b×n).
func (s *selector) add(row0, b int, w, wr []float64) {
	s.wsq += kernel.Dot(w, w)
	if s.k == 0 {
		return
	}
	base := row0 * s.n
	for i, v := range wr {
		a := math.Abs(v)
		if s.has && a <= s.thr {
			continue
		}
		if len(s.buf) == cap(s.buf) {
			s.compact()
			if a <= s.thr {
				continue
			}
		}
		s.buf = append(s.buf, entry{a, w[i], base + i})
	}
}

// compact keeps the k best entries of buf and sets the threshold to the
// k-th.
func (s *selector) compact() {
	if s.k == 0 {
		return
	}
	if len(s.buf) > s.k {
		selectBest(s.buf, s.k)
		s.buf = s.buf[:s.k]
	}
	if len(s.buf) == s.k {
		t := s.buf[0]
		for _, e := range s.buf[1:] {
			if worse(e, t) {
				t = e
			}
		}
		s.thr, s.has = t.abs, true
	}
}

// better is the selection order: larger |W_r| first, then smaller index.
func better(a, b entry) bool { return worse(b, a) }

// selectBest partially orders x so that its first k entries are the k best
// (in any order), by quickselect with a median-of-three pivot, falling back
// to a full sort if the partitioning degenerates.
func selectBest(x []entry, k int) {
	lo, hi := 0, len(x) // the k-th boundary lies in [lo, hi)
	for budget := 2 * (bits64(len(x)) + 4); hi-lo > 16; budget-- {
		if budget == 0 {
			slices.SortFunc(x[lo:hi], func(a, b entry) int {
				if better(a, b) {
					return -1
				}
				return 1
			})
			return
		}
		mid := lo + (hi-lo)/2
		// Median of three to x[lo].
		a, b, c := lo, mid, hi-1
		if better(x[b], x[a]) {
			a, b = b, a
		}
		if better(x[c], x[b]) {
			b, c = c, b
			if better(x[b], x[a]) {
				a, b = b, a
			}
		}
		x[lo], x[b] = x[b], x[lo]
		p := x[lo]
		// Hoare partition: [lo+1, i) better than p, (j, hi) not better.
		i, j := lo+1, hi-1
		for {
			for i <= j && better(x[i], p) {
				i++
			}
			for i <= j && !better(x[j], p) {
				j--
			}
			if i > j {
				break
			}
			x[i], x[j] = x[j], x[i]
			i++
			j--
		}
		x[lo], x[j] = x[j], x[lo] // pivot at j: [lo, j) better, (j, hi) worse
		switch {
		case j == k || j+1 == k:
			return
		case k < j:
			hi = j
		default:
			lo = j + 1
		}
	}
	// Small range: insertion sort.
	for i := lo + 1; i < hi; i++ {
		for j := i; j > lo && better(x[j], x[j-1]); j-- {
			x[j], x[j-1] = x[j-1], x[j]
		}
	}
}

func bits64(n int) int {
	b := 0
	for n > 0 {
		b++
		n >>= 1
	}
	return b
}

// sortIndices sorts the distinct flat indices idx (all below mn) in place:
// through a bitmap of mn bits when that is smaller than a few words per
// index (a 4096×4096 mask: 2 MB, one sequential scan, about 10× faster than
// sorting a million ints), by slices.Sort otherwise.
func sortIndices(idx []int, mn int) {
	if mn/64 > 4*len(idx) {
		slices.Sort(idx)
		return
	}
	bits := make([]uint64, (mn+63)/64)
	for _, i := range idx {
		bits[i>>6] |= 1 << (i & 63)
	}
	k := 0
	for w, x := range bits {
		for x != 0 {
			idx[k] = w<<6 + mathbits.TrailingZeros64(x)
			k++
			x &= x - 1
		}
	}
}

func (s *selector) result(m, n int, tr *Result) *PrincipalResult {
	s.compact()
	p := &PrincipalResult{Rows: m, Cols: n, K: len(s.buf), Truncation: tr,
		Indices: make([]int, len(s.buf))}
	var selW, selR float64
	p.Threshold = math.Inf(1)
	for i, e := range s.buf {
		p.Indices[i] = e.idx
		selW += e.w * e.w
		selR += e.abs * e.abs
		p.Threshold = min(p.Threshold, e.abs)
	}
	if len(s.buf) == 0 {
		p.Threshold = 0
	}
	sortIndices(p.Indices, m*n)
	p.Density = float64(p.K) / (float64(m) * float64(n))
	if s.wsq > 0 {
		p.EnergyShare = selW / s.wsq
	}
	var rsq float64
	for _, v := range tr.Sigma {
		rsq += v * v
	}
	if rsq > 0 {
		p.LowRankShare = min(selR/rsq, 1)
	}
	return p
}
