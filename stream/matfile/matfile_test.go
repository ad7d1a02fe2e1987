package matfile

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/internal/streamtest"
	"github.com/linstream/linstream/stream"
)

func sample(rows, cols int) []float64 {
	x := make([]float64, rows*cols)
	for i := range x {
		x[i] = math.Sin(float64(i)*1.3) * math.Pow(10, float64(i%9-4))
	}
	x[1] = -0.0 // signed zero must survive
	x[2] = math.SmallestNonzeroFloat64
	x[3] = math.MaxFloat64
	return x
}

func writeFile(t *testing.T, path string, x []float64, cols int, opts ...Option) {
	t.Helper()
	w, err := Create(path, cols, opts...)
	require.NoError(t, err)
	for i := 0; i < len(x); i += 5 * cols {
		_, err := w.WriteRows(x[i:min(i+5*cols, len(x))])
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
}

func bitsEqual(t *testing.T, want, got []float64, msg string) {
	t.Helper()
	require.Len(t, got, len(want), msg)
	for i := range want {
		if math.Float64bits(want[i]) != math.Float64bits(got[i]) {
			t.Fatalf("%s: value %d: want %v got %v", msg, i, want[i], got[i])
		}
	}
}

func TestRoundTripEveryPair(t *testing.T) {
	dir := t.TempDir()
	x := sample(23, 3)
	x[1] = 0 // Matrix Market coordinate output drops zeros, so -0 reads back as +0
	exts := map[string]string{"npy": ".npy", "safetensors": ".safetensors", "csv": ".csv", "tsv": ".tsv", "raw": ".f64", "mtx": ".mtx"}
	comps := map[Compression]string{None: "", Zstd: ".zst", Gzip: ".gz", S2: ".s2", Snappy: ".sz"}
	for fname, ext := range exts {
		for comp, cext := range comps {
			name := filepath.Join(dir, "m"+ext+cext)
			msg := fmt.Sprintf("%s+%s", fname, comp)
			writeFile(t, name, x, 3)
			f, err := Open(name, Cols(3))
			require.NoError(t, err, msg)
			assert.Equal(t, Format(fname), f.Format(), msg)
			assert.Equal(t, comp, f.Compression(), msg)
			got, err := streamtest.ReadBlocks(f, 7)
			require.NoError(t, err, msg)
			bitsEqual(t, x, got, msg)
			// Rewind works for every file on disk, compressed or not.
			require.NoError(t, f.Rewind(), msg)
			got, err = streamtest.ReadBlocks(f, 7)
			require.NoError(t, err, msg)
			bitsEqual(t, x, got, msg)
			require.NoError(t, f.Close())

			// The same bytes through a pipe-like reader with no name: detection by signature or sniffing.
			b, err := os.ReadFile(name)
			require.NoError(t, err)
			opts := []Option{Stdin(io.MultiReader(bytes.NewReader(b))), Cols(3)}
			if fname == "raw" {
				opts = append(opts, WithFormat(Raw))
			}
			f, err = Open("-", opts...)
			require.NoError(t, err, msg)
			got, err = streamtest.ReadBlocks(f, 7)
			require.NoError(t, err, msg)
			bitsEqual(t, x, got, msg)
			if fname != "mtx" { // a small Matrix Market file is held in memory and rewinds
				require.ErrorIs(t, f.Rewind(), stream.ErrUnsupported)
			}
			require.NoError(t, f.Close())
		}
	}
}

func TestRandomAccessSource(t *testing.T) {
	dir := t.TempDir()
	x := sample(10, 4)
	for _, name := range []string{"a.npy", "a.f64", "a.safetensors"} {
		p := filepath.Join(dir, name)
		writeFile(t, p, x, 4)
		for _, opts := range [][]Option{{Cols(4)}, {Cols(4), Mmap()}} {
			f, err := Open(p, opts...)
			require.NoError(t, err)
			ra, ok := f.Source().(stream.RowReaderAt)
			require.True(t, ok, name)
			src, ok := f.RandomAccess()
			require.True(t, ok, name)
			assert.True(t, src == f.Source(), name)
			assert.EqualValues(t, 10, ra.Rows())
			assert.EqualValues(t, 10, f.Rows())
			row := make([]float64, 4)
			n, err := ra.ReadRowsAt(row, 7)
			require.NoError(t, err)
			assert.Equal(t, 1, n)
			assert.Equal(t, x[28:32], row)
			require.NoError(t, f.Close())
		}
	}
	// Compressed files stream.
	p := filepath.Join(dir, "a.npy.zst")
	writeFile(t, p, x, 4)
	f, err := Open(p)
	require.NoError(t, err)
	_, ok := f.Source().(stream.RowReaderAt)
	assert.False(t, ok)
	_, ok = f.RandomAccess()
	assert.False(t, ok)
	assert.EqualValues(t, 10, f.Rows())
	require.NoError(t, f.Close())
}

func TestStdoutAndKnownRows(t *testing.T) {
	x := sample(6, 2)
	var out bytes.Buffer
	_, err := Create("-", 2, Stdout(&out))
	require.Error(t, err, "stdout needs a format")
	w, err := Create("-", 2, Stdout(&out), WithFormat(NPY), WithCompression(Zstd), KnownRows(6))
	require.NoError(t, err)
	_, err = w.WriteRows(x)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	f, err := NewReader(&out, "")
	require.NoError(t, err)
	assert.Equal(t, NPY, f.Format())
	assert.Equal(t, Zstd, f.Compression())
	got, err := streamtest.ReadBlocks(f, 7)
	require.NoError(t, err)
	bitsEqual(t, x, got, "stdout")
}

func TestFloat32Output(t *testing.T) {
	dir := t.TempDir()
	x := sample(5, 2)[4:]
	for _, name := range []string{"a.npy", "a.f32", "a.safetensors"} {
		p := filepath.Join(dir, name)
		var opts []Option
		if name != "a.f32" {
			opts = append(opts, Float32())
		}
		writeFile(t, p, x, 2, opts...)
		st, _ := os.Stat(p)
		f, err := Open(p, Cols(2))
		require.NoError(t, err)
		got, err := streamtest.ReadBlocks(f, 7)
		require.NoError(t, err)
		for i := range x {
			require.Equal(t, float64(float32(x[i])), got[i], name)
		}
		f.Close()
		assert.Less(t, st.Size(), int64(8*len(x)+200))
	}
}

func TestBadInputs(t *testing.T) {
	dir := t.TempDir()
	x := sample(300, 5)
	good := filepath.Join(dir, "g.npy.zst")
	writeFile(t, good, x, 5)
	b, _ := os.ReadFile(good)

	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o644))
		return p
	}
	expectErr := func(p string, sentinel error, msgs ...string) {
		t.Helper()
		f, err := Open(p, Cols(5))
		if err == nil {
			_, err = streamtest.ReadBlocks(f, 7)
			f.Close()
		}
		require.ErrorIs(t, err, sentinel, p)
		assert.Contains(t, err.Error(), p)
		for _, m := range msgs {
			assert.Contains(t, err.Error(), m)
		}
	}
	// Corrupt zstd: flip bytes in the middle.
	bad := bytes.Clone(b)
	for i := len(bad) / 2; i < len(bad)/2+16; i++ {
		bad[i] ^= 0x5a
	}
	expectErr(write("corrupt.npy.zst", bad), stream.ErrFormat, "zstd")
	// Truncated gzip.
	gz := filepath.Join(dir, "g.csv.gz")
	writeFile(t, gz, x, 5)
	gb, _ := os.ReadFile(gz)
	expectErr(write("trunc.csv.gz", gb[:len(gb)/2]), io.ErrUnexpectedEOF, "truncated gzip")
	expectErr(write("empty.npy", nil), stream.ErrEmpty)
	expectErr(write("empty.npy.gz", []byte{0x1f, 0x8b}), stream.ErrFormat)
	expectErr(write("x.xz", []byte{0xfd, '7', 'z', 'X', 'Z', 0, 1, 2}), stream.ErrUnsupported, "xz")
	mystery := write("mystery.bin2", []byte{1, 2, 3, 0, 0, 9})
	_, err := Open(mystery)
	require.ErrorIs(t, err, stream.ErrFormat)
	assert.Contains(t, err.Error(), "cannot tell")
	expectErr(mystery, io.ErrUnexpectedEOF, "row 1") // with a width it reads as raw
	expectErr(write("torn.f64", make([]byte, 8*5*2+3)), io.ErrUnexpectedEOF, "row 3")
	f, err := Open(write("nocols.raw", make([]byte, 16)))
	require.ErrorIs(t, err, stream.ErrUnsupported)
	assert.Contains(t, err.Error(), "columns")
	require.Nil(t, f)
	_, err = Open(filepath.Join(dir, "missing.npy"))
	require.ErrorIs(t, err, os.ErrNotExist)
	_, err = Create(filepath.Join(dir, "x.unknown"), 2)
	require.ErrorIs(t, err, stream.ErrUnsupported)
	_, err = Create(filepath.Join(dir, "x.csv.bz2"), 2)
	require.ErrorIs(t, err, stream.ErrUnsupported)
	_, err = os.Stat(filepath.Join(dir, "x.csv.bz2"))
	require.ErrorIs(t, err, os.ErrNotExist, "no partial file left")
	// Non-finite rejected by default, allowed on request; error names the file.
	nf := sample(4, 2)
	nf[5] = math.NaN()
	p := filepath.Join(dir, "nan.csv.s2")
	writeFile(t, p, nf, 2)
	expectErr(p, stream.ErrNonFinite)
	f, err = Open(p, AllowNonFinite())
	require.NoError(t, err)
	got, err := streamtest.ReadBlocks(f, 7)
	require.NoError(t, err)
	assert.True(t, math.IsNaN(got[5]))
	f.Close()
}

func TestBzip2AndDetection(t *testing.T) {
	// testdata/small.csv.bz2 was made by the bzip2 tool.
	f, err := Open("testdata/small.csv.bz2")
	require.NoError(t, err)
	assert.Equal(t, Bzip2, f.Compression())
	got, err := streamtest.ReadBlocks(f, 7)
	require.NoError(t, err)
	bitsEqual(t, []float64{1, 2, 3, 4.5, math.Copysign(0, -1), 1e-300}, got, "bzip2")
	require.NoError(t, f.Rewind())
	got, err = streamtest.ReadBlocks(f, 7)
	require.NoError(t, err)
	assert.Len(t, got, 6)
	f.Close()
	b, _ := os.ReadFile("testdata/small.csv.bz2")
	b[20] ^= 0xff
	f, err = NewReader(bytes.NewReader(b), "bad.csv.bz2")
	if err == nil {
		_, err = streamtest.ReadBlocks(f, 7)
	}
	require.ErrorIs(t, err, stream.ErrFormat)
	assert.Contains(t, err.Error(), "bad.csv.bz2")
	c, _ := DetectCompression([]byte("BZh9"))
	assert.Equal(t, Bzip2, c)
	for name, want := range map[string]Format{"a.txt": CSV, "b.mtx.gz": MTX, "c.f32.zst": Raw, "d.npy": NPY} {
		got, _ := FromName(name)
		assert.Equal(t, want, got, name)
	}
	fm, err := DetectFormat([]byte("1\t2\n3\t4\n"), "")
	require.NoError(t, err)
	assert.Equal(t, TSV, fm)
	fm, err = DetectFormat([]byte("%%MatrixMarket matrix array real general\n"), "")
	require.NoError(t, err)
	assert.Equal(t, MTX, fm)
	_, err = ParseFormat("xls")
	require.Error(t, err)
	cp, err := ParseCompression("gz")
	require.NoError(t, err)
	assert.Equal(t, Gzip, cp)
}
