package stream

import (
	"errors"
	"fmt"
	"io"
)

// maxEmptyReads is how many consecutive (0, nil) results from a Reader are
// tolerated before reporting io.ErrNoProgress, as bufio does.
const maxEmptyReads = 100

// ReadFull reads exactly len(dst)/r.Cols() rows from r into dst, like
// io.ReadFull at row granularity. It returns the number of rows read and an
// error if that is fewer: io.EOF only if no rows were read, and
// io.ErrUnexpectedEOF if the input ended after some but not all of them.
// Other errors from r (including a torn row, which wraps io.ErrUnexpectedEOF
// with its position) are returned as they are. A Reader that keeps returning
// no rows and no error gets io.ErrNoProgress. It panics if len(dst) is not a
// multiple of r.Cols(). It allocates nothing.
func ReadFull(r Reader, dst []float64) (n int, err error) {
	checkRows("stream", dst, r.Cols())
	n, err = fill(r, dst)
	if n == len(dst)/r.Cols() {
		err = nil
	} else if n > 0 && isEOF(err) {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// fill reads rows from r into dst until dst is full or r returns an error,
// and returns the rows read and that error unchanged (nil if dst filled).
func fill(r Reader, dst []float64) (n int, err error) {
	d := r.Cols()
	want := len(dst) / d
	empty := 0
	for n < want && err == nil {
		var m int
		m, err = r.ReadRows(dst[n*d:])
		n += m
		if m == 0 && err == nil {
			if empty++; empty >= maxEmptyReads {
				err = io.ErrNoProgress
			}
		} else {
			empty = 0
		}
	}
	return n, err
}

// isEOF reports whether err marks a clean end of rows: io.EOF (possibly
// wrapped) that is not an unexpected EOF.
func isEOF(err error) bool {
	return errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF)
}

// LimitRows returns a Reader that reads at most n rows from r and then
// reports io.EOF, like io.LimitReader. The returned *LimitedReader
// implements Lener: its Rows is min(n, r.Rows()) when r is a Lener that
// knows its length, and -1 otherwise. It panics if n < 0.
func LimitRows(r Reader, n int64) *LimitedReader {
	if n < 0 {
		panic(fmt.Sprintf("stream: LimitRows with %d rows", n))
	}
	return &LimitedReader{R: r, N: n, limit: n, made: true}
}

// LimitedReader reads from R while N > 0 rows remain, decrementing N by the
// rows read. It allocates nothing.
type LimitedReader struct {
	R Reader // underlying reader
	N int64  // rows remaining

	limit int64 // the n given to LimitRows
	made  bool  // made by LimitRows, so limit is set
}

// Cols returns R.Cols().
func (l *LimitedReader) Cols() int { return l.R.Cols() }

// ReadRows reads at most min(len(dst)/Cols, N) rows.
func (l *LimitedReader) ReadRows(dst []float64) (int, error) {
	d := l.R.Cols()
	checkRows("stream", dst, d)
	if l.N <= 0 {
		return 0, io.EOF
	}
	if int64(len(dst)/d) > l.N {
		dst = dst[:l.N*int64(d)]
	}
	n, err := l.R.ReadRows(dst)
	l.N -= int64(n)
	if l.N == 0 && isEOF(err) {
		err = nil // the limit, not R, ends the stream; report EOF next call
	}
	return n, err
}

// Rows returns the total number of rows the LimitedReader yields,
// min(n, R.Rows()), when R is a Lener that knows its total; otherwise, or
// for a LimitedReader not made by LimitRows, -1.
func (l *LimitedReader) Rows() int64 {
	if ln, ok := l.R.(Lener); ok && l.made {
		if t := ln.Rows(); t >= 0 {
			return min(t, l.limit)
		}
	}
	return -1
}

// ReadAll reads r to its end and returns its rows, row-major, in one newly
// allocated slice (len = rows × r.Cols()). A clean end of input is not an
// error; any other error is returned with the rows read before it. If r is a
// Lener the slice is sized from its Rows up front. ReadAll holds the whole
// matrix in memory: it is for small inputs, tests and gonum interop.
func ReadAll(r Reader) ([]float64, error) {
	d := r.Cols()
	var data []float64
	if ln, ok := r.(Lener); ok {
		if t := ln.Rows(); t > 0 && t <= (1<<28)/int64(d) {
			data = make([]float64, 0, t*int64(d))
		}
	}
	if cap(data) == 0 {
		data = make([]float64, 0, DefaultBlockRows*d)
	}
	empty := 0
	for {
		if cap(data)-len(data) < d {
			data = append(data, make([]float64, d)...)[:len(data)]
		}
		free := data[len(data):cap(data)]
		free = free[:len(free)/d*d]
		n, err := r.ReadRows(free)
		data = data[:len(data)+n*d]
		if n == 0 && err == nil {
			if empty++; empty >= maxEmptyReads {
				return data, io.ErrNoProgress
			}
		} else {
			empty = 0
		}
		if err != nil {
			if isEOF(err) {
				return data, nil
			}
			return data, err
		}
	}
}
