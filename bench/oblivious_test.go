//go:build unix

package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/linstream/linstream/internal/kernel"
	"github.com/linstream/linstream/sketch"
)

// BenchmarkOblivious measures the oblivious sketches and the norm sampler
// on an in-memory n×d matrix written in blocks of 64 rows, one core. MB/s
// counts the float64 rows consumed (8·n·d bytes per op).
//
//   - CountSketch, OSNAP: impl=linstream; the peer impl=gonum-daxpy does the
//     same per-row update with gonum's Daxpy (hashes precomputed, so it is a
//     lower bound on a gonum-based sketch).
//   - NormSampler: impl=linstream; the peer impl=gonum-ddot computes only the
//     squared norms with gonum's Ddot (no sampling).
//   - Gaussian: impl=linstream (S generated on the fly, the chosen GemmTN
//     body) and impl=generic (the Go kernel body); the peer impl=gonum-dgemm
//     multiplies an explicit, precomputed m×n S by A with gonum's Dgemm,
//     its generation not timed.
//
// Besides MB/s (wall clock) each reports cpuMB/s: the same bytes over the
// process's CPU time (getrusage) during the loop, which stays meaningful
// when the machine is shared and the benchmark waits for a core. Run with
// GOMAXPROCS=1 so that figure is one core's.
func BenchmarkOblivious(b *testing.B) {
	const n, d, block = 4096, 512, 64
	rng := rand.New(rand.NewPCG(3, 4))
	a := make([]float64, n*d)
	for i := range a {
		a[i] = rng.NormFloat64()
	}
	var g gonum.Implementation
	shape := fmt.Sprintf("%dx%d", n, d)
	setup := func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(8 * n * d))
	}
	loop := func(b *testing.B, f func()) { cpuMBLoop(b, int64(8*n*d), f) }
	feed := func(b *testing.B, w interface{ WriteRows([]float64) (int, error) }) {
		for off := 0; off < len(a); off += block * d {
			if _, err := w.WriteRows(a[off : off+block*d]); err != nil {
				b.Fatal(err)
			}
		}
	}

	for _, m := range []int{256, 4096} {
		name := fmt.Sprintf("CountSketch/%s,m=%d", shape, m)
		b.Run(name+"/impl=linstream", func(b *testing.B) {
			cs, _ := sketch.NewCountSketch(d, m, sketch.WithSeed(1))
			setup(b)
			loop(b, func() {
				cs.Reset()
				feed(b, cs)
			})
		})
		b.Run(name+"/impl=gonum-daxpy", func(b *testing.B) {
			cs, _ := sketch.NewCountSketch(d, m, sketch.WithSeed(1))
			bkt := make([]int, n)
			sgn := make([]float64, n)
			for i := range n {
				bkt[i], sgn[i] = cs.Column(int64(i))
			}
			acc := make([]float64, m*d)
			setup(b)
			loop(b, func() {
				clear(acc)
				for i := range n {
					g.Daxpy(d, sgn[i], a[i*d:i*d+d], 1, acc[bkt[i]*d:bkt[i]*d+d], 1)
				}
			})
		})
	}
	{
		const m, s = 1024, 4
		name := fmt.Sprintf("OSNAP/%s,m=%d,s=%d", shape, m, s)
		b.Run(name+"/impl=linstream", func(b *testing.B) {
			o, _ := sketch.NewOSNAP(d, m, s, sketch.WithSeed(1))
			setup(b)
			loop(b, func() {
				o.Reset()
				feed(b, o)
			})
		})
		b.Run(name+"/impl=gonum-daxpy", func(b *testing.B) {
			o, _ := sketch.NewOSNAP(d, m, s, sketch.WithSeed(1))
			bkt := make([]int, n*s)
			val := make([]float64, n*s)
			for i := range n {
				o.Column(int64(i), bkt[i*s:i*s+s], val[i*s:i*s+s])
			}
			acc := make([]float64, m*d)
			setup(b)
			loop(b, func() {
				clear(acc)
				for i := range n {
					for k := range s {
						r := bkt[i*s+k]
						g.Daxpy(d, val[i*s+k], a[i*d:i*d+d], 1, acc[r*d:r*d+d], 1)
					}
				}
			})
		})
	}
	for _, c := range []int{64, 1024} {
		name := fmt.Sprintf("NormSampler/%s,c=%d", shape, c)
		b.Run(name+"/impl=linstream", func(b *testing.B) {
			ns, _ := sketch.NewNormSampler(d, c, sketch.WithSeed(1))
			setup(b)
			loop(b, func() {
				ns.Reset()
				feed(b, ns)
			})
		})
		b.Run(name+"/impl=gonum-ddot", func(b *testing.B) {
			var sink float64
			setup(b)
			loop(b, func() {
				for i := range n {
					sink += g.Ddot(d, a[i*d:i*d+d], 1, a[i*d:i*d+d], 1)
				}
			})
			_ = sink
		})
	}
	for _, m := range []int{64, 256} {
		name := fmt.Sprintf("Gaussian/%s,m=%d", shape, m)
		impls := kernel.Impls()
		for i, impl := range []string{impls[0], "generic"} {
			label := "linstream"
			if i > 0 {
				label = "generic"
			}
			b.Run(name+"/impl="+label, func(b *testing.B) {
				defer kernel.Use(impl)()
				gs, _ := sketch.NewGaussian(d, m, sketch.WithSeed(1))
				setup(b)
				loop(b, func() {
					gs.Reset()
					feed(b, gs)
				})
			})
		}
		b.Run(name+"/impl=gonum-dgemm", func(b *testing.B) {
			gs, _ := sketch.NewGaussian(d, m, sketch.WithSeed(1))
			S := make([]float64, m*n) // m×n row-major
			col := make([]float64, m)
			for i := range n {
				gs.Column(int64(i), col)
				for r := range m {
					S[r*n+i] = col[r]
				}
			}
			c := make([]float64, m*d)
			setup(b)
			loop(b, func() {
				g.Dgemm(blas.NoTrans, blas.NoTrans, m, d, n, 1, S, n, a, d, 0, c, d)
			})
		})
	}
}

// BenchmarkGaussianColumns measures the generation of S: the m normals of
// one column (one stream row), per normal, through a Gaussian sketch of one
// column (so the matrix product is negligible). cpu-ns/normal uses process
// CPU time.
func BenchmarkGaussianColumns(b *testing.B) {
	for _, m := range []int{64, 1024} {
		b.Run(fmt.Sprintf("m=%d/impl=linstream", m), func(b *testing.B) {
			gs, _ := sketch.NewGaussian(1, m, sketch.WithSeed(1))
			row := make([]float64, 64)
			b.ReportAllocs()
			c0 := processCPU().Seconds()
			for b.Loop() {
				_, _ = gs.WriteRows(row) // 64 columns of S, GemmTN with d = 1
			}
			cpu := processCPU().Seconds() - c0
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(64*m), "ns/normal")
			b.ReportMetric(cpu*1e9/float64(b.N)/float64(64*m), "cpu-ns/normal")
		})
	}
}
