//go:build unix

package bench

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/matfile"
)

// sumRows is a cheap Writer that reads every value (four sums, so it runs
// at memory speed): what a streaming estimator's pass costs at the least.
type sumRows struct {
	cols int
	s    [4]float64
}

func (w *sumRows) Cols() int { return w.cols }

func (w *sumRows) WriteRows(src []float64) (int, error) {
	s0, s1, s2, s3 := w.s[0], w.s[1], w.s[2], w.s[3]
	x := src
	for len(x) >= 4 {
		s0 += x[0]
		s1 += x[1]
		s2 += x[2]
		s3 += x[3]
		x = x[4:]
	}
	for _, v := range x {
		s0 += v
	}
	w.s = [4]float64{s0, s1, s2, s3}
	return len(src) / w.cols, nil
}

// BenchmarkMmap: a 100000×512 float64 .npy on disk (410 MB, written in
// setup, so in the page cache) read whole through matfile.Open +
// stream.Copy into a Writer. impl=pread is the Pread option (pread into
// Copy's 64-row buffer, then the finiteness check); impl=mmap is the
// default, File.WriteTo handing the Writer 1 MiB slices of a memory map
// after the check; impl=mmap-nocheck is the map with AllowNonFinite (the
// floor of one pass over the file's pages). writer=discard drops the rows
// unread; writer=sum reads every value, as an estimator does. cpu-ns/op is
// process CPU (user + system: the pread copy is system time).
func BenchmarkMmap(b *testing.B) {
	const rows, cols = 100000, 512
	path := filepath.Join(b.TempDir(), "a.npy")
	w, err := matfile.Create(path, cols, matfile.KnownRows(rows))
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	blk := make([]float64, 1000*cols)
	for done := 0; done < rows; done += 1000 {
		for i := range blk {
			blk[i] = rng.NormFloat64()
		}
		if _, err := w.WriteRows(blk); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	blk = nil
	payload := int64(8 * rows * cols)
	shape := fmt.Sprintf("%dx%d", rows, cols)
	for _, wr := range []string{"discard", "sum"} {
		for _, impl := range []struct {
			name string
			opts []matfile.Option
		}{
			{"pread", []matfile.Option{matfile.Pread()}},
			{"mmap", nil},
			{"mmap-nocheck", []matfile.Option{matfile.AllowNonFinite()}},
		} {
			b.Run(shape+"/writer="+wr+"/impl="+impl.name, func(b *testing.B) {
				var dst stream.Writer = stream.Discard(cols)
				if wr == "sum" {
					dst = &sumRows{cols: cols}
				}
				b.SetBytes(payload)
				b.ReportAllocs()
				c0 := processCPU()
				for b.Loop() {
					f, err := matfile.Open(path, impl.opts...)
					if err != nil {
						b.Fatal(err)
					}
					if n, err := stream.Copy(dst, f); err != nil || n != rows {
						b.Fatal(n, err)
					}
					f.Close()
				}
				b.ReportMetric(float64(processCPU()-c0)/float64(b.N), "cpu-ns/op")
			})
		}
	}
	_ = os.Remove(path)
}
