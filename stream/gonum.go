package stream

import (
	"fmt"
	"io"

	"gonum.org/v1/gonum/mat"
)

// MatrixReader reads the rows of a gonum mat.Matrix. It implements
// Rewinder, Lener and RowReaderAt (so Shuffle reads it in permuted order
// without a spill). Make one with FromMatrix.
type MatrixReader struct {
	m    mat.Matrix
	raw  []float64 // backing data of a RawMatrixer, nil otherwise
	ld   int       // its stride
	r, c int
	next int // next row to read
}

// FromMatrix returns a Reader over the rows of m. m is not copied: it must
// not change while being read. Rows of a *mat.Dense (and of any matrix that
// implements mat.RawMatrixer without being transposed) are copied straight
// from its backing slice; other matrices are read with At. It panics if m
// has no columns.
func FromMatrix(m mat.Matrix) *MatrixReader {
	r, c := m.Dims()
	if c < 1 {
		panic(fmt.Sprintf("stream: FromMatrix of a %d×%d matrix", r, c))
	}
	mr := &MatrixReader{m: m, r: r, c: c}
	if raw, ok := m.(mat.RawMatrixer); ok {
		g := raw.RawMatrix()
		mr.raw, mr.ld = g.Data, g.Stride
	}
	return mr
}

// Cols returns the number of columns of the matrix.
func (mr *MatrixReader) Cols() int { return mr.c }

// Rows returns the number of rows of the matrix.
func (mr *MatrixReader) Rows() int64 { return int64(mr.r) }

// ReadRows copies up to len(dst)/Cols rows into dst; io.EOF after the last.
func (mr *MatrixReader) ReadRows(dst []float64) (int, error) {
	n, err := mr.ReadRowsAt(dst, int64(mr.next))
	mr.next += n
	return n, err
}

// ReadRowsAt copies up to len(dst)/Cols rows, starting at row, into dst;
// io.EOF if row ≥ Rows. It does not move the read position. It panics if row
// is negative.
func (mr *MatrixReader) ReadRowsAt(dst []float64, row int64) (int, error) {
	checkRows("stream", dst, mr.c)
	if row < 0 {
		panic(fmt.Sprintf("stream: ReadRowsAt row %d", row))
	}
	if row >= int64(mr.r) {
		return 0, io.EOF
	}
	i0 := int(row)
	n := min(len(dst)/mr.c, mr.r-i0)
	if mr.raw != nil {
		for i := range n {
			o := (i0 + i) * mr.ld
			copy(dst[i*mr.c:(i+1)*mr.c], mr.raw[o:o+mr.c])
		}
		return n, nil
	}
	for i := range n {
		row := dst[i*mr.c : (i+1)*mr.c]
		for j := range row {
			row[j] = mr.m.At(i0+i, j)
		}
	}
	return n, nil
}

// Rewind starts over at the first row; it never fails.
func (mr *MatrixReader) Rewind() error {
	mr.next = 0
	return nil
}

// ToDense reads r to its end into a new *mat.Dense. maxRows > 0 caps the
// rows accepted: a longer input returns an error wrapping ErrTooLarge after
// reading maxRows+1 rows (maxRows ≤ 0 means no cap; the whole matrix is
// held in memory). An input with no rows returns an error wrapping ErrEmpty
// (gonum has no empty Dense). Other read errors are returned as they are,
// with a nil matrix.
func ToDense(r Reader, maxRows int64) (*mat.Dense, error) {
	src := r
	if maxRows > 0 {
		src = LimitRows(r, maxRows+1)
	}
	data, err := ReadAll(src)
	if err != nil {
		return nil, err
	}
	d := r.Cols()
	rows := len(data) / d
	if maxRows > 0 && int64(rows) > maxRows {
		return nil, fmt.Errorf("stream: ToDense: more than %d rows: %w", maxRows, ErrTooLarge)
	}
	if rows == 0 {
		return nil, fmt.Errorf("stream: ToDense: no rows: %w", ErrEmpty)
	}
	return mat.NewDense(rows, d, data[:rows*d:rows*d]), nil
}
