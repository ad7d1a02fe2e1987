package fuzz

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"github.com/linstream/linstream/stream/matfile"
)

var matfileNames = []string{"", "x.npy", "x.csv", "x.tsv", "x.mtx", "x.f64", "x.safetensors", "x.txt", "x.f32.zst"}

// FuzzMatfileOpen: any bytes under any name go through compression and
// format detection and the chosen reader without a panic or an absurd
// allocation; failures wrap a stream sentinel.
func FuzzMatfileOpen(f *testing.F) {
	var seeds [][]byte
	x := []float64{1, -2.5, 3e-300, 0, 7, 8}
	for _, spec := range []struct{ name string }{{"a.npy"}, {"a.npy.zst"}, {"a.csv.gz"}, {"a.tsv.s2"}, {"a.safetensors.sz"}, {"a.mtx"}, {"a.f64.zst"}} {
		var buf bytes.Buffer
		w, err := matfile.NewWriter(&buf, spec.name, 2, matfile.KnownRows(3))
		if err != nil {
			f.Fatal(err)
		}
		if _, err := w.WriteRows(x); err != nil {
			f.Fatal(err)
		}
		if err := w.Close(); err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, buf.Bytes())
	}
	seeds = append(seeds,
		[]byte("\x28\xb5\x2f\xfd garbage"),
		[]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00"),
		[]byte("\xff\x06\x00\x00S2sTwO\x01\x05\x00\x00"),
		[]byte("BZh91AY&SY"),
		[]byte("\xfd7zXZ\x00"),
		[]byte("%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 5\n"),
		[]byte("1,2\n3,4\n"),
		nil)
	for i, s := range seeds {
		f.Add(s, uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		name := matfileNames[int(mode)%len(matfileNames)]
		opts := []matfile.Option{matfile.MemoryBudget(1 << 20), matfile.FortranBudget(1 << 16)}
		if mode&0x40 != 0 {
			opts = append(opts, matfile.Cols(int(mode&3)+1))
		}
		if mode&0x80 != 0 {
			opts = append(opts, matfile.AllowNonFinite())
		}
		file, err := matfile.NewReader(bytes.NewReader(data), name, opts...)
		if err != nil {
			checkSentinel(t, "Open", err)
			return
		}
		defer file.Close()
		if file.Cols() < 1 {
			t.Fatalf("Cols() = %d", file.Cols())
		}
		if file.Cols() > maxFuzzCols {
			return
		}
		if _, err := drain(file, 4, 1<<18); err != nil {
			checkSentinel(t, "ReadRows", err)
		}
	})
}

// FuzzMatfileRoundTrip: rows written through matfile in any format and
// compression read back equal — bit for bit in binary formats and text
// (shortest exact form), except that text cannot carry NaN payloads and
// Matrix Market coordinate files drop -0.
func FuzzMatfileRoundTrip(f *testing.F) {
	f.Add([]byte("0123456789abcdef01234567"), uint8(1), uint8(0))
	f.Add(bytes.Repeat([]byte{0x80, 0, 0, 0, 0, 0, 0, 0}, 4), uint8(2), uint8(7))
	f.Fuzz(func(t *testing.T, data []byte, c, mode uint8) {
		formats := []string{"npy", "safetensors", "csv", "tsv", "f64", "mtx"}
		comps := []string{"", ".zst", ".gz", ".s2", ".sz"}
		format := formats[int(mode)%len(formats)]
		name := "x." + format + comps[int(mode/8)%len(comps)]
		cols := int(c)%5 + 1
		n := len(data) / 8 / cols * cols
		if n == 0 {
			return
		}
		x := make([]float64, n)
		for i := range x {
			x[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
		}
		var buf bytes.Buffer
		w, err := matfile.NewWriter(&buf, name, cols)
		if err != nil {
			t.Fatal(err)
		}
		writeClose(t, w, x)
		r, err := matfile.NewReader(&buf, name, matfile.AllowNonFinite(), matfile.Cols(cols))
		if err != nil {
			t.Fatal(err)
		}
		got, err := drain(r, 3, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(x) {
			t.Fatalf("%s: %d values back, %d written", name, len(got), len(x))
		}
		text := format == "csv" || format == "tsv" || format == "mtx"
		for i := range x {
			a, b := x[i], got[i]
			switch {
			case math.Float64bits(a) == math.Float64bits(b):
			case text && math.IsNaN(a) && math.IsNaN(b):
			case format == "mtx" && a == 0 && b == 0:
			default:
				t.Fatalf("%s: value %d: wrote %v (%#x), read %v (%#x)", name, i, a, math.Float64bits(a), b, math.Float64bits(b))
			}
		}
	})
}
