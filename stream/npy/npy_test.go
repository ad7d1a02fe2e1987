package npy

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/internal/streamtest"
	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/raw"
)

// mk builds a .npy file of the given version around a header dict.
func mk(major int, dict string, data []byte) []byte {
	var b []byte
	b = append(b, Magic...)
	b = append(b, byte(major), 0)
	h := dict + "\n"
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(h)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(h)))
	}
	b = append(b, h...)
	return append(b, data...)
}

func f64le(x []float64) []byte {
	var b []byte
	for _, v := range x {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

func sample(rows, cols int) []float64 {
	x := make([]float64, rows*cols)
	for i := range x {
		x[i] = math.Cos(float64(i)*0.37) * math.Pow(3, float64(i%5-2))
	}
	return x
}

// both reads b through NewReader and NewReaderAt and checks they agree.
func both(t *testing.T, b []byte, opts ...Option) ([]float64, int, error) {
	t.Helper()
	r, err1 := NewReader(bytes.NewReader(b), opts...)
	ra, err2 := NewReaderAt(bytes.NewReader(b), int64(len(b)), opts...)
	if err1 != nil {
		return nil, 0, err1
	}
	x, err := streamtest.ReadBlocks(r, 3)
	if err != nil {
		return x, r.Cols(), err
	}
	require.NoError(t, err2)
	y, err := streamtest.ReadBlocks(ra, 5)
	require.NoError(t, err)
	require.Equal(t, x, y)
	assert.Equal(t, r.Rows(), ra.Rows())
	return x, r.Cols(), nil
}

func TestVersionsAndDtypes(t *testing.T) {
	x := sample(4, 3)
	for _, major := range []int{1, 2, 3} {
		b := mk(major, "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 3), }", f64le(x))
		got, cols, err := both(t, b)
		require.NoError(t, err, major)
		assert.Equal(t, 3, cols)
		assert.Equal(t, x, got)
	}
	// 1-D is one column; double quotes and no trailing comma are accepted.
	b := mk(1, `{"descr": "<f8", "fortran_order": False, "shape": (12,)}`, f64le(x))
	got, cols, err := both(t, b)
	require.NoError(t, err)
	assert.Equal(t, 1, cols)
	assert.Equal(t, x, got)

	var be, f4, f2 []byte
	for _, v := range x {
		be = binary.BigEndian.AppendUint64(be, math.Float64bits(v))
		f4 = binary.LittleEndian.AppendUint32(f4, math.Float32bits(float32(v)))
		f2 = append(f2, 0x00, 0x3c) // 1.0
	}
	got, _, err = both(t, mk(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (4, 3), }", be))
	require.NoError(t, err)
	assert.Equal(t, x, got)
	got, _, err = both(t, mk(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 3), }", f4))
	require.NoError(t, err)
	for i := range x {
		assert.Equal(t, float64(float32(x[i])), got[i])
	}
	got, _, err = both(t, mk(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (4, 3), }", f2))
	require.NoError(t, err)
	assert.Equal(t, 12.0, sum(got))
	got, _, err = both(t, mk(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }", []byte{0, 1, 255, 7}))
	require.NoError(t, err)
	assert.Equal(t, []float64{0, 1, 255, 7}, got)

	// Zero rows is a valid, empty matrix.
	got, cols, err = both(t, mk(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 5), }", nil))
	require.NoError(t, err)
	assert.Empty(t, got)
	assert.Equal(t, 5, cols)
}

func sum(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s
}

func TestFortranOrder(t *testing.T) {
	// 2×3 matrix [[1 2 3] [4 5 6]] stored column-major.
	b := mk(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", f64le([]float64{1, 4, 2, 5, 3, 6}))
	_, err := NewReader(bytes.NewReader(b), Name("f.npy"))
	require.ErrorIs(t, err, stream.ErrUnsupported)
	assert.Contains(t, err.Error(), "Fortran")
	assert.Contains(t, err.Error(), "f.npy")
	_, err = NewReader(bytes.NewReader(b), FortranBudget(47))
	require.ErrorIs(t, err, stream.ErrUnsupported)
	got, _, err := both(t, b, FortranBudget(48))
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 2, 3, 4, 5, 6}, got)
	ra, err := NewReaderAt(bytes.NewReader(b), int64(len(b)), FortranBudget(1<<20))
	require.NoError(t, err)
	row := make([]float64, 3)
	n, err := ra.ReadRowsAt(row, 1)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, []float64{4, 5, 6}, row)

	// Non-finite value inside a Fortran array: reported at its (row, column).
	b = mk(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", f64le([]float64{1, 4, 2, math.NaN(), 3, 6}))
	_, err = NewReader(bytes.NewReader(b), FortranBudget(1<<20))
	require.ErrorIs(t, err, stream.ErrNonFinite)
	var de *stream.DataError
	require.ErrorAs(t, err, &de)
	assert.EqualValues(t, 2, de.Row)
	assert.Equal(t, 2, de.Column)

	// A single column in Fortran order is the same bytes as C order.
	b = mk(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (3, 1), }", f64le([]float64{1, 2, 3}))
	got, _, err = both(t, b)
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 2, 3}, got)
}

func TestBadHeaders(t *testing.T) {
	data := f64le(sample(2, 2))
	good := mk(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", data)
	cases := []struct {
		name string
		b    []byte
		want error
		msg  string
	}{
		{"empty", nil, stream.ErrEmpty, "empty"},
		{"magic", []byte("PK\x03\x04 hello world"), stream.ErrFormat, "magic"},
		{"short magic", []byte("\x93NU"), stream.ErrFormat, "header ends"},
		{"truncated header", good[:30], io.ErrUnexpectedEOF, "declared bytes"},
		{"version", append([]byte(Magic+"\x04\x00"), good[8:]...), stream.ErrUnsupported, "version 4"},
		{"huge header", append([]byte(Magic+"\x02\x00\xff\xff\xff\x7f"), good[10:]...), stream.ErrTooLarge, "header length"},
		{"dtype", mk(1, "{'descr': '<c16', 'fortran_order': False, 'shape': (2, 2), }", data), stream.ErrUnsupported, "<c16"},
		{"structured", mk(1, "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }", data), stream.ErrUnsupported, "structured"},
		{"3-D", mk(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 2), }", data), stream.ErrUnsupported, "3-dimensional"},
		{"0-D", mk(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", data), stream.ErrUnsupported, "0-dimensional"},
		{"no cols", mk(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 0), }", nil), stream.ErrShape, "no columns"},
		{"absurd shape", mk(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4000000000000, 4000000000000), }", data), stream.ErrTooLarge, "too large"},
		{"absurd dim", mk(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999, 1), }", data), stream.ErrTooLarge, "too large"},
		{"wide", mk(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 100000000), }", data), stream.ErrTooLarge, "columns"},
		{"no shape", mk(1, "{'descr': '<f8', 'fortran_order': False, }", data), stream.ErrFormat, "no 'shape'"},
		{"bad bool", mk(1, "{'descr': '<f8', 'fortran_order': Maybe, 'shape': (2, 2), }", data), stream.ErrFormat, "Maybe"},
		{"bad key", mk(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), 'x': 1}", data), stream.ErrFormat, "unexpected key"},
		{"negative", mk(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (-2, 2), }", data), stream.ErrFormat, "non-negative"},
		{"unterminated", mk(1, "{'descr': '<f8", data), stream.ErrFormat, "unterminated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewReader(bytes.NewReader(c.b), Name("bad.npy"))
			require.ErrorIs(t, err, c.want)
			assert.Contains(t, err.Error(), c.msg)
			assert.Contains(t, err.Error(), "bad.npy")
			_, err = NewReaderAt(bytes.NewReader(c.b), int64(len(c.b)), Name("bad.npy"))
			require.Error(t, err)
		})
	}
}

func TestDataErrors(t *testing.T) {
	x := sample(3, 2)
	b := mk(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", f64le(x))
	off := int64(len(b) - 48)

	// Torn last row.
	r, err := NewReader(bytes.NewReader(b[:len(b)-3]), Name("t.npy"))
	require.NoError(t, err)
	got, err := streamtest.ReadBlocks(r, 1)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Len(t, got, 4)
	var de *stream.DataError
	require.ErrorAs(t, err, &de)
	assert.EqualValues(t, 3, de.Row)
	assert.Equal(t, off+32, de.Offset)
	assert.Equal(t, "t.npy", de.File)
	_, err = NewReaderAt(bytes.NewReader(b[:len(b)-3]), int64(len(b)-3))
	require.ErrorIs(t, err, stream.ErrShape)

	// Missing rows, extra bytes.
	r, _ = NewReader(bytes.NewReader(b[:len(b)-16]))
	_, err = streamtest.ReadBlocks(r, 8)
	require.ErrorIs(t, err, stream.ErrShape)
	assert.Contains(t, err.Error(), "3 rows")
	r, _ = NewReader(bytes.NewReader(append(b, 0)))
	got, err = streamtest.ReadBlocks(r, 8)
	require.ErrorIs(t, err, stream.ErrShape)
	assert.Len(t, got, 6)
	_, err = NewReaderAt(bytes.NewReader(append(b, 0)), int64(len(b)+1))
	require.ErrorIs(t, err, stream.ErrShape)

	// Non-finite.
	x[3] = math.Inf(1)
	b = mk(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", f64le(x))
	r, _ = NewReader(bytes.NewReader(b), Name("n.npy"))
	got, err = streamtest.ReadBlocks(r, 8)
	require.ErrorIs(t, err, stream.ErrNonFinite)
	assert.Len(t, got, 2)
	require.ErrorAs(t, err, &de)
	assert.EqualValues(t, 2, de.Row)
	assert.Equal(t, 2, de.Column)
	assert.Equal(t, off+24, de.Offset)
	got, _, err = both(t, b, AllowNonFinite())
	require.NoError(t, err)
	assert.True(t, math.IsInf(got[3], 1))
}

func TestWriterModes(t *testing.T) {
	x := sample(50, 7)
	check := func(t *testing.T, b []byte, f32 bool) {
		t.Helper()
		h, err := ReadHeader(bytes.NewReader(b), "")
		require.NoError(t, err)
		assert.Zero(t, h.DataOffset%64, "data aligned to 64 bytes")
		assert.Equal(t, []int64{50, 7}, h.Shape)
		got, _, err := both(t, b)
		require.NoError(t, err)
		if !f32 {
			require.Equal(t, x, got)
			return
		}
		for i := range x {
			require.Equal(t, float64(float32(x[i])), got[i])
		}
	}
	write := func(w *Writer) {
		for i := 0; i < 50; i += 8 {
			_, err := w.WriteRows(x[i*7 : min(i+8, 50)*7])
			require.NoError(t, err)
		}
		require.NoError(t, w.Close())
	}
	// Spool: a plain buffer cannot seek.
	var buf bytes.Buffer
	w, err := NewWriter(&buf, 7, TempDir(t.TempDir()))
	require.NoError(t, err)
	write(w)
	check(t, buf.Bytes(), false)
	// Known rows.
	buf.Reset()
	w, err = NewWriter(&buf, 7, KnownRows(50), Float32())
	require.NoError(t, err)
	write(w)
	check(t, buf.Bytes(), true)
	// Seekable file, written after some leading bytes: header patched.
	path := filepath.Join(t.TempDir(), "a.npy")
	f, err := os.Create(path)
	require.NoError(t, err)
	w, err = NewWriter(f, 7)
	require.NoError(t, err)
	write(w)
	require.NoError(t, f.Close())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	check(t, b, false)

	// Known rows broken.
	w, _ = NewWriter(io.Discard, 7, KnownRows(3))
	_, _ = w.WriteRows(x[:14])
	require.ErrorIs(t, w.Close(), stream.ErrShape)
	assert.Panics(t, func() { _, _ = w.WriteRows(x[:7]) })
	assert.Panics(t, func() { _, _ = NewWriter(io.Discard, 0) })
}

func TestSpoolRemoved(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(io.Discard, 2, TempDir(dir))
	require.NoError(t, err)
	_, _ = w.WriteRows([]float64{1, 2})
	ents, _ := os.ReadDir(dir)
	assert.Len(t, ents, 1)
	require.NoError(t, w.Close())
	ents, _ = os.ReadDir(dir)
	assert.Empty(t, ents)
}

func TestWriteUint8(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteUint8(&buf, 2, 3, []byte{1, 0, 1, 0, 0, 1}))
	h, err := ReadHeader(bytes.NewReader(buf.Bytes()), "")
	require.NoError(t, err)
	assert.Equal(t, "|u1", h.Descr)
	assert.Equal(t, raw.Uint8, h.Dtype)
	got, _, err := both(t, buf.Bytes())
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 0, 1, 0, 0, 1}, got)
	assert.Panics(t, func() { _ = WriteUint8(&buf, 2, 2, []byte{1}) })
	assert.True(t, strings.HasPrefix(buf.String(), Magic))
}

func TestFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.npy")
	if len(files) == 0 {
		t.Skip("no fixtures")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		opts := []Option{Name(f), FortranBudget(1 << 20)}
		got, _, err := both(t, b, opts...)
		if strings.Contains(f, "bad") {
			require.Error(t, err, f)
			continue
		}
		require.NoError(t, err, f)
		// Every fixture holds the values 0, 1, 2, … in row-major order.
		for i, v := range got {
			require.Equal(t, float64(i), v, f)
		}
	}
}
