//go:build unix

package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/linstream/linstream/internal/kernel"
)

// BenchmarkKernel measures every kernel of internal/kernel beside gonum's
// native (pure-Go + its own assembly for level 1) blas64 implementation on
// the same data in the same run. Each reports GFLOPS from wall time and
// cpuGFLOPS from the process's CPU time over the same loop: on a shared,
// loaded machine the second is the steadier measure of the code (it also
// charges gonum's Dgemm for all the threads it starts). impl=linstream is the body chosen at
// start-up (AVX-512 on this machine), impl=linstream-avx2 the AVX2 body where
// the CPU has it, impl=generic the Go body that specifies the kernel
// (installed through kernel.Use), impl=gonum the peer. Shapes: n for
// vectors, m×n for Gemv (A is m×n), b×d for GramUpdate (a b×d block into
// the d×d upper triangle), m×n×k for Gemm (C is m×n, inner dimension k).
func BenchmarkKernel(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(n int) []float64 {
		s := make([]float64, n)
		for i := range s {
			s[i] = rng.NormFloat64()
		}
		return s
	}
	var g gonum.Implementation

	type kcase struct {
		name, shape string
		flops       float64 // per call
		bytes       int64   // operand bytes touched per call
		ours        func()
		peer        func()
		// ceiling, where set, moves the kernel's operands through the
		// memory hierarchy the cheapest way there is (a plain read stream
		// or a copy) and does no arithmetic worth the name; its GFLOPS is
		// the rate the kernel would reach if it ran at that speed, the
		// machine's limit for this shape.
		ceiling func()
	}
	var cases []kcase

	{ // Dot and Axpy, n = 1024 (in L1)
		const n = 1024
		x, y := fill(n), fill(n)
		var sink float64
		y2 := fill(n)
		cases = append(cases,
			kcase{"Dot", fmt.Sprint(n), 2 * n, 16 * n,
				func() { sink += kernel.Dot(x, y) },
				func() { sink += g.Ddot(n, x, 1, y, 1) }, nil},
			// Axpy's ceiling: copy x into a third vector, as many stores
			// and one load fewer per entry (stores bound both).
			kcase{"Axpy", fmt.Sprint(n), 2 * n, 24 * n,
				func() { kernel.Axpy(1e-9, x, y) },
				func() { g.Daxpy(n, 1e-9, x, 1, y, 1) },
				func() { copy(y2, x) }},
			kcase{"Scal", fmt.Sprint(n), n, 16 * n,
				func() { kernel.Scal(1.0000001, y) },
				func() { g.Dscal(n, 1.0000001, y, 1) }, nil},
		)
	}
	{ // Gemv and GemvT on a 64×512 block
		const m, n = 64, 512
		a, x, y := fill(m*n), fill(n), fill(n)
		// The 256 KB block does not fit in L1, so both forms stream A
		// from L2 once per call; their ceiling is that read stream alone
		// (Dot of A's two halves: the same bytes, one FMA per 16 of them).
		var sink float64
		stream := func() { sink += kernel.Dot(a[:m*n/2], a[m*n/2:]) }
		cases = append(cases,
			kcase{"Gemv", fmt.Sprintf("%dx%d", m, n), 2 * m * n, 8 * (m*n + n + m),
				func() { kernel.Gemv(m, n, 1, a, n, x, 0.5, y[:m]) },
				func() { g.Dgemv(blas.NoTrans, m, n, 1, a, n, x, 1, 0.5, y[:m], 1) },
				stream},
			kcase{"GemvT", fmt.Sprintf("%dx%d", m, n), 2 * m * n, 8 * (m*n + n + m),
				func() { kernel.GemvT(m, n, 1, a, n, x[:m], 0.5, y) },
				func() { g.Dgemv(blas.Trans, m, n, 1, a, n, x[:m], 1, 0.5, y, 1) },
				stream},
		)
	}
	{ // GramUpdate: a 64×512 block into the 512×512 upper triangle
		const bk, d = 64, 512
		a, c := fill(bk*d), fill(d*d)
		cases = append(cases, kcase{"GramUpdate", fmt.Sprintf("%dx%d", bk, d), float64(bk) * d * (d + 1), 8 * (bk*d + d*(d+1)),
			func() { kernel.GramUpdate(bk, d, 1e-9, a, d, c, d) },
			func() { g.Dsyrk(blas.Upper, blas.Trans, d, bk, 1e-9, a, d, 1, c, d) }, nil})
	}
	{ // Gemm: apply a 64×512 panel to a 256×512 block (NT), accumulate a
		// panel from a block (TN), and map coefficients back (NN).
		const bk, p, d = 256, 64, 512
		blk, pan, coef, acc := fill(bk*d), fill(p*d), fill(bk*p), fill(p*d)
		out := fill(bk * d)
		cases = append(cases,
			kcase{"GemmNT", fmt.Sprintf("%dx%dx%d", bk, p, d), 2 * bk * p * d, 8 * (bk*d + p*d + bk*p),
				func() { kernel.GemmNT(bk, p, d, 1, blk, d, pan, d, 0, coef, p) },
				func() { g.Dgemm(blas.NoTrans, blas.Trans, bk, p, d, 1, blk, d, pan, d, 0, coef, p) }, nil},
			kcase{"GemmTN", fmt.Sprintf("%dx%dx%d", p, d, bk), 2 * bk * p * d, 8 * (bk*d + p*d + bk*p),
				func() { kernel.GemmTN(p, d, bk, 1, coef, p, blk, d, 0.5, acc, d) },
				func() { g.Dgemm(blas.Trans, blas.NoTrans, p, d, bk, 1, coef, p, blk, d, 0.5, acc, d) }, nil},
			kcase{"GemmNN", fmt.Sprintf("%dx%dx%d", bk, d, p), 2 * bk * p * d, 8 * (bk*d + p*d + bk*p),
				func() { kernel.GemmNN(bk, d, p, 1, coef, p, pan, d, 0, out, d) },
				func() { g.Dgemm(blas.NoTrans, blas.NoTrans, bk, d, p, 1, coef, p, pan, d, 0, out, d) }, nil},
		)
	}

	impls := kernel.Impls() // best first, "generic" last
	run := func(b *testing.B, c kcase, f func()) {
		b.ReportAllocs()
		b.SetBytes(c.bytes)
		f() // warm the caches and the scratch pool
		t0 := processCPU()
		for b.Loop() {
			f()
		}
		cpu := processCPU() - t0
		b.ReportMetric(c.flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		b.ReportMetric(c.flops*float64(b.N)/cpu.Seconds()/1e9, "cpuGFLOPS")
	}
	for _, c := range cases {
		b.Run(c.name+"/"+c.shape, func(b *testing.B) {
			for i, name := range impls {
				label := "linstream"
				switch {
				case name == "generic":
					label = "generic"
				case i > 0:
					label = "linstream-" + name
				}
				b.Run("impl="+label, func(b *testing.B) {
					defer kernel.Use(name)()
					run(b, c, c.ours)
				})
			}
			b.Run("impl=gonum", func(b *testing.B) { run(b, c, c.peer) })
			if c.ceiling != nil {
				b.Run("impl=ceiling", func(b *testing.B) { run(b, c, c.ceiling) })
			}
		})
	}
}
