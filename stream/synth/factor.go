package synth

import (
	"math"
	"math/rand/v2"
)

// maxExactEntries bounds the n×k left factor SpectrumExact stores.
const maxExactEntries = 1 << 24

// factor is the shared generator of LowRank and Spectrum: row i is
//
//	a_i = Σ_k σ_k c_ik v_k + (noise/√n)·h_i,   h_i ~ N(0, I_d)
//
// with V = [v_1 … v_r] (d×r, orthonormal columns, stored) and either
// c_ik = g_ik/√n with g ~ N(0,1) (streaming: nothing per row is stored) or
// c_ik = U_ik for a stored n×r matrix U with orthonormal columns (exact).
type factor struct {
	base
	values []float64
	v      []float64 // d×r row-major
	u      []float64 // n×r row-major, exact variant only
	noise  float64
	coef   []float64
}

func (f *factor) setup(rows int64, cols int, values []float64, noise float64, exact bool, seed uint64) error {
	if err := checkShape(rows, cols); err != nil {
		return err
	}
	r := len(values)
	if r < 1 || r > cols {
		return invalid("%d singular values for %d columns: need 1 to %d", r, cols, cols)
	}
	for _, s := range values {
		if !(s >= 0) || math.IsInf(s, 0) {
			return invalid("singular value %v: must be finite and ≥ 0", s)
		}
	}
	if !(noise >= 0) || math.IsInf(noise, 0) {
		return invalid("noise %v: must be finite and ≥ 0", noise)
	}
	if exact && (int64(r) > rows || rows > maxExactEntries/int64(r)) {
		return invalid("exact spectrum of %d values over %d rows: need rank ≤ rows and rows·rank ≤ %d", r, rows, maxExactEntries)
	}
	f.values = append([]float64(nil), values...)
	f.noise = noise
	f.coef = make([]float64, r)
	f.v = orthonormal(cols, r, rand.New(rand.NewPCG(seed, 0x7269676874)))
	if exact {
		f.u = orthonormal(int(rows), r, rand.New(rand.NewPCG(seed, 0x6c656674)))
	}
	scale := 1 / math.Sqrt(float64(rows))
	noiseScale := noise * scale
	f.init(rows, cols, seed, func(i int64, rng *rand.Rand, dst []float64) {
		c := f.coef
		if f.u != nil {
			ui := f.u[i*int64(r) : (i+1)*int64(r)]
			for k, s := range f.values {
				c[k] = s * ui[k]
			}
		} else {
			for k, s := range f.values {
				c[k] = s * rng.NormFloat64() * scale
			}
		}
		for j := range dst {
			vj := f.v[j*r : (j+1)*r]
			var acc float64
			for k, ck := range c {
				acc += float64(vj[k] * ck)
			}
			dst[j] = acc
		}
		if noiseScale != 0 {
			for j := range dst {
				dst[j] += float64(noiseScale * rng.NormFloat64())
			}
		}
	})
	return nil
}

// orthonormal returns an n×r row-major matrix with orthonormal columns:
// Gaussian columns orthogonalized by modified Gram–Schmidt applied twice
// (O(n r²), no n×n factor). Explicit float64 conversions keep the bits
// independent of FMA fusion.
func orthonormal(n, r int, rng *rand.Rand) []float64 {
	cols := make([][]float64, r)
	for k := range cols {
		for {
			c := make([]float64, n)
			for i := range c {
				c[i] = rng.NormFloat64()
			}
			for range 2 {
				for _, q := range cols[:k] {
					var dot float64
					for i, x := range c {
						dot += float64(x * q[i])
					}
					for i := range c {
						c[i] -= float64(dot * q[i])
					}
				}
			}
			var s float64
			for _, x := range c {
				s += float64(x * x)
			}
			if s > 1e-20 {
				inv := 1 / math.Sqrt(s)
				for i := range c {
					c[i] *= inv
				}
				cols[k] = c
				break
			}
		}
	}
	out := make([]float64, n*r)
	for k, c := range cols {
		for i, x := range c {
			out[i*r+k] = x
		}
	}
	return out
}

// Rank returns the number r of planted singular values.
func (f *factor) Rank() int { return len(f.values) }

// Values writes the planted singular values σ_1…σ_r into dst (allocated
// when nil) and returns it.
func (f *factor) Values(dst []float64) []float64 {
	dst = use(dst, len(f.values))
	copy(dst, f.values)
	return dst
}

// RightVectors writes V (d×r row-major, orthonormal columns v_k, the right
// singular vectors of the signal part) into dst (allocated when nil) and
// returns it.
func (f *factor) RightVectors(dst []float64) []float64 {
	dst = use(dst, len(f.v))
	copy(dst, f.v)
	return dst
}

// Noise returns the noise level.
func (f *factor) Noise() float64 { return f.noise }

// Spectrum is an n×d matrix with planted singular values σ_1…σ_r along
// random orthonormal right vectors V:
//
//	A = C diag(σ) Vᵀ
//
// With NewSpectrum, C = G/√n for a Gaussian n×r G generated row by row, so
// E[AᵀA] = V diag(σ²) Vᵀ exactly but one draw's singular values are σ_k
// only up to a relative error of about √(r/n) (CᵀC ≈ I). With
// NewSpectrumExact, C = U has exactly orthonormal columns (stored, n·r
// floats), so A's singular values are σ up to rounding.
type Spectrum struct{ factor }

// NewSpectrum returns the streaming variant (O(d r) memory, O(d r) per row).
// It needs 1 ≤ len(values) ≤ cols and finite values ≥ 0.
func NewSpectrum(rows int64, cols int, values []float64, seed uint64) (*Spectrum, error) {
	s := &Spectrum{}
	if err := s.setup(rows, cols, values, 0, false, seed); err != nil {
		return nil, err
	}
	return s, nil
}

// NewSpectrumExact returns the exact variant, which stores U: it needs
// len(values) ≤ rows and rows·len(values) ≤ 2²⁴.
func NewSpectrumExact(rows int64, cols int, values []float64, seed uint64) (*Spectrum, error) {
	s := &Spectrum{}
	if err := s.setup(rows, cols, values, 0, true, seed); err != nil {
		return nil, err
	}
	return s, nil
}

// LeftVectors writes U (n×r) of an exact Spectrum into dst (allocated when
// nil) and returns it; it returns nil for the streaming variant.
func (s *Spectrum) LeftVectors(dst []float64) []float64 {
	if s.u == nil {
		return nil
	}
	dst = use(dst, len(s.u))
	copy(dst, s.u)
	return dst
}

// LowRank is a rank-r signal plus dense noise:
//
//	A = (G/√n) diag(σ) Vᵀ + (noise/√n)·N,   σ = (r, r−1, …, 1)
//
// with G (n×r) and N (n×d) standard Gaussian, generated row by row, and V
// (d×r) random orthonormal. E[AᵀA] = V diag(σ²) Vᵀ + noise²·I, so the
// planted singular values are r…1 and the noise floor is about
// noise·(1 ± √(d/n)).
type LowRank struct{ factor }

// NewLowRank returns a rows×cols low-rank-plus-noise matrix of rank
// 1 ≤ rank ≤ cols, noise ≥ 0, reproducible from seed.
func NewLowRank(rows int64, cols, rank int, noise float64, seed uint64) (*LowRank, error) {
	if rank < 1 || rank > cols {
		return nil, invalid("rank %d for %d columns: need 1 to %d", rank, cols, cols)
	}
	values := make([]float64, rank)
	for k := range values {
		values[k] = float64(rank - k)
	}
	l := &LowRank{}
	if err := l.setup(rows, cols, values, noise, false, seed); err != nil {
		return nil, err
	}
	return l, nil
}
