package mtx

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/linstream/linstream/stream"
)

// spoolInMemory is how much coordinate text a Writer keeps in memory before
// spooling to a temporary file (a variable so tests can lower it).
var spoolInMemory = 8 << 20

// Writer writes rows as a Matrix Market "real general" matrix. The size
// line comes first in the format but the row count is known only at the
// end, so nothing reaches the underlying writer before Close:
//
//   - coordinate (default): nonzero entries "i j v", sorted by row, are
//     kept in memory up to 8 MiB and then spooled to a temporary file (removed
//     by Close); memory stays O(cols). Zeros (+0 and -0) are not written, so
//     -0 reads back as +0.
//   - array (ArrayFormat): values column by column; the matrix is held in
//     memory up to the MemoryBudget (stream.ErrTooLarge beyond).
//
// Values are written in the shortest form that reads back bit-exact; NaN
// and ±Inf as NaN, +Inf, -Inf (a Reader needs AllowNonFinite). Close writes
// the file; it does not close the underlying writer.
type Writer struct {
	w      io.Writer
	cfg    config
	cols   int
	rows   int64
	nnz    int64
	err    error
	closed bool

	// coordinate
	mem  bytes.Buffer
	tmp  *os.File
	tbw  *bufio.Writer
	line []byte

	// array
	data []float64
}

var _ stream.Writer = (*Writer)(nil)

// NewWriter returns a Writer of cols columns on w. Options: ArrayFormat,
// MemoryBudget, TempDir (FileName is ignored). It panics if cols < 1.
func NewWriter(w io.Writer, cols int, opts ...Option) (*Writer, error) {
	if cols < 1 {
		panic(fmt.Sprintf("mtx: NewWriter with %d columns", cols))
	}
	cfg := defaultConfig()
	if err := cfg.apply(opts); err != nil {
		return nil, err
	}
	if cfg.readerOpt != "" {
		return nil, fmt.Errorf("mtx: %s is a Reader option: %w", cfg.readerOpt, stream.ErrInvalidOption)
	}
	return &Writer{w: w, cfg: cfg, cols: cols}, nil
}

// Cols returns the number of columns.
func (w *Writer) Cols() int { return w.cols }

// WriteRows records the rows of src. It panics if len(src) is not a
// multiple of Cols.
func (w *Writer) WriteRows(src []float64) (int, error) {
	d := w.cols
	if len(src)%d != 0 {
		panic(fmt.Sprintf("mtx: buffer length %d is not a multiple of %d columns", len(src), d))
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, errors.New("mtx: write after Close")
	}
	k := len(src) / d
	if w.cfg.array {
		if int64(len(w.data)+len(src)) > w.cfg.budget/8 {
			w.err = fmt.Errorf("mtx: an array file is column-major, so the Writer holds the matrix until Close; %d rows of %d columns exceed the memory budget of %d bytes: %w", w.rows+int64(k), d, w.cfg.budget, stream.ErrTooLarge)
			return 0, w.err
		}
		w.data = append(w.data, src...)
		w.rows += int64(k)
		return k, nil
	}
	for r := range k {
		w.rows++
		for j, v := range src[r*d : (r+1)*d] {
			if v == 0 {
				continue
			}
			w.nnz++
			b := strconv.AppendInt(w.line[:0], w.rows, 10)
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(j+1), 10)
			b = append(b, ' ')
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
			b = append(b, '\n')
			w.line = b
			if err := w.spool(b); err != nil {
				w.err = err
				return r, err
			}
		}
	}
	return k, nil
}

func (w *Writer) spool(b []byte) error {
	if w.tbw != nil {
		_, err := w.tbw.Write(b)
		return err
	}
	w.mem.Write(b)
	if w.mem.Len() < spoolInMemory {
		return nil
	}
	f, err := os.CreateTemp(w.cfg.tempDir, "linstream-mtx-*")
	if err != nil {
		return fmt.Errorf("mtx: spool: %w", err)
	}
	w.tmp = f
	w.tbw = bufio.NewWriterSize(f, 1<<20)
	_, err = w.tbw.Write(w.mem.Bytes())
	w.mem = bytes.Buffer{}
	return err
}

// Close writes the header and the data to the underlying writer and
// releases the spool. A second Close does nothing.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	defer w.removeTemp()
	if w.err != nil {
		return w.err
	}
	bw := bufio.NewWriterSize(w.w, 1<<16)
	if w.cfg.array {
		fmt.Fprintf(bw, "%%%%MatrixMarket matrix array real general\n%d %d\n", w.rows, w.cols)
		var b []byte
		for j := range w.cols {
			for i := int64(0); i < w.rows; i++ {
				b = strconv.AppendFloat(b[:0], w.data[i*int64(w.cols)+int64(j)], 'g', -1, 64)
				b = append(b, '\n')
				bw.Write(b)
			}
		}
		w.data = nil
	} else {
		fmt.Fprintf(bw, "%%%%MatrixMarket matrix coordinate real general\n%d %d %d\n", w.rows, w.cols, w.nnz)
		if w.tmp != nil {
			if err := w.tbw.Flush(); err != nil {
				w.err = fmt.Errorf("mtx: spool: %w", err)
				return w.err
			}
			if _, err := w.tmp.Seek(0, io.SeekStart); err != nil {
				w.err = fmt.Errorf("mtx: spool: %w", err)
				return w.err
			}
			if _, err := io.Copy(bw, w.tmp); err != nil {
				w.err = fmt.Errorf("mtx: write: %w", err)
				return w.err
			}
		} else {
			bw.Write(w.mem.Bytes())
			w.mem = bytes.Buffer{}
		}
	}
	if err := bw.Flush(); err != nil {
		w.err = fmt.Errorf("mtx: write: %w", err)
	}
	return w.err
}

func (w *Writer) removeTemp() {
	if w.tmp != nil {
		name := w.tmp.Name()
		w.tmp.Close()
		os.Remove(name)
		w.tmp, w.tbw = nil, nil
	}
}
