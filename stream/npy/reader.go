package npy

import (
	"fmt"
	"io"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/raw"
)

// Option configures a Reader, RandomReader or Writer.
type Option func(*config)

type config struct {
	name           string
	allowNonFinite bool
	fortranBudget  int64
	float32        bool
	rows           int64
	tempDir        string
}

func newConfig(opts []Option) (config, error) {
	c := config{rows: -1}
	for _, o := range opts {
		o(&c)
	}
	if c.fortranBudget < 0 {
		return c, fmt.Errorf("npy: negative Fortran-order memory budget %d", c.fortranBudget)
	}
	if c.rows < -1 {
		return c, fmt.Errorf("npy: negative row count %d", c.rows)
	}
	return c, nil
}

// Name sets the file name errors report (readers and writers).
func Name(name string) Option { return func(c *config) { c.name = name } }

// AllowNonFinite lets NaN and ±Inf through instead of failing with
// stream.ErrNonFinite (readers).
func AllowNonFinite() Option { return func(c *config) { c.allowNonFinite = true } }

// FortranBudget lets readers accept a Fortran-order (column-major) array
// whose float64 form takes at most bytes bytes: it is read whole and
// transposed in memory. Without it (budget 0, the default) Fortran order
// fails with stream.ErrUnsupported.
func FortranBudget(bytes int64) Option { return func(c *config) { c.fortranBudget = bytes } }

// Float32 makes a Writer emit '<f4' instead of '<f8'. Finite values beyond
// float32's range fail with stream.ErrTooLarge.
func Float32() Option { return func(c *config) { c.float32 = true } }

// KnownRows tells a Writer how many rows will be written, so it can write
// the final header first and stream to any io.Writer without seeking or
// spooling; Close then fails with stream.ErrShape if the count differs.
func KnownRows(n int64) Option { return func(c *config) { c.rows = n } }

// TempDir sets where a Writer spools when it must (default os.TempDir()).
func TempDir(dir string) Option { return func(c *config) { c.tempDir = dir } }

// Reader reads the rows of a .npy array from an io.Reader, in order. It
// implements stream.Reader and stream.Lener (Rows from the header).
// Element types convert to float64 as raw.Decode describes. Like raw.Reader
// it reads exactly the bytes it needs and does no buffering of its own.
type Reader struct {
	hdr *Header
	src stream.Reader // *raw.Reader, or *memRows for Fortran order
}

// NewReader reads the header from r and returns a Reader of its rows. The
// header errors are ReadHeader's; a Fortran-order array beyond the
// FortranBudget fails with stream.ErrUnsupported. Data errors (torn last
// row, fewer or more rows than the shape says, non-finite values) come from
// ReadRows as *stream.DataError values with file offsets.
func NewReader(r io.Reader, opts ...Option) (*Reader, error) {
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	h, err := ReadHeader(r, c.name)
	if err != nil {
		return nil, err
	}
	// A single row or column is laid out the same in either order.
	if h.Fortran && h.Rows() > 1 && h.Cols() > 1 {
		m, err := readFortran(h, r, c)
		if err != nil {
			return nil, err
		}
		return &Reader{hdr: h, src: m}, nil
	}
	ropts := append(rawOptions(h, c), raw.Offset(h.DataOffset), raw.Rows(h.Rows()))
	rr, err := raw.NewReader(r, h.Cols(), ropts...)
	if err != nil {
		return nil, err
	}
	return &Reader{hdr: h, src: rr}, nil
}

func rawOptions(h *Header, c config) []raw.Option {
	o := []raw.Option{raw.WithDtype(h.Dtype), raw.Name(c.name)}
	if c.allowNonFinite {
		o = append(o, raw.AllowNonFinite())
	}
	return o
}

// Header returns the parsed header. The caller must not modify it.
func (r *Reader) Header() *Header { return r.hdr }

// Cols returns the number of columns (1 for a 1-D array).
func (r *Reader) Cols() int { return r.hdr.Cols() }

// Rows returns the number of rows the header declares.
func (r *Reader) Rows() int64 { return r.hdr.Rows() }

// ReadRows reads up to len(dst)/Cols rows into dst. See stream.Reader.
func (r *Reader) ReadRows(dst []float64) (int, error) { return r.src.ReadRows(dst) }

// randomSource is what a RandomReader reads through.
type randomSource interface {
	stream.Rewinder
	stream.RowReaderAt
}

// RandomReader reads the rows of a .npy file held in an io.ReaderAt of
// known size: an *os.File, a golang.org/x/exp/mmap.ReaderAt, a
// bytes.Reader. Beside stream.Reader it implements stream.Lener,
// stream.Rewinder and stream.RowReaderAt, so Shuffle can read the rows in a
// random order without spilling. Not safe for concurrent use.
type RandomReader struct {
	hdr *Header
	src randomSource
}

// NewReaderAt parses the header at the start of ra (size bytes in all) and
// returns a RandomReader. Besides ReadHeader's errors, a data section whose
// length disagrees with the shape fails here with a *stream.DataError
// wrapping stream.ErrShape, before anything is allocated from the header.
func NewReaderAt(ra io.ReaderAt, size int64, opts ...Option) (*RandomReader, error) {
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	h, err := ReadHeader(io.NewSectionReader(ra, 0, size), c.name)
	if err != nil {
		return nil, err
	}
	dataLen := size - h.DataOffset
	want := h.Rows() * int64(h.Cols()) * int64(h.Dtype.Size())
	if dataLen != want {
		return nil, headerError(c.name, h.DataOffset, stream.ErrShape,
			"shape %v of %s needs %d data bytes; the file holds %d", h.Shape, h.Descr, want, dataLen)
	}
	// A single row or column is laid out the same in either order.
	if h.Fortran && h.Rows() > 1 && h.Cols() > 1 {
		m, err := readFortran(h, io.NewSectionReader(ra, h.DataOffset, dataLen), c)
		if err != nil {
			return nil, err
		}
		return &RandomReader{hdr: h, src: m}, nil
	}
	rr, err := raw.NewReaderAt(ra, h.DataOffset, dataLen, h.Cols(), append(rawOptions(h, c), raw.Rows(h.Rows()))...)
	if err != nil {
		return nil, err
	}
	return &RandomReader{hdr: h, src: rr}, nil
}

// Header returns the parsed header. The caller must not modify it.
func (r *RandomReader) Header() *Header { return r.hdr }

// Cols returns the number of columns (1 for a 1-D array).
func (r *RandomReader) Cols() int { return r.hdr.Cols() }

// Rows returns the number of rows.
func (r *RandomReader) Rows() int64 { return r.hdr.Rows() }

// ReadRows reads up to len(dst)/Cols rows from the sequential position.
func (r *RandomReader) ReadRows(dst []float64) (int, error) { return r.src.ReadRows(dst) }

// ReadRowsAt reads up to len(dst)/Cols rows starting at row (0-based). See
// stream.RowReaderAt.
func (r *RandomReader) ReadRowsAt(dst []float64, row int64) (int, error) {
	return r.src.ReadRowsAt(dst, row)
}

// Rewind moves back to the first row; it never fails.
func (r *RandomReader) Rewind() error { return r.src.Rewind() }

// readFortran reads a column-major array whole and returns its rows from
// memory.
func readFortran(h *Header, r io.Reader, c config) (*memRows, error) {
	rows, cols := h.Rows(), int64(h.Cols())
	need := rows * cols * 8
	if c.fortranBudget == 0 || need > c.fortranBudget {
		return nil, headerError(c.name, h.DataOffset, stream.ErrUnsupported,
			"Fortran-order (column-major) array of shape %v cannot be streamed by rows; it needs %d bytes in memory "+
				"and the budget is %d (set one with FortranBudget, or save the array in C order)", h.Shape, need, c.fortranBudget)
	}
	// The array, seen column by column, is a raw matrix of cols rows of
	// `rows` elements; read it through raw so errors and conversion match.
	// Allocation grows with the data present, not with the header's claim.
	colMajor := stream.NewSliceWriter(max(1, int(rows)))
	if rows > 0 {
		var rr *raw.Reader
		ropts := append(rawOptions(h, c), raw.Offset(h.DataOffset), raw.Rows(cols))
		rr, err := raw.NewReader(r, int(rows), ropts...)
		if err != nil {
			return nil, err
		}
		if _, err := stream.Copy(colMajor, rr); err != nil {
			return nil, fortranError(err, rows)
		}
	}
	cm := colMajor.Data()
	out := make([]float64, len(cm))
	for j := int64(0); j < cols; j++ {
		col := cm[j*rows : (j+1)*rows]
		for i, v := range col {
			out[int64(i)*cols+j] = v
		}
	}
	return &memRows{data: out, cols: int(cols)}, nil
}

// fortranError translates raw's positions (rows of the transposed view are
// columns) into the array's.
func fortranError(err error, rows int64) error {
	if de, ok := err.(*stream.DataError); ok {
		e := *de
		if e.Row > 0 && e.Column > 0 {
			e.Row, e.Column = int64(e.Column), int(e.Row)
		} else if e.Row > 0 {
			e.Msg = fmt.Sprintf("(column %d of the Fortran-order array) %s", e.Row, e.Msg)
			e.Row = 0
		}
		return &e
	}
	return err
}

// memRows is an in-memory row source with random access.
type memRows struct {
	data []float64
	cols int
	pos  int64
}

func (m *memRows) Cols() int     { return m.cols }
func (m *memRows) Rows() int64   { return int64(len(m.data) / m.cols) }
func (m *memRows) Rewind() error { m.pos = 0; return nil }

func (m *memRows) ReadRowsAt(dst []float64, row int64) (int, error) {
	if len(dst)%m.cols != 0 {
		panic(fmt.Sprintf("npy: buffer length %d is not a multiple of %d columns", len(dst), m.cols))
	}
	if row < 0 {
		panic(fmt.Sprintf("npy: ReadRowsAt row %d", row))
	}
	if row >= m.Rows() {
		return 0, io.EOF
	}
	return copy(dst, m.data[row*int64(m.cols):]) / m.cols, nil
}

func (m *memRows) ReadRows(dst []float64) (int, error) {
	n, err := m.ReadRowsAt(dst, m.pos)
	m.pos += int64(n)
	return n, err
}

var (
	_ stream.Reader      = (*Reader)(nil)
	_ stream.Lener       = (*Reader)(nil)
	_ stream.Rewinder    = (*RandomReader)(nil)
	_ stream.Lener       = (*RandomReader)(nil)
	_ stream.RowReaderAt = (*RandomReader)(nil)
)
