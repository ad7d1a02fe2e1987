package safetensors

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/internal/streamtest"
	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/raw"
)

func sample(rows, cols int) []float64 {
	x := make([]float64, rows*cols)
	for i := range x {
		x[i] = math.Sin(float64(i)*0.91) * math.Pow(7, float64(i%5-2))
	}
	return x
}

// build makes a file from a raw JSON header and data.
func build(js string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(js)))
	return append(append(b, js...), data...)
}

func both(t *testing.T, b []byte, tensor string, opts ...Option) ([]float64, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(b), tensor, opts...)
	if err != nil {
		return nil, err
	}
	x, err := streamtest.ReadBlocks(r, 3)
	if err != nil {
		return x, err
	}
	f, err := Open(bytes.NewReader(b), int64(len(b)), opts...)
	require.NoError(t, err)
	ra, err := f.Reader(tensor)
	require.NoError(t, err)
	y, err := streamtest.ReadBlocks(ra, 4)
	require.NoError(t, err)
	require.Equal(t, x, y)
	assert.Equal(t, r.Rows(), ra.Rows())
	return x, nil
}

func TestWriteReadTensors(t *testing.T) {
	a := sample(5, 3)
	v := sample(4, 1)
	mask := []byte{1, 0, 0, 1, 1, 1}
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, []Tensor{
		Float64Tensor("U", []int64{5, 3}, a),
		Float32Tensor("S", []int64{4}, v),
		Uint8Tensor("mask", []int64{2, 3}, mask),
	}, Metadata(map[string]string{"format": "pt"})))
	b := buf.Bytes()
	h, err := ReadHeader(bytes.NewReader(b), "")
	require.NoError(t, err)
	assert.Equal(t, []string{"U", "S", "mask"}, h.Names())
	assert.Equal(t, "pt", h.Metadata["format"])
	assert.Zero(t, h.DataOffset%8)
	s, _ := h.Lookup("S")
	assert.Equal(t, "F32", s.Dtype)
	assert.True(t, s.Readable())

	got, err := both(t, b, "U")
	require.NoError(t, err)
	assert.Equal(t, a, got)
	got, err = both(t, b, "S")
	require.NoError(t, err)
	for i := range v {
		assert.Equal(t, float64(float32(v[i])), got[i])
	}
	got, err = both(t, b, "mask")
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 0, 0, 1, 1, 1}, got)

	_, err = NewReader(bytes.NewReader(b), "", Name("m.safetensors"))
	require.ErrorIs(t, err, stream.ErrUnsupported)
	assert.Contains(t, err.Error(), "U, S, mask")
	_, err = NewReader(bytes.NewReader(b), "V", Name("m.safetensors"))
	require.ErrorIs(t, err, stream.ErrFormat)
	assert.Contains(t, err.Error(), `no tensor "V"`)

	require.Error(t, Write(io.Discard, []Tensor{Uint8Tensor("a", []int64{1}, []byte{1}), Uint8Tensor("a", []int64{1}, []byte{1})}))
	assert.Panics(t, func() { _ = Write(io.Discard, []Tensor{Uint8Tensor("a", []int64{2}, []byte{1})}) })
}

func TestHalfTypes(t *testing.T) {
	js := `{"h":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]}}`
	data := []byte{0x00, 0x3c, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x38, 0x80, 0x3f, 0x49, 0x40}
	b := build(js, data)
	got, err := both(t, b, "h")
	require.NoError(t, err)
	assert.Equal(t, []float64{1, -2, 0, 0.5}, got)
	got, err = both(t, b, "b")
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 3.140625}, got)
}

func TestStreamingWriter(t *testing.T) {
	x := sample(33, 4)
	write := func(w *Writer) {
		for i := 0; i < 33; i += 10 {
			_, err := w.WriteRows(x[i*4 : min(i+10, 33)*4])
			require.NoError(t, err)
		}
		require.NoError(t, w.Close())
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, "data", 4, TempDir(t.TempDir()))
	require.NoError(t, err)
	write(w)
	got, err := both(t, buf.Bytes(), "data")
	require.NoError(t, err)
	require.Equal(t, x, got)

	buf.Reset()
	w, err = NewWriter(&buf, "data", 4, KnownRows(33), Float32())
	require.NoError(t, err)
	write(w)
	got, err = both(t, buf.Bytes(), "")
	require.NoError(t, err)
	for i := range x {
		require.Equal(t, float64(float32(x[i])), got[i])
	}

	path := filepath.Join(t.TempDir(), "a.safetensors")
	f, err := os.Create(path)
	require.NoError(t, err)
	w, err = NewWriter(f, "A", 4)
	require.NoError(t, err)
	write(w)
	require.NoError(t, f.Close())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	got, err = both(t, b, "A")
	require.NoError(t, err)
	require.Equal(t, x, got)

	w, _ = NewWriter(io.Discard, "A", 4, KnownRows(2))
	_, _ = w.WriteRows(x[:4])
	require.ErrorIs(t, w.Close(), stream.ErrShape)
	_, err = NewWriter(io.Discard, "__metadata__", 4)
	require.Error(t, err)
}

func TestBadFiles(t *testing.T) {
	good := build(`{"a":{"dtype":"F64","shape":[2,2],"data_offsets":[0,32]}}`, make([]byte, 32))
	cases := []struct {
		name string
		b    []byte
		want error
		msg  string
	}{
		{"empty", nil, stream.ErrEmpty, "empty"},
		{"short length", []byte{1, 2, 3}, io.ErrUnexpectedEOF, "8-byte"},
		{"huge header", binary.LittleEndian.AppendUint64(nil, 1<<40), stream.ErrTooLarge, "limit"},
		{"truncated header", good[:20], io.ErrUnexpectedEOF, "declared"},
		{"not json", build(`{"a":`, nil), stream.ErrFormat, "JSON"},
		{"unknown dtype", build(`{"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,1]}}`, []byte{0}), stream.ErrFormat, "Q7"},
		{"offsets vs shape", build(`{"a":{"dtype":"F64","shape":[2,2],"data_offsets":[0,24]}}`, make([]byte, 24)), stream.ErrShape, "needs 32"},
		{"bad range", build(`{"a":{"dtype":"F64","shape":[0],"data_offsets":[5,0]}}`, nil), stream.ErrFormat, "valid range"},
		{"absurd", build(`{"a":{"dtype":"F64","shape":[4000000000000,4000000000000],"data_offsets":[0,8]}}`, nil), stream.ErrTooLarge, "too large"},
		{"overlap", build(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}`, make([]byte, 3)), stream.ErrFormat, "overlap"},
		{"3-D", build(`{"a":{"dtype":"U8","shape":[1,1,1],"data_offsets":[0,1]}}`, []byte{1}), stream.ErrUnsupported, "1-D or 2-D"},
		{"complex", build(`{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}`, make([]byte, 8)), stream.ErrUnsupported, "C64"},
		{"extra field", build(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":1}}`, []byte{1}), stream.ErrFormat, "unknown field"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := both(t, c.b, "a", Name("bad.safetensors"))
			require.ErrorIs(t, err, c.want)
			assert.Contains(t, err.Error(), c.msg)
			assert.Contains(t, err.Error(), "bad.safetensors")
		})
	}
	// Data shorter than the header says: Open knows at once, a stream when it gets there.
	short := good[:len(good)-4]
	_, err := Open(bytes.NewReader(short), int64(len(short)))
	require.ErrorIs(t, err, stream.ErrShape)
	r, err := NewReader(bytes.NewReader(short), "a")
	require.NoError(t, err)
	_, err = streamtest.ReadBlocks(r, 1)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	// Non-finite values.
	bad := build(`{"a":{"dtype":"F64","shape":[2,2],"data_offsets":[0,32]}}`, binary.LittleEndian.AppendUint64(make([]byte, 16), math.Float64bits(math.NaN())))
	_, err = both(t, append(bad, make([]byte, 8)...), "a", Name("n.st"))
	require.ErrorIs(t, err, stream.ErrNonFinite)
	var de *stream.DataError
	require.ErrorAs(t, err, &de)
	assert.EqualValues(t, 2, de.Row)
	assert.Equal(t, 1, de.Column)
	assert.EqualValues(t, len(bad)-8, de.Offset)
}

func TestDtypeNames(t *testing.T) {
	for _, n := range []string{"F64", "F32", "F16", "BF16", "U8", "I64", "BOOL"} {
		d, ok := ParseDtype(n)
		require.True(t, ok)
		assert.Equal(t, n, DtypeName(d))
	}
	assert.Equal(t, "", DtypeName(raw.Float64|raw.BigEndian))
}
