package delim

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/linstream/linstream/stream"
)

const flushAt = 64 << 10

// Writer writes rows as delimited text, one line per row, every value in
// the shortest form that reads back to the same float64
// (strconv.AppendFloat with format 'g' and precision -1): a Reader on the
// output returns bit-identical values. NaN and ±Inf are written as NaN,
// +Inf and -Inf (a Reader needs AllowNonFinite to read them back).
//
// Output is buffered: call Close (or Flush) when done. Close does not close
// the underlying io.Writer. Errors from it are sticky. The Writer does not
// allocate per row.
type Writer struct {
	w      io.Writer
	cols   int
	sep    byte
	buf    []byte
	err    error
	closed bool
}

var _ stream.Writer = (*Writer)(nil)

// errClosed is returned by WriteRows after Close.
var errClosed = errors.New("delim: write after Close")

// NewWriter returns a Writer of cols columns on w. It accepts the options
// Separator and HeaderNames (FileName is ignored); reader-only options are
// an error. It panics if cols < 1.
func NewWriter(w io.Writer, cols int, opts ...Option) (*Writer, error) {
	if cols < 1 {
		panic(fmt.Sprintf("delim: NewWriter with %d columns", cols))
	}
	cfg := defaultConfig()
	if err := cfg.apply(opts); err != nil {
		return nil, err
	}
	if cfg.readerOpt != "" {
		return nil, fmt.Errorf("delim: %s is a Reader option: %w", cfg.readerOpt, stream.ErrInvalidOption)
	}
	wr := &Writer{w: w, cols: cols, sep: cfg.sep, buf: make([]byte, 0, flushAt+4096)}
	if cfg.names != nil {
		if len(cfg.names) != cols {
			return nil, fmt.Errorf("delim: HeaderNames has %d names for %d columns: %w", len(cfg.names), cols, stream.ErrInvalidOption)
		}
		for k, name := range cfg.names {
			if k > 0 {
				wr.buf = append(wr.buf, wr.sep)
			}
			wr.buf = appendName(wr.buf, name, wr.sep)
		}
		wr.buf = append(wr.buf, '\n')
	}
	return wr, nil
}

func appendName(b []byte, name string, sep byte) []byte {
	if !strings.ContainsAny(name, "\"\n\r#"+string(rune(sep))) && strings.TrimSpace(name) == name {
		return append(b, name...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(name, `"`, `""`)...)
	return append(b, '"')
}

// Cols returns the number of columns.
func (w *Writer) Cols() int { return w.cols }

// WriteRows formats the rows of src. It panics if len(src) is not a
// multiple of Cols. It returns the number of rows buffered and the first
// error of the underlying writer.
func (w *Writer) WriteRows(src []float64) (int, error) {
	d := w.cols
	if len(src)%d != 0 {
		panic(fmt.Sprintf("delim: buffer length %d is not a multiple of %d columns", len(src), d))
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, errClosed
	}
	n := 0
	for len(src) >= d {
		row := src[:d]
		b := w.buf
		for k, v := range row {
			if k > 0 {
				b = append(b, w.sep)
			}
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		}
		w.buf = append(b, '\n')
		src = src[d:]
		n++
		if len(w.buf) >= flushAt {
			if err := w.Flush(); err != nil {
				return n - 1, err
			}
		}
	}
	return n, nil
}

// Flush writes the buffered text to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) == 0 {
		return nil
	}
	m, err := w.w.Write(w.buf)
	if err == nil && m < len(w.buf) {
		err = io.ErrShortWrite
	}
	if err != nil {
		w.err = fmt.Errorf("delim: write: %w", err)
		return w.err
	}
	w.buf = w.buf[:0]
	return nil
}

// Close flushes the Writer; further writes fail. It does not close the
// underlying writer. Closing twice is harmless.
func (w *Writer) Close() error {
	err := w.Flush()
	w.closed = true
	return err
}
