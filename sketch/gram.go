package sketch

import (
	"fmt"
	"math"

	"github.com/linstream/linstream/internal/binfmt"
	"github.com/linstream/linstream/internal/kernel"
	"github.com/linstream/linstream/stream"
)

// maxGramCols caps d for Gram (d² values: 2 GiB at 16384).
const maxGramCols = 1 << 14

// gramBlockBytes sizes the row buffer of Gram: rows are gathered into a
// block of about this many bytes before one GramUpdate, so each row costs a
// copy and the update runs on blocks the kernel handles at full speed.
const gramBlockBytes = 256 << 10

// Gram accumulates the exact d×d matrix AᵀA of a row stream:
//
//	AᵀA = Σ_i a_i·a_iᵀ
//
// Rows are buffered into blocks of b rows (b ≈ 256 KiB / 8d, between 8 and
// 256) and each full block is added with kernel.GramUpdate, on the upper
// triangle only. The result is exact up to the rounding of the sums (each
// entry a sum of n products, in an order fixed by the row sequence alone,
// not by how it was split into WriteRows calls, so a checkpoint resumed
// with other block sizes gives the same bits). Gram is
// a stream.Writer; memory is O(d²) whatever the number of rows. It is not
// safe for concurrent use.
type Gram struct {
	d     int
	block int // rows per buffered block

	seen int64
	c    []float64 // d×d, upper triangle holds the flushed sum
	buf  []float64 // block×d pending rows
	nbuf int
}

var _ stream.Writer = (*Gram)(nil)

// NewGram returns an empty accumulator for rows of cols columns. It takes
// no options (any option gives an error wrapping ErrInvalidOption), nor
// cols > 16384 (2 GiB). It panics if cols < 1. The d×d matrix and the row
// buffer are allocated here.
func NewGram(cols int, opts ...Option) (*Gram, error) {
	if cols < 1 {
		panic(fmt.Sprintf("sketch: NewGram with %d columns", cols))
	}
	if _, err := buildConfig("NewGram", opts); err != nil {
		return nil, err
	}
	if cols > maxGramCols {
		return nil, fmt.Errorf("sketch: NewGram: %d columns, want at most %d: %w", cols, maxGramCols, ErrInvalidOption)
	}
	g := &Gram{d: cols, block: gramBlock(cols)}
	g.c = make([]float64, cols*cols)
	g.buf = make([]float64, g.block*cols)
	return g, nil
}

func gramBlock(d int) int { return min(max(gramBlockBytes/(8*d), 8), 256) }

// Cols returns d.
func (g *Gram) Cols() int { return g.d }

// Seen returns the number of rows written (or merged).
func (g *Gram) Seen() int64 { return g.seen }

// WriteRows adds a_i·a_iᵀ for every row of src. It returns an error
// wrapping stream.ErrNonFinite, and the number of rows absorbed before it,
// if a row holds a NaN or ±Inf or its squared norm overflows; that row is
// not counted. It panics if len(src) is not a multiple of Cols. It does not
// allocate.
func (g *Gram) WriteRows(src []float64) (int, error) {
	d := g.d
	if len(src)%d != 0 {
		panic(fmt.Sprintf("sketch: Gram.WriteRows: buffer length %d is not a multiple of %d columns", len(src), d))
	}
	n := len(src) / d
	for i := range n {
		row := src[i*d : (i+1)*d]
		if s := kernel.Dot(row, row); math.IsNaN(s) || math.IsInf(s, 0) {
			return i, nonFiniteRow("Gram", g.seen, s)
		}
		copy(g.buf[g.nbuf*d:], row)
		g.nbuf++
		g.seen++
		if g.nbuf == g.block {
			kernel.GramUpdate(g.nbuf, d, 1, g.buf, d, g.c, d)
			g.nbuf = 0
		}
	}
	return n, nil
}

// Matrix writes AᵀA, symmetric and complete (both triangles), into dst
// (d×d row-major) and returns it. If dst is nil it is allocated; otherwise
// len(dst) must be d² or Matrix panics. Pending buffered rows are included;
// the state does not change.
func (g *Gram) Matrix(dst []float64) []float64 {
	d := g.d
	if dst == nil {
		dst = make([]float64, d*d)
	}
	if len(dst) != d*d {
		panic(fmt.Sprintf("sketch: Gram.Matrix: len(dst) = %d, want %d", len(dst), d*d))
	}
	for i := range d {
		copy(dst[i*d+i:(i+1)*d], g.c[i*d+i:(i+1)*d])
	}
	if g.nbuf > 0 {
		kernel.GramUpdate(g.nbuf, d, 1, g.buf, d, dst, d)
	}
	kernel.SymmetrizeUpper(d, dst, d)
	return dst
}

// Trace returns trace(AᵀA) = ‖A‖²_F.
func (g *Gram) Trace() float64 {
	t := 0.0
	for i := range g.d {
		t += g.c[i*g.d+i]
	}
	for r := range g.nbuf {
		row := g.buf[r*g.d : (r+1)*g.d]
		t += kernel.Dot(row, row)
	}
	return t
}

// Reset empties the accumulator, keeping its storage. It does not allocate.
func (g *Gram) Reset() {
	clear(g.c)
	g.nbuf, g.seen = 0, 0
}

// Clone returns a deep copy.
func (g *Gram) Clone() *Gram {
	c := &Gram{d: g.d, block: g.block, seen: g.seen, nbuf: g.nbuf}
	c.c = append([]float64(nil), g.c...)
	c.buf = make([]float64, g.block*g.d)
	copy(c.buf, g.buf[:g.nbuf*g.d])
	return c
}

// Merge adds other's AᵀA to g's, making g the Gram matrix of the stacked
// matrix [A_g; A_other]. other is not modified; g.Merge(g) doubles g (and
// allocates a copy). It returns an error wrapping ErrIncompatible, leaving g
// unchanged, if the columns differ or the row count overflows. It does not
// allocate otherwise.
func (g *Gram) Merge(other *Gram) error {
	if other == nil {
		return nil
	}
	if other.d != g.d {
		return fmt.Errorf("sketch: Gram.Merge: %d columns with %d: %w", g.d, other.d, ErrIncompatible)
	}
	if g.seen > math.MaxInt64-other.seen {
		return fmt.Errorf("sketch: Gram.Merge: row count overflows: %w", ErrIncompatible)
	}
	if other == g {
		other = g.Clone()
	}
	d := g.d
	if other.nbuf > 0 {
		kernel.GramUpdate(other.nbuf, d, 1, other.buf, d, g.c, d)
	}
	for i := range d {
		kernel.Axpy(1, other.c[i*d+i:(i+1)*d], g.c[i*d+i:(i+1)*d])
	}
	g.seen += other.seen
	return nil
}

// gramVersion is the current layout of Gram.MarshalBinary.
const gramVersion = 1

// MarshalBinary encodes the whole state. It is AppendBinary(nil).
func (g *Gram) MarshalBinary() ([]byte, error) { return g.AppendBinary(nil) }

// AppendBinary appends the encoding of the state to b and returns it; b is
// not retained. Layout (version 1; int64 and IEEE float bits, little-endian,
// after the 6-byte binfmt header of kind KindGram):
//
//	d, rows seen,
//	the upper triangle of the flushed sum, row by row (length-prefixed, d(d+1)/2 values),
//	the pending rows (length-prefixed, a multiple of d values, fewer than the block)
//
// The block size is not stored: it is a function of d.
func (g *Gram) AppendBinary(b []byte) ([]byte, error) {
	d := g.d
	b = binfmt.AppendHeader(b, binfmt.KindGram, gramVersion)
	b = binfmt.AppendInt(b, d)
	b = binfmt.AppendInt(b, int(g.seen))
	b = binfmt.AppendUint64(b, uint64(d*(d+1)/2))
	for i := range d {
		for _, v := range g.c[i*d+i : (i+1)*d] {
			b = binfmt.AppendFloat64(b, v)
		}
	}
	return binfmt.AppendFloat64s(b, g.buf[:g.nbuf*d]), nil
}

// UnmarshalBinary replaces g's state with the one encoded in b (the
// receiver may be a zero Gram). It checks the header, d ≤ 16384, every size
// against the bytes present, finite values and a non-negative diagonal
// before g changes, and returns an error wrapping ErrCorrupt if a check
// fails.
func (g *Gram) UnmarshalBinary(b []byte) error {
	dec, _ := binfmt.NewDecoder("sketch: Gram", b, binfmt.KindGram, gramVersion)
	d := dec.Int("cols", 1, maxGramCols)
	seen := int64(dec.Int("rows seen", 0, math.MaxInt64))
	upper := dec.Float64s("upper triangle", nil, d*(d+1)/2)
	block := 0
	if dec.Err() == nil {
		block = gramBlock(d)
	}
	pend := dec.Float64s("pending rows", nil, -1)
	if err := dec.Err(); err != nil {
		return err
	}
	if len(pend)%d != 0 || len(pend)/d >= block || int64(len(pend)/d) > seen {
		dec.Fail("%d pending values: want fewer than %d rows of %d, at most the %d rows seen", len(pend), block, d, seen)
	}
	k := 0
	for i := range d {
		for j := i; j < d; j++ {
			v := upper[k]
			if math.IsNaN(v) || math.IsInf(v, 0) || (i == j && v < 0) {
				dec.Fail("entry (%d, %d) = %g", i, j, v)
			}
			k++
		}
	}
	for i, v := range pend {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			dec.Fail("pending value %d is not finite", i)
			break
		}
	}
	if err := dec.Finish(); err != nil {
		return err
	}
	*g = Gram{d: d, block: block, seen: seen, nbuf: len(pend) / d}
	g.c = make([]float64, d*d)
	k = 0
	for i := range d {
		n := d - i
		copy(g.c[i*d+i:(i+1)*d], upper[k:k+n])
		k += n
	}
	g.buf = make([]float64, block*d)
	copy(g.buf, pend)
	return nil
}
