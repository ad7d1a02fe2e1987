package delim

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/internal/digits"
	"github.com/linstream/linstream/internal/streamtest"
	"github.com/linstream/linstream/stream"
)

func parse(t *testing.T, text string, opts ...Option) ([]float64, int, error) {
	t.Helper()
	r, err := NewReader(strings.NewReader(text), opts...)
	if err != nil {
		return nil, 0, err
	}
	out, err := streamtest.ReadBlocks(r, 3)
	return out, r.Cols(), err
}

func TestReadBasic(t *testing.T) {
	cases := []struct {
		name string
		text string
		opts []Option
		want []float64
		cols int
	}{
		{"plain", "1,2,3\n4,5,6\n", nil, []float64{1, 2, 3, 4, 5, 6}, 3},
		{"no final newline", "1,2\n3,4", nil, []float64{1, 2, 3, 4}, 2},
		{"crlf", "1,2\r\n3,4\r\n", nil, []float64{1, 2, 3, 4}, 2},
		{"auto header", "a,b\n1,2\n", nil, []float64{1, 2}, 2},
		{"quoted header", "\"x,y\",b\n1,2\n", nil, []float64{1, 2}, 2},
		{"comments blanks", "# hi\n\n1,2\n  \n# mid\n3,4\n", nil, []float64{1, 2, 3, 4}, 2},
		{"spaces quotes", " 1 , \"2.5\" \n-3,+4e1\n", nil, []float64{1, 2.5, -3, 40}, 2},
		{"tsv", "1\t2\n3\t4\n", []Option{Separator('\t')}, []float64{1, 2, 3, 4}, 2},
		{"header(1) numeric", "0,1\n5,6\n", []Option{Header(1)}, []float64{5, 6}, 2},
		{"header(0)", "7,8\n", []Option{Header(0)}, []float64{7, 8}, 2},
		{"drop last", "1,2,9\n3,4,8\n", []Option{DropColumns([]int{-1})}, []float64{1, 2, 3, 4}, 2},
		{"drop label anything", "1,2,cat\n3,4,dog\n", []Option{DropColumns([]int{2})}, []float64{1, 2, 3, 4}, 2},
		{"columns reorder", "1,2,3\n4,5,6\n", []Option{Columns([]int{2, 0})}, []float64{3, 1, 6, 4}, 2},
		{"bom", "\xEF\xBB\xBF1,2\n", nil, []float64{1, 2}, 2},
		{"exotic numbers", "1e-300,-0.0,0x1p-2,.5,5.\n", nil, []float64{1e-300, math.Copysign(0, -1), 0.25, 0.5, 5}, 5},
		{"long mantissa", "0.12345678901234567890,123456789012345678\n", nil, []float64{0.12345678901234567890, 123456789012345678}, 2},
		{"nan allowed", "NaN,inf,-Inf\n", []Option{AllowNonFinite()}, []float64{math.NaN(), math.Inf(1), math.Inf(-1)}, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, cols, err := parse(t, c.text, c.opts...)
			require.NoError(t, err)
			require.Equal(t, c.cols, cols)
			require.Len(t, got, len(c.want))
			for i := range got {
				assert.Equal(t, math.Float64bits(c.want[i]) == math.Float64bits(got[i]) || (math.IsNaN(c.want[i]) && math.IsNaN(got[i])), true,
					"value %d: got %v want %v", i, got[i], c.want[i])
			}
		})
	}
}

func TestHeaderNames(t *testing.T) {
	r, err := NewReader(strings.NewReader("\"a \"\"q\"\"\",b\n1,2\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{`a "q"`, "b"}, r.Header())
	assert.Equal(t, 2, r.Fields())
}

// TestFastPathExact checks the short-decimal fast path against
// strconv.ParseFloat bit for bit.
func TestFastPathExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		intDigits := rng.IntN(10)
		fracDigits := rng.IntN(16 - intDigits)
		var b []byte
		if rng.IntN(2) == 0 {
			b = append(b, '-')
		}
		for range intDigits {
			b = append(b, byte('0'+rng.IntN(10)))
		}
		if fracDigits > 0 || intDigits == 0 {
			b = append(b, '.')
			for range max(fracDigits, 1) {
				b = append(b, byte('0'+rng.IntN(10)))
			}
		}
		want, err := strconv.ParseFloat(string(b), 64)
		require.NoError(t, err, string(b))
		got, next, ok := fastParse(b, 0, ',')
		if !ok {
			continue
		}
		require.Equal(t, -1, next)
		require.Equal(t, math.Float64bits(want), math.Float64bits(got), "%s", b)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name     string
		text     string
		opts     []Option
		sentinel error
		line     int64
		row      int64
		col      int
		offset   int64
		contains string
	}{
		{"non-numeric", "1,2\n3,x\n", nil, stream.ErrFormat, 2, 2, 2, 6, `"x"`},
		{"truncated field text", "1,2\n3," + strings.Repeat("y", 100) + "\n", nil, stream.ErrFormat, 2, 2, 2, 6, "…"},
		{"empty field", "1,2\n3,\n", nil, stream.ErrFormat, 2, 2, 2, 6, "empty field"},
		{"too many fields", "1,2\n3,4,5\n", nil, stream.ErrFormat, 2, 2, 3, 8, "3 fields, expected 2"},
		{"too few fields", "1,2\n3\n", nil, stream.ErrFormat, 2, 2, 1, 5, "1 fields, expected 2"},
		{"nan rejected", "1,2\n3,NaN\n", nil, stream.ErrNonFinite, 2, 2, 2, 6, "NaN"},
		{"overflow", "1,1e999\n", nil, stream.ErrNonFinite, 1, 1, 2, 2, "overflows"},
		{"unterminated quote", "1,2\n\"3,4\n", nil, stream.ErrFormat, 2, 2, 1, 4, "quoted"},
		{"typo in first line is no header", "1,x\n3,4\n", nil, stream.ErrFormat, 1, 1, 2, 2, `"x"`},
		{"comment after data", "1,2 # c\n", nil, stream.ErrFormat, 1, 1, 2, 2, "non-numeric"},
		{"empty first line is no header", ",\n1,2\n", nil, stream.ErrFormat, 1, 1, 1, 0, "empty field"},
		{"after comments", "# c\n\n1,2\n3,z\n", nil, stream.ErrFormat, 4, 2, 2, 11, `"z"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := parse(t, c.text, append(c.opts, FileName("m.csv"))...)
			require.Error(t, err)
			require.ErrorIs(t, err, c.sentinel)
			var de *stream.DataError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, "m.csv", de.File)
			assert.Equal(t, c.line, de.Line, "line")
			assert.Equal(t, c.row, de.Row, "row")
			assert.Equal(t, c.col, de.Column, "column")
			assert.Equal(t, c.offset, de.Offset, "offset")
			assert.Contains(t, err.Error(), c.contains)
			assert.Contains(t, err.Error(), "m.csv:")
		})
	}
}

func TestEmpty(t *testing.T) {
	for _, text := range []string{"", "\n\n", "# only\n", "a,b\n", "a,b\n# c\n"} {
		_, err := NewReader(strings.NewReader(text))
		require.ErrorIs(t, err, stream.ErrEmpty, "%q", text)
	}
}

func TestOptionErrors(t *testing.T) {
	bad := [][]Option{
		{Separator('1')}, {Separator('"')}, {Separator('\n')}, {Comment('1')},
		{Header(-1)}, {Columns(nil)}, {Columns([]int{0}), DropColumns([]int{1})},
		{Separator('#')}, {MaxLineBytes(3)}, {HeaderNames([]string{"a"})},
	}
	for _, opts := range bad {
		_, err := NewReader(strings.NewReader("1,2\n"), opts...)
		assert.ErrorIs(t, err, stream.ErrInvalidOption)
	}
	for _, opts := range [][]Option{{Columns([]int{5})}, {Columns([]int{-3})}, {DropColumns([]int{0, 1})}} {
		_, err := NewReader(strings.NewReader("1,2\n"), opts...)
		assert.ErrorIs(t, err, stream.ErrShape)
	}
	_, err := NewReader(strings.NewReader("1,2\n"), Columns([]int{0, -2}))
	assert.Error(t, err) // same field twice
	_, err = NewWriter(io.Discard, 2, Header(1))
	assert.Error(t, err)
	_, err = NewWriter(io.Discard, 2, HeaderNames([]string{"a"}))
	assert.Error(t, err)
	assert.Panics(t, func() { _, _ = NewWriter(io.Discard, 0) })
}

func TestLongLine(t *testing.T) {
	line := strings.Repeat("1,", 20000) + "1\n"
	got, cols, err := parse(t, line+line)
	require.NoError(t, err)
	assert.Equal(t, 20001, cols)
	assert.Len(t, got, 2*20001)
	_, _, err = parse(t, line, MaxLineBytes(1000))
	require.ErrorIs(t, err, stream.ErrTooLarge)
}

func TestOneByteReader(t *testing.T) {
	text := "a,b\n1,2.5\n# c\n3,4\n"
	r, err := NewReader(iotest.OneByteReader(strings.NewReader(text)))
	require.NoError(t, err)
	got, err := streamtest.ReadBlocks(r, 3)
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 2.5, 3, 4}, got)
}

func TestReadErrorPropagates(t *testing.T) {
	boom := errors.New("boom")
	r, err := NewReader(io.MultiReader(strings.NewReader("1,2\n3,4\n"), iotest.ErrReader(boom)))
	require.NoError(t, err)
	_, err = streamtest.ReadBlocks(r, 3)
	require.ErrorIs(t, err, boom)
}

func TestRewind(t *testing.T) {
	text := "h1,h2\n1,2\n3,4\n"
	r, err := NewReader(strings.NewReader(text))
	require.NoError(t, err)
	a, err := streamtest.ReadBlocks(r, 3)
	require.NoError(t, err)
	require.NoError(t, r.Rewind())
	b, err := streamtest.ReadBlocks(r, 3)
	require.NoError(t, err)
	assert.Equal(t, a, b)

	r2, err := NewReader(io.MultiReader(strings.NewReader(text)))
	require.NoError(t, err)
	require.ErrorIs(t, r2.Rewind(), stream.ErrUnsupported)
}

func TestPanicsOnBadBuffer(t *testing.T) {
	r, err := NewReader(strings.NewReader("1,2\n"))
	require.NoError(t, err)
	assert.Panics(t, func() { _, _ = r.ReadRows(make([]float64, 3)) })
	w, err := NewWriter(io.Discard, 2)
	require.NoError(t, err)
	assert.Panics(t, func() { _, _ = w.WriteRows(make([]float64, 3)) })
}

func TestRoundTripExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const rows, cols = 200, 7
	data := make([]float64, rows*cols)
	for i := range data {
		switch i % 4 {
		case 0:
			data[i] = rng.NormFloat64()
		case 1:
			data[i] = math.Float64frombits(rng.Uint64()&^(0x7ff<<52) | uint64(1+rng.IntN(2045))<<52)
		case 2:
			data[i] = float64(rng.IntN(100)) - 50
		default:
			data[i] = rng.NormFloat64() * 1e-310 // subnormal
		}
	}
	for _, sep := range []byte{',', '\t', ';'} {
		var buf bytes.Buffer
		w, err := NewWriter(&buf, cols, Separator(sep), HeaderNames([]string{"a", "b,c", "d\"", "e", "f", "g", " h"}))
		require.NoError(t, err)
		_, err = w.WriteRows(data)
		require.NoError(t, err)
		require.NoError(t, w.Close())
		_, err = w.WriteRows(data[:cols])
		require.Error(t, err)

		r, err := NewReader(bytes.NewReader(buf.Bytes()), Separator(sep))
		require.NoError(t, err)
		assert.Equal(t, []string{"a", "b,c", "d\"", "e", "f", "g", " h"}, r.Header())
		got, err := streamtest.ReadBlocks(r, 3)
		require.NoError(t, err)
		require.Len(t, got, len(data))
		for i := range data {
			require.Equal(t, math.Float64bits(data[i]), math.Float64bits(got[i]), "value %d", i)
		}
	}
}

func TestDigits(t *testing.T) {
	zr, err := gzip.NewReader(bytes.NewReader(digits.CSV()))
	require.NoError(t, err)
	r, err := NewReader(zr, DropColumns([]int{-1}))
	require.NoError(t, err)
	require.Equal(t, digits.Cols, r.Cols())
	require.Equal(t, digits.Cols+1, r.Fields())
	got, err := streamtest.ReadBlocks(r, 3)
	require.NoError(t, err)
	assert.Equal(t, digits.Pixels(), got)

	// The label column alone.
	zr, err = gzip.NewReader(bytes.NewReader(digits.CSV()))
	require.NoError(t, err)
	r, err = NewReader(zr, Columns([]int{-1}))
	require.NoError(t, err)
	got, err = streamtest.ReadBlocks(r, 3)
	require.NoError(t, err)
	labels := digits.Labels()
	require.Len(t, got, len(labels))
	for i, l := range labels {
		require.Equal(t, float64(l), got[i])
	}
}

func TestNoAllocPerRow(t *testing.T) {
	var sb strings.Builder
	for i := range 2000 {
		sb.WriteString(strconv.Itoa(i))
		sb.WriteString(",0.25,-1.5e3,\"7\"\n")
	}
	text := sb.String()
	src := strings.NewReader(text)
	r, err := NewReader(src)
	require.NoError(t, err)
	buf := make([]float64, 4*16)
	allocs := testing.AllocsPerRun(50, func() {
		if _, err := r.ReadRows(buf); err != nil {
			require.NoError(t, r.Rewind())
		}
	})
	assert.Zero(t, allocs)

	w, err := NewWriter(io.Discard, 4)
	require.NoError(t, err)
	allocs = testing.AllocsPerRun(50, func() { _, _ = w.WriteRows(buf) })
	assert.Zero(t, allocs)
}
