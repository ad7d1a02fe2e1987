package synth

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/linstream/linstream/stream"
)

// base is the row machinery every generator shares: row i is a pure
// function of (seed, i), computed by gen with a PCG source seeded from a
// hash of (seed, i). Sequential reads, rewinds and random access therefore
// all see the same bits.
type base struct {
	rows int64
	cols int
	seed uint64
	next int64
	pcg  rand.PCG
	rng  *rand.Rand
	gen  func(i int64, rng *rand.Rand, dst []float64)
}

func (b *base) init(rows int64, cols int, seed uint64, gen func(int64, *rand.Rand, []float64)) {
	b.rows, b.cols, b.seed, b.gen = rows, cols, seed, gen
	b.rng = rand.New(&b.pcg)
}

// Cols returns the number of columns.
func (b *base) Cols() int { return b.cols }

// Rows returns the number of rows.
func (b *base) Rows() int64 { return b.rows }

// Seed returns the seed the matrix was generated from.
func (b *base) Seed() uint64 { return b.seed }

// ReadRows generates up to len(dst)/Cols rows into dst and returns io.EOF
// after the last row. It never fails otherwise and does not allocate. It
// panics if len(dst) is not a multiple of Cols.
func (b *base) ReadRows(dst []float64) (int, error) {
	n, err := b.ReadRowsAt(dst, b.next)
	b.next += int64(n)
	return n, err
}

// ReadRowsAt generates rows row, row+1, … into dst (whole rows, up to
// len(dst)/Cols) independently of the read position: row i is always the
// same. It returns io.EOF when row ≥ Rows(). It panics if len(dst) is not a
// multiple of Cols or row < 0.
func (b *base) ReadRowsAt(dst []float64, row int64) (int, error) {
	d := b.cols
	if len(dst)%d != 0 {
		panic(fmt.Sprintf("synth: buffer length %d is not a multiple of %d columns", len(dst), d))
	}
	if row < 0 {
		panic(fmt.Sprintf("synth: negative row %d", row))
	}
	if row >= b.rows {
		return 0, io.EOF
	}
	n := int(min(int64(len(dst)/d), b.rows-row))
	for k := range n {
		i := row + int64(k)
		s1 := mix(b.seed ^ mix(uint64(i)+0x9e3779b97f4a7c15))
		b.pcg.Seed(s1, mix(s1^0xd1b54a32d192ed03))
		b.gen(i, b.rng, dst[k*d:(k+1)*d])
	}
	return n, nil
}

// Rewind restarts at row 0; it never fails.
func (b *base) Rewind() error {
	b.next = 0
	return nil
}

// mix is the splitmix64 finalizer: a bijective 64-bit hash.
func mix(z uint64) uint64 {
	z ^= z >> 30
	z *= 0xbf58476d1ce4e5b9
	z ^= z >> 27
	z *= 0x94d049bb133111eb
	z ^= z >> 31
	return z
}

var (
	_ stream.Rewinder    = (*base)(nil)
	_ stream.Lener       = (*base)(nil)
	_ stream.RowReaderAt = (*base)(nil)
)

func invalid(format string, args ...any) error {
	return fmt.Errorf("synth: "+format+": %w", append(args, stream.ErrInvalidOption)...)
}

func checkShape(rows int64, cols int) error {
	if rows < 1 || cols < 1 {
		return invalid("shape %d×%d: rows and cols must be at least 1", rows, cols)
	}
	return nil
}

// Gaussian is an n×d matrix of independent standard normal entries.
type Gaussian struct{ base }

// NewGaussian returns a rows×cols matrix with i.i.d. N(0,1) entries,
// reproducible from seed (E[AᵀA] = n·I). Row i costs O(d) and nothing is
// stored.
func NewGaussian(rows int64, cols int, seed uint64) (*Gaussian, error) {
	if err := checkShape(rows, cols); err != nil {
		return nil, err
	}
	g := &Gaussian{}
	g.init(rows, cols, seed, func(_ int64, rng *rand.Rand, dst []float64) {
		for j := range dst {
			dst[j] = rng.NormFloat64()
		}
	})
	return g, nil
}

// householder returns the unit vector u of the reflection H = I − 2uuᵀ
// that maps e₁ to w, a uniformly random unit vector drawn from rng: u =
// (e₁ − w)/‖e₁ − w‖ (w is negated first if it is within 0.5 of e₁, for
// accuracy; −w is as random). H is orthogonal and symmetric, and H e₁ = w
// is a fully delocalized direction; a reflection by a random u alone would
// leave H e₁ within O(1/√d) of e₁.
func householder(d int, rng *rand.Rand) []float64 {
	w := make([]float64, d)
	for {
		var s float64
		for j := range w {
			w[j] = rng.NormFloat64()
			s += float64(w[j] * w[j])
		}
		if s == 0 {
			continue
		}
		inv := 1 / math.Sqrt(s)
		for j := range w {
			w[j] *= inv
		}
		if w[0] > 0.5 {
			for j := range w {
				w[j] = -w[j]
			}
		}
		if d == 1 {
			// H = I − 2uuᵀ with u = 0 is the identity; e₁ = ±1 is all there is.
			w[0] = 0
			return w
		}
		w[0] -= 1 // e₁ − w, negated; the sign of u does not matter
		s = 0
		for _, v := range w {
			s += float64(v * v)
		}
		inv = 1 / math.Sqrt(s)
		for j := range w {
			w[j] *= inv
		}
		return w
	}
}

// reflect sets y = H y = y − 2u(uᵀy) in O(d). Products are rounded
// explicitly (float64(…)) so the compiler cannot fuse them into FMAs and
// the bits do not depend on GOAMD64.
func reflect(u, y []float64) {
	var s float64
	for j, v := range y {
		s += float64(u[j] * v)
	}
	s *= 2
	for j := range y {
		y[j] -= float64(s * u[j])
	}
}

// reflectedBasis returns H e_j = e_j − 2u_j u into dst, scaled by c.
func reflectedBasis(u []float64, j int, c float64, dst []float64) {
	a := -2 * u[j] * c
	for k := range dst {
		dst[k] = float64(a * u[k])
	}
	dst[j] += c
}

// Spiked is an n×d matrix whose rows are independent N(0, Σ) with a spiked
// covariance Σ = Q diag(R, 1, …, 1) Qᵀ: the top eigenvalue is R times the
// others. Q is a single Householder reflection H = I − 2uuᵀ (orthogonal
// and symmetric) that maps e₁ to a uniformly random unit vector, so each
// row costs O(d):
//
//	x = H D g,   g ~ N(0, I_d),   D = diag(√R, 1, …, 1)
//
// The true top eigenvector of Σ is q₁ = H e₁ (TopVector), uniformly
// distributed on the sphere, and E[AᵀA] = nΣ.
type Spiked struct {
	base
	ratio float64
	u     []float64
}

// NewSpiked returns a rows×cols spiked-covariance matrix with eigenvalue
// ratio λ₁/λ₂ = ratio (≥ 1), reproducible from seed. It stores one d-vector.
func NewSpiked(rows int64, cols int, ratio float64, seed uint64) (*Spiked, error) {
	if err := checkShape(rows, cols); err != nil {
		return nil, err
	}
	if !(ratio >= 1) || math.IsInf(ratio, 0) {
		return nil, invalid("spike ratio %v: must be a finite number ≥ 1", ratio)
	}
	s := &Spiked{ratio: ratio}
	s.u = householder(cols, rand.New(rand.NewPCG(seed, 0x73706b64)))
	sr := math.Sqrt(ratio)
	s.init(rows, cols, seed, func(_ int64, rng *rand.Rand, dst []float64) {
		for j := range dst {
			dst[j] = rng.NormFloat64()
		}
		dst[0] *= sr
		reflect(s.u, dst)
	})
	return s, nil
}

// Ratio returns λ₁/λ₂ of the covariance Σ.
func (s *Spiked) Ratio() float64 { return s.ratio }

// TopVector writes the unit top eigenvector q₁ = H e₁ of Σ into dst
// (allocating when dst is nil) and returns it. It panics if dst is not nil
// and not Cols long.
func (s *Spiked) TopVector(dst []float64) []float64 {
	dst = use(dst, s.cols)
	reflectedBasis(s.u, 0, 1, dst)
	return dst
}

// Covariance returns Σ = H diag(R,1,…,1) H as a row-major d×d slice (for
// tests on small d; it allocates d² floats).
func (s *Spiked) Covariance() []float64 {
	d := s.cols
	c := make([]float64, d*d)
	q := s.TopVector(nil)
	for i := range d {
		c[i*d+i] = 1
		for j := range d {
			c[i*d+j] += (s.ratio - 1) * q[i] * q[j]
		}
	}
	return c
}

func use(dst []float64, n int) []float64 {
	if dst == nil {
		return make([]float64, n)
	}
	if len(dst) != n {
		panic(fmt.Sprintf("synth: destination length %d, want %d", len(dst), n))
	}
	return dst
}
