package sketch

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/linstream/linstream/internal/binfmt"
	"github.com/linstream/linstream/internal/kernel"
	"github.com/linstream/linstream/stream"
)

// gaussBlock is the number of rows Gaussian applies at once with one
// GemmTN. Blocks are counted from the sketch's first row, whatever the
// sizes of the writes, so the sums round the same way however the stream is
// split; the value is recorded in the encoding.
const gaussBlock = 64

// maxGaussianM caps m for Gaussian (its pending block holds 64·m values).
const maxGaussianM = 1 << 22

// Gaussian is the dense oblivious sketch SA of the n×d stream A with an
// m×n matrix S of independent N(0, 1/m) entries. Column i of S (the m
// coefficients of row i) is generated when row i arrives, from a
// math/rand/v2 PCG seeded by a hash of (seed, i) — ziggurat normals,
// never stored — so shards of one stream built WithRowOffset at their
// global positions merge by addition. Rows are applied 64 at a time as one
// matrix product (kernel.GemmTN): SA += G_blockᵀ·A_block; a partial block
// waits in a buffer and is included when the sketch is read.
//
// Guarantee. √m·SU is an m×d matrix of independent N(0,1) entries for any
// n×d U with orthonormal columns, so (Davidson–Szarek; Vershynin, Cor.
// 5.35) with probability at least 1 − 2·exp(−t²/2) every singular value of
// SU lies in [1 − η, 1 + η] with η = (√d + t)/√m. Taking t = √(2·ln(2/δ)),
//
//	m ≥ ((√d + √(2·ln(2/δ))) / (√(1+ε) − 1))²  ⇒  P(|σ_k(SU)² − 1| ≤ ε for all k) ≥ 1 − δ
//
// (since (1+η)² − 1 ≤ ε and 1 − (1−η)² ≤ ε). The tests check it at d = 4,
// ε = 1/2, δ = 1/10: m = 392. E[SᵀS] = I exactly.
//
// Reproducibility: S has the same bits for a seed on every platform. SA is
// the same bits however the rows are split into writes; it agrees with the
// pure-Go (purego) build to GemmTN's rounding bound, not bit for bit, since
// the assembly kernel sums with fused multiply-adds. Gaussian is a
// stream.Writer; it is not safe for concurrent use.
type Gaussian struct {
	cols, m            int
	seed               uint64
	keyA, keyB         uint64
	offset, next, rows int64

	acc   []float64 // m×cols: Σ g_i a_iᵀ over applied rows, N(0,1) scale
	pend  []float64 // gaussBlock×cols: rows waiting for a full block
	pendG []float64 // gaussBlock×m: their columns of S, N(0,1) scale
	k     int       // rows pending

	pcg *rand.PCG
	rng *rand.Rand
}

var _ stream.Writer = (*Gaussian)(nil)

// NewGaussian returns a Gaussian sketch with m rows for rows of cols
// columns. It accepts the options WithSeed and WithRowOffset. It panics if
// cols < 1. It returns an error wrapping ErrInvalidOption unless
// 1 ≤ m ≤ 2²², m·cols ≤ 2²⁸. It allocates the m×cols accumulator and a
// 64-row buffer (64·(cols+m) values).
func NewGaussian(cols, m int, opts ...Option) (*Gaussian, error) {
	if cols < 1 {
		panic(fmt.Sprintf("sketch: NewGaussian with %d columns", cols))
	}
	cfg, err := buildConfig("NewGaussian", opts, "WithSeed", "WithRowOffset")
	if err != nil {
		return nil, err
	}
	if m < 1 || m > maxGaussianM || m > maxOblivious/cols {
		return nil, fmt.Errorf("sketch: NewGaussian: m = %d with %d columns, want 1 ≤ m ≤ 2²² and m·cols ≤ 2²⁸: %w", m, cols, ErrInvalidOption)
	}
	off := rowOffsetOf(&cfg)
	g := &Gaussian{cols: cols, m: m, offset: off, next: off}
	g.setSeed(cfg.seed)
	g.alloc()
	return g, nil
}

func (g *Gaussian) setSeed(seed uint64) {
	g.seed = seed
	g.keyA = hashKey(seed, domainGaussianA)
	g.keyB = hashKey(seed, domainGaussianB)
}

// alloc allocates the buffers (and the accumulator, unless set).
func (g *Gaussian) alloc() {
	if g.acc == nil {
		g.acc = make([]float64, g.m*g.cols)
	}
	g.pend = make([]float64, gaussBlock*g.cols)
	g.pendG = make([]float64, gaussBlock*g.m)
	g.pcg = rand.NewPCG(0, 0)
	g.rng = rand.New(g.pcg)
}

// Cols returns d, the number of columns of every row.
func (g *Gaussian) Cols() int { return g.cols }

// Size returns m, the number of rows of SA.
func (g *Gaussian) Size() int { return g.m }

// Seed returns the seed S is drawn from.
func (g *Gaussian) Seed() uint64 { return g.seed }

// Rows returns the number of rows in the sketch, including those of merged
// sketches.
func (g *Gaussian) Rows() int64 { return g.rows }

// NextRow returns the stream index the next row written will have: the row
// offset plus the rows written (after Merge, the larger of the two).
func (g *Gaussian) NextRow() int64 { return g.next }

// normals fills dst with the N(0,1) draws of column i of S (unscaled).
func gaussNormals(pcg *rand.PCG, rng *rand.Rand, keyA, keyB uint64, i int64, dst []float64) {
	pcg.Seed(hashAt(keyA, uint64(i)), hashAt(keyB, uint64(i)))
	for j := range dst {
		dst[j] = rng.NormFloat64()
	}
}

// WriteRows adds the rows of src (row-major, whole rows) to the sketch. It
// does not retain src or allocate. A row holding NaN or ±Inf stops the
// write with an error wrapping stream.ErrNonFinite; the rows before it are
// kept. It panics if len(src) is not a multiple of Cols.
func (g *Gaussian) WriteRows(src []float64) (int, error) {
	d, m := g.cols, g.m
	checkWriteRows("Gaussian", src, d)
	n, err := finitePrefix("Gaussian", src, d, g.next)
	rows := src[:n*d]
	for len(rows) > 0 {
		if g.k == 0 && len(rows) >= gaussBlock*d {
			// A whole block straight from src.
			for r := range gaussBlock {
				gaussNormals(g.pcg, g.rng, g.keyA, g.keyB, g.next+int64(r), g.pendG[r*m:r*m+m])
			}
			kernel.GemmTN(m, d, gaussBlock, 1, g.pendG, m, rows, d, 1, g.acc, d)
			g.next += gaussBlock
			rows = rows[gaussBlock*d:]
			continue
		}
		copy(g.pend[g.k*d:g.k*d+d], rows[:d])
		gaussNormals(g.pcg, g.rng, g.keyA, g.keyB, g.next, g.pendG[g.k*m:g.k*m+m])
		g.k++
		g.next++
		rows = rows[d:]
		if g.k == gaussBlock {
			kernel.GemmTN(m, d, gaussBlock, 1, g.pendG, m, g.pend, d, 1, g.acc, d)
			g.k = 0
		}
	}
	g.rows = addRows(g.rows, int64(n))
	return n, err
}

// Sketch writes SA, m×d row-major, into dst and returns it. If dst is nil
// a new slice is allocated; otherwise len(dst) must be m·d or Sketch
// panics. The state is not changed.
func (g *Gaussian) Sketch(dst []float64) []float64 {
	if dst == nil {
		dst = make([]float64, len(g.acc))
	} else if len(dst) != len(g.acc) {
		panic(fmt.Sprintf("sketch: Gaussian.Sketch: len(dst) = %d, want m·d = %d", len(dst), len(g.acc)))
	}
	copy(dst, g.acc)
	if g.k > 0 {
		kernel.GemmTN(g.m, g.cols, g.k, 1, g.pendG, g.m, g.pend, g.cols, 1, dst, g.cols)
	}
	kernel.Scal(1/math.Sqrt(float64(g.m)), dst)
	return dst
}

// Column writes column i of S (m entries, N(0, 1/m)) into dst and returns
// it, for stream index i ≥ 0. If dst is nil a new slice is allocated;
// otherwise len(dst) must be m or Column panics. It allocates a generator
// on each call: it is meant for checking and for building S explicitly,
// not for inner loops.
func (g *Gaussian) Column(i int64, dst []float64) []float64 {
	if i < 0 {
		panic(fmt.Sprintf("sketch: Gaussian.Column(%d): negative index", i))
	}
	if dst == nil {
		dst = make([]float64, g.m)
	} else if len(dst) != g.m {
		panic(fmt.Sprintf("sketch: Gaussian.Column: len(dst) = %d, want m = %d", len(dst), g.m))
	}
	pcg := rand.NewPCG(0, 0)
	gaussNormals(pcg, rand.New(pcg), g.keyA, g.keyB, i, dst)
	kernel.Scal(1/math.Sqrt(float64(g.m)), dst)
	return dst
}

// flush applies the pending rows to the accumulator.
func (g *Gaussian) flush() {
	if g.k > 0 {
		kernel.GemmTN(g.m, g.cols, g.k, 1, g.pendG, g.m, g.pend, g.cols, 1, g.acc, g.cols)
		g.k = 0
	}
}

// Merge adds other's sketch into g, which becomes the sketch of both
// streams: with shards built WithRowOffset at their global positions, the
// sketch of the stacked matrix (sums may round differently). Pending rows
// of both are applied first; other is not changed. A nil other is a no-op.
// Different cols, m or seed give an error wrapping ErrIncompatible and
// leave g unchanged. NextRow becomes the larger of the two.
func (g *Gaussian) Merge(other *Gaussian) error {
	if other == nil {
		return nil
	}
	if other.cols != g.cols || other.m != g.m || other.seed != g.seed {
		return fmt.Errorf("sketch: Gaussian.Merge: sketch of %d columns, m = %d, seed %d into one of %d columns, m = %d, seed %d: %w",
			other.cols, other.m, other.seed, g.cols, g.m, g.seed, ErrIncompatible)
	}
	if other == g {
		g.flush()
		kernel.Scal(2, g.acc)
		g.rows = addRows(g.rows, g.rows)
		return nil
	}
	g.flush()
	acc := g.acc[:len(other.acc)]
	for i, v := range other.acc {
		acc[i] += v
	}
	if other.k > 0 {
		kernel.GemmTN(g.m, g.cols, other.k, 1, other.pendG, g.m, other.pend, g.cols, 1, g.acc, g.cols)
	}
	g.rows = addRows(g.rows, other.rows)
	g.next = max(g.next, other.next)
	return nil
}

// Reset empties the sketch, keeping its parameters; the next row has the
// index given by WithRowOffset. It does not allocate.
func (g *Gaussian) Reset() {
	clear(g.acc)
	g.k = 0
	g.rows = 0
	g.next = g.offset
}

// Clone returns a deep copy of g.
func (g *Gaussian) Clone() *Gaussian {
	n := *g
	n.acc = slices.Clone(g.acc)
	n.pend = slices.Clone(g.pend)
	n.pendG = slices.Clone(g.pendG)
	n.pcg = rand.NewPCG(0, 0)
	n.rng = rand.New(n.pcg)
	return &n
}

const gaussianVersion = 1

// MarshalBinary encodes the whole state; see AppendBinary.
func (g *Gaussian) MarshalBinary() ([]byte, error) { return g.AppendBinary(nil) }

// AppendBinary appends the encoding of the state to b and returns it. The
// layout (internal/binfmt, kind KindGaussian, version 1) after the header
// is little-endian 8-byte fields: cols, m, seed, row offset, next row,
// rows, block size (64), then the m·cols accumulator values and the
// pending rows (k·cols values, k < 64), each as a count and the values.
// The pending rows' columns of S are regenerated on decoding.
func (g *Gaussian) AppendBinary(b []byte) ([]byte, error) {
	b = binfmt.AppendHeader(b, binfmt.KindGaussian, gaussianVersion)
	b = binfmt.AppendInt(b, g.cols)
	b = binfmt.AppendInt(b, g.m)
	b = binfmt.AppendUint64(b, g.seed)
	b = binfmt.AppendInt(b, int(g.offset))
	b = binfmt.AppendInt(b, int(g.next))
	b = binfmt.AppendInt(b, int(g.rows))
	b = binfmt.AppendInt(b, gaussBlock)
	b = binfmt.AppendFloat64s(b, g.acc)
	return binfmt.AppendFloat64s(b, g.pend[:g.k*g.cols]), nil
}

// UnmarshalBinary replaces the state of g by the one encoded in b (any
// parameters). Every field is checked and sizes are capped before anything
// is allocated; on error, which wraps ErrCorrupt, g is unchanged.
func (g *Gaussian) UnmarshalBinary(b []byte) error {
	d, _ := binfmt.NewDecoder("sketch: Gaussian", b, binfmt.KindGaussian, gaussianVersion)
	cols := d.Int("cols", 1, maxOblivious)
	m := d.Int("m", 1, maxGaussianM)
	if d.Err() == nil && m > maxOblivious/cols {
		d.Fail("m·cols = %d·%d exceeds 2²⁸", m, cols)
	}
	seed := d.Uint64()
	off := d.Int("row offset", 0, maxRowIndex)
	next := d.Int("next row", 0, maxRowIndex)
	rows := d.Int("rows", 0, maxRowIndex)
	d.Int("block size", gaussBlock, gaussBlock)
	if d.Err() != nil {
		return d.Err()
	}
	acc := d.Float64s("accumulator", nil, m*cols)
	pend := d.Float64s("pending rows", nil, -1)
	if d.Err() == nil {
		k := len(pend) / cols
		switch {
		case len(pend)%cols != 0 || k >= gaussBlock:
			d.Fail("%d pending values, want fewer than %d whole rows of %d", len(pend), gaussBlock, cols)
		case int64(k) > int64(next):
			d.Fail("%d pending rows before next row %d", k, next)
		case !isFiniteAll(pend):
			d.Fail("non-finite value in the pending rows")
		}
	}
	if err := d.Finish(); err != nil {
		return err
	}
	n := Gaussian{cols: cols, m: m, offset: int64(off), next: int64(next), rows: int64(rows), acc: acc}
	n.setSeed(seed)
	n.alloc()
	n.k = len(pend) / cols
	copy(n.pend, pend)
	for r := range n.k {
		gaussNormals(n.pcg, n.rng, n.keyA, n.keyB, n.next-int64(n.k-r), n.pendG[r*m:r*m+m])
	}
	*g = n
	return nil
}
