package sketch

import (
	"fmt"
	"iter"
	"math"
	"slices"
	"unsafe"

	"github.com/linstream/linstream/internal/binfmt"
	"github.com/linstream/linstream/internal/kernel"
	"github.com/linstream/linstream/stream"
)

// maxHeavyPool caps the storage a HeavyRows may preallocate (float64
// elements, 2 GiB): a τ so small that ⌊1/τ⌋+1 rows of d columns exceed it
// needs WithCapacity.
const maxHeavyPool = 1 << 28

// HeavyRows keeps every row of the stream whose squared norm is at least τ
// times the squared Frobenius norm of everything seen so far:
//
//	keep a_i  ⇔  ‖a_i‖² ≥ τ·‖A‖²_F and a_i ≠ 0
//
// The threshold runs: ‖A‖²_F only grows, so a row heavy at the end of the
// stream was heavy when it arrived, and a held row is evicted as soon as it
// falls below τ times the running ‖A‖²_F. At any moment the rows held, with
// squared norms s_1 … s_h, satisfy h·τ·F ≤ Σ s_j ≤ F, so at most ⌊1/τ⌋ rows
// are ever held; the storage is a fixed pool of ⌊1/τ⌋+1 row slots (or
// WithCapacity(c) slots) allocated by the constructor. Eviction uses a
// min-heap on the squared norm: O(log h) per heavy row, nothing more for a
// light one beyond its dot product.
//
// With WithCapacity(c) smaller than ⌊1/τ⌋, only the c heaviest rows are
// kept; Threshold then reports the guarantee that remains (every row of
// squared norm at least Threshold() is held).
//
// Stream indices count rows from 0 in the order written, unless SetNextRow
// places the rows of a sharded stream at their global positions. HeavyRows is
// a stream.Writer; it is not safe for concurrent use.
type HeavyRows struct {
	cols     int
	tau      float64
	capacity int // 0: no capacity option
	limit    int // maximum rows held: min(capacity, ⌊1/τ⌋+1)

	seen    int64 // rows written or merged
	next    int64 // stream index of the next row written
	placed  bool  // SetNextRow was used: indices are global, Merge keeps them
	frob2   float64
	capDrop float64 // largest squared norm dropped for capacity (0 if none)

	// Slot storage: row j of the pool is data[j*cols:(j+1)*cols].
	data  []float64
	idx   []int64
	norm2 []float64
	heap  []int32 // slots held, a min-heap by (norm2, -idx)
	free  []int32 // slots available
}

var _ stream.Writer = (*HeavyRows)(nil)

// HeavyRow is one row kept by HeavyRows.
type HeavyRow struct {
	Index int64     // 0-based position in the stream
	Norm2 float64   // squared Euclidean norm ‖a‖²
	Row   []float64 // the row itself; see Rows for its lifetime
}

// heavyLimit returns ⌊1/τ⌋+1, or -1 if that exceeds binfmt.MaxElems.
func heavyLimit(tau float64) int {
	l := math.Floor(1/tau) + 1
	if l > binfmt.MaxElems {
		return -1
	}
	return int(l)
}

// NewHeavyRows returns a HeavyRows for rows of cols columns and threshold
// fraction tau, 0 < tau ≤ 1. It accepts the option WithCapacity. It panics if
// cols < 1. It returns an error wrapping ErrInvalidOption if tau is out of
// range, or if ⌊1/τ⌋+1 rows of cols values would exceed 2^28 values (2 GiB)
// and no smaller capacity is given.
func NewHeavyRows(cols int, tau float64, opts ...Option) (*HeavyRows, error) {
	if cols < 1 {
		panic(fmt.Sprintf("sketch: NewHeavyRows with %d columns", cols))
	}
	cfg, err := buildConfig("NewHeavyRows", opts, "WithCapacity")
	if err != nil {
		return nil, err
	}
	if !(tau > 0 && tau <= 1) {
		return nil, fmt.Errorf("sketch: NewHeavyRows: tau = %g, want 0 < tau ≤ 1: %w", tau, ErrInvalidOption)
	}
	limit := heavyLimit(tau)
	if cfg.capacity > 0 && (limit < 0 || cfg.capacity < limit) {
		limit = cfg.capacity
	}
	if limit < 0 || limit > maxHeavyPool/cols {
		return nil, fmt.Errorf("sketch: NewHeavyRows: tau = %g would hold up to %.4g rows of %d values; set WithCapacity: %w",
			tau, math.Floor(1/tau)+1, cols, ErrInvalidOption)
	}
	h := &HeavyRows{cols: cols, tau: tau, capacity: cfg.capacity, limit: limit}
	h.grow(limit)
	return h, nil
}

// grow makes the pool hold at least n slots (n ≤ limit).
func (h *HeavyRows) grow(n int) {
	old := len(h.idx)
	if n <= old {
		return
	}
	h.data = slices.Grow(h.data, (n-old)*h.cols)[:n*h.cols]
	h.idx = slices.Grow(h.idx, n-old)[:n]
	h.norm2 = slices.Grow(h.norm2, n-old)[:n]
	h.heap = slices.Grow(h.heap, n-len(h.heap))
	h.free = slices.Grow(h.free, n-len(h.free))
	for j := n - 1; j >= old; j-- {
		h.free = append(h.free, int32(j))
	}
}

// Cols returns the number of columns.
func (h *HeavyRows) Cols() int { return h.cols }

// Tau returns the threshold fraction τ.
func (h *HeavyRows) Tau() float64 { return h.tau }

// Capacity returns the maximum number of rows held: min(c, ⌊1/τ⌋+1) with
// WithCapacity(c), ⌊1/τ⌋+1 otherwise.
func (h *HeavyRows) Capacity() int { return h.limit }

// Len returns the number of rows held.
func (h *HeavyRows) Len() int { return len(h.heap) }

// Seen returns the number of rows written (or merged) so far.
func (h *HeavyRows) Seen() int64 { return h.seen }

// SetNextRow sets the stream index the next row written will have, so one
// HeavyRows can absorb the blocks of a sharded stream in any order, each at
// its global position (a Beam worker does this). Once it is used, indices are
// global: Merge keeps the indices of both sketches as they are instead of
// placing other's stream after h's. Indices must not repeat. It panics if
// i < 0.
func (h *HeavyRows) SetNextRow(i int64) {
	h.next = checkNext(i)
	h.placed = true
}

// Frobenius2 returns ‖A‖²_F, the sum of the squared norms of every row seen.
func (h *HeavyRows) Frobenius2() float64 { return h.frob2 }

// Threshold returns the squared norm above which rows are guaranteed held:
// every row seen so far whose squared norm is at least Threshold() is among
// Rows. Without a binding capacity it is τ·‖A‖²_F. When rows were dropped
// because the capacity was full it is the larger of τ·‖A‖²_F and the next
// float64 above the largest squared norm so dropped. Rows with a squared norm
// in [τ·‖A‖²_F, Threshold()) may or may not be held.
func (h *HeavyRows) Threshold() float64 {
	t := h.tau * h.frob2
	if h.capDrop > 0 {
		t = max(t, math.Nextafter(h.capDrop, math.Inf(1)))
	}
	return t
}

// less orders slots for the min-heap: lighter first, and among equal norms
// the later stream index first (so the earlier row survives a tie).
func (h *HeavyRows) less(a, b int32) bool {
	na, nb := h.norm2[a], h.norm2[b]
	return na < nb || (na == nb && h.idx[a] > h.idx[b])
}

func (h *HeavyRows) up(i int) {
	hp := h.heap
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(hp[i], hp[p]) {
			break
		}
		hp[i], hp[p] = hp[p], hp[i]
		i = p
	}
}

func (h *HeavyRows) down(i int) {
	hp := h.heap
	n := len(hp)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h.less(hp[r], hp[l]) {
			m = r
		}
		if !h.less(hp[m], hp[i]) {
			return
		}
		hp[i], hp[m] = hp[m], hp[i]
		i = m
	}
}

// popMin removes the lightest slot from the heap and frees it.
func (h *HeavyRows) popMin() {
	n := len(h.heap) - 1
	s := h.heap[0]
	h.heap[0] = h.heap[n]
	h.heap = h.heap[:n]
	if n > 0 {
		h.down(0)
	}
	h.free = append(h.free, s)
}

// evict drops every held row below τ·‖A‖²_F.
func (h *HeavyRows) evict() {
	t := h.tau * h.frob2
	for len(h.heap) > 0 && h.norm2[h.heap[0]] < t {
		h.popMin()
	}
}

// offer considers a row already counted in frob2 and seen, with stream index
// idx and squared norm s.
func (h *HeavyRows) offer(row []float64, idx int64, s float64) {
	if s == 0 || s < h.tau*h.frob2 {
		return
	}
	if len(h.heap) >= h.limit {
		m := h.heap[0]
		if !(s > h.norm2[m]) { // the new row is the lightest (ties: the later loses)
			h.capDrop = max(h.capDrop, s)
			return
		}
		h.capDrop = max(h.capDrop, h.norm2[m])
		h.popMin()
	}
	if len(h.free) == 0 {
		h.grow(min(h.limit, max(2*len(h.idx), 8)))
	}
	slot := h.free[len(h.free)-1]
	h.free = h.free[:len(h.free)-1]
	copy(h.data[int(slot)*h.cols:(int(slot)+1)*h.cols], row)
	h.idx[slot] = idx
	h.norm2[slot] = s
	h.heap = append(h.heap, slot)
	h.up(len(h.heap) - 1)
}

// WriteRows absorbs the rows of src. It returns an error wrapping
// stream.ErrNonFinite, and the number of rows absorbed before it, if a row
// holds a NaN or ±Inf or its squared norm (or ‖A‖²_F) overflows; that row is
// not counted. It panics if len(src) is not a multiple of Cols. It does not
// allocate.
func (h *HeavyRows) WriteRows(src []float64) (int, error) {
	d := h.cols
	if len(src)%d != 0 {
		panic(fmt.Sprintf("sketch: HeavyRows.WriteRows: buffer length %d is not a multiple of %d columns", len(src), d))
	}
	n := len(src) / d
	for i := range n {
		row := src[i*d : (i+1)*d]
		s := kernel.Dot(row, row)
		f := h.frob2 + s
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return i, nonFiniteRow("HeavyRows", h.next, s)
		}
		h.frob2 = f
		h.evict()
		h.offer(row, h.next, s)
		h.seen++
		h.next++
	}
	return n, nil
}

// nonFiniteRow builds the error for a rejected row (0-based index).
func nonFiniteRow(who string, index int64, s float64) error {
	what := "holds a NaN or an infinity"
	if !math.IsNaN(s) && !math.IsInf(s, 0) {
		what = "makes the squared Frobenius norm overflow"
	} else if math.IsInf(s, 0) {
		what = "holds an infinity or its squared norm overflows"
	}
	return fmt.Errorf("sketch: %s: row %d (0-based) %s: %w", who, index, what, stream.ErrNonFinite)
}

// sortedSlots returns the held slots in stream order (allocates).
func (h *HeavyRows) sortedSlots() []int32 {
	s := slices.Clone(h.heap)
	slices.SortFunc(s, func(a, b int32) int {
		switch {
		case h.idx[a] < h.idx[b]:
			return -1
		case h.idx[a] > h.idx[b]:
			return 1
		}
		return 0
	})
	return s
}

// Rows returns an iterator over the rows held, in stream order. Row aliases
// the sketch's storage: it is valid only during the yield and must not be
// modified; copy it to keep it. The sketch must not be written to during the
// iteration. Rows allocates one index slice per call.
func (h *HeavyRows) Rows() iter.Seq[HeavyRow] {
	return func(yield func(HeavyRow) bool) {
		for _, s := range h.sortedSlots() {
			r := HeavyRow{Index: h.idx[s], Norm2: h.norm2[s], Row: h.data[int(s)*h.cols : (int(s)+1)*h.cols : (int(s)+1)*h.cols]}
			if !yield(r) {
				return
			}
		}
	}
}

// MulGram sets dst = HᵀH·z = Σ_h ⟨h, z⟩·h over the rows h held. It panics if
// len(dst) or len(z) differs from Cols, or if they overlap. It does not
// allocate. The sum runs in slot order, which depends only on the sequence of
// rows written, so the result is reproducible.
func (h *HeavyRows) MulGram(dst, z []float64) {
	if len(dst) != h.cols || len(z) != h.cols {
		panic(fmt.Sprintf("sketch: HeavyRows.MulGram: len(dst) = %d, len(z) = %d, want %d", len(dst), len(z), h.cols))
	}
	if overlap(dst, z) {
		panic("sketch: HeavyRows.MulGram: dst overlaps z")
	}
	clear(dst)
	for _, s := range h.heap {
		row := h.data[int(s)*h.cols : (int(s)+1)*h.cols]
		kernel.Axpy(kernel.Dot(row, z), row, dst)
	}
}

// overlap reports whether two non-empty slices share memory.
func overlap(a, b []float64) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	pa := &a[0]
	pb := &b[0]
	ea := &a[len(a)-1]
	eb := &b[len(b)-1]
	return uintptr(unsafe.Pointer(pa)) <= uintptr(unsafe.Pointer(eb)) &&
		uintptr(unsafe.Pointer(pb)) <= uintptr(unsafe.Pointer(ea))
}

// Reset empties the sketch, keeping τ, the capacity and the storage. It does
// not allocate.
func (h *HeavyRows) Reset() {
	h.seen, h.next, h.placed, h.frob2, h.capDrop = 0, 0, false, 0, 0
	h.heap = h.heap[:0]
	h.free = h.free[:0]
	for j := len(h.idx) - 1; j >= 0; j-- {
		h.free = append(h.free, int32(j))
	}
}

// Clone returns a deep copy.
func (h *HeavyRows) Clone() *HeavyRows {
	c := *h
	c.data = slices.Clone(h.data)
	c.idx = slices.Clone(h.idx)
	c.norm2 = slices.Clone(h.norm2)
	c.heap = append(make([]int32, 0, cap(h.heap)), h.heap...)
	c.free = append(make([]int32, 0, cap(h.free)), h.free...)
	return &c
}

// Merge makes h the heavy rows of the stacked matrix [A_h; A_other]: the
// union of both sets, re-thresholded against the combined ‖A‖²_F. Indices
// of other's rows are shifted by h.Seen(), as if other's stream followed
// h's — unless either sketch was placed with SetNextRow, in which case
// indices are global and kept as they are. The guarantee is the same as for one stream: every row of the stacked
// matrix with squared norm ≥ Threshold() is held, since a row heavy for the
// whole is heavy for its shard. other is not modified (h.Merge(h) merges a
// copy). It returns an error wrapping ErrIncompatible, leaving h unchanged,
// if the columns or τ differ or the combined Frobenius norm or row count
// overflows; the capacities may differ (h keeps its own).
func (h *HeavyRows) Merge(other *HeavyRows) error {
	if other == nil {
		return nil
	}
	if other.cols != h.cols || other.tau != h.tau {
		return fmt.Errorf("sketch: HeavyRows.Merge: %d columns, τ = %g with %d columns, τ = %g: %w",
			h.cols, h.tau, other.cols, other.tau, ErrIncompatible)
	}
	f := h.frob2 + other.frob2
	if math.IsInf(f, 0) || h.seen > math.MaxInt64-other.seen || h.next > math.MaxInt64-other.next {
		return fmt.Errorf("sketch: HeavyRows.Merge: combined Frobenius norm or row count overflows: %w", ErrIncompatible)
	}
	if other == h {
		other = h.Clone()
	}
	off := h.next
	if h.placed || other.placed {
		off = 0
		h.next = max(h.next, other.next)
		h.placed = true
	} else {
		h.next += other.next
	}
	h.frob2 = f
	h.seen += other.seen
	h.capDrop = max(h.capDrop, other.capDrop)
	h.evict()
	for _, s := range other.sortedSlots() {
		h.offer(other.data[int(s)*other.cols:(int(s)+1)*other.cols], other.idx[s]+off, other.norm2[s])
	}
	return nil
}

// heavyRowsVersion is the current layout of HeavyRows.MarshalBinary.
const heavyRowsVersion = 2

// MarshalBinary encodes the whole state. It is AppendBinary(nil).
func (h *HeavyRows) MarshalBinary() ([]byte, error) { return h.AppendBinary(nil) }

// AppendBinary appends the encoding of the state to b and returns it; b is
// not retained. Layout (version 2; integers int64 and floats IEEE bits, all
// little-endian, after the 6-byte binfmt header of kind KindHeavyRows):
//
//	cols, τ, capacity (0 = none), rows seen, next stream index, placed
//	(0 or 1), ‖A‖²_F, largest squared norm dropped for capacity,
//	h = rows held,
//	h × (stream index, squared norm) in stream order,
//	the h×cols held rows (length-prefixed float64s).
func (h *HeavyRows) AppendBinary(b []byte) ([]byte, error) {
	b = binfmt.AppendHeader(b, binfmt.KindHeavyRows, heavyRowsVersion)
	b = binfmt.AppendInt(b, h.cols)
	b = binfmt.AppendFloat64(b, h.tau)
	b = binfmt.AppendInt(b, h.capacity)
	b = binfmt.AppendInt(b, int(h.seen))
	b = binfmt.AppendInt(b, int(h.next))
	placed := 0
	if h.placed {
		placed = 1
	}
	b = binfmt.AppendInt(b, placed)
	b = binfmt.AppendFloat64(b, h.frob2)
	b = binfmt.AppendFloat64(b, h.capDrop)
	slots := h.sortedSlots()
	b = binfmt.AppendInt(b, len(slots))
	for _, s := range slots {
		b = binfmt.AppendInt(b, int(h.idx[s]))
		b = binfmt.AppendFloat64(b, h.norm2[s])
	}
	b = binfmt.AppendUint64(b, uint64(len(slots)*h.cols))
	for _, s := range slots {
		for _, v := range h.data[int(s)*h.cols : (int(s)+1)*h.cols] {
			b = binfmt.AppendFloat64(b, v)
		}
	}
	return b, nil
}

// UnmarshalBinary replaces h's state with the one encoded in b (by
// MarshalBinary of any HeavyRows, version 1 (no placement: the next index is
// the rows seen) or 2; the receiver may be a zero HeavyRows). It
// checks every field — header, sizes against the bytes present, τ in (0, 1],
// finite norms, held rows above τ·‖A‖²_F with increasing indices below the
// rows seen — before h changes, and returns an error wrapping ErrCorrupt if
// any check fails. The restored sketch allocates storage for the rows it
// holds and grows it geometrically up to its capacity as heavier rows arrive
// (a bounded number of allocations), rather than preallocating all ⌊1/τ⌋+1
// slots for untrusted bytes.
func (h *HeavyRows) UnmarshalBinary(b []byte) error {
	d, version := binfmt.NewDecoder("sketch: HeavyRows", b, binfmt.KindHeavyRows, heavyRowsVersion)
	cols := d.Int("cols", 1, binfmt.MaxElems)
	tau := d.Float64()
	if d.Err() == nil && !(tau > 0 && tau <= 1) {
		d.Fail("tau = %g, want 0 < tau ≤ 1", tau)
	}
	capacity := d.Int("capacity", 0, binfmt.MaxElems)
	seen := int64(d.Int("rows seen", 0, math.MaxInt64))
	next, placed := seen, false
	if version >= 2 {
		next = int64(d.Int("next stream index", 0, math.MaxInt64))
		placed = d.Int("placed", 0, 1) == 1
		if d.Err() == nil && !placed && next != seen {
			d.Fail("next stream index %d differs from the %d rows seen of an unplaced sketch", next, seen)
		}
	}
	frob2 := d.Float64()
	capDrop := d.Float64()
	if d.Err() == nil && !(frob2 >= 0 && frob2 <= math.MaxFloat64 && capDrop >= 0 && capDrop <= math.MaxFloat64) {
		d.Fail("squared norms %g, %g are not finite and non-negative", frob2, capDrop)
	}
	limit := 0
	if d.Err() == nil {
		limit = heavyLimit(tau)
		if capacity > 0 && (limit < 0 || capacity < limit) {
			limit = capacity
		}
		if limit < 0 || limit > maxHeavyPool/cols {
			d.Fail("tau = %g with %d columns exceeds the storage limit", tau, cols)
		}
	}
	n := d.Int("rows held", 0, max(limit, 0))
	if d.Err() == nil && int64(n) > seen {
		d.Fail("%d rows held of %d seen", n, seen)
	}
	if d.Err() != nil {
		return d.Err()
	}
	idx := make([]int64, n)
	norm2 := make([]float64, n)
	t := tau * frob2
	for i := range n {
		maxIdx := int(seen - 1) // unplaced: indices count the rows seen
		if placed {
			maxIdx = math.MaxInt64 // placed: global indices, any order of arrival
		}
		idx[i] = int64(d.Int("row index", 0, maxIdx))
		norm2[i] = d.Float64()
		if d.Err() != nil {
			return d.Err()
		}
		if i > 0 && idx[i] <= idx[i-1] {
			d.Fail("row indices not increasing: %d after %d", idx[i], idx[i-1])
		}
		if !(norm2[i] >= t && norm2[i] > 0 && norm2[i] <= frob2) {
			d.Fail("held row %d has squared norm %g outside [τ·‖A‖²_F = %g, ‖A‖²_F = %g]", idx[i], norm2[i], t, frob2)
		}
	}
	data := d.Float64s("held rows", nil, n*cols)
	for i := 0; d.Err() == nil && i < len(data)/cols; i++ {
		r := data[i*cols : (i+1)*cols]
		if s := kernel.Dot(r, r); math.IsNaN(s) || math.IsInf(s, 0) || math.Abs(norm2[i]-s) > 1e-6*s {
			d.Fail("held row %d: squared norm %g stored, %g computed", idx[i], norm2[i], s)
		}
	}
	if err := d.Finish(); err != nil {
		return err
	}
	*h = HeavyRows{cols: cols, tau: tau, capacity: capacity, limit: limit, seen: seen, next: next, placed: placed, frob2: frob2, capDrop: capDrop}
	h.grow(n)
	copy(h.data, data)
	copy(h.idx, idx)
	copy(h.norm2, norm2)
	h.free = h.free[:0]
	for j := range n {
		h.heap = append(h.heap, int32(j))
		h.up(j)
	}
	return nil
}
