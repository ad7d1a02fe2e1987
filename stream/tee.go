package stream

import (
	"fmt"
	"io"
)

// Tee returns a Writer that duplicates each block it is given to every
// writer in ws, in order, so one pass over a Reader can feed several
// consumers:
//
//	stream.Copy(stream.Tee(fd, heavy, oja), r)
//
// Like io.MultiWriter, a write stops at the first writer that fails or
// consumes fewer rows than it was given; that writer's count and error are
// returned (io.ErrShortWrite for a short write without an error), and the
// writers after it do not see the block. Nested Tees are flattened.
//
// Tee panics if ws is empty, holds a nil Writer, or its writers do not all
// have the same Cols: mixing widths is a programmer mistake, caught when the
// pipeline is built rather than on the first block. Writing allocates
// nothing.
func Tee(ws ...Writer) Writer {
	if len(ws) == 0 {
		panic("stream: Tee of no writers")
	}
	t := &tee{}
	for _, w := range ws {
		if w == nil {
			panic("stream: Tee of a nil Writer")
		}
		if sub, ok := w.(*tee); ok {
			t.ws = append(t.ws, sub.ws...)
		} else {
			t.ws = append(t.ws, w)
		}
	}
	t.cols = t.ws[0].Cols()
	for i, w := range t.ws {
		if w.Cols() != t.cols {
			panic(fmt.Sprintf("stream: Tee of writers with %d and %d columns (writer %d)", t.cols, w.Cols(), i))
		}
	}
	return t
}

type tee struct {
	cols int
	ws   []Writer
}

func (t *tee) Cols() int { return t.cols }

func (t *tee) WriteRows(src []float64) (int, error) {
	checkRows("stream", src, t.cols)
	rows := len(src) / t.cols
	for _, w := range t.ws {
		n, err := w.WriteRows(src)
		if err != nil {
			return n, err
		}
		if n != rows {
			return n, io.ErrShortWrite
		}
	}
	return rows, nil
}

// TeeReader returns a Reader that writes to w every row it reads from r,
// before returning them, like io.TeeReader. A write error (or a short write,
// reported as io.ErrShortWrite) is returned from ReadRows together with the
// rows that were read. It panics if r and w disagree on Cols. Reading
// allocates nothing.
func TeeReader(r Reader, w Writer) Reader {
	if r.Cols() != w.Cols() {
		panic(fmt.Sprintf("stream: TeeReader from %d to %d columns", r.Cols(), w.Cols()))
	}
	return &teeReader{r: r, w: w}
}

type teeReader struct {
	r Reader
	w Writer
}

func (t *teeReader) Cols() int { return t.r.Cols() }

func (t *teeReader) ReadRows(dst []float64) (int, error) {
	n, err := t.r.ReadRows(dst)
	if n > 0 {
		m, werr := t.w.WriteRows(dst[:n*t.r.Cols()])
		if werr == nil && m != n {
			werr = io.ErrShortWrite
		}
		if werr != nil {
			return n, werr
		}
	}
	return n, err
}
