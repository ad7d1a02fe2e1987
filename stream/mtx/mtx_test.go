package mtx

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/internal/streamtest"
	"github.com/linstream/linstream/stream"
)

func parse(t testing.TB, text string, opts ...Option) ([]float64, *Reader, error) {
	r, err := NewReader(strings.NewReader(text), opts...)
	if err != nil {
		return nil, nil, err
	}
	out, err := streamtest.ReadBlocks(r, 2)
	return out, r, err
}

func TestRead(t *testing.T) {
	cases := []struct {
		name string
		text string
		opts []Option
		want []float64
		cols int
	}{
		{"array general", "%%MatrixMarket matrix array real general\n% c\n2 3\n1\n4\n2\n5\n3\n6\n",
			nil, []float64{1, 2, 3, 4, 5, 6}, 3},
		{"array several per line", "%%MatrixMarket matrix array real general\n2 2\n1 3\n2 4\n",
			nil, []float64{1, 2, 3, 4}, 2},
		{"array symmetric", "%%MatrixMarket matrix array real symmetric\n3 3\n1\n2\n3\n4\n5\n6\n",
			nil, []float64{1, 2, 3, 2, 4, 5, 3, 5, 6}, 3},
		{"array skew", "%%MatrixMarket matrix array real skew-symmetric\n3 3\n1\n2\n3\n",
			nil, []float64{0, -1, -2, 1, 0, -3, 2, 3, 0}, 3},
		{"array integer", "%%MatrixMarket matrix array integer general\n1 2\n7\n-8\n",
			nil, []float64{7, -8}, 2},
		{"coordinate sorted gaps", "%%MatrixMarket matrix coordinate real general\n4 3 3\n1 1 1.5\n1 3 2\n4 2 -1e3\n",
			nil, []float64{1.5, 0, 2, 0, 0, 0, 0, 0, 0, 0, -1000, 0}, 3},
		{"coordinate unsorted", "%%MatrixMarket matrix coordinate real general\n3 2 3\n3 1 5\n1 2 6\n2 2 7\n",
			nil, []float64{0, 6, 0, 7, 5, 0}, 2},
		{"coordinate pattern", "%%MatrixMarket matrix coordinate pattern general\n2 2 2\n1 2\n2 1\n",
			nil, []float64{0, 1, 1, 0}, 2},
		{"coordinate symmetric", "%%MatrixMarket matrix coordinate real symmetric\n3 3 3\n1 1 1\n3 1 2\n2 3 4\n",
			nil, []float64{1, 0, 2, 0, 0, 4, 2, 4, 0}, 3},
		{"coordinate skew", "%%MatrixMarket matrix coordinate integer skew-symmetric\n2 2 1\n2 1 3\n",
			nil, []float64{0, -3, 3, 0}, 2},
		{"sum duplicates", "%%MatrixMarket matrix coordinate real general\n1 2 3\n1 1 1\n1 1 2\n1 2 4\n",
			[]Option{SumDuplicates()}, []float64{3, 4}, 2},
		{"case crlf blanks", "%%matrixmarket MATRIX Coordinate Real General\r\n\r\n%x\r\n1 1 1\r\n 1   1   9 \r\n",
			nil, []float64{9}, 1},
		{"double field", "%%MatrixMarket matrix array double general\n1 1\n2.5\n", nil, []float64{2.5}, 1},
		{"zero entries", "%%MatrixMarket matrix coordinate real general\n2 1 0\n", nil, []float64{0, 0}, 1},
		{"nan allowed", "%%MatrixMarket matrix array real general\n1 1\nnan\n", []Option{AllowNonFinite()}, []float64{math.NaN()}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, r, err := parse(t, c.text, c.opts...)
			require.NoError(t, err)
			require.Equal(t, c.cols, r.Cols())
			require.Equal(t, int64(len(c.want)/c.cols), r.Rows())
			require.Len(t, got, len(c.want))
			for i := range got {
				if math.IsNaN(c.want[i]) {
					assert.True(t, math.IsNaN(got[i]))
					continue
				}
				assert.Equal(t, c.want[i], got[i], "value %d", i)
			}
			// Held in memory: rewinds in place.
			require.NoError(t, r.Rewind())
			again, err := streamtest.ReadBlocks(r, 2)
			require.NoError(t, err)
			assert.Equal(t, len(got), len(again))
		})
	}
}

func TestErrors(t *testing.T) {
	const coo = "%%MatrixMarket matrix coordinate real general\n"
	const arr = "%%MatrixMarket matrix array real general\n"
	cases := []struct {
		name     string
		text     string
		opts     []Option
		sentinel error
		line     int64
		contains string
	}{
		{"empty", "", nil, stream.ErrEmpty, 1, "banner"},
		{"no banner", "1 2\n", nil, stream.ErrFormat, 1, "banner"},
		{"short banner", "%%MatrixMarket matrix array\n", nil, stream.ErrFormat, 1, "words"},
		{"complex", "%%MatrixMarket matrix coordinate complex general\n", nil, stream.ErrUnsupported, 1, "complex"},
		{"hermitian", "%%MatrixMarket matrix coordinate real hermitian\n", nil, stream.ErrUnsupported, 1, "hermitian"},
		{"vector", "%%MatrixMarket vector coordinate real general\n", nil, stream.ErrUnsupported, 1, "object"},
		{"bad format", "%%MatrixMarket matrix dense real general\n", nil, stream.ErrFormat, 1, "format"},
		{"pattern array", "%%MatrixMarket matrix array pattern general\n", nil, stream.ErrFormat, 1, "pattern"},
		{"no size", arr, nil, stream.ErrFormat, 2, "size line"},
		{"no size eof", arr, nil, io.ErrUnexpectedEOF, 2, "size line"},
		{"bad size", arr + "2 x\n", nil, stream.ErrFormat, 2, `"x"`},
		{"size count", coo + "2 2\n", nil, stream.ErrFormat, 2, "expected 3"},
		{"zero size", arr + "0 3\n", nil, stream.ErrEmpty, 2, "0×3"},
		{"sym not square", "%%MatrixMarket matrix array real symmetric\n2 3\n", nil, stream.ErrShape, 2, "square"},
		{"too many declared", coo + "2 2 5\n", nil, stream.ErrShape, 2, "at most 4"},
		{"huge cols", coo + "1 100000000000 1\n", nil, stream.ErrTooLarge, 2, "budget"},
		{"array over budget", arr + "1000 1000\n", []Option{MemoryBudget(1 << 20)}, stream.ErrTooLarge, 2, "column-major"},
		{"array truncated", arr + "2 2\n1\n2\n3\n", nil, io.ErrUnexpectedEOF, 6, "3 of 4"},
		{"array extra", arr + "1 1\n1\n2\n", nil, stream.ErrShape, 4, "more than"},
		{"array non-numeric", arr + "2 1\n1\nabc\n", nil, stream.ErrFormat, 4, `"abc"`},
		{"array nan", arr + "2 1\n1\nNaN\n", nil, stream.ErrNonFinite, 4, "NaN"},
		{"integer not integer", "%%MatrixMarket matrix array integer general\n1 1\n1.5\n", nil, stream.ErrFormat, 3, "integer"},
		{"index out of range", coo + "2 2 1\n3 1 1\n", nil, stream.ErrFormat, 3, "from 1 to 2"},
		{"index zero", coo + "2 2 1\n1 0 1\n", nil, stream.ErrFormat, 3, "column index"},
		{"index junk", coo + "2 2 1\n1 a 1\n", nil, stream.ErrFormat, 3, `"a"`},
		{"entry fields", coo + "2 2 1\n1 1\n", nil, stream.ErrFormat, 3, "expected 3"},
		{"coordinate truncated", coo + "2 2 2\n1 1 1\n", nil, io.ErrUnexpectedEOF, 4, "1 of 2"},
		{"coordinate extra", coo + "2 2 1\n1 1 1\n2 2 2\n", nil, stream.ErrShape, 4, "more than"},
		{"duplicate", coo + "2 2 2\n1 1 1\n1 1 2\n", nil, stream.ErrFormat, 0, "duplicate entry (1, 1)"},
		{"sym duplicate", "%%MatrixMarket matrix coordinate real symmetric\n2 2 2\n2 1 1\n1 2 2\n", nil, stream.ErrFormat, 0, "name one position"},
		{"skew diagonal", "%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n1 1 1\n", nil, stream.ErrFormat, 3, "diagonal"},
		{"unsorted over budget", coo + "3 2 3\n2 1 1\n1 1 1\n3 1 1\n", []Option{MemoryBudget(16*2 + 2*32)}, stream.ErrTooLarge, 0, "not sorted"},
		{"sym over budget", "%%MatrixMarket matrix coordinate real symmetric\n3 3 3\n1 1 1\n2 1 1\n3 1 1\n", []Option{MemoryBudget(16*3 + 64)}, stream.ErrTooLarge, 0, "symmetric"},
		{"unsorted after streaming", coo + "3 2 3\n1 1 1\n2 1 1\n1 2 1\n", []Option{MemoryBudget(16*2 + 32)}, stream.ErrUnsupported, 0, "not sorted"},
		{"streaming duplicate with lines", coo + "3 2 3\n1 1 1\n2 1 1\n2 1 1\n", []Option{MemoryBudget(16*2 + 32)}, stream.ErrFormat, 5, "first on line 4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := parse(t, c.text, append(c.opts, FileName("m.mtx"))...)
			require.Error(t, err)
			require.ErrorIs(t, err, c.sentinel)
			assert.Contains(t, err.Error(), c.contains)
			assert.Contains(t, err.Error(), "m.mtx")
			var de *stream.DataError
			require.ErrorAs(t, err, &de)
			if c.line > 0 {
				assert.Equal(t, c.line, de.Line, "line")
			}
		})
	}
}

func TestErrorPosition(t *testing.T) {
	_, _, err := parse(t, "%%MatrixMarket matrix coordinate real general\n3 3 2\n1 1 1\n2 3 x\n")
	var de *stream.DataError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, int64(4), de.Line)
	assert.Equal(t, int64(2), de.Row)
	assert.Equal(t, 3, de.Column)
	assert.Equal(t, int64(58+4), de.Offset)
}

func TestStreamSortedOverBudget(t *testing.T) {
	// A sorted file larger than the budget streams, and rewinds from a seeker.
	const rows, cols = 300, 5
	data := randomSparse(rows, cols, 1)
	var buf bytes.Buffer
	w, err := NewWriter(&buf, cols)
	require.NoError(t, err)
	_, err = w.WriteRows(data)
	require.NoError(t, err)
	require.NoError(t, w.Close())

	r, err := NewReader(bytes.NewReader(buf.Bytes()), MemoryBudget(16*cols+32*10))
	require.NoError(t, err)
	assert.True(t, r.stream)
	got, err := streamtest.ReadBlocks(r, 2)
	require.NoError(t, err)
	assert.Equal(t, data, got)
	require.NoError(t, r.Rewind())
	got, err = streamtest.ReadBlocks(r, 2)
	require.NoError(t, err)
	assert.Equal(t, data, got)

	r, err = NewReader(io.MultiReader(bytes.NewReader(buf.Bytes())), MemoryBudget(16*cols+32*10))
	require.NoError(t, err)
	require.ErrorIs(t, r.Rewind(), stream.ErrUnsupported)
}

func randomSparse(rows, cols int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	data := make([]float64, rows*cols)
	for i := range data {
		if rng.IntN(3) == 0 {
			data[i] = rng.NormFloat64() * math.Exp(10*rng.NormFloat64())
		}
	}
	return data
}

func TestRoundTrip(t *testing.T) {
	for _, array := range []bool{false, true} {
		for _, shape := range [][2]int{{1, 1}, {7, 3}, {40, 17}} {
			t.Run(fmt.Sprintf("array=%v/%dx%d", array, shape[0], shape[1]), func(t *testing.T) {
				data := randomSparse(shape[0], shape[1], uint64(shape[0]))
				var opts []Option
				if array {
					opts = append(opts, ArrayFormat())
				}
				var buf bytes.Buffer
				w, err := NewWriter(&buf, shape[1], opts...)
				require.NoError(t, err)
				assert.Zero(t, buf.Len(), "nothing written before Close")
				_, err = stream.Copy(w, stream.NewSliceReader(data, shape[1]))
				require.NoError(t, err)
				require.NoError(t, w.Close())
				require.NoError(t, w.Close())
				r, err := NewReader(bytes.NewReader(buf.Bytes()))
				require.NoError(t, err)
				got, err := streamtest.ReadBlocks(r, 2)
				require.NoError(t, err)
				require.Len(t, got, len(data))
				for i := range data {
					require.Equal(t, math.Float64bits(data[i]), math.Float64bits(got[i]), "value %d", i)
				}
			})
		}
	}
}

func TestWriterSpools(t *testing.T) {
	defer func(n int) { spoolInMemory = n }(spoolInMemory)
	spoolInMemory = 64 << 10
	dir := t.TempDir()
	const cols = 64
	rng := rand.New(rand.NewPCG(5, 5))
	data := make([]float64, 300*cols) // ~ 500 kB of coordinate text
	for i := range data {
		data[i] = rng.NormFloat64()
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, cols, TempDir(dir))
	require.NoError(t, err)
	_, err = w.WriteRows(data)
	require.NoError(t, err)
	ents, _ := os.ReadDir(dir)
	assert.Len(t, ents, 1, "spooled to a temporary file")
	require.NoError(t, w.Close())
	ents, _ = os.ReadDir(dir)
	assert.Empty(t, ents, "temporary file removed")
	r, err := NewReader(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	got, err := streamtest.ReadBlocks(r, 2)
	require.NoError(t, err)
	assert.Equal(t, data, got)
}

func TestWriterArrayBudget(t *testing.T) {
	w, err := NewWriter(io.Discard, 4, ArrayFormat(), MemoryBudget(100))
	require.NoError(t, err)
	_, err = w.WriteRows(make([]float64, 8))
	require.NoError(t, err)
	_, err = w.WriteRows(make([]float64, 8))
	require.ErrorIs(t, err, stream.ErrTooLarge)
	require.ErrorIs(t, w.Close(), stream.ErrTooLarge)
}

func TestOptionErrors(t *testing.T) {
	_, err := NewReader(strings.NewReader(""), ArrayFormat())
	assert.ErrorIs(t, err, stream.ErrInvalidOption)
	_, err = NewWriter(io.Discard, 1, SumDuplicates())
	assert.ErrorIs(t, err, stream.ErrInvalidOption)
	_, err = NewWriter(io.Discard, 1, MemoryBudget(0))
	assert.ErrorIs(t, err, stream.ErrInvalidOption)
	assert.Panics(t, func() { _, _ = NewWriter(io.Discard, 0) })
	r, err := NewReader(strings.NewReader("%%MatrixMarket matrix array real general\n1 2\n1\n2\n"))
	require.NoError(t, err)
	assert.Panics(t, func() { _, _ = r.ReadRows(make([]float64, 3)) })
}

// TestNoHugeAllocation: a tiny file declaring a huge matrix fails or opens
// without allocating for the declared size (a caller reading rows of a
// 10⁸-column matrix still needs its own 10⁸-float buffer).
func TestNoHugeAllocation(t *testing.T) {
	texts := []string{
		"%%MatrixMarket matrix array real general\n10000 10000\n1\n",
		"%%MatrixMarket matrix coordinate real general\n100000000 1000 5000000\n1 1 1\n",
		"%%MatrixMarket matrix coordinate real symmetric\n10000 10000 5000000\n1 1 1\n",
		"%%MatrixMarket matrix coordinate real general\n2 100000000 1\n1 1 1\n1 1 1\n",
	}
	for _, text := range texts {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _ = NewReader(strings.NewReader(text))
		runtime.ReadMemStats(&after)
		assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), text)
	}
}

func TestLookahead(t *testing.T) {
	const rows, cols = 50, 4
	data := randomSparse(rows, cols, 3)
	// Row-sorted: streams after the lookahead.
	var buf bytes.Buffer
	w, err := NewWriter(&buf, cols)
	require.NoError(t, err)
	_, err = w.WriteRows(data)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	r, err := NewReader(bytes.NewReader(buf.Bytes()), Lookahead(10))
	require.NoError(t, err)
	assert.True(t, r.stream)
	got, err := streamtest.ReadBlocks(r, 2)
	require.NoError(t, err)
	assert.Equal(t, data, got)

	// Column-major with a long first column: not mistaken for row-sorted.
	var sb strings.Builder
	nnz := 0
	for j := range cols {
		for i := range rows {
			if data[i*cols+j] != 0 {
				nnz++
			}
		}
	}
	fmt.Fprintf(&sb, "%%%%MatrixMarket matrix coordinate real general\n%d %d %d\n", rows, cols, nnz)
	for j := range cols {
		for i := range rows {
			if v := data[i*cols+j]; v != 0 {
				fmt.Fprintf(&sb, "%d %d %v\n", i+1, j+1, v)
			}
		}
	}
	r, err = NewReader(strings.NewReader(sb.String()), Lookahead(5))
	require.NoError(t, err)
	assert.False(t, r.stream)
	got, err = streamtest.ReadBlocks(r, 2)
	require.NoError(t, err)
	assert.Equal(t, data, got)

	// Sorted over two columns for the lookahead, then out of order.
	text := "%%MatrixMarket matrix coordinate real general\n4 2 5\n1 1 1\n1 2 2\n2 1 3\n3 2 4\n1 1 9\n"
	_, _, err = parse(t, text, Lookahead(3))
	require.ErrorIs(t, err, stream.ErrUnsupported)
	assert.Contains(t, err.Error(), "not sorted by row after all")
	// Within the default lookahead the same file is simply sorted (and the
	// duplicate (1,1) reported).
	_, _, err = parse(t, text)
	require.ErrorIs(t, err, stream.ErrFormat)
	assert.Contains(t, err.Error(), "duplicate entry (1, 1)")

	_, err = NewReader(strings.NewReader(text), Lookahead(0))
	require.ErrorIs(t, err, stream.ErrInvalidOption)
}
