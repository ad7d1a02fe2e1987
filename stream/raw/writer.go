package raw

import (
	"fmt"

	"io"

	"github.com/linstream/linstream/stream"
)

// Writer writes rows as bare float64 or float32 values (little-endian
// unless the Dtype says BigEndian). It implements stream.Writer. It does no
// buffering of its own: little-endian float64 rows are passed to the
// underlying io.Writer as they are, other types through one conversion
// buffer, so wrap an unbuffered file in a bufio.Writer. Errors are sticky.
type Writer struct {
	w       io.Writer
	cols    int
	dtype   Dtype
	name    string
	rows    int64
	scratch []byte
	err     error
}

// NewWriter returns a Writer of rows of cols columns to w. The options that
// apply are WithDtype (Float64 or Float32, either byte order) and Name. It
// panics if cols < 1 and returns an error wrapping stream.ErrUnsupported
// for any other element type.
func NewWriter(w io.Writer, cols int, opts ...Option) (*Writer, error) {
	if cols < 1 {
		panic(fmt.Sprintf("raw: NewWriter with %d columns", cols))
	}
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if b := c.dtype.Base(); b != Float64 && b != Float32 {
		return nil, fmt.Errorf("raw: cannot write %v (float64 or float32 only): %w", c.dtype, stream.ErrUnsupported)
	}
	return &Writer{w: w, cols: cols, dtype: c.dtype, name: c.name}, nil
}

// Cols returns the number of columns.
func (w *Writer) Cols() int { return w.cols }

// Rows returns the number of rows written.
func (w *Writer) Rows() int64 { return w.rows }

// WriteRows writes the rows of src. A finite value too large for float32
// fails with a *stream.DataError wrapping stream.ErrTooLarge, after the
// rows before it are written. It panics if len(src) is not a multiple of
// Cols.
func (w *Writer) WriteRows(src []float64) (int, error) {
	if len(src)%w.cols != 0 {
		panic(fmt.Sprintf("raw: buffer length %d is not a multiple of %d columns", len(src), w.cols))
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.dtype == Float64 {
		if b, ok := float64Bytes(src); ok {
			n, err := w.w.Write(b)
			return w.done(n/w.rowBytes(), err)
		}
	}
	written := 0
	total := len(src) / w.cols
	chunk := max(1, scratchBytes/w.rowBytes())
	for written < total {
		k := min(chunk, total-written)
		part := src[written*w.cols : (written+k)*w.cols]
		if cap(w.scratch) < k*w.rowBytes() {
			w.scratch = make([]byte, k*w.rowBytes())
		}
		b := w.scratch[:k*w.rowBytes()]
		if bad := Encode(b, part, w.dtype); bad >= 0 {
			r := bad / w.cols
			n, err := w.w.Write(b[:r*w.rowBytes()])
			if _, err := w.done(n/w.rowBytes(), err); err != nil {
				return written + n/w.rowBytes(), err
			}
			row := w.rows + 1
			w.err = &stream.DataError{File: w.name, Row: row, Column: bad%w.cols + 1, Offset: -1,
				Msg: fmt.Sprintf("value %g overflows %v", part[bad], w.dtype), Err: stream.ErrTooLarge}
			return written + r, w.err
		}
		n, err := w.w.Write(b)
		if _, err := w.done(n/w.rowBytes(), err); err != nil {
			return written + n/w.rowBytes(), err
		}
		written += k
	}
	return written, nil
}

func (w *Writer) rowBytes() int { return w.cols * w.dtype.Size() }

func (w *Writer) done(rows int, err error) (int, error) {
	w.rows += int64(rows)
	if err != nil {
		w.err = fmt.Errorf("raw: writing row %d of %s: %w", w.rows+1, w.display(), err)
	}
	return rows, w.err
}

func (w *Writer) display() string {
	if w.name == "" {
		return "<stream>"
	}
	return w.name
}

var _ stream.Writer = (*Writer)(nil)
