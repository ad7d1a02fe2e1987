package npy

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
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

// writer modes
const (
	modeKnown = iota // header written first with the promised row count
	modeSeek         // header patched on Close through io.Seeker
	modeSpool        // data spooled to a temporary file, copied on Close
)

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
	w     io.Writer
	cols  int
	descr string
	mode  int
	known int64
	name  string

	start  int64 // modeSeek: offset of the header
	hdrLen int
	spool  *os.File
	bw     *bufio.Writer
	inner  *raw.Writer
	err    error
	closed bool
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
	nw := &Writer{w: w, cols: cols, descr: "<f8", known: c.rows, name: c.name}
	dt := raw.Float64
	if c.float32 {
		nw.descr, dt = "<f4", raw.Float32
	}
	var hdr []byte
	var sink io.Writer = w
	switch ws, ok := w.(io.WriteSeeker); {
	case c.rows >= 0:
		nw.mode = modeKnown
		hdr = appendHeader(nil, nw.descr, shape2(c.rows, cols), 0)
	case ok && seekable(ws):
		nw.mode = modeSeek
		nw.start, _ = ws.Seek(0, io.SeekCurrent)
		hdr = appendHeader(nil, nw.descr, shape2(0, cols), nw.minLen())
	default:
		nw.mode = modeSpool
		f, err := os.CreateTemp(c.tempDir, "linstream-npy-*")
		if err != nil {
			return nil, fmt.Errorf("npy: spooling %s: %w", displayName(c.name), err)
		}
		nw.spool = f
		sink = f
	}
	nw.hdrLen = len(hdr)
	nw.bw = bufio.NewWriterSize(sink, 1<<18)
	if _, err := nw.bw.Write(hdr); err != nil {
		nw.cleanup()
		return nil, fmt.Errorf("npy: writing the header of %s: %w", displayName(c.name), err)
	}
	nw.inner, err = raw.NewWriter(nw.bw, cols, raw.WithDtype(dt), raw.Name(c.name))
	if err != nil {
		nw.cleanup()
		return nil, err
	}
	return nw, nil
}

// minLen is the header length that leaves room for a 20-digit row count.
func (w *Writer) minLen() int {
	return len(appendHeader(nil, w.descr, "("+strings.Repeat("9", rowsWidth)+", "+strconv.Itoa(w.cols)+")", 0))
}

func seekable(s io.Seeker) bool {
	_, err := s.Seek(0, io.SeekCurrent)
	return err == nil
}

// Cols returns the number of columns.
func (w *Writer) Cols() int { return w.cols }

// Rows returns the number of rows written so far.
func (w *Writer) Rows() int64 { return w.inner.Rows() }

// WriteRows writes the rows of src. It panics if len(src) is not a multiple
// of Cols or the Writer is closed.
func (w *Writer) WriteRows(src []float64) (int, error) {
	if w.closed {
		panic("npy: WriteRows after Close")
	}
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.inner.WriteRows(src)
	if err != nil {
		w.err = err
	}
	return n, err
}

// Close flushes the rows, completes the header and, when spooling, copies
// the data to the destination and removes the temporary file. It does not
// close the destination. With KnownRows, a different number of rows written
// fails with stream.ErrShape (the output is then not a valid .npy file).
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	defer w.cleanup()
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = fmt.Errorf("npy: writing %s: %w", displayName(w.name), err)
		return w.err
	}
	rows := w.inner.Rows()
	switch w.mode {
	case modeKnown:
		if rows != w.known {
			w.err = &stream.DataError{File: w.name, Offset: -1, Err: stream.ErrShape,
				Msg: fmt.Sprintf("%d rows written; KnownRows promised %d", rows, w.known)}
		}
	case modeSeek:
		ws := w.w.(io.WriteSeeker)
		hdr := appendHeader(nil, w.descr, shape2(rows, w.cols), w.hdrLen)
		if len(hdr) != w.hdrLen {
			panic("npy: header length changed")
		}
		if _, err := ws.Seek(w.start, io.SeekStart); err != nil {
			w.err = fmt.Errorf("npy: finishing the header of %s: %w", displayName(w.name), err)
			break
		}
		if _, err := ws.Write(hdr); err != nil {
			w.err = fmt.Errorf("npy: finishing the header of %s: %w", displayName(w.name), err)
			break
		}
		if _, err := ws.Seek(0, io.SeekEnd); err != nil {
			w.err = fmt.Errorf("npy: finishing %s: %w", displayName(w.name), err)
		}
	case modeSpool:
		hdr := appendHeader(nil, w.descr, shape2(rows, w.cols), 0)
		if _, err := w.w.Write(hdr); err != nil {
			w.err = fmt.Errorf("npy: writing %s: %w", displayName(w.name), err)
			break
		}
		if _, err := w.spool.Seek(0, io.SeekStart); err != nil {
			w.err = fmt.Errorf("npy: reading back the spool of %s: %w", displayName(w.name), err)
			break
		}
		if _, err := io.Copy(w.w, w.spool); err != nil {
			w.err = fmt.Errorf("npy: writing %s: %w", displayName(w.name), err)
		}
	}
	return w.err
}

func (w *Writer) cleanup() {
	if w.spool != nil {
		w.spool.Close()
		os.Remove(w.spool.Name())
		w.spool = nil
	}
}

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
