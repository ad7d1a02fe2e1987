package sketch

import (
	"fmt"
	"github.com/linstream/linstream/internal/racecheck"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// eigCases returns symmetric test matrices of size n, scaled to unit
// maximum diagonal as the FD shrink does.
func eigCases(rng *rand.Rand, n int) map[string][]float64 {
	out := map[string][]float64{}
	gram := func(rows, rank int, noise float64) []float64 {
		d := 3 * n
		b := make([]float64, rows*d)
		basis := make([]float64, rank*d)
		for i := range basis {
			basis[i] = rng.NormFloat64()
		}
		for i := range rows {
			for r := range rank {
				c := rng.NormFloat64() * math.Pow(0.7, float64(r))
				for j := range d {
					b[i*d+j] += c * basis[r*d+j]
				}
			}
			for j := range d {
				b[i*d+j] += noise * rng.NormFloat64()
			}
		}
		g := make([]float64, n*n)
		for i := range n {
			for j := range n {
				s := 0.0
				for t := range d {
					s += b[i*d+t] * b[j*d+t]
				}
				g[i*n+j] = s
			}
		}
		return g
	}
	out["gram-full"] = gram(n, n, 1)
	out["gram-lowrank"] = gram(n, max(1, n/3), 0)
	out["gram-lowrank-noise"] = gram(n, max(1, n/4), 1e-3)
	sym := make([]float64, n*n)
	for i := range n {
		for j := i; j < n; j++ {
			v := rng.NormFloat64()
			sym[i*n+j], sym[j*n+i] = v, v
		}
	}
	out["random-indefinite"] = sym
	diag := make([]float64, n*n)
	for i := range n {
		diag[i*n+i] = float64(1 + (i*7)%5) // repeated values, already diagonal
	}
	out["diagonal-repeated"] = diag
	// FD's structure: an orthogonal block (diagonal) coupled to new rows.
	fd := gram(n, n, 1)
	for i := range n / 2 {
		for j := range n / 2 {
			if i != j {
				fd[i*n+j] = 0
			}
		}
	}
	out["fd-structured"] = fd
	ones := make([]float64, n*n)
	for i := range ones {
		ones[i] = 1 // rank one, n−1 zero eigenvalues
	}
	out["ones"] = ones
	for name, g := range out {
		s := 0.0
		for i := range n {
			s = max(s, math.Abs(g[i*n+i]))
		}
		if s > 0 {
			for i := range g {
				g[i] /= s
			}
		}
		out[name] = g
	}
	return out
}

func TestSymEigAgainstGonum(t *testing.T) {
	for _, blocked := range []bool{true, false} {
		testSymEig(t, blocked)
	}
}

func testSymEig(t *testing.T, blocked bool) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{1, 2, 3, 5, 16, 33, 34, 35, 40, 50, 128} {
		for name, g := range eigCases(rng, n) {
			k := max(1, n/2-1)
			var e symEig
			e.init(n, k)
			e.blocked = blocked
			name := fmt.Sprintf("%s blocked=%v", name, blocked)
			work := slices.Clone(g)
			vals := slices.Clone(e.values(work, n))
			vecs := slices.Clone(e.vectors(k))
			assert.False(t, e.usedFB, "n=%d %s fell back to Dsyev", n, name)

			var es mat.EigenSym
			require.True(t, es.Factorize(mat.NewSymDense(n, slices.Clone(g)), true))
			want := es.Values(nil)
			slices.Reverse(want)
			for i := range n {
				assert.InDelta(t, want[i], vals[i], 1e-12, "n=%d %s value %d", n, name, i)
			}
			// Residual and orthonormality of the k vectors.
			gm := mat.NewDense(n, n, g)
			for j := range k {
				u := mat.NewVecDense(n, vecs[j*n:(j+1)*n])
				var r mat.VecDense
				r.MulVec(gm, u)
				r.AddScaledVec(&r, -vals[j], u)
				assert.Less(t, mat.Norm(&r, 2), 1e-11, "n=%d %s residual %d", n, name, j)
				for i := range j + 1 {
					dot := mat.Dot(u, mat.NewVecDense(n, vecs[i*n:(i+1)*n]))
					want := 0.0
					if i == j {
						want = 1
					}
					assert.InDelta(t, want, dot, 1e-11, "n=%d %s ⟨u%d,u%d⟩", n, name, i, j)
				}
			}
		}
	}
}

func TestSymEigNoAllocs(t *testing.T) {
	if racecheck.Enabled {
		t.Skip("allocation counts are not meaningful under the race detector (sync.Pool drops items)")
	}
	rng := rand.New(rand.NewPCG(2, 2))
	n := 64
	g := eigCases(rng, n)["gram-full"]
	var e symEig
	e.init(n, n/2-1)
	work := make([]float64, n*n)
	allocs := testing.AllocsPerRun(5, func() {
		copy(work, g)
		e.values(work, n)
		e.vectors(n/2 - 1)
	})
	assert.Zero(t, allocs)
	copy(work, g)
	e.values(work, n)
	e.fallback()
	allocs = testing.AllocsPerRun(5, func() {
		copy(work, g)
		e.values(work, n)
		e.fallback()
	})
	assert.Zero(t, allocs, "the Dsyev fallback is allocation-free too")
}

// BenchmarkSymEig compares the FD shrink's eigensolver (top n/2−1
// eigenpairs) with gonum's EigenSym (all pairs) on FD-shaped Gram matrices.
// It lives here, not in package bench, because the solver is unexported.
func BenchmarkSymEig(b *testing.B) {
	for _, n := range []int{64, 128, 256} {
		rng := rand.New(rand.NewPCG(3, 3))
		g := eigCases(rng, n)["fd-structured"]
		k := n/2 - 1
		b.Run("n="+itoa(n)+"/impl=linstream", func(b *testing.B) {
			var e symEig
			e.init(n, k)
			work := make([]float64, n*n)
			b.ReportAllocs()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			t0 := threadCPU()
			for b.Loop() {
				copy(work, g)
				e.values(work, n)
				e.vectors(k)
			}
			b.ReportMetric(float64(threadCPU()-t0)/float64(b.N), "cpu-ns/op")
		})
		b.Run("n="+itoa(n)+"/impl=linstream-values", func(b *testing.B) {
			var e symEig
			e.init(n, k)
			work := make([]float64, n*n)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			t0 := threadCPU()
			for b.Loop() {
				copy(work, g)
				e.values(work, n)
			}
			b.ReportMetric(float64(threadCPU()-t0)/float64(b.N), "cpu-ns/op")
		})
		b.Run("n="+itoa(n)+"/impl=gonum-EigenSym", func(b *testing.B) {
			s := mat.NewSymDense(n, slices.Clone(g))
			var es mat.EigenSym
			b.ReportAllocs()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			t0 := threadCPU()
			for b.Loop() {
				es.Factorize(s, true)
			}
			b.ReportMetric(float64(threadCPU()-t0)/float64(b.N), "cpu-ns/op")
		})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return string(buf[i:])
}

// threadCPU returns the CPU time consumed by the calling OS thread (the
// machine is shared, so wall time overstates cost; benchmarks lock the
// goroutine to its thread and report cpu-ns/op beside ns/op).
func threadCPU() time.Duration {
	var ru syscall.Rusage
	const rusageThread = 1 // RUSAGE_THREAD (Linux)
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
