package sketch

import (
	"fmt"
	"math"
	"slices"

	"github.com/linstream/linstream/internal/binfmt"
	"github.com/linstream/linstream/stream"
)

// maxSamplerSlots caps c for NormSampler.
const maxSamplerSlots = 1 << 24

// NormSampler draws c rows of the stream independently with replacement,
// row i with probability p_i = ‖a_i‖²/‖A‖²_F (length-squared sampling,
// Frieze–Kannan–Vempala), and returns them rescaled by 1/√(c·p_i) so that
//
//	E[BᵀB] = AᵀA,   E‖AᵀA − BᵀB‖²_F ≤ ‖A‖⁴_F/c,
//
// B the c×d sample. Rows of zero norm are never drawn.
//
// # Algorithm
//
// Each of the c slots is an independent weighted single-item reservoir:
// with W_t = Σ_{i≤t} ‖a_i‖², row t replaces the slot's row with probability
// ‖a_t‖²/W_t. The held row survives from total W to total W′ > W with
// probability Π (1 − w_t/W_t) = Π W_{t−1}/W_t = W/W′, so the final row is
// row i with probability ‖a_i‖²/W_n. Drawing a coin per row and slot would
// cost O(c) per row; instead, when a slot takes a row at total W it draws
// U uniform in (0, 1] and stores the threshold
//
//	T = W/U:  the next replacement is the first row t with W_t > T,
//
// which happens with exactly the probability above, P(W_t > T) =
// P(U > W/W_t) = 1 − W/W_t. The thresholds sit in a min-heap, so a row
// costs its squared norm (one pass over d values) and one comparison with
// the smallest threshold; a row that wins copies itself into each slot it
// takes, O(d log c) per slot. A slot replaces about ln(W_n/W_1) times over
// the stream.
//
// # Randomness and merging
//
// The U drawn when slot j takes row t is a hash of (seed, t, j), nothing
// else, so the samples are the same bits however the rows are blocked
// (squared norms are summed in a fixed order without fused multiply-add),
// and shards built WithRowOffset at their global positions draw
// independently. Merge combines two samplers slot by slot: slot j keeps the
// receiver's row with probability W_A/(W_A+W_B) and takes other's otherwise,
// which gives row i of the stacked matrix with probability ‖a_i‖²/(W_A+W_B);
// the coin and the slot's new threshold are hashes of (seed, the two held
// indices, j). The result of a merge differs in its draws from the sampler
// of the whole stream, but has the same distribution.
//
// NormSampler is a stream.Writer; it is not safe for concurrent use.
type NormSampler struct {
	cols, c            int
	seed, key, mkey    uint64
	offset, next, rows int64
	total              float64 // W: Σ ‖a_i‖² over rows seen

	idx  []int64   // per slot: stream index of the row held, -1 for none
	w    []float64 // per slot: ‖a‖² of the row held
	thr  []float64 // per slot: replace when the total exceeds it
	data []float64 // c×cols: the rows held, unscaled
	heap []int32   // the slots, a min-heap by thr
}

var _ stream.Writer = (*NormSampler)(nil)

// NewNormSampler returns a sampler of c rows for rows of cols columns. It
// accepts the options WithSeed and WithRowOffset. It panics if cols < 1. It
// returns an error wrapping ErrInvalidOption unless 1 ≤ c ≤ 2²⁴ and
// c·cols ≤ 2²⁸. It allocates the c×cols sample and O(c) bookkeeping.
func NewNormSampler(cols, c int, opts ...Option) (*NormSampler, error) {
	if cols < 1 {
		panic(fmt.Sprintf("sketch: NewNormSampler with %d columns", cols))
	}
	cfg, err := buildConfig("NewNormSampler", opts, "WithSeed", "WithRowOffset")
	if err != nil {
		return nil, err
	}
	if c < 1 || c > maxSamplerSlots || c > maxOblivious/cols {
		return nil, fmt.Errorf("sketch: NewNormSampler: c = %d with %d columns, want 1 ≤ c ≤ 2²⁴ and c·cols ≤ 2²⁸: %w", c, cols, ErrInvalidOption)
	}
	off := rowOffsetOf(&cfg)
	s := &NormSampler{cols: cols, c: c, offset: off, next: off}
	s.setSeed(cfg.seed)
	s.idx = make([]int64, c)
	s.w = make([]float64, c)
	s.thr = make([]float64, c)
	s.data = make([]float64, c*cols)
	s.heap = make([]int32, c)
	s.Reset()
	return s, nil
}

func (s *NormSampler) setSeed(seed uint64) {
	s.seed = seed
	s.key = hashKey(seed, domainNormSample)
	s.mkey = hashKey(seed, domainNormMerge)
}

// Cols returns d, the number of columns of every row.
func (s *NormSampler) Cols() int { return s.cols }

// Samples returns c, the number of rows drawn.
func (s *NormSampler) Samples() int { return s.c }

// Seed returns the seed of the draws.
func (s *NormSampler) Seed() uint64 { return s.seed }

// Rows returns the number of rows seen, including those of merged
// samplers.
func (s *NormSampler) Rows() int64 { return s.rows }

// NextRow returns the stream index the next row written will have: the row
// offset plus the rows written (after Merge, the larger of the two).
func (s *NormSampler) NextRow() int64 { return s.next }

// FrobeniusSq returns ‖A‖²_F = Σ ‖a_i‖² over the rows seen: the W of the
// sampling probabilities.
func (s *NormSampler) FrobeniusSq() float64 { return s.total }

// slotWord returns the random word of slot j taking row t.
func (s *NormSampler) slotWord(t int64, j int) uint64 {
	return hashMix(hashAt(s.key, uint64(t)) + uint64(j+1)*hashGamma)
}

// WriteRows offers the rows of src (row-major, whole rows) to the sampler.
// It does not retain src or allocate. A row holding NaN or ±Inf, or whose
// squared norm (or the running ‖A‖²_F) overflows, stops the write with an
// error wrapping stream.ErrNonFinite; the rows before it are kept. It
// panics if len(src) is not a multiple of Cols.
func (s *NormSampler) WriteRows(src []float64) (int, error) {
	d := s.cols
	checkWriteRows("NormSampler", src, d)
	src, tooFar := indexLimit("NormSampler", src, d, s.next)
	n := len(src) / d
	thr, heap := s.thr, s.heap
	for r := range n {
		row := src[r*d : r*d+d]
		w := sqNormExact(row)
		W := s.total + w
		if !(W <= math.MaxFloat64) {
			s.rows = addRows(s.rows, int64(r))
			return r, s.badRow(row)
		}
		s.total = W
		if W > thr[heap[0]] {
			s.take(row, w, W)
		}
		s.next++
	}
	s.rows = addRows(s.rows, int64(n))
	return n, tooFar
}

// badRow describes why row (at stream index s.next) was refused.
func (s *NormSampler) badRow(row []float64) error {
	if err := stream.CheckFinite(row, s.cols, s.next); err != nil {
		return fmt.Errorf("sketch: NormSampler: %w", err)
	}
	return fmt.Errorf("sketch: NormSampler: %w", &stream.DataError{
		Row: s.next + 1, Offset: -1, Err: stream.ErrNonFinite,
		Msg: fmt.Sprintf("squared norm %g overflows with the running total %g", sqNormExact(row), s.total),
	})
}

// take gives row (stream index s.next, squared norm w) to every slot whose
// threshold the total W has passed.
func (s *NormSampler) take(row []float64, w, W float64) {
	d := s.cols
	for W > s.thr[s.heap[0]] {
		j := int(s.heap[0])
		copy(s.data[j*d:j*d+d], row)
		s.idx[j] = s.next
		s.w[j] = w
		s.thr[j] = W / hashUnitOpen(s.slotWord(s.next, j))
		s.siftDown(0)
	}
}

func (s *NormSampler) less(a, b int32) bool { return s.thr[a] < s.thr[b] }

func (s *NormSampler) siftDown(i int) {
	h := s.heap
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && s.less(h[r], h[l]) {
			m = r
		}
		if !s.less(h[m], h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

func (s *NormSampler) heapify() {
	for j := range s.heap {
		s.heap[j] = int32(j)
	}
	for i := len(s.heap)/2 - 1; i >= 0; i-- {
		s.siftDown(i)
	}
}

// Sample writes B, the c sampled rows each rescaled by 1/√(c·p_i) with
// p_i = ‖a_i‖²/‖A‖²_F (‖A‖²_F as of now), c×d row-major, into dst and
// returns it; slot j is row j. Before any row of positive norm, all rows
// are zero. If dst is nil a new slice is allocated; otherwise len(dst) must
// be c·d or Sample panics. The state is not changed.
func (s *NormSampler) Sample(dst []float64) []float64 {
	if dst == nil {
		dst = make([]float64, len(s.data))
	} else if len(dst) != len(s.data) {
		panic(fmt.Sprintf("sketch: NormSampler.Sample: len(dst) = %d, want c·d = %d", len(dst), len(s.data)))
	}
	d := s.cols
	for j := range s.c {
		out := dst[j*d : j*d+d]
		if s.idx[j] < 0 {
			clear(out)
			continue
		}
		f := math.Sqrt(s.total / (float64(s.c) * s.w[j]))
		for k, v := range s.data[j*d : j*d+d] {
			out[k] = v * f
		}
	}
	return dst
}

// Indices writes the stream index of each slot's row (−1 while no row of
// positive norm has been seen) into dst and returns it. If dst is nil a new
// slice is allocated; otherwise len(dst) must be c or Indices panics.
func (s *NormSampler) Indices(dst []int64) []int64 {
	if dst == nil {
		dst = make([]int64, s.c)
	} else if len(dst) != s.c {
		panic(fmt.Sprintf("sketch: NormSampler.Indices: len(dst) = %d, want c = %d", len(dst), s.c))
	}
	copy(dst, s.idx)
	return dst
}

// mergeWord returns a random word for slot j of a merge in which the
// receiver holds row ia and other holds row ib; tag separates the coin from
// the threshold.
func (s *NormSampler) mergeWord(ia, ib int64, j int, tag uint64) uint64 {
	h := hashAt(s.mkey, uint64(ia+1))
	h = hashMix(h ^ hashAt(s.mkey^0x6a09e667f3bcc909, uint64(ib+1)))
	return hashMix(h + uint64(j+1)*hashGamma + tag)
}

// Merge combines other into s, which becomes a sampler of both streams:
// slot j keeps its row with probability W_s/(W_s+W_o) and takes other's
// otherwise, so each slot holds row i of the stacked matrix with
// probability ‖a_i‖²/‖A‖²_F, independently across slots (given independent
// inputs, e.g. shards at distinct WithRowOffset positions). Thresholds are
// then drawn afresh, which is exact because a reservoir is memoryless. A
// nil other is a no-op; other is not changed. Different cols, c or seed give
// an error wrapping ErrIncompatible and leave s unchanged. NextRow becomes
// the larger of the two.
func (s *NormSampler) Merge(other *NormSampler) error {
	if other == nil {
		return nil
	}
	if other.cols != s.cols || other.c != s.c || other.seed != s.seed {
		return fmt.Errorf("sketch: NormSampler.Merge: sampler of %d columns, c = %d, seed %d into one of %d columns, c = %d, seed %d: %w",
			other.cols, other.c, other.seed, s.cols, s.c, s.seed, ErrIncompatible)
	}
	W := s.total + other.total
	if !(W <= math.MaxFloat64) {
		return fmt.Errorf("sketch: NormSampler.Merge: ‖A‖²_F overflows (%g + %g): %w", s.total, other.total, stream.ErrNonFinite)
	}
	d := s.cols
	for j := range s.c {
		ia, ib := s.idx[j], other.idx[j]
		if hashUnitOpen(s.mergeWord(ia, ib, j, 1))*W > s.total {
			copy(s.data[j*d:j*d+d], other.data[j*d:j*d+d])
			s.idx[j], s.w[j] = ib, other.w[j]
		}
		s.thr[j] = W / hashUnitOpen(s.mergeWord(ia, ib, j, 2))
	}
	s.total = W
	s.rows = addRows(s.rows, other.rows)
	s.next = max(s.next, other.next)
	s.heapify()
	return nil
}

// Reset empties the sampler, keeping its parameters; the next row has the
// index given by WithRowOffset. It does not allocate.
func (s *NormSampler) Reset() {
	for j := range s.idx {
		s.idx[j] = -1
	}
	clear(s.w)
	clear(s.thr)
	clear(s.data)
	s.heapify()
	s.total = 0
	s.rows = 0
	s.next = s.offset
}

// Clone returns a deep copy of s.
func (s *NormSampler) Clone() *NormSampler {
	n := *s
	n.idx = slices.Clone(s.idx)
	n.w = slices.Clone(s.w)
	n.thr = slices.Clone(s.thr)
	n.data = slices.Clone(s.data)
	n.heap = slices.Clone(s.heap)
	return &n
}

const normSamplerVersion = 1

// MarshalBinary encodes the whole state; see AppendBinary.
func (s *NormSampler) MarshalBinary() ([]byte, error) { return s.AppendBinary(nil) }

// AppendBinary appends the encoding of the state to b and returns it. The
// layout (internal/binfmt, kind KindNormSampler, version 1) after the header
// is little-endian 8-byte fields: cols, c, seed, row offset, next row, rows,
// ‖A‖²_F, then c slot indices, then the c squared norms, the c thresholds
// and the c·cols rows held (each a count, then the values).
func (s *NormSampler) AppendBinary(b []byte) ([]byte, error) {
	b = binfmt.AppendHeader(b, binfmt.KindNormSampler, normSamplerVersion)
	b = binfmt.AppendInt(b, s.cols)
	b = binfmt.AppendInt(b, s.c)
	b = binfmt.AppendUint64(b, s.seed)
	b = binfmt.AppendInt(b, int(s.offset))
	b = binfmt.AppendInt(b, int(s.next))
	b = binfmt.AppendInt(b, int(s.rows))
	b = binfmt.AppendFloat64(b, s.total)
	for _, i := range s.idx {
		b = binfmt.AppendInt(b, int(i))
	}
	b = binfmt.AppendFloat64s(b, s.w)
	b = binfmt.AppendFloat64s(b, s.thr)
	return binfmt.AppendFloat64s(b, s.data), nil
}

// UnmarshalBinary replaces the state of s by the one encoded in b (any
// parameters). Every field is checked — among others, each held row's
// squared norm must match the one recorded, and a sampler with ‖A‖²_F > 0
// must hold a row in every slot — and sizes are capped before anything is
// allocated; on error, which wraps ErrCorrupt, s is unchanged.
func (s *NormSampler) UnmarshalBinary(b []byte) error {
	d, _ := binfmt.NewDecoder("sketch: NormSampler", b, binfmt.KindNormSampler, normSamplerVersion)
	cols := d.Int("cols", 1, maxOblivious)
	c := d.Int("c", 1, maxSamplerSlots)
	if d.Err() == nil && c > maxOblivious/cols {
		d.Fail("c·cols = %d·%d exceeds 2²⁸", c, cols)
	}
	seed := d.Uint64()
	off := d.Int("row offset", 0, maxRowIndex)
	next := d.Int("next row", 0, maxRowIndex)
	rows := d.Int("rows", 0, maxRowIndex)
	total := d.Float64()
	if d.Err() == nil && !(total >= 0 && total <= math.MaxFloat64) {
		d.Fail("‖A‖²_F = %g, want a finite value ≥ 0", total)
	}
	if d.Err() != nil {
		return d.Err()
	}
	// The indices come before the length-checked arrays: bound c by the
	// bytes present before allocating for it.
	if rem := len(b) - normSamplerFixedLen; c > rem/8 {
		d.Fail("c = %d slots, only %d bytes in all", c, len(b))
		return d.Err()
	}
	idx := make([]int64, c)
	for j := range idx {
		idx[j] = int64(d.Int("slot index", -1, max(next-1, -1)))
	}
	w := d.Float64s("squared norms", nil, c)
	thr := d.Float64s("thresholds", nil, c)
	data := d.Float64s("rows", nil, c*cols)
	if d.Err() == nil {
		for j := range c {
			row := data[j*cols : j*cols+cols]
			if total == 0 {
				if idx[j] != -1 || w[j] != 0 || thr[j] != 0 || slices.ContainsFunc(row, func(v float64) bool { return v != 0 }) {
					d.Fail("slot %d holds a row while ‖A‖²_F = 0", j)
					break
				}
				continue
			}
			switch {
			case idx[j] < 0:
				d.Fail("slot %d is empty while ‖A‖²_F = %g > 0", j, total)
			case !(w[j] > 0 && w[j] <= total):
				d.Fail("slot %d: squared norm %g, want 0 < w ≤ ‖A‖²_F = %g", j, w[j], total)
			case sqNormExact(row) != w[j]:
				d.Fail("slot %d: row has squared norm %g, recorded %g", j, sqNormExact(row), w[j])
			case !(thr[j] >= total):
				d.Fail("slot %d: threshold %g below ‖A‖²_F = %g", j, thr[j], total)
			}
			if d.Err() != nil {
				break
			}
		}
	}
	if err := d.Finish(); err != nil {
		return err
	}
	n := NormSampler{
		cols: cols, c: c, offset: int64(off), next: int64(next), rows: int64(rows), total: total,
		idx: idx, w: w, thr: thr, data: data, heap: make([]int32, c),
	}
	n.setSeed(seed)
	n.heapify()
	*s = n
	return nil
}

// normSamplerFixedLen is the number of bytes before the slot indices.
const normSamplerFixedLen = binfmt.HeaderLen + 7*8
