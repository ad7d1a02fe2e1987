package sketch

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/linstream/linstream/internal/kernel"
)

// FDTop is the leading part of a Frequent Directions sketch with the
// evidence of its quality. For the stream matrix A and the sketch B:
//
//	0 ≼ AᵀA − BᵀB ≼ Δ·I,  so  σ_i(B) ≤ σ_i(A) ≤ √(σ_i(B)² + Δ)   (Weyl)
//	Δ ≤ ‖A − A_k‖²_F/(ℓ − k) ≤ TailBound
//
// where TailBound = (‖A‖²_F − Σ_{i<k} σ_i(B)²)/(ℓ − k) is the a-priori FD
// bound made computable: σ_i(B) ≤ σ_i(A) gives ‖A − A_k‖²_F ≤ TailBound·(ℓ−k).
type FDTop struct {
	K, Ell, Cols int
	Rows         int64 // rows of A seen

	// Values are σ_i(B), i < K, descending; Upper[i] = √(Values[i]² + Δ)
	// bounds σ_i(A) from above as Values[i] bounds it from below.
	Values, Upper []float64
	// Vectors holds K rows of Cols values: the leading right singular
	// vectors of B (unit norm), estimates of those of A. A row is zero
	// where σ_i(B) = 0.
	Vectors []float64

	Frobenius2 float64 // ‖A‖²_F
	Delta      float64 // Δ ≥ ‖AᵀA − BᵀB‖₂, the error bar of the sketch
	TailBound  float64 // (‖A‖²_F − Σ_{i<K} σ_i(B)²)/(ℓ − K) ≥ Δ
}

// TopK returns the k leading singular values and right singular vectors of
// the current sketch with their error bounds (see FDTop). It panics unless
// 1 ≤ k < ℓ and k ≤ Cols. It allocates its result and an O(ℓ²) workspace
// (the eigendecomposition of B·Bᵀ by gonum's EigenSym); the state does not
// change.
func (f *FrequentDirections) TopK(k int) FDTop {
	if k < 1 || k >= f.ell || k > f.d {
		panic(fmt.Sprintf("sketch: FrequentDirections.TopK(%d) with ℓ = %d, %d columns: want 1 ≤ k < ℓ and k ≤ columns", k, f.ell, f.d))
	}
	n, d := f.nrows, f.d
	top := FDTop{K: k, Ell: f.ell, Cols: d, Rows: f.seen, Frobenius2: f.frob2, Delta: f.delta,
		Values: make([]float64, k), Upper: make([]float64, k), Vectors: make([]float64, k*d)}
	if n > 0 {
		b := f.buf[:n*d]
		g := make([]float64, n*n)
		kernel.GemmNT(n, n, d, 1, b, d, b, d, 0, g, n)
		for i := range n { // exact symmetry
			for j := i + 1; j < n; j++ {
				g[j*n+i] = g[i*n+j]
			}
		}
		// Scale to unit maximum diagonal (exact powers of two): gonum's
		// eigensolver panics when every entry is below ~1e-123 or above
		// ~1e153 (its Dlascl rescaling is given a row stride), and
		// scaling by 2^k changes no bit of the vectors.
		mx := 0.0
		for i := range n {
			mx = max(mx, g[i*n+i])
		}
		_, exp := math.Frexp(mx)
		for i := range g {
			g[i] = math.Ldexp(g[i], -exp)
		}
		var es mat.EigenSym
		if !es.Factorize(mat.NewSymDense(n, g), true) {
			panic("sketch: FrequentDirections.TopK: eigendecomposition did not converge")
		}
		vals := es.Values(nil)
		var u mat.Dense
		es.VectorsTo(&u)
		col := make([]float64, n)
		for i := range min(k, n) {
			c := n - 1 - i // EigenSym orders ascending
			lam := vals[c]
			if !(lam > 0) {
				break
			}
			mat.Col(col, c, &u)
			v := top.Vectors[i*d : (i+1)*d]
			kernel.GemvT(n, d, 1, b, d, col, 0, v)
			nv := kernel.Nrm2(v)
			if nv == 0 {
				break
			}
			kernel.Scal(1/nv, v)
			top.Values[i] = nv // ‖Bᵀu‖ = σ
		}
	}
	sum := 0.0
	for i, s := range top.Values {
		top.Upper[i] = math.Sqrt(s*s + f.delta)
		sum += s * s
	}
	top.TailBound = max(f.frob2-sum, 0) / float64(f.ell-k)
	return top
}
