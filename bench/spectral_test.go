package bench

import (
	"fmt"
	"math"
	"sync"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/linstream/linstream/internal/kernel"
	"github.com/linstream/linstream/spectral"
	"github.com/linstream/linstream/stream"
)

type spectralCase struct {
	a     []float64
	exact []float64
}

var spectralCache sync.Map

func cachedSpectral(b *testing.B, n, d int) spectralCase {
	key := [2]int{n, d}
	if v, ok := spectralCache.Load(key); ok {
		return v.(spectralCase)
	}
	a := lowrankData(n, d, 1) // λ₁/λ₂ ≈ 2
	res, err := spectral.Lanczos(stream.NewSliceReader(a, d), spectral.WithTolerance(1e-12))
	if err != nil {
		b.Fatal(err)
	}
	c := spectralCase{a, res.Vector}
	spectralCache.Store(key, c)
	return c
}

// BenchmarkSpectral measures the top eigenvector of AᵀA for an in-memory
// matrix whose rows are iid (so already in random order): the one-pass
// estimators (SetBytes: the matrix's float64 bytes, so MB/s is the rate at
// which rows are consumed), Lanczos over the in-memory rows, and the dense
// peer in the same run — gonum's Dsyrk (AᵀA) then EigenSym, what numpy's
// eigh(A.T @ A) does with LAPACK. Each run reports corr = ⟨v, v₁⟩².
// ReadRows is the memory-speed ceiling measured in the same run (one Dot
// per row): quote the one-pass rates as a fraction of it.
//
//	go test ./bench -run '^$' -bench 'Spectral/.*/100000x512' -benchtime 3x
func BenchmarkSpectral(b *testing.B) {
	for _, sz := range []struct{ n, d int }{{10000, 512}, {100000, 512}} {
		shape := fmt.Sprintf("%dx%d", sz.n, sz.d)
		var c spectralCase
		load := func(b *testing.B) spectralCase {
			if c.a == nil {
				c = cachedSpectral(b, sz.n, sz.d)
			}
			return c
		}
		onePass := func(name string, mk func(d int) (stream.Writer, func() spectral.Result)) {
			b.Run(name+"/"+shape+"/impl=linstream", func(b *testing.B) {
				c := load(b)
				w, result := mk(sz.d)
				b.SetBytes(int64(8 * len(c.a)))
				b.ReportAllocs()
				for b.Loop() {
					w.(interface{ Reset() }).Reset()
					if _, err := w.WriteRows(c.a); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(spectral.Correlation(result().Vector, c.exact), "corr")
			})
		}
		onePass("Oja", func(d int) (stream.Writer, func() spectral.Result) {
			o, _ := spectral.NewOja(d)
			return o, o.Result
		})
		onePass("RandomOrder", func(d int) (stream.Writer, func() spectral.Result) {
			r, _ := spectral.NewRandomOrder(d, spectral.WithRows(int64(sz.n)))
			return r, r.Result
		})
		onePass("OjaGrid", func(d int) (stream.Writer, func() spectral.Result) {
			g, _ := spectral.NewOjaGrid(d, spectral.WithRows(int64(sz.n)))
			return g, g.Result
		})
		// The memory-speed ceiling in the same run: one kernel.Dot per row
		// against a fixed vector, the least any one-pass method must do.
		b.Run("ReadRows/"+shape+"/impl=kernel", func(b *testing.B) {
			c := load(b)
			b.SetBytes(int64(8 * len(c.a)))
			b.ReportAllocs()
			z := c.exact
			s := 0.0
			for b.Loop() {
				for i := 0; i < sz.n; i++ {
					s += kernel.Dot(c.a[i*sz.d:(i+1)*sz.d], z)
				}
			}
			b.ReportMetric(math.Abs(s)*0, "corr")
		})
		b.Run("Lanczos/"+shape+"/impl=linstream", func(b *testing.B) {
			c := load(b)
			b.SetBytes(int64(8 * len(c.a)))
			b.ReportAllocs()
			var res spectral.Result
			for b.Loop() {
				var err error
				res, err = spectral.Lanczos(stream.NewSliceReader(c.a, sz.d), spectral.WithTolerance(1e-6))
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(res.Passes), "passes")
			b.ReportMetric(spectral.Correlation(res.Vector, c.exact), "corr")
		})
		b.Run("SyrkEigenSym/"+shape+"/impl=gonum", func(b *testing.B) {
			c := load(b)
			b.SetBytes(int64(8 * len(c.a)))
			b.ReportAllocs()
			var v []float64
			for b.Loop() {
				g := blas64.Symmetric{N: sz.d, Stride: sz.d, Uplo: blas.Upper, Data: make([]float64, sz.d*sz.d)}
				blas64.Syrk(blas.Trans, 1, blas64.General{Rows: sz.n, Cols: sz.d, Stride: sz.d, Data: c.a}, 0, g)
				var s mat.SymDense
				s.SetRawSymmetric(g)
				var es mat.EigenSym
				if !es.Factorize(&s, true) {
					b.Fatal("EigenSym failed")
				}
				var vecs mat.Dense
				es.VectorsTo(&vecs)
				v = mat.Col(nil, sz.d-1, &vecs)
			}
			b.ReportMetric(spectral.Correlation(v, c.exact), "corr")
		})
	}
}
