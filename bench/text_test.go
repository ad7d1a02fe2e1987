package bench

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/linstream/linstream/internal/digits"
	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/delim"
	"github.com/linstream/linstream/stream/mtx"
)

// textMatrix returns a rows×cols Gaussian matrix.
func textMatrix(rows, cols int) []float64 {
	rng := rand.New(rand.NewPCG(11, 12))
	data := make([]float64, rows*cols)
	for i := range data {
		data[i] = rng.NormFloat64()
	}
	return data
}

// csvText renders data as CSV: "full" is every value at full precision
// (the writer's shortest round-trip form, ~19 bytes a field), "short" is 4
// decimals (like typical exported data), "int" small integers (like pixels).
func csvText(b *testing.B, data []float64, cols int, kind string) []byte {
	var buf bytes.Buffer
	switch kind {
	case "full":
		w, err := delim.NewWriter(&buf, cols)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := w.WriteRows(data); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	default:
		var line []byte
		for i := 0; i < len(data); i += cols {
			line = line[:0]
			for k, v := range data[i : i+cols] {
				if k > 0 {
					line = append(line, ',')
				}
				if kind == "short" {
					line = strconv.AppendFloat(line, v, 'f', 4, 64)
				} else {
					line = strconv.AppendInt(line, int64(v*4+8), 10)
				}
			}
			line = append(line, '\n')
			buf.Write(line)
		}
	}
	return buf.Bytes()
}

type discard struct{ cols int }

func (d discard) Cols() int                            { return d.cols }
func (d discard) WriteRows(src []float64) (int, error) { return len(src) / d.cols, nil }

// BenchmarkText/CSV: MB/s of CSV text parsed into float64 rows;
// impl=linstream is stream/delim, impl=encodingcsv is encoding/csv with
// ReuseRecord plus strconv.ParseFloat per field (the usual Go way).
func BenchmarkText(b *testing.B) {
	const rows, cols = 4000, 64
	data := textMatrix(rows, cols)
	for _, kind := range []string{"full", "short", "int"} {
		text := csvText(b, data, cols, kind)
		shape := fmt.Sprintf("%dx%d-%s", rows, cols, kind)
		b.Run("CSV/"+shape+"/impl=linstream", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(text)))
			buf := make([]float64, stream.DefaultBlockRows*cols)
			for b.Loop() {
				r, err := delim.NewReader(bytes.NewReader(text), delim.Header(0))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := stream.CopyBuffer(discard{cols}, r, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("CSV/"+shape+"/impl=encodingcsv", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(text)))
			row := make([]float64, cols)
			for b.Loop() {
				cr := csv.NewReader(bytes.NewReader(text))
				cr.ReuseRecord = true
				for {
					rec, err := cr.Read()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					for k, f := range rec {
						v, err := strconv.ParseFloat(f, 64)
						if err != nil {
							b.Fatal(err)
						}
						row[k] = v
					}
				}
			}
		})
	}
	// The real digits matrix (1797×65 small integers, label column dropped
	// by the reader, parsed in full by the peer).
	zr, err := gzip.NewReader(bytes.NewReader(digits.CSV()))
	if err != nil {
		b.Fatal(err)
	}
	dtext, err := io.ReadAll(zr)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("CSV/digits-1797x65/impl=linstream", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(dtext)))
		buf := make([]float64, stream.DefaultBlockRows*64)
		for b.Loop() {
			r, err := delim.NewReader(bytes.NewReader(dtext), delim.DropColumns([]int{-1}))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := stream.CopyBuffer(discard{64}, r, buf); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CSV/digits-1797x65/impl=encodingcsv", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(dtext)))
		row := make([]float64, 65)
		for b.Loop() {
			cr := csv.NewReader(bytes.NewReader(dtext))
			cr.ReuseRecord = true
			for {
				rec, err := cr.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				for k, f := range rec {
					v, err := strconv.ParseFloat(f, 64)
					if err != nil {
						b.Fatal(err)
					}
					row[k] = v
				}
			}
		}
	})
	// Writing: shortest round-trip formatting.
	b.Run(fmt.Sprintf("CSVWrite/%dx%d/impl=linstream", rows, cols), func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(8 * len(data)))
		for b.Loop() {
			w, _ := delim.NewWriter(io.Discard, cols)
			if _, err := w.WriteRows(data); err != nil {
				b.Fatal(err)
			}
			_ = w.Close()
		}
	})
}

// BenchmarkText/MTX: MB/s of Matrix Market text parsed into rows, for a
// row-sorted coordinate file (streams) and an array file (column-major, held
// in memory and emitted by rows). The write side is measured too.
func BenchmarkTextMTX(b *testing.B) {
	const rows, cols = 4000, 64
	data := textMatrix(rows, cols)
	for _, format := range []string{"coordinate", "array"} {
		var buf bytes.Buffer
		var opts []mtx.Option
		if format == "array" {
			opts = append(opts, mtx.ArrayFormat())
		}
		w, err := mtx.NewWriter(&buf, cols, opts...)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := w.WriteRows(data); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		text := buf.Bytes()
		shape := fmt.Sprintf("%dx%d", rows, cols)
		b.Run("MTX/"+format+"/"+shape+"/impl=linstream", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(text)))
			blk := make([]float64, stream.DefaultBlockRows*cols)
			for b.Loop() {
				r, err := mtx.NewReader(bytes.NewReader(text))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := stream.CopyBuffer(discard{cols}, r, blk); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("MTXWrite/"+format+"/"+shape+"/impl=linstream", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(8 * len(data)))
			for b.Loop() {
				w, _ := mtx.NewWriter(io.Discard, cols, opts...)
				if _, err := w.WriteRows(data); err != nil {
					b.Fatal(err)
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
