package sketch

import (
	"fmt"

	"github.com/linstream/linstream/internal/binfmt"
	"github.com/linstream/linstream/stream"
)

// CountSketch is the sparse embedding of Clarkson and Woodruff: the product
// SA of an m×n random matrix S with the n×d stream A, where column i of S
// has a single non-zero, S[h(i), i] = σ(i) ∈ {±1}. Row a_i is added with
// sign σ(i) into bucket h(i): one pass over d values per row, O(nnz(A)) in
// all.
//
// h(i) and σ(i) depend only on the seed and on i, the row's stream index
// (h from the high word of a SplitMix64 hash of (seed, i) times m, σ from
// its lowest bit; see Column). S is never stored. A shard built
// WithRowOffset(n) at its global position draws the same columns as the
// whole-stream sketch, so sketches of shards merge by addition.
//
// Guarantee. For a fixed n×d matrix U with orthonormal columns, with the
// hashes modelled as independent uniform draws,
//
//	E‖UᵀSᵀSU − I‖²_F = (1/m)·Σ_{i≠j} (‖u_i‖²‖u_j‖² + ⟨u_i,u_j⟩²) ≤ (d² + d)/m,
//
// so by Markov's inequality
//
//	m ≥ (d² + d)/(ε²·δ)  ⇒  P(|σ_k(SU)² − 1| ≤ ε for all k) ≥ 1 − δ:
//
// S is then an ε-subspace embedding of the column space of A. The tests
// check it at d = 4, ε = 1/2, δ = 1/10, m = 800. One non-zero per column
// needs m = Ω(d²) (Nelson–Nguyễn); for smaller m use OSNAP. E[SᵀS] = I
// exactly.
//
// Adding ±a_i rounds the same way on every platform, so the sketch has the
// same bits for the same seed and rows however they are split into blocks.
// CountSketch is a stream.Writer; it is not safe for concurrent use.
type CountSketch struct{ c sparseCore }

var _ stream.Writer = (*CountSketch)(nil)

// NewCountSketch returns a CountSketch with m buckets (rows of SA) for rows
// of cols columns. It accepts the options WithSeed and WithRowOffset. It
// panics if cols < 1. It returns an error wrapping ErrInvalidOption unless
// 1 ≤ m and m·cols ≤ 2²⁸. The m×cols accumulator is the only allocation of
// any size.
func NewCountSketch(cols, m int, opts ...Option) (*CountSketch, error) {
	c, err := newSparseCore("CountSketch", binfmt.KindCountSketch, domainCountSketch, cols, m, 1, opts)
	if err != nil {
		return nil, err
	}
	return &CountSketch{c: c}, nil
}

// Cols returns d, the number of columns of every row.
func (cs *CountSketch) Cols() int { return cs.c.cols }

// Buckets returns m, the number of rows of SA.
func (cs *CountSketch) Buckets() int { return cs.c.m }

// Seed returns the seed S is drawn from.
func (cs *CountSketch) Seed() uint64 { return cs.c.seed }

// Rows returns the number of rows summed into the sketch, including those
// of merged sketches.
func (cs *CountSketch) Rows() int64 { return cs.c.rows }

// NextRow returns the stream index the next row written will have: the row
// offset plus the rows written (after Merge, the larger of the two).
func (cs *CountSketch) NextRow() int64 { return cs.c.next }

// WriteRows adds the rows of src (row-major, whole rows) to the sketch. It
// does not retain src or allocate. A row holding NaN or ±Inf stops the
// write with an error wrapping stream.ErrNonFinite; the rows before it are
// kept. It panics if len(src) is not a multiple of Cols.
func (cs *CountSketch) WriteRows(src []float64) (int, error) { return cs.c.write("CountSketch", src) }

// Sketch writes SA, m×d row-major, into dst and returns it. If dst is nil
// a new slice is allocated; otherwise len(dst) must be m·d or Sketch
// panics. The state is not changed.
func (cs *CountSketch) Sketch(dst []float64) []float64 { return cs.c.sketch("CountSketch", dst) }

// Column returns column i of S: the bucket h(i) ∈ [0, m) and the sign
// σ(i) ∈ {−1, +1} for stream index i ≥ 0. It panics if i < 0.
func (cs *CountSketch) Column(i int64) (bucket int, sign float64) {
	if i < 0 {
		panic(fmt.Sprintf("sketch: CountSketch.Column(%d): negative index", i))
	}
	h := hashAt(cs.c.key, uint64(i))
	return hashBucket(h, cs.c.m), signOf(h)
}

// Merge adds other's sketch into cs, which becomes the sketch of both
// streams: with shards built WithRowOffset at their global positions, the
// sketch of the stacked matrix (sums may round differently). A nil other is
// a no-op. Different cols, m or seed give an error wrapping ErrIncompatible
// and leave cs unchanged. NextRow becomes the larger of the two. Merging
// two sketches that saw the same stream indices gives S(A+B), the sketch of
// the sum.
func (cs *CountSketch) Merge(other *CountSketch) error {
	if other == nil {
		return nil
	}
	return cs.c.merge("CountSketch", &other.c)
}

// Reset empties the sketch, keeping its parameters; the next row has the
// index given by WithRowOffset. It does not allocate.
func (cs *CountSketch) Reset() { cs.c.reset() }

// Clone returns a deep copy of cs.
func (cs *CountSketch) Clone() *CountSketch { return &CountSketch{c: cs.c.clone()} }

// MarshalBinary encodes the whole state; see AppendBinary.
func (cs *CountSketch) MarshalBinary() ([]byte, error) { return cs.AppendBinary(nil) }

// AppendBinary appends the encoding of the state to b and returns it. The
// layout (internal/binfmt, kind KindCountSketch, version 1) after the header
// is little-endian 8-byte fields: cols, m, s (always 1), seed, row offset,
// next row, rows, then the m·cols accumulator values (a count, then the
// values).
func (cs *CountSketch) AppendBinary(b []byte) ([]byte, error) { return cs.c.appendBinary(b), nil }

// UnmarshalBinary replaces the state of cs by the one encoded in b (any
// parameters). Every field is checked and sizes are capped before anything
// is allocated; on error, which wraps ErrCorrupt, cs is unchanged.
func (cs *CountSketch) UnmarshalBinary(b []byte) error {
	return cs.c.unmarshal("CountSketch", binfmt.KindCountSketch, domainCountSketch, b)
}
