package matfile

import (
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/spectral"
	"github.com/linstream/linstream/stream"
)

// mappedCols and mappedRowsN make a file of a little over three WriteTo
// blocks whose rows straddle pages and blocks at odd places.
const (
	mappedCols  = 7
	mappedRowsN = 3*(blockBytes/(8*mappedCols)) + 5
)

// openBoth opens p memory-mapped (when this build maps) and with Pread.
func openBoth(t *testing.T, p string, opts ...Option) (mapped, pread *File) {
	t.Helper()
	mapped, err := Open(p, append([]Option{Cols(mappedCols)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { mapped.Close() })
	if mapped.mapped == nil && mapsFiles() {
		t.Fatalf("%s was not memory-mapped", p)
	}
	pread, err = Open(p, append([]Option{Cols(mappedCols), Pread()}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { pread.Close() })
	require.Nil(t, pread.mapped)
	return mapped, pread
}

// mapsFiles reports whether this build maps files (unix, not purego).
func mapsFiles() bool {
	f, err := os.CreateTemp("", "map")
	if err != nil {
		return false
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := f.Write(make([]byte, 64)); err != nil {
		return false
	}
	m := mapRows(f, 64, 0, 8, 1, f.Name(), false)
	if m == nil {
		return false
	}
	m.close()
	return true
}

// gentle is a matrix of moderate values (sample's extremes overflow an
// estimator's squared norms and float32).
func gentle(rows, cols int) []float64 {
	x := make([]float64, rows*cols)
	for i := range x {
		x[i] = math.Sin(float64(i)*0.7) + 0.1*float64(i%cols)
	}
	return x
}

func collect(t *testing.T, f *File) ([]float64, int64, error) {
	t.Helper()
	w := stream.NewSliceWriter(f.Cols())
	n, err := stream.Copy(w, f)
	return w.Data(), n, err
}

func TestMappedMatchesPread(t *testing.T) {
	dir := t.TempDir()
	x := sample(mappedRowsN, mappedCols)
	for _, name := range []string{"a.npy", "a.f64", "a.safetensors"} {
		p := filepath.Join(dir, name)
		writeFile(t, p, x, mappedCols)
		m, r := openBoth(t, p)

		got, n, err := collect(t, m)
		require.NoError(t, err, name)
		assert.EqualValues(t, mappedRowsN, n, name)
		want, _, err := collect(t, r)
		require.NoError(t, err, name)
		bitsEqual(t, x, want, name+" pread")
		bitsEqual(t, want, got, name+" mapped WriteTo")

		// ReadRows copies out of the mapping, in any cut.
		require.NoError(t, m.Rewind())
		buf := make([]float64, 1000*mappedCols)
		var rows []float64
		for {
			k, err := m.ReadRows(buf)
			rows = append(rows, buf[:k*mappedCols]...)
			if err == io.EOF {
				break
			}
			require.NoError(t, err, name)
		}
		bitsEqual(t, x, rows, name+" mapped ReadRows")

		// An estimator fed from either path gives the same bits.
		writeFile(t, p, gentle(mappedRowsN, mappedCols), mappedCols)
		m, r = openBoth(t, p)
		var vecs [2][]float64
		for i, f := range []*File{m, r} {
			require.NoError(t, f.Rewind())
			ro, err := spectral.NewRandomOrder(mappedCols, spectral.WithSeed(3), spectral.WithRows(mappedRowsN))
			require.NoError(t, err)
			_, err = stream.Copy(ro, f)
			require.NoError(t, err)
			vecs[i] = ro.Result().Vector
		}
		bitsEqual(t, vecs[1], vecs[0], name+" RandomOrder vector")
	}
}

// poke overwrites value (row, col) (0-based) of the float64 matrix whose
// data ends the file at p.
func poke(t *testing.T, p string, rows, row, col int, v float64) {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	off := len(b) - 8*rows*mappedCols + 8*(row*mappedCols+col)
	bits := math.Float64bits(v)
	for i := range 8 {
		b[off+i] = byte(bits >> (8 * i))
	}
	require.NoError(t, os.WriteFile(p, b, 0o644))
}

func TestMappedNonFinite(t *testing.T) {
	dir := t.TempDir()
	x := sample(mappedRowsN, mappedCols)
	block := blockBytes / (8 * mappedCols)
	for _, name := range []string{"a.npy", "a.f64"} {
		for _, bad := range []struct {
			row, col int
			v        float64
		}{{block + 3, 2, math.NaN()}, {0, 0, math.Inf(1)}, {mappedRowsN - 1, mappedCols - 1, math.Inf(-1)}} {
			p := filepath.Join(dir, name)
			writeFile(t, p, x, mappedCols)
			poke(t, p, mappedRowsN, bad.row, bad.col, bad.v)
			m, r := openBoth(t, p)

			got, n, err := collect(t, m)
			var de *stream.DataError
			require.ErrorAs(t, err, &de, name)
			assert.ErrorIs(t, err, stream.ErrNonFinite)
			assert.EqualValues(t, bad.row+1, de.Row, name)
			assert.Equal(t, bad.col+1, de.Column, name)
			assert.Equal(t, p, de.File)
			assert.EqualValues(t, bad.row, n, "rows before the bad one are delivered")
			bitsEqual(t, x[:bad.row*mappedCols], got, name)

			want, wn, werr := collect(t, r)
			require.Error(t, werr)
			assert.Equal(t, werr.Error(), err.Error(), "same error as the pread path")
			assert.Equal(t, wn, n)
			bitsEqual(t, want, got, name)

			// The error is sticky; ReadRows stops at the same row.
			_, err2 := stream.Copy(stream.Discard(mappedCols), m)
			assert.Equal(t, err, err2)
			require.NoError(t, m.Rewind())
			buf := make([]float64, 777*mappedCols)
			total := 0
			for {
				k, err := m.ReadRows(buf)
				total += k
				if err != nil {
					assert.Equal(t, werr.Error(), err.Error())
					break
				}
			}
			assert.Equal(t, bad.row, total)

			// AllowNonFinite lets it through, bit for bit.
			a, err := Open(p, Cols(mappedCols), AllowNonFinite())
			require.NoError(t, err)
			all, n, err := collect(t, a)
			require.NoError(t, err)
			assert.EqualValues(t, mappedRowsN, n)
			assert.Equal(t, math.Float64bits(bad.v), math.Float64bits(all[bad.row*mappedCols+bad.col]))
			a.Close()
		}
	}
}

// sumWriter reads every value it is given.
type sumWriter struct {
	cols int
	sum  float64
}

func (s *sumWriter) Cols() int { return s.cols }
func (s *sumWriter) WriteRows(src []float64) (int, error) {
	for _, v := range src {
		s.sum += v
	}
	return len(src) / s.cols, nil
}

func TestMappedTruncated(t *testing.T) {
	if !mapsFiles() {
		t.Skip("this build reads with pread")
	}
	dir := t.TempDir()
	x := gentle(mappedRowsN, mappedCols)
	p := filepath.Join(dir, "a.npy")
	// The fault comes in the check, in the Writer's Go code, in its
	// assembly kernels (Oja), or in ReadRows' copy.
	for _, opts := range [][]Option{nil, {AllowNonFinite()}} {
		for _, via := range []string{"copy", "oja", "readrows"} {
			writeFile(t, p, x, mappedCols)
			f, err := Open(p, opts...)
			require.NoError(t, err)
			require.NotNil(t, f.mapped)
			st, err := os.Stat(p)
			require.NoError(t, err)
			require.NoError(t, os.Truncate(p, st.Size()/2))
			switch via {
			case "copy":
				_, err = stream.Copy(&sumWriter{cols: mappedCols}, f)
			case "oja":
				oja, oerr := spectral.NewOja(mappedCols)
				require.NoError(t, oerr)
				_, err = stream.Copy(oja, f)
			default:
				buf := make([]float64, 4096*mappedCols)
				for err == nil {
					_, err = f.ReadRows(buf)
				}
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
			assert.Contains(t, err.Error(), "changed while being read")
			assert.True(t, strings.HasPrefix(err.Error(), p+": row "), err.Error())
			// Sticky, and the process still works.
			_, err2 := stream.Copy(stream.Discard(mappedCols), f)
			assert.Equal(t, err, err2)
			require.NoError(t, f.Close())
		}
	}
}

func TestMappedInterplay(t *testing.T) {
	dir := t.TempDir()
	x := sample(mappedRowsN, mappedCols)
	p := filepath.Join(dir, "a.npy")
	writeFile(t, p, x, mappedCols)
	f, err := Open(p)
	require.NoError(t, err)
	if mapsFiles() {
		require.NotNil(t, f.mapped)
	}

	got, _, err := collect(t, f)
	require.NoError(t, err)
	bitsEqual(t, x, got, "first pass")
	n, err := f.ReadRows(make([]float64, mappedCols))
	assert.Equal(t, 0, n)
	assert.Equal(t, io.EOF, err, "ReadRows after WriteTo is at the end")
	n64, err := stream.Copy(stream.Discard(mappedCols), f)
	assert.NoError(t, err)
	assert.Zero(t, n64, "a second WriteTo has nothing left")

	// Rewind, read a few rows, WriteTo the rest: together the whole file.
	require.NoError(t, f.Rewind())
	head := make([]float64, 10*mappedCols)
	n, err = f.ReadRows(head)
	require.NoError(t, err)
	require.Equal(t, 10, n)
	rest, n64, err := collect(t, f)
	require.NoError(t, err)
	assert.EqualValues(t, mappedRowsN-10, n64)
	bitsEqual(t, x, append(head, rest...), "ReadRows then WriteTo")

	// Source reads on its own, at random.
	ra := f.Source().(stream.RowReaderAt)
	row := make([]float64, mappedCols)
	_, err = ra.ReadRowsAt(row, mappedRowsN-2)
	require.NoError(t, err)
	bitsEqual(t, x[(mappedRowsN-2)*mappedCols:(mappedRowsN-1)*mappedCols], row, "ReadRowsAt")

	// Wrong width.
	_, err = f.WriteTo(stream.Discard(mappedCols + 1))
	assert.ErrorIs(t, err, stream.ErrShape)

	// After Close (even rewound): errors, not crashes.
	require.NoError(t, f.Close())
	require.NoError(t, f.Close())
	require.NoError(t, f.Rewind())
	_, err = f.WriteTo(stream.Discard(mappedCols))
	assert.Error(t, err)
	_, err = f.ReadRows(row)
	assert.Error(t, err)
	if f.mapped != nil {
		assert.ErrorIs(t, err, os.ErrClosed)
	}
}

func TestMappedNoAllocs(t *testing.T) {
	if !mapsFiles() {
		t.Skip("this build reads with pread")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "a.f64")
	writeFile(t, p, sample(mappedRowsN, mappedCols), mappedCols)
	f, err := Open(p, Cols(mappedCols))
	require.NoError(t, err)
	defer f.Close()
	w := stream.Discard(mappedCols)
	var copyErr error
	allocs := testing.AllocsPerRun(5, func() {
		if err := f.Rewind(); err != nil {
			copyErr = err
		}
		if _, err := stream.Copy(w, f); err != nil {
			copyErr = err
		}
	})
	require.NoError(t, copyErr)
	assert.Zero(t, allocs, "a pass over %d blocks allocates", 4)
}

func TestMappedNotForOtherLayouts(t *testing.T) {
	dir := t.TempDir()
	x := gentle(20, mappedCols)
	for _, c := range []struct {
		name string
		opts []Option
	}{{"a.npy", []Option{Float32()}}, {"a.f32", nil}, {"a.npy.zst", nil}} {
		p := filepath.Join(dir, c.name)
		writeFile(t, p, x, mappedCols, c.opts...)
		f, err := Open(p, Cols(mappedCols))
		require.NoError(t, err)
		assert.Nil(t, f.mapped, c.name)
		got, n, err := collect(t, f)
		require.NoError(t, err)
		assert.EqualValues(t, 20, n)
		assert.Len(t, got, 20*mappedCols)
		require.NoError(t, f.Close())
	}
}
