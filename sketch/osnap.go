package sketch

import (
	"fmt"
	"math"
	"slices"

	"github.com/linstream/linstream/internal/binfmt"
	"github.com/linstream/linstream/internal/kernel"
	"github.com/linstream/linstream/stream"
)

// OSNAP is the sparse oblivious subspace embedding of Nelson and Nguyễn:
// the product SA of an m×n random matrix S with the n×d stream A, where
// every column of S has exactly s non-zeros, ±1/√s, in s distinct rows
// chosen uniformly at random. Column i of S depends only on the seed and on
// i, the row's stream index (see WithRowOffset), so S is never stored, and
// sketches of shards of one stream add up: Merge is exact. Each row costs s
// additions of d values; nothing else.
//
// Guarantee. For a fixed n×d matrix U with orthonormal columns, with the
// hashes modelled as independent uniform draws,
//
//	E‖UᵀSᵀSU − I‖²_F = (1/m)·Σ_{i≠j} (‖u_i‖²‖u_j‖² + ⟨u_i,u_j⟩²) ≤ (d² + d)/m
//
// (u_i the rows of U; the same second moment as CountSketch, for every s), so
// by Markov's inequality
//
//	m ≥ (d² + d)/(ε²·δ)  ⇒  P(|σ_k(SU)² − 1| ≤ ε for all k) ≥ 1 − δ,
//
// which is what the tests check (d = 4, ε = 1/2, δ = 1/10, m = 800, s = 4).
// Larger s concentrates much faster: Cohen (2016) shows
// m = O(d·log(d/δ)/ε²) with s = O(log(d/δ)/ε) suffices, with constants this
// package does not state. E[SᵀS] = I exactly.
//
// The accumulator holds Σ ±a_i per bucket without the 1/√s factor, which is
// applied when the sketch is read: every update rounds the same way on every
// platform, and writing rows one at a time or in blocks of any size gives
// the same bits. OSNAP is a stream.Writer; it is not safe for concurrent
// use.
type OSNAP struct{ c sparseCore }

var _ stream.Writer = (*OSNAP)(nil)

// NewOSNAP returns an OSNAP sketch with m rows and s non-zeros per column
// for rows of cols columns. It accepts the options WithSeed and
// WithRowOffset. It panics if cols < 1. It returns an error wrapping
// ErrInvalidOption unless 1 ≤ s ≤ m and m·cols ≤ 2²⁸. The m×cols
// accumulator is the only allocation of any size.
func NewOSNAP(cols, m, s int, opts ...Option) (*OSNAP, error) {
	c, err := newSparseCore("OSNAP", binfmt.KindOSNAP, domainOSNAP, cols, m, s, opts)
	if err != nil {
		return nil, err
	}
	return &OSNAP{c: c}, nil
}

// Cols returns d, the number of columns of every row.
func (o *OSNAP) Cols() int { return o.c.cols }

// Size returns m, the number of rows of SA, and s, the non-zeros per
// column of S.
func (o *OSNAP) Size() (m, s int) { return o.c.m, o.c.s }

// Seed returns the seed S is drawn from.
func (o *OSNAP) Seed() uint64 { return o.c.seed }

// Rows returns the number of rows summed into the sketch, including those
// of merged sketches.
func (o *OSNAP) Rows() int64 { return o.c.rows }

// NextRow returns the stream index the next row written will have: the row
// offset plus the rows written (after Merge, the larger of the two).
func (o *OSNAP) NextRow() int64 { return o.c.next }

// WriteRows adds the rows of src (row-major, whole rows) to the sketch:
// row a_i goes, with sign σ_k, into each of its s buckets. It does not
// retain src or allocate. A row holding NaN or ±Inf stops the write with an
// error wrapping stream.ErrNonFinite; the rows before it are kept. It panics
// if len(src) is not a multiple of Cols.
func (o *OSNAP) WriteRows(src []float64) (int, error) { return o.c.write("OSNAP", src) }

// Sketch writes SA, m×d row-major, into dst and returns it. If dst is nil
// a new slice is allocated; otherwise len(dst) must be m·d or Sketch
// panics. The state is not changed.
func (o *OSNAP) Sketch(dst []float64) []float64 { return o.c.sketch("OSNAP", dst) }

// Column writes column i of S — its s rows in buckets and the entries
// ±1/√s in values, in the order drawn — for stream index i ≥ 0. It panics
// if i < 0 or either slice is shorter than s. It allocates only if s > 64.
func (o *OSNAP) Column(i int64, buckets []int, values []float64) {
	c := &o.c
	if i < 0 || len(buckets) < c.s || len(values) < c.s {
		panic(fmt.Sprintf("sketch: OSNAP.Column(%d) with %d buckets and %d values, want index ≥ 0 and %d each", i, len(buckets), len(values), c.s))
	}
	var negs [64]bool
	var neg []bool
	if c.s <= len(negs) {
		neg = negs[:c.s]
	} else {
		neg = make([]bool, c.s)
	}
	c.column(i, buckets[:c.s], neg)
	v := 1 / math.Sqrt(float64(c.s))
	for k := range c.s {
		values[k] = v
		if neg[k] {
			values[k] = -v
		}
	}
}

// Merge adds other's sketch into o, which becomes the sketch of both
// streams: with shards built WithRowOffset at their global positions, the
// sketch of the stacked matrix (sums may round differently). A nil other is
// a no-op. Different cols, m, s or seed give an error wrapping
// ErrIncompatible and leave o unchanged. NextRow becomes the larger of the
// two. Merging two sketches that saw the same stream indices gives S(A+B),
// the sketch of the sum.
func (o *OSNAP) Merge(other *OSNAP) error {
	if other == nil {
		return nil
	}
	return o.c.merge("OSNAP", &other.c)
}

// Reset empties the sketch, keeping its parameters; the next row has the
// index given by WithRowOffset. It does not allocate.
func (o *OSNAP) Reset() { o.c.reset() }

// Clone returns a deep copy of o.
func (o *OSNAP) Clone() *OSNAP { return &OSNAP{c: o.c.clone()} }

// MarshalBinary encodes the whole state; see AppendBinary.
func (o *OSNAP) MarshalBinary() ([]byte, error) { return o.AppendBinary(nil) }

// AppendBinary appends the encoding of the state to b and returns it. The
// layout (internal/binfmt, kind KindOSNAP, version 1) after the header is
// little-endian 8-byte fields: cols, m, s, seed, row offset, next row,
// rows, then m·cols accumulator values (a count, then the values).
func (o *OSNAP) AppendBinary(b []byte) ([]byte, error) { return o.c.appendBinary(b), nil }

// UnmarshalBinary replaces the state of o by the one encoded in b (any
// parameters). Every field is checked and sizes are capped before anything
// is allocated; on error, which wraps ErrCorrupt, o is unchanged.
func (o *OSNAP) UnmarshalBinary(b []byte) error {
	return o.c.unmarshal("OSNAP", binfmt.KindOSNAP, domainOSNAP, b)
}

// sparseCore is the state shared by CountSketch (s = 1) and OSNAP.
type sparseCore struct {
	kind   byte
	cols   int
	m, s   int
	seed   uint64
	key    uint64
	offset int64     // first stream index after Reset
	next   int64     // stream index of the next row
	rows   int64     // rows summed in, merged ones included
	acc    []float64 // m×cols: Σ ±a_i per bucket, without 1/√s

	bkt []int  // scratch: buckets of the current row
	neg []bool // scratch: signs of the current row
}

func newSparseCore(name string, kind byte, domain uint64, cols, m, s int, opts []Option) (sparseCore, error) {
	if cols < 1 {
		panic(fmt.Sprintf("sketch: New%s with %d columns", name, cols))
	}
	cfg, err := buildConfig("New"+name, opts, "WithSeed", "WithRowOffset")
	if err != nil {
		return sparseCore{}, err
	}
	if m < 1 || m > maxOblivious/cols {
		return sparseCore{}, fmt.Errorf("sketch: New%s: m = %d with %d columns, want 1 ≤ m ≤ 2²⁸/cols: %w", name, m, cols, ErrInvalidOption)
	}
	if s < 1 || s > m {
		return sparseCore{}, fmt.Errorf("sketch: New%s: s = %d, want 1 ≤ s ≤ m = %d: %w", name, s, m, ErrInvalidOption)
	}
	off := rowOffsetOf(&cfg)
	return sparseCore{
		kind: kind, cols: cols, m: m, s: s,
		seed: cfg.seed, key: hashKey(cfg.seed, domain),
		offset: off, next: off,
		acc: make([]float64, m*cols),
		bkt: make([]int, s), neg: make([]bool, s),
	}, nil
}

// column draws the s distinct buckets and signs of column i of S: the
// first from the row's word h, further ones from the SplitMix64 sequence
// continued from h, rejecting buckets already drawn.
func (c *sparseCore) column(i int64, bkt []int, neg []bool) {
	h := hashAt(c.key, uint64(i))
	bkt[0] = hashBucket(h, c.m)
	neg[0] = h&1 != 0
	t := h
	for k := 1; k < c.s; {
		t += hashGamma
		r := hashMix(t)
		b := hashBucket(r, c.m)
		if slices.Contains(bkt[:k], b) {
			continue
		}
		bkt[k], neg[k] = b, r&1 != 0
		k++
	}
}

// signOf returns −1 if the lowest bit of h is set, +1 otherwise.
func signOf(h uint64) float64 { return float64(1 - 2*int(h&1)) }

// write adds the rows of src. y += ±x is kernel.Axpy with alpha = ±1: the
// product ±x is exact, so the generic body (x·alpha then add), a fused
// multiply-add and a plain addition all round y ± x once, identically.
func (c *sparseCore) write(name string, src []float64) (int, error) {
	d := c.cols
	checkWriteRows(name, src, d)
	n, err := finitePrefix(name, src, d, c.next)
	acc := c.acc
	if c.s == 1 {
		for r := range n {
			h := hashAt(c.key, uint64(c.next))
			b := hashBucket(h, c.m) * d
			kernel.Axpy(signOf(h), src[r*d:r*d+d], acc[b:b+d])
			c.next++
		}
	} else {
		for r := range n {
			row := src[r*d : r*d+d]
			c.column(c.next, c.bkt, c.neg)
			for k, b := range c.bkt {
				sign := 1.0
				if c.neg[k] {
					sign = -1
				}
				kernel.Axpy(sign, row, acc[b*d:b*d+d])
			}
			c.next++
		}
	}
	c.rows = addRows(c.rows, int64(n))
	return n, err
}

func (c *sparseCore) sketch(name string, dst []float64) []float64 {
	if dst == nil {
		dst = make([]float64, len(c.acc))
	} else if len(dst) != len(c.acc) {
		panic(fmt.Sprintf("sketch: %s.Sketch: len(dst) = %d, want m·d = %d", name, len(dst), len(c.acc)))
	}
	if c.s == 1 {
		copy(dst, c.acc)
		return dst
	}
	v := 1 / math.Sqrt(float64(c.s))
	for i, a := range c.acc {
		dst[i] = a * v
	}
	return dst
}

func (c *sparseCore) merge(name string, o *sparseCore) error {
	if o.cols != c.cols || o.m != c.m || o.s != c.s || o.seed != c.seed {
		return fmt.Errorf("sketch: %s.Merge: sketch of %d columns, m = %d, s = %d, seed %d into one of %d columns, m = %d, s = %d, seed %d: %w",
			name, o.cols, o.m, o.s, o.seed, c.cols, c.m, c.s, c.seed, ErrIncompatible)
	}
	acc := c.acc[:len(o.acc)]
	for i, v := range o.acc {
		acc[i] += v
	}
	c.rows = addRows(c.rows, o.rows)
	c.next = max(c.next, o.next)
	return nil
}

func (c *sparseCore) reset() {
	clear(c.acc)
	c.rows = 0
	c.next = c.offset
}

func (c *sparseCore) clone() sparseCore {
	n := *c
	n.acc = slices.Clone(c.acc)
	n.bkt = make([]int, c.s)
	n.neg = make([]bool, c.s)
	return n
}

const sparseVersion = 1

func (c *sparseCore) appendBinary(b []byte) []byte {
	b = binfmt.AppendHeader(b, c.kind, sparseVersion)
	b = binfmt.AppendInt(b, c.cols)
	b = binfmt.AppendInt(b, c.m)
	b = binfmt.AppendInt(b, c.s)
	b = binfmt.AppendUint64(b, c.seed)
	b = binfmt.AppendInt(b, int(c.offset))
	b = binfmt.AppendInt(b, int(c.next))
	b = binfmt.AppendInt(b, int(c.rows))
	return binfmt.AppendFloat64s(b, c.acc)
}

func (c *sparseCore) unmarshal(name string, kind byte, domain uint64, b []byte) error {
	d, _ := binfmt.NewDecoder("sketch: "+name, b, kind, sparseVersion)
	cols := d.Int("cols", 1, maxOblivious)
	m := d.Int("m", 1, maxOblivious)
	if d.Err() == nil && m > maxOblivious/cols {
		d.Fail("m·cols = %d·%d exceeds 2²⁸", m, cols)
	}
	maxS := m
	if kind == binfmt.KindCountSketch {
		maxS = 1
	}
	s := d.Int("s", 1, max(maxS, 1))
	seed := d.Uint64()
	off := d.Int("row offset", 0, maxRowIndex)
	next := d.Int("next row", 0, maxRowIndex)
	rows := d.Int("rows", 0, maxRowIndex)
	if d.Err() != nil {
		return d.Err()
	}
	acc := d.Float64s("accumulator", nil, m*cols)
	if err := d.Finish(); err != nil {
		return err
	}
	*c = sparseCore{
		kind: kind, cols: cols, m: m, s: s,
		seed: seed, key: hashKey(seed, domain),
		offset: int64(off), next: int64(next), rows: int64(rows),
		acc: acc, bkt: make([]int, s), neg: make([]bool, s),
	}
	return nil
}
