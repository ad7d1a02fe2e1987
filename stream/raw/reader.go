package raw

import (
	"errors"
	"fmt"
	"io"

	"github.com/linstream/linstream/stream"
)

// MaxCols caps the row width a Reader accepts (2²⁴ columns): a header that
// declares more is rejected with stream.ErrTooLarge rather than letting a
// caller allocate a row buffer from it.
const MaxCols = 1 << 24

// scratchBytes bounds the conversion buffer of non-float64 readers.
const scratchBytes = 1 << 16

// Option configures a Reader, RandomReader or Writer.
type Option func(*config)

type config struct {
	dtype          Dtype
	name           string
	offset         int64
	rows           int64
	allowNonFinite bool
}

func newConfig(opts []Option) (config, error) {
	c := config{dtype: Float64, rows: -1}
	for _, o := range opts {
		o(&c)
	}
	if !c.dtype.Valid() {
		return c, fmt.Errorf("raw: invalid dtype %v: %w", c.dtype, stream.ErrUnsupported)
	}
	if c.rows < -1 {
		return c, fmt.Errorf("raw: negative row count %d", c.rows)
	}
	if c.offset < 0 {
		return c, fmt.Errorf("raw: negative offset %d", c.offset)
	}
	return c, nil
}

// WithDtype sets the element type (default Float64, little-endian).
func WithDtype(d Dtype) Option { return func(c *config) { c.dtype = d } }

// Name sets the file name that errors report.
func Name(name string) Option { return func(c *config) { c.name = name } }

// Offset tells a sequential Reader that its first row starts at byte n of
// the file (a header was read before), so error offsets are file offsets.
func Offset(n int64) Option { return func(c *config) { c.offset = n } }

// Rows declares the number of rows the input holds. A Reader then stops
// after that many rows and reports an input that ends earlier, or holds
// more bytes after them, as stream.ErrShape. Rows(-1), the default, means
// unknown: the rows run to the end of the input.
func Rows(n int64) Option { return func(c *config) { c.rows = n } }

// AllowNonFinite lets NaN and ±Inf through instead of failing with
// stream.ErrNonFinite.
func AllowNonFinite() Option { return func(c *config) { c.allowNonFinite = true } }

// layout is what Reader and RandomReader share: the row geometry and the
// error reporting.
type layout struct {
	cols     int
	dtype    Dtype
	rowBytes int
	name     string
	offset   int64 // file offset of row 0
	allowNF  bool
	scratch  []byte
}

func newLayout(cols int, c config) (layout, error) {
	if cols < 1 {
		panic(fmt.Sprintf("raw: %d columns", cols))
	}
	l := layout{cols: cols, dtype: c.dtype, name: c.name, offset: c.offset, allowNF: c.allowNonFinite}
	if cols > MaxCols {
		return l, l.errorf(0, 0, -1, stream.ErrTooLarge, "%d columns exceeds the limit of %d", cols, MaxCols)
	}
	l.rowBytes = cols * c.dtype.Size()
	return l, nil
}

func (l *layout) errorf(row int64, col int, off int64, sentinel error, format string, args ...any) *stream.DataError {
	return &stream.DataError{File: l.name, Row: row, Column: col, Offset: off, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

// direct returns dst's bytes when rows can be read straight into dst.
func (l *layout) direct(dst []float64) ([]byte, bool) {
	if l.dtype != Float64 {
		return nil, false
	}
	return float64Bytes(dst)
}

// chunkRows is how many rows one conversion pass handles (at least one).
func (l *layout) chunkRows(want int) int {
	return max(1, min(want, scratchBytes/l.rowBytes))
}

func (l *layout) buf(n int) []byte {
	if cap(l.scratch) < n {
		l.scratch = make([]byte, n)
	}
	return l.scratch[:n]
}

// check looks for a non-finite value in the n rows of dst that start at
// file row first (0-based) and returns how many rows precede it and the
// error, or n and nil.
func (l *layout) check(dst []float64, n int, first int64) (int, error) {
	if l.allowNF || !l.dtype.IsFloat() || n == 0 {
		return n, nil
	}
	err := stream.CheckFinite(dst[:n*l.cols], l.cols, first)
	if err == nil {
		return n, nil
	}
	var de *stream.DataError
	if errors.As(err, &de) {
		de.File = l.name
		de.Offset = l.offset + (de.Row-1)*int64(l.rowBytes) + int64((de.Column-1)*l.dtype.Size())
		de.Msg += " of type " + l.dtype.String()
		return int(de.Row - 1 - first), de
	}
	return 0, err
}

// Reader reads rows sequentially from an io.Reader. It implements
// stream.Reader and stream.Lener (Rows is -1 unless declared with the Rows
// option). It reads exactly the bytes it needs, straight into the caller's
// buffer for little-endian float64, so it does no buffering of its own:
// give it a buffered source (bufio.Reader, bytes.Reader, a decompressor)
// when callers read few rows at a time. From a *bytes.Reader or
// *bytes.Buffer it reaches the bytes without a copy and copies them into
// the buffer and checks them for NaN/±Inf in one pass
// (kernel.CopyFinite). Errors are sticky.
type Reader struct {
	layout
	r        io.Reader
	declared int64 // -1 unknown
	row      int64 // rows delivered
	err      error
	sink     finiteSink // readFinite's, kept here so it is not allocated per call
}

// NewReader returns a Reader of rows of cols elements from r. It panics if
// cols < 1; it returns an error for invalid options and, wrapping
// stream.ErrTooLarge, for cols > MaxCols.
func NewReader(r io.Reader, cols int, opts ...Option) (*Reader, error) {
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	l, err := newLayout(cols, c)
	if err != nil {
		return nil, err
	}
	if c.rows >= 0 && c.rows > (1<<62)/int64(l.rowBytes) {
		return nil, l.errorf(0, 0, c.offset, stream.ErrTooLarge, "%d rows of %d bytes is too large to be real", c.rows, l.rowBytes)
	}
	return &Reader{layout: l, r: r, declared: c.rows}, nil
}

// Cols returns the number of columns.
func (r *Reader) Cols() int { return r.cols }

// Rows returns the declared number of rows, or -1.
func (r *Reader) Rows() int64 { return r.declared }

// Dtype returns the element type being decoded.
func (r *Reader) Dtype() Dtype { return r.dtype }

// ReadRows reads up to len(dst)/Cols rows into dst. See stream.Reader.
func (r *Reader) ReadRows(dst []float64) (int, error) {
	if len(dst)%r.cols != 0 {
		panic(fmt.Sprintf("raw: buffer length %d is not a multiple of %d columns", len(dst), r.cols))
	}
	if r.err != nil {
		return 0, r.err
	}
	want := len(dst) / r.cols
	if r.declared >= 0 {
		if r.row == r.declared {
			r.err = r.trailing()
			return 0, r.err
		}
		want = int(min(int64(want), r.declared-r.row))
	}
	if want == 0 {
		return 0, nil
	}
	var got int
	var err error
	checked := false // the whole rows read are known to be finite
	if b, ok := r.direct(dst[:want*r.cols]); ok {
		fused := false
		if !r.allowNF {
			got, checked, fused, err = readFinite(&r.sink, r.r, dst[:want*r.cols], b, r.rowBytes)
		}
		if !fused {
			got, err = io.ReadFull(r.r, b)
		}
	} else {
		want = r.chunkRows(want)
		b := r.buf(want * r.rowBytes)
		got, err = io.ReadFull(r.r, b)
		full := got / r.rowBytes
		Decode(dst[:full*r.cols], b[:full*r.rowBytes], r.dtype)
	}
	n := got / r.rowBytes
	first := r.row
	r.row += int64(n)
	switch {
	case err == nil:
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		r.err = r.short(got % r.rowBytes)
		if err == io.ErrUnexpectedEOF && got%r.rowBytes == 0 {
			r.err = nil // whole rows; the next call sees the end
		}
	default:
		r.err = fmt.Errorf("raw: reading row %d of %s: %w", r.row+1, r.display(), err)
	}
	if checked {
		return n, r.err
	}
	m, cerr := r.check(dst, n, first)
	if cerr != nil {
		r.err = cerr
		r.row = first + int64(m)
		return m, cerr
	}
	return n, r.err
}

func (l *layout) display() string {
	if l.name == "" {
		return "<stream>"
	}
	return l.name
}

// short builds the error for an input that ended partial bytes into row
// r.row+1 (partial may be 0: the input ended at a row boundary).
func (r *Reader) short(partial int) error {
	off := r.offset + r.row*int64(r.rowBytes)
	if partial > 0 {
		return r.errorf(r.row+1, 0, off, io.ErrUnexpectedEOF,
			"input ends inside row %d: %d of its %d bytes present", r.row+1, partial, r.rowBytes)
	}
	if r.declared >= 0 && r.row < r.declared {
		return r.errorf(r.row+1, 0, off, stream.ErrShape,
			"input ends after %d rows; %d rows of %d bytes were declared", r.row, r.declared, r.rowBytes)
	}
	return io.EOF
}

// trailing checks that nothing follows the declared rows.
func (r *Reader) trailing() error {
	var one [1]byte
	n, err := io.ReadFull(r.r, one[:])
	if n > 0 {
		return r.errorf(0, 0, r.offset+r.declared*int64(r.rowBytes), stream.ErrShape,
			"data continues after the %d declared rows of %d bytes", r.declared, r.rowBytes)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("raw: reading %s: %w", r.display(), err)
	}
	return io.EOF
}

// RandomReader reads fixed-size rows from a byte range of an io.ReaderAt
// (an *os.File, a golang.org/x/exp/mmap.ReaderAt, a bytes.Reader). Beside
// stream.Reader it implements stream.Lener, stream.Rewinder and
// stream.RowReaderAt, so rows can be read in any order with no spill. A
// RandomReader is not safe for concurrent use (non-float64 types share a
// conversion buffer).
type RandomReader struct {
	layout
	ra   io.ReaderAt
	rows int64
	pos  int64
	err  error
}

// NewReaderAt returns a RandomReader over the size bytes of ra that start at
// byte off; off is also the base of error offsets (the Offset option is
// ignored). size must hold a whole number of rows — or exactly the Rows
// option's count — otherwise NewReaderAt returns a *stream.DataError
// wrapping io.ErrUnexpectedEOF (a torn last row) or stream.ErrShape. It
// panics if cols < 1.
func NewReaderAt(ra io.ReaderAt, off, size int64, cols int, opts ...Option) (*RandomReader, error) {
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if off < 0 || size < 0 {
		return nil, fmt.Errorf("raw: negative offset %d or size %d", off, size)
	}
	c.offset = off
	l, err := newLayout(cols, c)
	if err != nil {
		return nil, err
	}
	rb := int64(l.rowBytes)
	rows := size / rb
	if c.rows >= 0 {
		if c.rows > (1<<62)/rb {
			return nil, l.errorf(0, 0, off, stream.ErrTooLarge, "%d rows of %d bytes is too large to be real", c.rows, rb)
		}
		if want := c.rows * rb; size != want {
			return nil, l.errorf(0, 0, off, stream.ErrShape,
				"data holds %d bytes but %d rows × %d bytes = %d were declared", size, c.rows, rb, want)
		}
	} else if size%rb != 0 {
		return nil, l.errorf(rows+1, 0, off+rows*rb, io.ErrUnexpectedEOF,
			"input ends inside row %d: %d of its %d bytes present", rows+1, size%rb, rb)
	}
	return &RandomReader{layout: l, ra: ra, rows: rows}, nil
}

// Cols returns the number of columns.
func (r *RandomReader) Cols() int { return r.cols }

// Rows returns the number of rows.
func (r *RandomReader) Rows() int64 { return r.rows }

// Dtype returns the element type being decoded.
func (r *RandomReader) Dtype() Dtype { return r.dtype }

// ReadRowsAt reads up to len(dst)/Cols rows starting at row index row
// (0-based) independently of the sequential position. It returns io.EOF
// when row ≥ Rows(). A non-finite value ends the read at the row before it
// with a *stream.DataError. It panics if row < 0 or len(dst) is not a
// multiple of Cols.
func (r *RandomReader) ReadRowsAt(dst []float64, row int64) (int, error) {
	if len(dst)%r.cols != 0 {
		panic(fmt.Sprintf("raw: buffer length %d is not a multiple of %d columns", len(dst), r.cols))
	}
	if row < 0 {
		panic(fmt.Sprintf("raw: ReadRowsAt row %d", row))
	}
	if row >= r.rows {
		return 0, io.EOF
	}
	want := int(min(int64(len(dst)/r.cols), r.rows-row))
	if want == 0 {
		return 0, nil
	}
	off := r.offset + row*int64(r.rowBytes)
	var got int
	var err error
	if b, ok := r.direct(dst[:want*r.cols]); ok {
		got, err = r.ra.ReadAt(b, off)
	} else {
		want = r.chunkRows(want)
		b := r.buf(want * r.rowBytes)
		got, err = r.ra.ReadAt(b, off)
		full := got / r.rowBytes
		Decode(dst[:full*r.cols], b[:full*r.rowBytes], r.dtype)
	}
	n := got / r.rowBytes
	if got == want*r.rowBytes {
		err = nil // ReadAt may report io.EOF along with the last bytes
	} else if err == nil || err == io.EOF {
		err = r.errorf(row+int64(n)+1, 0, off+int64(n*r.rowBytes), io.ErrUnexpectedEOF,
			"input shrank: row %d is no longer present", row+int64(n)+1)
	} else {
		err = fmt.Errorf("raw: reading row %d of %s: %w", row+int64(n)+1, r.display(), err)
	}
	m, cerr := r.check(dst, n, row)
	if cerr != nil {
		return m, cerr
	}
	return n, err
}

// ReadRows reads up to len(dst)/Cols rows from the sequential position.
// Errors are sticky until Rewind.
func (r *RandomReader) ReadRows(dst []float64) (int, error) {
	if len(dst)%r.cols != 0 {
		panic(fmt.Sprintf("raw: buffer length %d is not a multiple of %d columns", len(dst), r.cols))
	}
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.ReadRowsAt(dst, r.pos)
	r.pos += int64(n)
	if err != nil {
		r.err = err
	}
	return n, err
}

// Rewind moves the sequential position back to the first row and clears a
// sticky error. It never fails.
func (r *RandomReader) Rewind() error {
	r.pos, r.err = 0, nil
	return nil
}

var (
	_ stream.Reader      = (*Reader)(nil)
	_ stream.Lener       = (*Reader)(nil)
	_ stream.Rewinder    = (*RandomReader)(nil)
	_ stream.Lener       = (*RandomReader)(nil)
	_ stream.RowReaderAt = (*RandomReader)(nil)
)
