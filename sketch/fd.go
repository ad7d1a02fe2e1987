package sketch

import (
	"fmt"
	"math"

	"github.com/linstream/linstream/internal/binfmt"
	"github.com/linstream/linstream/internal/kernel"
	"github.com/linstream/linstream/stream"
)

// Limits on the size of a FrequentDirections, for the constructor and for
// untrusted encodings: ℓ ≤ maxFDEll (the 2ℓ×2ℓ Gram workspace stays under
// 128 MiB) and 2ℓ·d ≤ maxFDBuffer values (2 GiB).
const (
	maxFDEll    = 2048
	maxFDBuffer = 1 << 28
)

// fdColBlock is the column width of the in-place rotation B ← W·B: each
// block of columns of the new rows is computed into a small workspace and
// copied back, so no second 2ℓ×d buffer is needed.
const fdColBlock = 256

// FrequentDirections is the deterministic Frequent Directions sketch of
// Liberty (2013) and Ghashami, Liberty, Phillips and Woodruff (2016), in its
// fast 2ℓ-row form: rows are appended to a 2ℓ×d buffer B; when a row arrives
// and the buffer is full, B is shrunk:
//
//	B = U·Σ·Vᵀ,  δ = σ_ℓ²,  B ← diag(√max(σ_i² − δ, 0))·Vᵀ   (rows i < ℓ−1 kept)
//	Δ ← Δ + δ
//
// which leaves at most ℓ−1 non-zero, mutually orthogonal rows. Guarantees,
// for the matrix A of all rows written and B = Sketch():
//
//	0 ≼ AᵀA − BᵀB ≼ Δ·I                        (so ‖AᵀA − BᵀB‖₂ ≤ Δ)
//	ℓ·Δ ≤ ‖A‖²_F − ‖B‖²_F                      (each shrink removes ≥ ℓ·δ)
//	Δ ≤ ‖A − A_k‖²_F/(ℓ − k)   for every k < ℓ
//
// The identity behind the second line: a shrink removes exactly
// ℓ·δ + Σ_{i>ℓ} σ_i² of squared Frobenius norm. If rank(A) < ℓ, every δ is 0
// and BᵀB = AᵀA up to rounding.
//
// The shrink works on the small side: the 2ℓ×2ℓ Gram matrix G = B·Bᵀ (only
// the blocks of rows added since the last shrink are computed, since the
// rows kept by a shrink are orthogonal and their block of G is diagonal), an
// eigendecomposition of G by a solver specialised for this use (Householder
// tridiagonalisation, implicit QL eigenvalues, inverse iteration for the
// top ℓ−1 eigenvectors only; see fd_eigen.go), and B ← diag(c)·Uᵀ·B with
// the kernels, in place. Rows are processed in stream order, so the result
// is a deterministic function of the rows: a sketch restored by
// UnmarshalBinary and fed the rest of the stream equals, bit for bit, the
// sketch that saw the whole stream.
//
// All-zero rows are counted but not stored. A FrequentDirections is a
// stream.Writer; it is not safe for concurrent use.
type FrequentDirections struct {
	ell, d int

	seen    int64
	frob2   float64 // ‖A‖²_F
	delta   float64 // Δ, the total shrinkage
	shrinks int64

	buf   []float64 // 2ℓ×d; rows [0, nrows) hold B
	nrows int
	ortho int       // rows [0, ortho) are the orthogonal rows of the last shrink
	sq    []float64 // sq[i] = ‖B_i‖², i < ortho: the diagonal of their G block

	// Workspace, allocated with buf.
	g   []float64 // 2ℓ×2ℓ Gram
	w   []float64 // (ℓ−1)×2ℓ rotation diag(c)·Uᵀ
	tmp []float64 // (ℓ−1)×fdColBlock
	eig symEig
}

var _ stream.Writer = (*FrequentDirections)(nil)

// NewFrequentDirections returns an empty sketch of ℓ = ell rows (its buffer
// holds 2ℓ) for rows of cols columns. It takes no options (FD is
// deterministic); any option gives an error wrapping ErrInvalidOption, as
// does ell < 1 or a size beyond ℓ ≤ 2048 and 2ℓ·cols ≤ 2^28 values. It
// panics if cols < 1. All workspace, O(ℓ·cols + ℓ²), is allocated here.
func NewFrequentDirections(cols, ell int, opts ...Option) (*FrequentDirections, error) {
	if cols < 1 {
		panic(fmt.Sprintf("sketch: NewFrequentDirections with %d columns", cols))
	}
	if _, err := buildConfig("NewFrequentDirections", opts); err != nil {
		return nil, err
	}
	if err := checkFDSize(ell, cols); err != nil {
		return nil, fmt.Errorf("sketch: NewFrequentDirections: %w: %w", err, ErrInvalidOption)
	}
	f := &FrequentDirections{ell: ell, d: cols}
	f.ensure()
	return f, nil
}

func checkFDSize(ell, cols int) error {
	switch {
	case ell < 1 || ell > maxFDEll:
		return fmt.Errorf("ℓ = %d, want 1 to %d", ell, maxFDEll)
	case cols > maxFDBuffer/(2*ell):
		return fmt.Errorf("2ℓ×d = 2·%d×%d exceeds %d values", ell, cols, maxFDBuffer)
	}
	return nil
}

// ensure allocates the buffer and the workspace if they are missing (after
// UnmarshalBinary, which allocates only what the encoding holds).
func (f *FrequentDirections) ensure() {
	m := 2 * f.ell
	if len(f.buf) < m*f.d {
		nb := make([]float64, m*f.d)
		copy(nb, f.buf)
		f.buf = nb
	}
	if len(f.sq) < m {
		ns := make([]float64, m)
		copy(ns, f.sq)
		f.sq = ns
	}
	if f.g == nil {
		k := max(f.ell-1, 1)
		f.g = make([]float64, m*m)
		f.w = make([]float64, k*m)
		f.tmp = make([]float64, k*min(fdColBlock, f.d))
		f.eig.init(m, k)
	}
}

// Cols returns d, the number of columns.
func (f *FrequentDirections) Cols() int { return f.d }

// Ell returns ℓ.
func (f *FrequentDirections) Ell() int { return f.ell }

// Len returns the number of rows of the current sketch B (at most 2ℓ; at
// most ℓ−1 right after a shrink).
func (f *FrequentDirections) Len() int { return f.nrows }

// Seen returns the number of rows written (or merged) so far.
func (f *FrequentDirections) Seen() int64 { return f.seen }

// Frobenius2 returns ‖A‖²_F, the sum of the squared norms of the rows seen.
func (f *FrequentDirections) Frobenius2() float64 { return f.frob2 }

// Delta returns Δ, the total shrinkage: ‖AᵀA − BᵀB‖₂ ≤ Δ.
func (f *FrequentDirections) Delta() float64 { return f.delta }

// Shrinks returns the number of shrinks performed so far.
func (f *FrequentDirections) Shrinks() int64 { return f.shrinks }

// Sketch writes the current sketch B, Len() rows of Cols() values, into dst
// and returns it. It includes the rows added since the last shrink, so the
// guarantees hold for it at any moment. If dst is nil a new slice is
// allocated; otherwise len(dst) must be Len()·Cols() or Sketch panics. The
// state does not change.
func (f *FrequentDirections) Sketch(dst []float64) []float64 {
	n := f.nrows * f.d
	if dst == nil {
		dst = make([]float64, n)
	}
	if len(dst) != n {
		panic(fmt.Sprintf("sketch: FrequentDirections.Sketch: len(dst) = %d, want %d", len(dst), n))
	}
	copy(dst, f.buf[:n])
	return dst
}

// WriteRows absorbs the rows of src. It returns an error wrapping
// stream.ErrNonFinite, and the number of rows absorbed before it, if a row
// holds a NaN or ±Inf or its squared norm (or ‖A‖²_F) overflows; that row is
// not counted. It panics if len(src) is not a multiple of Cols. It does not
// allocate (shrinks included).
func (f *FrequentDirections) WriteRows(src []float64) (int, error) {
	d := f.d
	if len(src)%d != 0 {
		panic(fmt.Sprintf("sketch: FrequentDirections.WriteRows: buffer length %d is not a multiple of %d columns", len(src), d))
	}
	f.ensure()
	n := len(src) / d
	for i := range n {
		row := src[i*d : (i+1)*d]
		s := kernel.Dot(row, row)
		fr := f.frob2 + s
		if math.IsInf(fr, 0) || math.IsNaN(fr) {
			return i, nonFiniteRow("FrequentDirections", f.seen, s)
		}
		f.frob2 = fr
		f.seen++
		if s != 0 {
			f.insert(row)
		}
	}
	return n, nil
}

// insert appends a row to the buffer, shrinking first if it is full.
func (f *FrequentDirections) insert(row []float64) {
	if f.nrows == 2*f.ell {
		f.shrink()
	}
	copy(f.buf[f.nrows*f.d:(f.nrows+1)*f.d], row)
	f.nrows++
}

// shrink performs one Frequent Directions shrink of the n = nrows ≤ 2ℓ
// buffered rows.
func (f *FrequentDirections) shrink() {
	n, d, ell := f.nrows, f.d, f.ell
	o := f.ortho
	g := f.g[:n*n]
	b := f.buf[:n*d]

	// G = B·Bᵀ. The block of the orthogonal rows is diag(sq); the rows
	// [o, n) are computed with the kernel, then mirrored.
	if o < n {
		kernel.GemmNT(n-o, n, d, 1, b[o*d:], d, b, d, 0, g[o*n:], n)
	}
	for i := range o {
		gi := g[i*n : (i+1)*n]
		clear(gi[:o])
		gi[i] = f.sq[i]
		for j := o; j < n; j++ {
			gi[j] = g[j*n+i]
		}
	}
	for i := o; i < n; i++ { // exact symmetry of the new block
		for j := i + 1; j < n; j++ {
			g[j*n+i] = g[i*n+j]
		}
	}
	// Scale G to unit maximum diagonal so the solver never meets overflow
	// or underflow; eigenvalues are scaled back below.
	scale := 0.0
	for i := range n {
		scale = max(scale, g[i*n+i])
	}
	f.shrinks++
	if scale == 0 {
		f.nrows, f.ortho = 0, 0
		return
	}
	if inv := 1 / scale; !math.IsInf(inv, 0) {
		kernel.Scal(inv, g)
	} else { // scale is subnormal: two exact power-of-two steps
		kernel.Scal(0x1p600, g)
		kernel.Scal(1/(scale*0x1p600), g)
	}

	keep := min(ell-1, n) // candidate rows kept
	vals := f.eig.values(g, n)
	lam := 0.0 // λ_ℓ (scaled), 0 when the buffer holds fewer than ℓ rows
	if ell <= n {
		lam = max(vals[ell-1], 0)
	}
	p := 0
	for p < keep && vals[p] > lam {
		p++
	}
	vecs := f.eig.vectors(p)
	// W = diag(c)·U_pᵀ with c_i = √((λ_i − λ_ℓ)/λ_i): row i of W·B is
	// √(λ_i − λ_ℓ)·v_iᵀ, the shrunk row.
	w := f.w[:p*n]
	for i := range p {
		c := math.Sqrt((vals[i] - lam) / vals[i])
		wi := w[i*n : (i+1)*n]
		for j, u := range vecs[i*n : (i+1)*n] {
			wi[j] = c * u
		}
	}
	for j0 := 0; j0 < d; j0 += fdColBlock {
		cb := min(fdColBlock, d-j0)
		t := f.tmp[:p*cb]
		kernel.GemmNN(p, cb, n, 1, w, n, b[j0:], d, 0, t, cb)
		for i := range p {
			copy(b[i*d+j0:i*d+j0+cb], t[i*cb:(i+1)*cb])
		}
	}
	for i := range p {
		r := b[i*d : (i+1)*d]
		f.sq[i] = kernel.Dot(r, r)
	}
	f.delta += lam * scale
	f.nrows, f.ortho = p, p
}

// Reset empties the sketch, keeping ℓ, d and the storage. It does not
// allocate.
func (f *FrequentDirections) Reset() {
	f.seen, f.frob2, f.delta, f.shrinks = 0, 0, 0, 0
	f.nrows, f.ortho = 0, 0
}

// Clone returns a deep copy (with its own workspace).
func (f *FrequentDirections) Clone() *FrequentDirections {
	c := &FrequentDirections{ell: f.ell, d: f.d, seen: f.seen, frob2: f.frob2, delta: f.delta,
		shrinks: f.shrinks, nrows: f.nrows, ortho: f.ortho}
	c.ensure()
	copy(c.buf, f.buf[:f.nrows*f.d])
	copy(c.sq, f.sq[:f.ortho])
	return c
}

// Merge makes f the sketch of the stacked matrix [A_f; A_other]: other's
// rows are inserted into f (shrinking as needed) and the shrinkages add,
// Δ = Δ_f + Δ_other + the new shrinks, so every guarantee above holds for
// the stacked matrix. other is not modified (f.Merge(f) merges a copy). It
// returns an error wrapping ErrIncompatible, leaving f unchanged, if ℓ or
// the columns differ or the combined counts overflow. It does not allocate
// (except for f.Merge(f)).
func (f *FrequentDirections) Merge(other *FrequentDirections) error {
	if other == nil {
		return nil
	}
	if other.ell != f.ell || other.d != f.d {
		return fmt.Errorf("sketch: FrequentDirections.Merge: ℓ = %d, %d columns with ℓ = %d, %d columns: %w",
			f.ell, f.d, other.ell, other.d, ErrIncompatible)
	}
	fr := f.frob2 + other.frob2
	if math.IsInf(fr, 0) || f.seen > math.MaxInt64-other.seen {
		return fmt.Errorf("sketch: FrequentDirections.Merge: combined Frobenius norm or row count overflows: %w", ErrIncompatible)
	}
	if other == f {
		other = f.Clone()
	}
	f.ensure()
	for i := range other.nrows {
		f.insert(other.buf[i*f.d : (i+1)*f.d])
	}
	f.frob2 = fr
	f.seen += other.seen
	f.delta += other.delta
	f.shrinks += other.shrinks
	return nil
}

// fdVersion is the current layout of FrequentDirections.MarshalBinary.
const fdVersion = 1

// MarshalBinary encodes the whole state. It is AppendBinary(nil).
func (f *FrequentDirections) MarshalBinary() ([]byte, error) { return f.AppendBinary(nil) }

// AppendBinary appends the encoding of the state to b and returns it; b is
// not retained. Layout (version 1; integers int64 and floats IEEE bits, all
// little-endian, after the 6-byte binfmt header of kind
// KindFrequentDirections):
//
//	ℓ, d, rows seen, ‖A‖²_F, Δ, shrinks, r = rows of B,
//	o = orthogonal rows (≤ r), their squared norms (length-prefixed, o values),
//	B (length-prefixed, r·d values)
func (f *FrequentDirections) AppendBinary(b []byte) ([]byte, error) {
	b = binfmt.AppendHeader(b, binfmt.KindFrequentDirections, fdVersion)
	b = binfmt.AppendInt(b, f.ell)
	b = binfmt.AppendInt(b, f.d)
	b = binfmt.AppendInt(b, int(f.seen))
	b = binfmt.AppendFloat64(b, f.frob2)
	b = binfmt.AppendFloat64(b, f.delta)
	b = binfmt.AppendInt(b, int(f.shrinks))
	b = binfmt.AppendInt(b, f.nrows)
	b = binfmt.AppendInt(b, f.ortho)
	b = binfmt.AppendFloat64s(b, f.sq[:f.ortho])
	b = binfmt.AppendFloat64s(b, f.buf[:f.nrows*f.d])
	return b, nil
}

// UnmarshalBinary replaces f's state with the one encoded in b (the
// receiver may be a zero FrequentDirections). It checks every field —
// header, sizes (within the constructor's limits) against the bytes
// present, finite non-negative norms, finite values — before f changes, and
// returns an error wrapping ErrCorrupt if any check fails. Only the encoded
// rows are allocated here; the rest of the buffer and the workspace are
// allocated by the first write.
func (f *FrequentDirections) UnmarshalBinary(b []byte) error {
	dec, _ := binfmt.NewDecoder("sketch: FrequentDirections", b, binfmt.KindFrequentDirections, fdVersion)
	ell := dec.Int("ℓ", 1, maxFDEll)
	d := dec.Int("cols", 1, maxFDBuffer)
	if dec.Err() == nil {
		if err := checkFDSize(ell, d); err != nil {
			dec.Fail("%v", err)
		}
	}
	seen := int64(dec.Int("rows seen", 0, math.MaxInt64))
	frob2 := dec.Float64()
	delta := dec.Float64()
	if dec.Err() == nil && !(frob2 >= 0 && frob2 <= math.MaxFloat64 && delta >= 0 && delta <= math.MaxFloat64) {
		dec.Fail("‖A‖²_F = %g, Δ = %g: want finite and non-negative", frob2, delta)
	}
	shrinks := int64(dec.Int("shrinks", 0, math.MaxInt64))
	nrows := dec.Int("rows of B", 0, 2*max(ell, 1))
	ortho := dec.Int("orthogonal rows", 0, nrows)
	if dec.Err() == nil && int64(nrows) > seen {
		dec.Fail("%d rows of B from %d rows seen", nrows, seen)
	}
	sq := dec.Float64s("squared norms", nil, ortho)
	for _, v := range sq {
		if !(v >= 0 && v <= math.MaxFloat64) {
			dec.Fail("squared norm %g is not finite and non-negative", v)
			break
		}
	}
	var data []float64
	if dec.Err() == nil {
		data = dec.Float64s("B", nil, nrows*d)
	}
	total := 0.0
	for i := 0; dec.Err() == nil && i < len(data)/max(d, 1); i++ {
		r := data[i*d : (i+1)*d]
		s := kernel.Dot(r, r) // NaN or Inf for a non-finite value, or an overflowing norm
		total += s
		if math.IsNaN(total) || math.IsInf(total, 0) {
			dec.Fail("row %d of B is not finite, or ‖B‖²_F overflows", i)
		} else if i < ortho && math.Abs(sq[i]-s) > 1e-6*s {
			dec.Fail("stored squared norm %g of row %d disagrees with the row (%g)", sq[i], i, s)
		}
	}
	if err := dec.Finish(); err != nil {
		return err
	}
	*f = FrequentDirections{ell: ell, d: d, seen: seen, frob2: frob2, delta: delta, shrinks: shrinks,
		nrows: nrows, ortho: ortho, buf: data, sq: sq}
	return nil
}
