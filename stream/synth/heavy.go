package synth

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// Order is the row order of a Heavy matrix.
type Order int

const (
	// RandomOrder emits the rows in a seeded pseudorandom order (the
	// random-order model).
	RandomOrder Order = iota
	// SortedOrder emits the light rows first, direction by direction, and
	// the R heavy rows last: an adversarial order for algorithms that
	// assume random order.
	SortedOrder
)

// String returns "random" or "sorted".
func (o Order) String() string {
	switch o {
	case RandomOrder:
		return "random"
	case SortedOrder:
		return "sorted"
	}
	return "Order(?)"
}

// Heavy is the random-order hard instance of algorithms.md §1: in a basis
// rotated by a Householder reflection H = I − 2uuᵀ that maps e₁ to a
// uniformly random unit vector (so v₁ is not a coordinate vector), R copies of the unit row v₁ = H e₁ and, for each other
// direction j = 2…d, K light rows √(1/K)·H e_j. It has n = R + (d−1)K rows
// and
//
//	AᵀA = H diag(R, 1, …, 1) H,   σ₁² = R, σ₂² = … = σ_d² = 1,
//
// so the top right singular vector is v₁ (TopVector) and the spectral ratio
// is R. Rows are computed in O(d) each from their index; nothing but u is
// stored.
//
// Random order is a seeded pseudorandom permutation of [0, n) computed on
// the fly in O(1) memory: a 6-round Feistel network on the smallest
// even-bit power-of-two domain ≥ n, with cycle walking (values ≥ n are
// encrypted again). It is a bijection, so every row appears exactly once;
// it is not exactly uniform over all n! orders (no O(1)-memory method is),
// but its position statistics pass the chi-square tests in this package.
type Heavy struct {
	base
	copies, k int64
	u         []float64
	order     Order
	light     int64 // (d−1)K
	c         float64
	perm      feistel
}

// NewHeavy returns the hard instance with cols = d ≥ 1 columns, copies = R ≥
// 1 heavy rows and k = K ≥ 1 light rows per other direction, in the given
// order, reproducible from seed.
func NewHeavy(cols int, copies, k int64, order Order, seed uint64) (*Heavy, error) {
	if cols < 1 {
		return nil, invalid("heavy instance with %d columns", cols)
	}
	if copies < 1 || k < 1 {
		return nil, invalid("heavy instance needs R ≥ 1 and K ≥ 1, got R=%d K=%d", copies, k)
	}
	if order != RandomOrder && order != SortedOrder {
		return nil, invalid("unknown order %d", int(order))
	}
	d1 := int64(cols - 1)
	if d1 > 0 && k > (math.MaxInt64/2-copies)/d1 {
		return nil, invalid("heavy instance with %d columns and K=%d has too many rows", cols, k)
	}
	h := &Heavy{copies: copies, k: k, order: order, light: d1 * k, c: math.Sqrt(1 / float64(k))}
	h.u = householder(cols, rand.New(rand.NewPCG(seed, 0x68656176)))
	n := h.light + copies
	h.perm = newFeistel(uint64(n), seed)
	h.init(n, cols, seed, func(i int64, _ *rand.Rand, dst []float64) {
		p := h.Source(i)
		if p >= h.light {
			reflectedBasis(h.u, 0, 1, dst)
			return
		}
		reflectedBasis(h.u, 1+int(p/h.k), h.c, dst)
	})
	return h, nil
}

// Source returns the canonical index of row i: indices below (d−1)K are the
// light rows, K per direction in order j = 2…d, and the last R are the
// heavy rows. In SortedOrder it is i itself.
func (h *Heavy) Source(i int64) int64 {
	if h.order == SortedOrder {
		return i
	}
	return int64(h.perm.permute(uint64(i)))
}

// IsHeavy reports whether row i is one of the R heavy rows.
func (h *Heavy) IsHeavy(i int64) bool { return h.Source(i) >= h.light }

// Copies returns R, the number of heavy rows (= σ₁²).
func (h *Heavy) Copies() int64 { return h.copies }

// K returns the number of light rows per direction.
func (h *Heavy) K() int64 { return h.k }

// Order returns the row order.
func (h *Heavy) Order() Order { return h.order }

// TopVector writes v₁ = H e₁, the top right singular vector of A, into dst
// (allocated when nil) and returns it. It panics if dst is not nil and not
// Cols long.
func (h *Heavy) TopVector(dst []float64) []float64 {
	dst = use(dst, h.cols)
	reflectedBasis(h.u, 0, 1, dst)
	return dst
}

// SingularValues writes σ = (√R, 1, …, 1) into dst (allocated when nil).
func (h *Heavy) SingularValues(dst []float64) []float64 {
	dst = use(dst, h.cols)
	for j := range dst {
		dst[j] = 1
	}
	dst[0] = math.Sqrt(float64(h.copies))
	return dst
}

// feistel is a keyed bijection on [0, n).
type feistel struct {
	n    uint64
	half uint // bits per half
	mask uint64
	keys [6]uint64
}

func newFeistel(n, seed uint64) feistel {
	b := uint(bits.Len64(n - 1))
	if n <= 1 {
		b = 0
	}
	h := (b + 1) / 2
	if h == 0 {
		h = 1
	}
	f := feistel{n: n, half: h, mask: 1<<h - 1}
	k := mix(seed ^ 0x6665697374656c)
	for r := range f.keys {
		k = mix(k + 0x9e3779b97f4a7c15)
		f.keys[r] = k
	}
	return f
}

// permute maps x < n to a distinct value < n.
func (f *feistel) permute(x uint64) uint64 {
	for {
		l, r := x>>f.half, x&f.mask
		for _, k := range f.keys {
			l, r = r, l^(mix(r^k)&f.mask)
		}
		x = l<<f.half | r
		if x < f.n {
			return x
		}
	}
}
