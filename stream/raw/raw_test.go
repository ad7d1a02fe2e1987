package raw

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/internal/streamtest"
	"github.com/linstream/linstream/stream"
)

func encodeAll(t *testing.T, data []float64, cols int, d Dtype) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, cols, WithDtype(d))
	require.NoError(t, err)
	n, err := w.WriteRows(data)
	require.NoError(t, err)
	require.Equal(t, len(data)/cols, n)
	return buf.Bytes()
}

func sample(rows, cols int) []float64 {
	x := make([]float64, rows*cols)
	for i := range x {
		x[i] = math.Sin(float64(i)*1.7) * math.Pow(10, float64(i%7-3))
	}
	return x
}

func TestRoundTripFloat64(t *testing.T) {
	x := sample(37, 5)
	b := encodeAll(t, x, 5, Float64)
	require.Len(t, b, 8*len(x))
	for _, block := range []int{1, 3, 64} {
		r, err := NewReader(iotest.HalfReader(bytes.NewReader(b)), 5)
		require.NoError(t, err)
		got, err := streamtest.ReadBlocks(r, block)
		require.NoError(t, err)
		require.Equal(t, x, got)

		ra, err := NewReaderAt(bytes.NewReader(b), 0, int64(len(b)), 5)
		require.NoError(t, err)
		got, err = streamtest.ReadBlocks(ra, block)
		require.NoError(t, err)
		require.Equal(t, x, got)
	}
}

func TestRoundTripFloat32AndBigEndian(t *testing.T) {
	x := sample(20, 3)
	want := make([]float64, len(x))
	for i, v := range x {
		want[i] = float64(float32(v))
	}
	for _, d := range []Dtype{Float32, Float32 | BigEndian} {
		b := encodeAll(t, x, 3, d)
		r, err := NewReader(bytes.NewReader(b), 3, WithDtype(d))
		require.NoError(t, err)
		got, err := streamtest.ReadBlocks(r, 7)
		require.NoError(t, err)
		require.Equal(t, want, got, d.String())
	}
	b := encodeAll(t, x, 3, Float64|BigEndian)
	r, err := NewReader(bytes.NewReader(b), 3, WithDtype(Float64|BigEndian))
	require.NoError(t, err)
	got, err := streamtest.ReadBlocks(r, 7)
	require.NoError(t, err)
	require.Equal(t, x, got)
}

func TestDecodeTypes(t *testing.T) {
	dst := make([]float64, 2)
	Decode(dst, []byte{0x00, 0x3c, 0x00, 0xc0}, Float16) // 1, -2
	assert.Equal(t, []float64{1, -2}, dst)
	Decode(dst, []byte{0x01, 0x00, 0xff, 0x7b}, Float16) // smallest subnormal, 65504
	assert.Equal(t, []float64{0x1p-24, 65504}, dst)
	Decode(dst, []byte{0x80, 0x3f, 0x49, 0x40}, BFloat16) // 1, 3.140625
	assert.Equal(t, []float64{1, 3.140625}, dst)
	Decode(dst, []byte{0xff, 0x80}, Int8)
	assert.Equal(t, []float64{-1, -128}, dst)
	Decode(dst, []byte{0xff, 0x80}, Uint8)
	assert.Equal(t, []float64{255, 128}, dst)
	Decode(dst, []byte{0, 7}, Bool)
	assert.Equal(t, []float64{0, 1}, dst)
	var b [16]byte
	binary.BigEndian.PutUint64(b[:], uint64(1<<40))
	binary.BigEndian.PutUint64(b[8:], math.MaxUint64)
	Decode(dst, b[:], Int64|BigEndian)
	assert.Equal(t, []float64{1 << 40, -1}, dst)
	assert.True(t, math.IsInf(Float16ToFloat64(0x7c00), 1))
	assert.True(t, math.IsNaN(Float16ToFloat64(0x7e00)))
	assert.Equal(t, "float32 big-endian", (Float32 | BigEndian).String())
	assert.Equal(t, "uint8", (Uint8 | BigEndian).String())
	assert.Panics(t, func() { Decode(dst, b[:3], Float64) })
}

func TestTornRowAndDeclaredRows(t *testing.T) {
	b := encodeAll(t, sample(4, 3), 3, Float64)
	r, err := NewReader(bytes.NewReader(b[:len(b)-5]), 3, Name("x.f64"))
	require.NoError(t, err)
	got, err := streamtest.ReadBlocks(r, 2)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	require.Len(t, got, 9)
	var de *stream.DataError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "x.f64", de.File)
	assert.EqualValues(t, 4, de.Row)
	assert.EqualValues(t, 72, de.Offset)
	assert.Contains(t, err.Error(), "x.f64")

	_, err = NewReaderAt(bytes.NewReader(b), 0, int64(len(b)-5), 3)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)

	// Declared 5 rows, 4 present: shape error at a row boundary.
	r, _ = NewReader(bytes.NewReader(b), 3, Rows(5), Offset(128))
	_, err = streamtest.ReadBlocks(r, 64)
	require.ErrorIs(t, err, stream.ErrShape)
	require.ErrorAs(t, err, &de)
	assert.EqualValues(t, 128+96, de.Offset)
	// Declared 3 rows, 4 present: trailing data.
	r, _ = NewReader(bytes.NewReader(b), 3, Rows(3))
	got, err = streamtest.ReadBlocks(r, 64)
	require.ErrorIs(t, err, stream.ErrShape)
	require.Len(t, got, 9)
	assert.EqualValues(t, 3, r.Rows())
	_, err = NewReaderAt(bytes.NewReader(b), 0, int64(len(b)), 3, Rows(3))
	require.ErrorIs(t, err, stream.ErrShape)
	_, err = NewReader(bytes.NewReader(b), 3, Rows(1<<61))
	require.ErrorIs(t, err, stream.ErrTooLarge)
	_, err = NewReader(bytes.NewReader(b), MaxCols+1)
	require.ErrorIs(t, err, stream.ErrTooLarge)
}

func TestNonFinite(t *testing.T) {
	x := sample(6, 4)
	x[2*4+3] = math.Inf(-1)
	for _, d := range []Dtype{Float64, Float32} {
		b := encodeAll(t, x, 4, d)
		r, _ := NewReader(bytes.NewReader(b), 4, WithDtype(d), Name("m"))
		buf := make([]float64, 24)
		n, err := r.ReadRows(buf)
		assert.Equal(t, 2, n)
		require.ErrorIs(t, err, stream.ErrNonFinite)
		var de *stream.DataError
		require.ErrorAs(t, err, &de)
		assert.EqualValues(t, 3, de.Row)
		assert.Equal(t, 4, de.Column)
		assert.EqualValues(t, (2*4+3)*d.Size(), de.Offset)
		assert.Contains(t, err.Error(), "-Inf")
		_, err2 := r.ReadRows(buf)
		assert.Equal(t, err, err2, "sticky")

		ra, _ := NewReaderAt(bytes.NewReader(b), 0, int64(len(b)), 4, WithDtype(d))
		n, err = ra.ReadRowsAt(buf, 1)
		assert.Equal(t, 1, n)
		require.ErrorIs(t, err, stream.ErrNonFinite)
		n, err = ra.ReadRowsAt(buf[:4], 3)
		assert.Equal(t, 1, n)
		require.NoError(t, err)

		r, _ = NewReader(bytes.NewReader(b), 4, WithDtype(d), AllowNonFinite())
		got, err := streamtest.ReadBlocks(r, 64)
		require.NoError(t, err)
		assert.True(t, math.IsInf(got[11], -1))
	}
}

func TestRandomAccessAndRewind(t *testing.T) {
	x := sample(10, 2)
	b := encodeAll(t, x, 2, Float32)
	ra, err := NewReaderAt(bytes.NewReader(append([]byte("HDR"), b...)), 3, int64(len(b)), 2, WithDtype(Float32))
	require.NoError(t, err)
	assert.EqualValues(t, 10, ra.Rows())
	buf := make([]float64, 6)
	n, err := ra.ReadRowsAt(buf, 8)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, float64(float32(x[16])), buf[0])
	_, err = ra.ReadRowsAt(buf, 10)
	assert.Equal(t, io.EOF, err)
	first, err := streamtest.ReadBlocks(ra, 3)
	require.NoError(t, err)
	require.NoError(t, ra.Rewind())
	second, err := streamtest.ReadBlocks(ra, 4)
	require.NoError(t, err)
	assert.Equal(t, first, second)
	assert.Panics(t, func() { _, _ = ra.ReadRowsAt(buf, -1) })
	assert.Panics(t, func() { _, _ = ra.ReadRows(buf[:5]) })
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("disk full")
	}
	k := min(f.n, len(p))
	f.n -= k
	return k, errors.New("disk full")
}

func TestWriterErrors(t *testing.T) {
	_, err := NewWriter(io.Discard, 2, WithDtype(Float16))
	require.ErrorIs(t, err, stream.ErrUnsupported)
	w, err := NewWriter(io.Discard, 2, WithDtype(Float32), Name("o.f32"))
	require.NoError(t, err)
	n, err := w.WriteRows([]float64{1, 2, 3, 1e300})
	assert.Equal(t, 1, n)
	require.ErrorIs(t, err, stream.ErrTooLarge)
	assert.Contains(t, err.Error(), "o.f32")
	w, _ = NewWriter(&failWriter{n: 20}, 2)
	n, err = w.WriteRows(sample(3, 2))
	assert.Equal(t, 1, n)
	require.Error(t, err)
	assert.Panics(t, func() { _, _ = w.WriteRows(make([]float64, 3)) })
	assert.Panics(t, func() { _, _ = NewWriter(io.Discard, 0) })
}

func TestAllocs(t *testing.T) {
	b := encodeAll(t, sample(64, 8), 8, Float64)
	br := bytes.NewReader(b)
	r, _ := NewReaderAt(br, 0, int64(len(b)), 8)
	buf := make([]float64, 64*8)
	allocs := testing.AllocsPerRun(20, func() {
		_ = r.Rewind()
		_, _ = r.ReadRows(buf)
	})
	assert.Zero(t, allocs)
	w, _ := NewWriter(io.Discard, 8, WithDtype(Float32))
	_, _ = w.WriteRows(buf)
	allocs = testing.AllocsPerRun(20, func() { _, _ = w.WriteRows(buf) })
	assert.Zero(t, allocs)
}
