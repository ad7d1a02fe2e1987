//go:build unix && !purego

package matfile

import (
	"math/rand/v2"
	"syscall"
	"testing"

	"github.com/linstream/linstream/stream"
)

// BenchmarkMappedCheck: the finiteness check WriteTo runs on each 1 MiB
// block before handing it over, on 512 MiB of rows (more than the caches,
// so every block comes from memory, as from a map of a file in the page
// cache). impl=copyfinite is mappedRows.checkFinite (kernel.CopyFinite into
// a 16 KiB buffer), impl=checkfinite the scalar stream.CheckFinite.
// cpu-ns/op is process CPU; run with -cpu 1.
func BenchmarkMappedCheck(b *testing.B) {
	const cols = 512
	data := make([]float64, 64<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = rng.NormFloat64()
	}
	m := &mappedRows{cols: cols}
	block := blockBytes / 8
	for _, impl := range []string{"copyfinite", "checkfinite"} {
		b.Run("impl="+impl, func(b *testing.B) {
			b.SetBytes(int64(8 * len(data)))
			c0 := cpuNow()
			for b.Loop() {
				for i := 0; i < len(data); i += block {
					blk := data[i : i+block]
					var err error
					if impl == "copyfinite" {
						err = m.checkFinite(blk)
					} else {
						err = stream.CheckFinite(blk, cols, 0)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(cpuNow()-c0)/float64(b.N), "cpu-ns/op")
		})
	}
}

func cpuNow() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
