//go:build unix

package bench

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/matfile"
	"github.com/linstream/linstream/stream/npy"
)

// formatsMatrix returns a rows×cols Gaussian matrix (float noise: zstd
// stores it nearly raw, the hard case for a decoder).
func formatsMatrix(rows, cols int) []float64 {
	rng := rand.New(rand.NewPCG(21, 22))
	x := make([]float64, rows*cols)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

func npyBytes(b *testing.B, x []float64, cols int) []byte {
	var buf bytes.Buffer
	w, err := npy.NewWriter(&buf, cols, npy.KnownRows(int64(len(x)/cols)))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := w.WriteRows(x); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// formatsMeasure runs body in a b.Loop and reports payload/CPU-second.
func formatsMeasure(b *testing.B, payload int64, body func()) {
	b.ReportAllocs()
	b.SetBytes(payload)
	cpuMBLoop(b, payload, body)
}

// binaryReadRows is the naive peer: per block, binary.Read of the
// little-endian floats into the row buffer (after the header is skipped).
func binaryReadRows(r io.Reader, buf []float64, rows, cols int) error {
	for done := 0; done < rows; {
		k := min(len(buf)/cols, rows-done)
		if err := binary.Read(r, binary.LittleEndian, buf[:k*cols]); err != nil {
			return err
		}
		done += k
	}
	return nil
}

// BenchmarkFormats/NPYDecode: .npy '<f8' from memory into 64-row blocks,
// header parse and finiteness check included. impl=linstream reads through
// npy.NewReader (sequential; rows land in the caller's block with one
// copy), impl=random through npy.NewReaderAt, impl=nocheck with
// AllowNonFinite (the cost of the finiteness check), impl=memmove copies the
// payload bytes into the blocks (the memory ceiling), impl=binaryread is
// the naive binary.Read decoder. Bytes are float64 payload.
//
// BenchmarkFormats/NPYZstd: a .npy.zst file on disk (written once in
// setup) through matfile.Open + stream.Copy to a discarding Writer, one
// decoder goroutine. impl=zstdonly decodes to io.Discard (the codec's
// ceiling), impl=binaryread is zstd + binary.Read.
func BenchmarkFormats(b *testing.B) {
	for _, sh := range []struct{ rows, cols int }{{4096, 64}, {65536, 128}} {
		rows, cols := sh.rows, sh.cols
		x := formatsMatrix(rows, cols)
		file := npyBytes(b, x, cols)
		shape := fmt.Sprintf("%dx%d", rows, cols)
		payload := int64(8 * rows * cols)
		block := make([]float64, stream.DefaultBlockRows*cols)

		readAll := func(b *testing.B, r stream.Reader) {
			for {
				_, err := r.ReadRows(block)
				if err == io.EOF {
					return
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		}
		br := bytes.NewReader(file)
		b.Run("NPYDecode/"+shape+"/impl=linstream", func(b *testing.B) {
			formatsMeasure(b, payload, func() {
				br.Reset(file)
				r, err := npy.NewReader(br)
				if err != nil {
					b.Fatal(err)
				}
				readAll(b, r)
			})
		})
		b.Run("NPYDecode/"+shape+"/impl=random", func(b *testing.B) {
			formatsMeasure(b, payload, func() {
				r, err := npy.NewReaderAt(br, int64(len(file)))
				if err != nil {
					b.Fatal(err)
				}
				readAll(b, r)
			})
		})
		b.Run("NPYDecode/"+shape+"/impl=nocheck", func(b *testing.B) {
			formatsMeasure(b, payload, func() {
				br.Reset(file)
				r, err := npy.NewReader(br, npy.AllowNonFinite())
				if err != nil {
					b.Fatal(err)
				}
				readAll(b, r)
			})
		})
		blockBytes := make([]byte, 8*len(block))
		data := file[len(file)-int(payload):]
		b.Run("NPYDecode/"+shape+"/impl=memmove", func(b *testing.B) {
			// The ceiling: copy the payload into the same blocks, no decoding.
			formatsMeasure(b, payload, func() {
				for off := 0; off < len(data); off += len(blockBytes) {
					copy(blockBytes, data[off:])
				}
			})
		})
		b.Run("NPYDecode/"+shape+"/impl=binaryread", func(b *testing.B) {
			formatsMeasure(b, payload, func() {
				br.Reset(file)
				h, err := npy.ReadHeader(br, "")
				if err != nil {
					b.Fatal(err)
				}
				if err := binaryReadRows(br, block, int(h.Rows()), h.Cols()); err != nil {
					b.Fatal(err)
				}
			})
		})

		dir := b.TempDir()
		path := filepath.Join(dir, "m.npy.zst")
		w, err := matfile.Create(path, cols, matfile.KnownRows(int64(rows)))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := w.WriteRows(x); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		b.Run("NPYZstd/"+shape+"/impl=linstream", func(b *testing.B) {
			formatsMeasure(b, payload, func() {
				f, err := matfile.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := stream.Copy(stream.Discard(cols), f); err != nil {
					b.Fatal(err)
				}
				f.Close()
			})
		})
		// The peers reuse one decoder, as matfile does through its pool.
		dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
		if err != nil {
			b.Fatal(err)
		}
		open := func(b *testing.B) *os.File {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			if err := dec.Reset(f); err != nil {
				b.Fatal(err)
			}
			return f
		}
		b.Run("NPYZstd/"+shape+"/impl=zstdonly", func(b *testing.B) {
			formatsMeasure(b, payload, func() {
				f := open(b)
				if _, err := io.Copy(io.Discard, dec); err != nil {
					b.Fatal(err)
				}
				f.Close()
			})
		})
		b.Run("NPYZstd/"+shape+"/impl=binaryread", func(b *testing.B) {
			formatsMeasure(b, payload, func() {
				f := open(b)
				h, err := npy.ReadHeader(dec, "")
				if err != nil {
					b.Fatal(err)
				}
				if err := binaryReadRows(dec, block, int(h.Rows()), h.Cols()); err != nil {
					b.Fatal(err)
				}
				f.Close()
			})
		})
		dec.Close()
	}
}
