package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/linstream/linstream/stream"
)

// BenchmarkStream measures the row-stream plumbing of package stream.
//
//   - Copy: SliceReader → Discard through Copy's one 64-row buffer, beside
//     impl=memmove, the same bytes moved by copy() in 64-row blocks (the
//     ceiling any Reader→Writer loop can reach); Tee3 is Copy into a Tee of
//     three Discards; Scanner is a Scan loop over 256-row blocks.
//   - CheckFinite: the per-block non-finite check of format readers beside
//     impl=isnan, the obvious math.IsNaN/math.IsInf loop.
//   - Shuffle: a full Shuffle into a Discard, in memory (default budget)
//     and spilling (budget = 1/8 of the data, impl=linstream-s2 and
//     linstream-none), beside impl=perm, rand.Perm plus a gather into a
//     second buffer (in memory only, the cost floor of any row shuffle).
//     impl=linstream-randomaccess shuffles a RowReaderAt source (FromMatrix)
//     over budget: row indices are permuted and rows read in that order.
//     impl=linstream-reset reuses one Shuffled through Reset (the store is
//     allocated once, as in a shuffle per epoch); impl=linstream allocates
//     and first-touches its store on every call.
//
// Shapes are rows×cols; SetBytes is the float64 payload, so MB/s is payload
// throughput.
func BenchmarkStream(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(n int) []float64 {
		s := make([]float64, n)
		for i := range s {
			s[i] = rng.NormFloat64()
		}
		return s
	}

	for _, sh := range [][2]int{{1 << 16, 64}, {1 << 20, 4}} {
		rows, cols := sh[0], sh[1]
		data := fill(rows * cols)
		shape := fmt.Sprintf("%dx%d", rows, cols)
		bytes := int64(8 * rows * cols)
		b.Run("Copy/"+shape+"/impl=linstream", func(b *testing.B) {
			r := stream.NewSliceReader(data, cols)
			d := stream.Discard(cols)
			buf := make([]float64, stream.DefaultBlockRows*cols)
			b.SetBytes(bytes)
			b.ReportAllocs()
			for b.Loop() {
				_ = r.Rewind()
				if _, err := stream.CopyBuffer(d, r, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Copy/"+shape+"/impl=memmove", func(b *testing.B) {
			buf := make([]float64, stream.DefaultBlockRows*cols)
			b.SetBytes(bytes)
			b.ReportAllocs()
			for b.Loop() {
				for off := 0; off < len(data); off += len(buf) {
					copy(buf, data[off:])
				}
			}
		})
		b.Run("Tee3/"+shape+"/impl=linstream", func(b *testing.B) {
			r := stream.NewSliceReader(data, cols)
			t := stream.Tee(stream.Discard(cols), stream.Discard(cols), stream.Discard(cols))
			buf := make([]float64, stream.DefaultBlockRows*cols)
			b.SetBytes(bytes)
			b.ReportAllocs()
			for b.Loop() {
				_ = r.Rewind()
				if _, err := stream.CopyBuffer(t, r, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Scanner/"+shape+"/impl=linstream", func(b *testing.B) {
			r := stream.NewSliceReader(data, cols)
			s := stream.NewScanner(r, 256)
			b.SetBytes(bytes)
			b.ReportAllocs()
			for b.Loop() {
				_ = r.Rewind()
				s = stream.NewScanner(r, 256)
				for s.Scan() {
				}
			}
			_ = s
		})
	}

	{
		const rows, cols = 64, 64 // one Copy block of a d=64 stream
		data := fill(rows * cols)
		shape := fmt.Sprintf("%dx%d", rows, cols)
		b.Run("CheckFinite/"+shape+"/impl=linstream", func(b *testing.B) {
			b.SetBytes(8 * rows * cols)
			b.ReportAllocs()
			for b.Loop() {
				if stream.CheckFinite(data, cols, 0) != nil {
					b.Fatal("non-finite")
				}
			}
		})
		b.Run("CheckFinite/"+shape+"/impl=isnan", func(b *testing.B) {
			b.SetBytes(8 * rows * cols)
			b.ReportAllocs()
			for b.Loop() {
				for _, v := range data {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						b.Fatal("non-finite")
					}
				}
			}
		})
	}

	for _, sh := range [][2]int{{1 << 15, 64}, {1 << 18, 8}} { // 16 MiB each
		rows, cols := sh[0], sh[1]
		data := fill(rows * cols)
		shape := fmt.Sprintf("%dx%d", rows, cols)
		bytes := int64(8 * rows * cols)
		dir := b.TempDir()
		for _, c := range []struct {
			impl string
			opts []stream.ShuffleOption
		}{
			{"linstream", nil},
			{"linstream-s2-spill", []stream.ShuffleOption{stream.WithMemory(bytes / 8)}},
			{"linstream-none-spill", []stream.ShuffleOption{stream.WithMemory(bytes / 8), stream.WithSpillCompression(stream.SpillNone)}},
		} {
			b.Run("Shuffle/"+shape+"/impl="+c.impl, func(b *testing.B) {
				r := stream.NewSliceReader(data, cols)
				d := stream.Discard(cols)
				opts := append([]stream.ShuffleOption{stream.WithTempDir(dir)}, c.opts...)
				b.SetBytes(bytes)
				b.ReportAllocs()
				for b.Loop() {
					_ = r.Rewind()
					if _, err := stream.Shuffle(d, r, opts...); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run("Shuffle/"+shape+"/impl=linstream-randomaccess", func(b *testing.B) {
			// A RowReaderAt source over budget: indices are permuted, rows
			// read in that order, nothing spilled.
			m := mat.NewDense(rows, cols, data)
			d := stream.Discard(cols)
			b.SetBytes(bytes)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := stream.Shuffle(d, stream.FromMatrix(m), stream.WithMemory(bytes/8)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Shuffle/"+shape+"/impl=linstream-reset", func(b *testing.B) {
			r := stream.NewSliceReader(data, cols)
			d := stream.Discard(cols)
			s, err := stream.NewShuffled(r)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.SetBytes(bytes)
			b.ReportAllocs()
			for b.Loop() {
				_ = r.Rewind()
				s.Reset(r)
				if _, err := s.WriteTo(d); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Shuffle/"+shape+"/impl=perm", func(b *testing.B) {
			out := make([]float64, len(data))
			prng := rand.New(rand.NewPCG(3, 4))
			b.SetBytes(bytes)
			b.ReportAllocs()
			for b.Loop() {
				for k, i := range prng.Perm(rows) {
					copy(out[k*cols:(k+1)*cols], data[i*cols:(i+1)*cols])
				}
			}
		})
	}
}
