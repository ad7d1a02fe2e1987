package stream

import (
	"errors"
	"fmt"
	"strings"
)

// Reader is a source of matrix rows.
type Reader interface {
	// Cols returns the number of columns d of every row; it is constant for
	// the life of the Reader and at least 1.
	Cols() int
	// ReadRows fills dst (row-major, len(dst) a multiple of Cols) with up to
	// len(dst)/Cols whole rows and returns how many it wrote. As with
	// io.Reader, callers process the n rows before looking at err. It returns
	// io.EOF only at a row boundary and an error wrapping io.ErrUnexpectedEOF
	// when the input ends inside a row. It panics if len(dst) is not a
	// multiple of Cols.
	ReadRows(dst []float64) (n int, err error)
}

// Writer is a sink of matrix rows.
type Writer interface {
	// Cols returns the number of columns d every row must have.
	Cols() int
	// WriteRows consumes the whole rows in src (row-major, len(src) a
	// multiple of Cols) and returns how many it consumed; it returns a
	// non-nil error if that is fewer than len(src)/Cols. src is never
	// modified or retained. It panics if len(src) is not a multiple of Cols.
	WriteRows(src []float64) (n int, err error)
}

// Rewinder is a Reader that can start over from its first row. Algorithms
// that need more than one pass take a Rewinder.
type Rewinder interface {
	Reader
	// Rewind repositions the Reader at its first row.
	Rewind() error
}

// Lener is implemented by Readers that know how many rows they hold in all
// (for example from a file header). Rows returns that total, or -1 if it is
// not known.
type Lener interface {
	Rows() int64
}

// RowReaderAt is implemented by sources whose rows have a fixed size in
// random-access storage (an uncompressed .npy or raw file, memory-mapped),
// so rows can be read in any order without a spill: Shuffle uses it.
type RowReaderAt interface {
	Cols() int
	// Rows returns the total number of rows.
	Rows() int64
	// ReadRowsAt fills dst (a multiple of Cols long) with whole rows
	// starting at row index row (0-based), independently of any read
	// position, and returns how many it wrote; io.EOF when row ≥ Rows().
	ReadRowsAt(dst []float64, row int64) (n int, err error)
}

// Sentinel errors. Errors returned for bad data wrap one of these, so callers
// can test them with errors.Is.
var (
	// ErrFormat: the input is not well-formed for its format (bad magic,
	// malformed header, non-numeric field, wrong field count).
	ErrFormat = errors.New("stream: malformed input")
	// ErrShape: a declared shape disagrees with the data or with the
	// consumer (a torn final row is reported with io.ErrUnexpectedEOF).
	ErrShape = errors.New("stream: shape mismatch")
	// ErrNonFinite: a NaN or ±Inf value where finite values are required.
	ErrNonFinite = errors.New("stream: non-finite value")
	// ErrUnsupported: a valid input that linstream does not handle
	// (an unsupported dtype, Fortran order over the memory budget, …).
	ErrUnsupported = errors.New("stream: unsupported input")
	// ErrTooLarge: a declared size beyond the configured limits; nothing
	// that large is allocated.
	ErrTooLarge = errors.New("stream: input too large")
	// ErrEmpty: the input holds no rows or no data at all where some were
	// required.
	ErrEmpty = errors.New("stream: empty input")
	// ErrInvalidOption: an option value out of range (a configuration
	// mistake reported by a constructor, not a problem in the data).
	ErrInvalidOption = errors.New("stream: invalid option")
)

// DataError describes bad input and where it was found. Position fields
// that do not apply are zero (Row, Line and Column count from 1; Offset from
// 0 and is -1 when unknown).
type DataError struct {
	File   string // file name, "" when reading an anonymous stream
	Row    int64  // 1-based matrix row, 0 if not applicable
	Line   int64  // 1-based text line, 0 if not applicable
	Column int    // 1-based column, 0 if not applicable
	Offset int64  // byte offset in the (decompressed) input, -1 if unknown
	Msg    string // what was found and what was expected
	Err    error  // the sentinel (or underlying cause) this error wraps
}

func (e *DataError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
	} else {
		b.WriteString("<stream>")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Row > 0 {
		fmt.Fprintf(&b, ": row %d", e.Row)
	}
	if e.Column > 0 {
		fmt.Fprintf(&b, ", column %d", e.Column)
	}
	if e.Offset >= 0 {
		fmt.Fprintf(&b, " (byte %d)", e.Offset)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Err != nil && !strings.Contains(e.Msg, e.Err.Error()) {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *DataError) Unwrap() error { return e.Err }

// checkRows panics unless len(buf) is a multiple of cols.
func checkRows(pkg string, buf []float64, cols int) {
	if cols <= 0 || len(buf)%cols != 0 {
		panic(fmt.Sprintf("%s: buffer length %d is not a multiple of %d columns", pkg, len(buf), cols))
	}
}
