package npy

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/raw"
)

// rowsWidth is the room the header keeps for the row count when the count
// is patched in on Close (20 digits hold any int64).
const rowsWidth = 20

// appendHeader appends a version 1.0 header for descr and shape, padded with
// spaces so that the data starts at a multiple of 64 bytes, and at least
// minLen bytes in all.
func appendHeader(b []byte, descr string, shape string, minLen int) []byte {
	dict := "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }"
	total := 10 + len(dict) + 1
	total = max(total, minLen)
	total = (total + 63) &^ 63
	b = append(b, Magic...)
	b = append(b, 1, 0)
	b = binary.LittleEndian.AppendUint16(b, uint16(total-10))
	b = append(b, dict...)
	for len(b) < total-1 {
		b = append(b, ' ')
	}
	return append(b, '\n')
}

func shape2(rows int64, cols int) string {
	return "(" + strconv.FormatInt(rows, 10) + ", " + strconv.Itoa(cols) + ")"
}

// Writer writes rows as a version 1.0 .npy file of '<f8' (or '<f4' with
// Float32) elements, shape (rows, cols). It implements stream.Writer.
//
// The header holds the row count, so the Writer picks one of three
// strategies: with KnownRows it writes the final header first and streams;
// otherwise, if the destination is an io.WriteSeeker whose Seek works (a
// regular file), it writes a header with room for any count and patches it
// on Close; otherwise it spools the rows to a temporary file and copies them
// out on Close. Close must be called; it does not close the destination.
// Errors are sticky.
type Writer struct {
	hw *raw.HeaderedWriter
}

// NewWriter returns a Writer of cols columns to w. Options: Float32,
// KnownRows, TempDir, Name. It panics if cols < 1.
func NewWriter(w io.Writer, cols int, opts ...Option) (*Writer, error) {
	if cols < 1 {
		panic(fmt.Sprintf("npy: NewWriter with %d columns", cols))
	}
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	descr, dt := "<f8", raw.Float64
	if c.float32 {
		descr, dt = "<f4", raw.Float32
	}
	hw, err := raw.NewHeaderedWriter(w, cols, raw.HeaderSpec{
		Pkg: "npy", Name: c.name, Dtype: dt, KnownRows: c.rows, TempDir: c.tempDir,
		Header: func(rows int64, minLen int) []byte {
			return appendHeader(nil, descr, shape2(rows, cols), minLen)
		},
		Placeholder: func() []byte {
			// Room for a 20-digit row count.
			minLen := len(appendHeader(nil, descr, "("+strings.Repeat("9", rowsWidth)+", "+strconv.Itoa(cols)+")", 0))
			return appendHeader(nil, descr, shape2(0, cols), minLen)
		},
	})
	if err != nil {
		return nil, err
	}
	return &Writer{hw: hw}, nil
}

// Cols returns the number of columns.
func (w *Writer) Cols() int { return w.hw.Cols() }

// Rows returns the number of rows written so far.
func (w *Writer) Rows() int64 { return w.hw.Rows() }

// WriteRows writes the rows of src. It panics if len(src) is not a multiple
// of Cols or the Writer is closed.
func (w *Writer) WriteRows(src []float64) (int, error) { return w.hw.WriteRows(src) }

// Close flushes the rows, completes the header and, when spooling, copies
// the data to the destination and removes the temporary file. It does not
// close the destination. With KnownRows, a different number of rows written
// fails with stream.ErrShape (the output is then not a valid .npy file).
func (w *Writer) Close() error { return w.hw.Close() }

// WriteUint8 writes a complete .npy file holding data, a rows×cols matrix
// of bytes in row-major order, as dtype '|u1' (for example a 0/1 mask).
// It panics if rows < 0, cols < 1 or len(data) != rows*cols.
func WriteUint8(w io.Writer, rows, cols int, data []byte) error {
	if rows < 0 || cols < 1 || len(data) != rows*cols {
		panic(fmt.Sprintf("npy: WriteUint8 of %d bytes as %d×%d", len(data), rows, cols))
	}
	hdr := appendHeader(nil, "|u1", shape2(int64(rows), cols), 0)
	if _, err := w.Write(hdr); err != nil {
		return fmt.Errorf("npy: writing a mask header: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("npy: writing a mask: %w", err)
	}
	return nil
}

var _ stream.Writer = (*Writer)(nil)
