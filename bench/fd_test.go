//go:build unix

package bench

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/linstream/linstream/sketch"
)

// fdMatrix returns an n×d row-major matrix: a rank-20 signal with decaying
// strengths plus unit noise (the shape of the peers' "rank 20 + noise"
// inputs): 100000×512 is 400 MB, 20000×8192 1.3 GB, generated per run.
func fdMatrix(n, d int) []float64 {
	rng := rand.New(rand.NewPCG(uint64(n), uint64(d)))
	const r = 20
	basis := make([]float64, r*d)
	for i := range basis {
		basis[i] = rng.NormFloat64()
	}
	a := make([]float64, n*d)
	coef := make([]float64, r)
	for i := range n {
		row := a[i*d : (i+1)*d]
		for k := range r {
			coef[k] = rng.NormFloat64() * 10 / float64(k+1)
		}
		for j := range d {
			s := rng.NormFloat64()
			for k := range r {
				s += coef[k] * basis[k*d+j]
			}
			row[j] = s
		}
	}
	return a
}

// BenchmarkFD measures Frequent Directions on in-memory matrices, rows fed
// in blocks of 1000 (one core: run with -cpu 1). shrinks/op counts the
// decompositions, so the decomposition's share is shrinks × the time of
// BenchmarkSymEig (package sketch) at n = 2ℓ, the rest being the kernels.
//
// The in-Go peer at 20000×8192 is the exact route AᵀA (gonum Dsyrk) +
// EigenSym: infeasible at that size (the Gram alone is n·d² = 1.3 TFLOP, an
// 8192² matrix of 512 MB, and gonum's EigenSym of it runs for hours), so
// impl=gonum-gram-twentieth-rows measures the Gram on 1/20 of the rows —
// multiply by 20 for the whole — and the eigensolver is left out, which
// flatters the peer.
func BenchmarkFD(b *testing.B) {
	for _, c := range []struct{ n, d, ell int }{
		{100000, 512, 64},
		{20000, 8192, 64},
	} {
		if testing.Short() && c.d > 512 {
			continue
		}
		a := fdMatrix(c.n, c.d)
		shape := fmt.Sprintf("%dx%d/ell=%d", c.n, c.d, c.ell)
		b.Run("stream/"+shape+"/impl=linstream", func(b *testing.B) {
			f, err := sketch.NewFrequentDirections(c.d, c.ell)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(8 * len(a)))
			var shrinks int64
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			t0 := threadCPU()
			for b.Loop() {
				f.Reset()
				const block = 1000
				for off := 0; off < len(a); off += block * c.d {
					if _, err := f.WriteRows(a[off:min(len(a), off+block*c.d)]); err != nil {
						b.Fatal(err)
					}
				}
				shrinks = f.Shrinks()
			}
			b.ReportMetric(float64(threadCPU()-t0)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(shrinks), "shrinks/op")
		})
		if c.d <= 512 {
			b.Run("stream/"+shape+"/impl=gonum-gram+eigensym", func(b *testing.B) {
				b.SetBytes(int64(8 * len(a)))
				var s mat.SymDense
				var e mat.EigenSym
				b.ReportAllocs()
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				t0 := threadCPU()
				for b.Loop() {
					gramGonum(&s, a, c.n, c.d)
					if !e.Factorize(&s, true) {
						b.Fatal("EigenSym failed")
					}
				}
				b.ReportMetric(float64(threadCPU()-t0)/float64(b.N), "cpu-ns/op")
			})
		} else {
			b.Run("stream/"+shape+"/impl=gonum-gram-twentieth-rows", func(b *testing.B) {
				n := c.n / 20
				b.SetBytes(int64(8 * n * c.d))
				var s mat.SymDense
				b.ReportAllocs()
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				t0 := threadCPU()
				for b.Loop() {
					gramGonum(&s, a[:n*c.d], n, c.d)
				}
				b.ReportMetric(float64(threadCPU()-t0)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// gramGonum sets s = AᵀA with gonum's Dsyrk, fed 64-row blocks as a
// stream would be (its best shape: one Dsyrk over all n rows runs ~10×
// slower, its transposed access striding through the whole matrix).
func gramGonum(s *mat.SymDense, a []float64, n, d int) {
	if s.IsEmpty() {
		s.ReuseAsSym(d)
	}
	raw := s.RawSymmetric()
	clear(raw.Data)
	const block = 64
	for r := 0; r < n; r += block {
		m := min(block, n-r)
		blas64.Syrk(blas.Trans, 1, blas64.General{Rows: m, Cols: d, Stride: d, Data: a[r*d : (r+m)*d]}, 1, raw)
	}
}
