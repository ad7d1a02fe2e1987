package stream

import (
	"fmt"
	"io"
)

// SliceReader reads rows from a row-major []float64 held in memory. It
// implements Rewinder and Lener. The zero value is not usable; call
// NewSliceReader.
type SliceReader struct {
	data []float64
	cols int
	off  int // next element to read
}

// NewSliceReader returns a Reader over data, a row-major matrix of cols
// columns. data is not copied: the caller must not modify it while reading.
// It panics if cols < 1 or len(data) is not a multiple of cols.
func NewSliceReader(data []float64, cols int) *SliceReader {
	if cols < 1 {
		panic(fmt.Sprintf("stream: NewSliceReader with %d columns", cols))
	}
	checkRows("stream", data, cols)
	return &SliceReader{data: data, cols: cols}
}

// Cols returns the number of columns.
func (r *SliceReader) Cols() int { return r.cols }

// Rows returns the total number of rows.
func (r *SliceReader) Rows() int64 { return int64(len(r.data) / r.cols) }

// ReadRows copies up to len(dst)/Cols rows into dst.
func (r *SliceReader) ReadRows(dst []float64) (int, error) {
	checkRows("stream", dst, r.cols)
	if r.off == len(r.data) {
		return 0, io.EOF
	}
	n := copy(dst, r.data[r.off:])
	r.off += n
	return n / r.cols, nil
}

// Rewind starts the reader over at the first row; it never fails.
func (r *SliceReader) Rewind() error {
	r.off = 0
	return nil
}

// SliceWriter appends rows to a row-major []float64 held in memory.
type SliceWriter struct {
	cols int
	data []float64
}

// NewSliceWriter returns a Writer that collects rows of cols columns. It
// panics if cols < 1.
func NewSliceWriter(cols int) *SliceWriter {
	if cols < 1 {
		panic(fmt.Sprintf("stream: NewSliceWriter with %d columns", cols))
	}
	return &SliceWriter{cols: cols}
}

// Cols returns the number of columns.
func (w *SliceWriter) Cols() int { return w.cols }

// WriteRows appends src; it never fails.
func (w *SliceWriter) WriteRows(src []float64) (int, error) {
	checkRows("stream", src, w.cols)
	w.data = append(w.data, src...)
	return len(src) / w.cols, nil
}

// Data returns the rows written so far, row-major. The slice aliases the
// writer's storage until the next WriteRows or Reset.
func (w *SliceWriter) Data() []float64 { return w.data }

// Rows returns the number of rows written so far.
func (w *SliceWriter) Rows() int { return len(w.data) / w.cols }

// Reset discards the rows written, keeping the storage for reuse.
func (w *SliceWriter) Reset() { w.data = w.data[:0] }
