package stream

import (
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

func TestCopyAndCopyBuffer(t *testing.T) {
	data := indexed(1000, 3)
	w := NewSliceWriter(3)
	n, err := Copy(w, newChoppy(data, 3, 1, nil))
	require.NoError(t, err)
	assert.Equal(t, int64(1000), n)
	assert.Equal(t, data, w.Data())

	_, err = Copy(NewSliceWriter(2), NewSliceReader(data, 3))
	assert.ErrorIs(t, err, ErrShape)

	w.Reset()
	n, err = Copy(w, newChoppy(data, 3, 2, tornErr(1001)))
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, int64(1000), n)

	fw := &failingWriter{cols: 3, limit: 100}
	n, err = Copy(fw, NewSliceReader(data, 3))
	assert.ErrorIs(t, err, errInjected)
	assert.Equal(t, int64(100), n)

	assert.Panics(t, func() { _, _ = CopyBuffer(w, NewSliceReader(data, 3), make([]float64, 4)) })
}

func TestCopyAllocs(t *testing.T) {
	r := NewSliceReader(indexed(10000, 8), 8)
	d := Discard(8)
	buf := make([]float64, 64*8)
	allocs := testing.AllocsPerRun(20, func() {
		_ = r.Rewind()
		if _, err := CopyBuffer(d, r, buf); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
	assert.Equal(t, int64(21*10000), d.Rows())
}

func TestTee(t *testing.T) {
	data := indexed(300, 4)
	a, b, c := NewSliceWriter(4), NewSliceWriter(4), Discard(4)
	n, err := Copy(Tee(a, Tee(b, c)), NewSliceReader(data, 4))
	require.NoError(t, err)
	assert.Equal(t, int64(300), n)
	assert.Equal(t, data, a.Data())
	assert.Equal(t, data, b.Data())
	assert.Equal(t, int64(300), c.Rows())
	assert.Len(t, Tee(a, Tee(b, c)).(*tee).ws, 3, "nested Tees are flattened")

	// Stops at the first failure; later writers do not see the block.
	a.Reset()
	fw := &failingWriter{cols: 4, limit: 10}
	after := Discard(4)
	n, err = Copy(Tee(a, fw, after), NewSliceReader(data, 4))
	assert.ErrorIs(t, err, errInjected)
	assert.Equal(t, int64(10), n)
	assert.Equal(t, int64(0), after.Rows())

	assert.Panics(t, func() { Tee() })
	assert.Panics(t, func() { Tee(a, NewSliceWriter(3)) })
	assert.Panics(t, func() { Tee(a, nil) })

	tw := Tee(a, b)
	allocs := testing.AllocsPerRun(50, func() { _, _ = tw.WriteRows(data[:64*4]) })
	assert.Zero(t, allocs)
}

func TestTeeReader(t *testing.T) {
	data := indexed(200, 2)
	side := NewSliceWriter(2)
	out := NewSliceWriter(2)
	n, err := Copy(out, TeeReader(newChoppy(data, 2, 3, nil), side))
	require.NoError(t, err)
	assert.Equal(t, int64(200), n)
	assert.Equal(t, data, side.Data())
	assert.Equal(t, data, out.Data())

	_, err = Copy(out, TeeReader(NewSliceReader(data, 2), &failingWriter{cols: 2, limit: 5}))
	assert.ErrorIs(t, err, errInjected)
	assert.Panics(t, func() { TeeReader(NewSliceReader(data, 2), Discard(3)) })

	tr := TeeReader(NewSliceReader(data, 2), Discard(2))
	buf := make([]float64, 16)
	allocs := testing.AllocsPerRun(50, func() { _, _ = tr.ReadRows(buf) })
	assert.Zero(t, allocs)
}

func TestReadFull(t *testing.T) {
	data := indexed(10, 3)
	r := newChoppy(data, 3, 4, nil)
	buf := make([]float64, 4*3)
	n, err := ReadFull(r, buf)
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	assert.Equal(t, data[:12], buf)
	n, err = ReadFull(r, buf)
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	n, err = ReadFull(r, buf)
	assert.Equal(t, io.ErrUnexpectedEOF, err)
	assert.Equal(t, 2, n)
	n, err = ReadFull(r, buf)
	assert.Equal(t, io.EOF, err)
	assert.Equal(t, 0, n)

	// A torn row passes through with its position.
	r = newChoppy(data, 3, 5, tornErr(11))
	n, err = ReadFull(r, make([]float64, 11*3))
	assert.Equal(t, 10, n)
	var de *DataError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, int64(11), de.Row)

	n, err = ReadFull(stuck{}, make([]float64, 3))
	assert.Equal(t, io.ErrNoProgress, err)
	assert.Zero(t, n)
	assert.Panics(t, func() { _, _ = ReadFull(r, make([]float64, 4)) })
}

type stuck struct{}

func (stuck) Cols() int                       { return 1 }
func (stuck) ReadRows([]float64) (int, error) { return 0, nil }

func TestLimitRows(t *testing.T) {
	data := indexed(50, 2)
	for _, lim := range []int64{0, 1, 7, 49, 50, 51, 1000} {
		l := LimitRows(NewSliceReader(data, 2), lim)
		assert.Equal(t, min(lim, 50), l.Rows())
		got, err := ReadAll(l)
		require.NoError(t, err)
		assert.Equal(t, data[:min(lim, 50)*2], got, "limit %d", lim)
		n, err := l.ReadRows(make([]float64, 2))
		assert.Zero(t, n)
		assert.Equal(t, io.EOF, err)
	}
	// Not a Lener underneath: unknown.
	assert.Equal(t, int64(-1), LimitRows(newChoppy(data, 2, 1, nil), 5).Rows())
	// An error inside the limit passes through; beyond it is never seen.
	_, err := ReadAll(LimitRows(newChoppy(data, 2, 1, tornErr(51)), 60))
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	got, err := ReadAll(LimitRows(newChoppy(data, 2, 1, tornErr(51)), 50))
	require.NoError(t, err)
	assert.Len(t, got, 100)
	assert.Panics(t, func() { LimitRows(NewSliceReader(data, 2), -1) })
}

func TestReadAll(t *testing.T) {
	for _, cols := range []int{1, 3, 7, 100} {
		data := indexed(333, cols)
		got, err := ReadAll(newChoppy(data, cols, uint64(cols), nil))
		require.NoError(t, err)
		assert.Equal(t, data, got)
		got, err = ReadAll(NewSliceReader(data, cols))
		require.NoError(t, err)
		assert.Equal(t, data, got)
	}
	got, err := ReadAll(NewSliceReader(nil, 2))
	require.NoError(t, err)
	assert.Empty(t, got)
	_, err = ReadAll(stuck{})
	assert.Equal(t, io.ErrNoProgress, err)
}

func TestScanner(t *testing.T) {
	data := indexed(103, 3)
	for _, block := range []int{0, 1, 10, 103, 200} {
		s := NewScanner(newChoppy(data, 3, 7, nil), block)
		assert.Equal(t, 3, s.Cols())
		var got []float64
		var firsts []int64
		for s.Scan() {
			firsts = append(firsts, s.Row())
			got = append(got, s.Block()...)
			bs := block
			if bs == 0 {
				bs = DefaultBlockRows
			}
			if int64(len(got)) < int64(len(data)) {
				assert.Len(t, s.Block(), bs*3, "every block but the last is full")
			}
		}
		require.NoError(t, s.Err())
		assert.Equal(t, data, got)
		assert.Equal(t, int64(0), firsts[0])
		assert.False(t, s.Scan(), "Scan stays false")
		assert.Empty(t, s.Block())
	}

	// All yields (index, row) and stops early on break.
	s := NewScanner(NewSliceReader(data, 3), 8)
	var idx []int64
	for i, row := range s.All() {
		require.Len(t, row, 3)
		assert.Equal(t, float64(i*3), row[0])
		idx = append(idx, i)
	}
	require.NoError(t, s.Err())
	assert.Len(t, idx, 103)
	assert.Equal(t, int64(102), idx[102])

	s = NewScanner(NewSliceReader(data, 3), 8)
	count := 0
	for i := range s.All() {
		if i == 4 {
			break
		}
		count++
	}
	assert.Equal(t, 4, count)

	// Errors are sticky and reported after the valid rows.
	s = NewScanner(newChoppy(data, 3, 8, tornErr(104)), 16)
	rows := 0
	for s.Scan() {
		rows += len(s.Block()) / 3
	}
	assert.Equal(t, 103, rows)
	assert.ErrorIs(t, s.Err(), io.ErrUnexpectedEOF)
	assert.False(t, s.Scan())
	assert.ErrorIs(t, s.Err(), io.ErrUnexpectedEOF)

	assert.Panics(t, func() { NewScanner(NewSliceReader(data, 3), -1) })
}

func TestScannerAllocs(t *testing.T) {
	r := NewSliceReader(indexed(1<<14, 4), 4)
	s := NewScanner(r, 64)
	allocs := testing.AllocsPerRun(100, func() {
		if !s.Scan() {
			_ = r.Rewind()
			s = NewScanner(r, 64)
		}
	})
	assert.Less(t, allocs, 0.1)
}

func TestFromMatrixToDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	a := mat.NewDense(37, 5, nil)
	for i := range 37 {
		for j := range 5 {
			a.Set(i, j, rng.NormFloat64())
		}
	}
	// Dense, a strided view, a transpose (At path) and a Rewind.
	for name, m := range map[string]mat.Matrix{
		"dense": a,
		"view":  a.Slice(3, 30, 1, 4),
		"T":     a.T(),
	} {
		r := FromMatrix(m)
		rows, cols := m.Dims()
		assert.Equal(t, int64(rows), r.Rows())
		got, err := ToDense(newReaderOnly(r), 0)
		require.NoError(t, err, name)
		assert.True(t, mat.Equal(m, got), name)
		require.NoError(t, r.Rewind())
		got, err = ToDense(r, int64(rows))
		require.NoError(t, err)
		assert.True(t, mat.Equal(m, got), name)
		_ = cols
	}
	r := FromMatrix(a)
	row := make([]float64, 5*2)
	n, err := r.ReadRowsAt(row, 35)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, a.RawRowView(36), row[5:])
	_, err = r.ReadRowsAt(row, 37)
	assert.Equal(t, io.EOF, err)

	_, err = ToDense(FromMatrix(a), 36)
	assert.ErrorIs(t, err, ErrTooLarge)
	_, err = ToDense(NewSliceReader(nil, 3), 0)
	assert.ErrorIs(t, err, ErrEmpty)
	_, err = ToDense(newChoppy(indexed(4, 3), 3, 1, tornErr(5)), 0)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Panics(t, func() { FromMatrix(&mat.Dense{}) })
}

// readerOnly hides every method but Reader's.
type readerOnly struct{ r Reader }

func newReaderOnly(r Reader) Reader                    { return readerOnly{r} }
func (r readerOnly) Cols() int                         { return r.r.Cols() }
func (r readerOnly) ReadRows(d []float64) (int, error) { return r.r.ReadRows(d) }

func TestDataErrorMessage(t *testing.T) {
	err := error(&DataError{File: "a.csv", Line: 3, Row: 2, Column: 4, Offset: 17, Msg: "bad field", Err: ErrFormat})
	assert.Equal(t, "a.csv:3: row 2, column 4 (byte 17): bad field: stream: malformed input", err.Error())
	assert.True(t, errors.Is(err, ErrFormat))
}

func TestRowOpsAllocs(t *testing.T) {
	data := indexed(1<<12, 4)
	r := NewSliceReader(data, 4)
	buf := make([]float64, 64*4)
	l := LimitRows(r, 0)
	allocs := testing.AllocsPerRun(100, func() {
		_ = r.Rewind()
		l.N = 100
		if _, err := ReadFull(l, buf); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

// writerToReader is a Reader whose rows only come through WriteTo.
type writerToReader struct{ called bool }

func (*writerToReader) Cols() int                       { return 1 }
func (*writerToReader) ReadRows([]float64) (int, error) { panic("ReadRows called") }
func (w *writerToReader) WriteTo(dst Writer) (int64, error) {
	w.called = true
	n, err := dst.WriteRows([]float64{1, 2, 3})
	return int64(n), err
}

func TestCopyUsesWriterTo(t *testing.T) {
	src := &writerToReader{}
	w := NewSliceWriter(1)
	n, err := Copy(w, src)
	require.NoError(t, err)
	assert.True(t, src.called)
	assert.Equal(t, int64(3), n)
	assert.Equal(t, []float64{1, 2, 3}, w.Data())
}
