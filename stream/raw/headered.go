package raw

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/linstream/linstream/stream"
)

// HeaderSpec describes the file a [HeaderedWriter] writes: a header that
// holds the final row count, followed by the rows as bare values.
type HeaderSpec struct {
	// Pkg prefixes error messages and panics (e.g. "npy") and names the
	// temporary spool file.
	Pkg string
	// Name is the file name errors report ("" reports "<stream>").
	Name string
	// Dtype is the element type: Float64 or Float32, either byte order.
	Dtype Dtype
	// KnownRows is the promised row count, or negative if unknown.
	KnownRows int64
	// TempDir is where to spool when needed ("" means os.TempDir()).
	TempDir string
	// Header returns the complete header for rows rows, padded to at least
	// minLen bytes. For the same minLen its length must not grow with rows
	// up to the count Placeholder reserves room for.
	Header func(rows int64, minLen int) []byte
	// Placeholder returns the header written first when the count is
	// patched in on Close; its length is the room reserved, so
	// Header(rows, len(placeholder)) must have exactly that length.
	Placeholder func() []byte
}

// headered writer modes
const (
	modeKnown = iota // header written first with the promised row count
	modeSeek         // header patched on Close through io.Seeker
	modeSpool        // data spooled to a temporary file, copied on Close
)

// HeaderedWriter writes a header that depends on the final row count,
// followed by the rows as a raw [Writer] would. It is the engine behind the
// stream/npy and stream/safetensors Writers and implements stream.Writer.
//
// It picks one of three strategies: with a known row count it writes the
// final header first and streams; otherwise, if the destination is an
// io.WriteSeeker whose Seek works (a regular file), it writes the
// placeholder header and patches it on Close; otherwise it spools the rows
// to a temporary file and copies them out on Close. Close must be called;
// it does not close the destination. Errors are sticky.
type HeaderedWriter struct {
	w      io.Writer
	spec   HeaderSpec
	cols   int
	mode   int
	start  int64 // modeSeek: offset of the header
	hdrLen int
	spool  *os.File
	bw     *bufio.Writer
	inner  *Writer
	err    error
	closed bool
}

// NewHeaderedWriter returns a HeaderedWriter of cols columns to w as spec
// describes. It panics if cols < 1 or spec.Header or spec.Placeholder is
// nil, and returns an error if the spool file cannot be created, the header
// cannot be written or spec.Dtype cannot be written.
func NewHeaderedWriter(w io.Writer, cols int, spec HeaderSpec) (*HeaderedWriter, error) {
	if cols < 1 {
		panic(fmt.Sprintf("%s: NewWriter with %d columns", spec.Pkg, cols))
	}
	if spec.Header == nil || spec.Placeholder == nil {
		panic("raw: HeaderSpec without Header or Placeholder")
	}
	hw := &HeaderedWriter{w: w, spec: spec, cols: cols}
	var hdr []byte
	var sink io.Writer = w
	switch ws, ok := w.(io.WriteSeeker); {
	case spec.KnownRows >= 0:
		hw.mode = modeKnown
		hdr = spec.Header(spec.KnownRows, 0)
	case ok && seekable(ws):
		hw.mode = modeSeek
		hw.start, _ = ws.Seek(0, io.SeekCurrent)
		hdr = spec.Placeholder()
	default:
		hw.mode = modeSpool
		f, err := os.CreateTemp(spec.TempDir, "linstream-"+spec.Pkg+"-*")
		if err != nil {
			return nil, hw.errorf("spooling", err)
		}
		hw.spool, sink = f, f
	}
	hw.hdrLen = len(hdr)
	hw.bw = bufio.NewWriterSize(sink, 1<<18)
	if _, err := hw.bw.Write(hdr); err != nil {
		hw.cleanup()
		return nil, hw.errorf("writing the header of", err)
	}
	var err error
	hw.inner, err = NewWriter(hw.bw, cols, WithDtype(spec.Dtype), Name(spec.Name))
	if err != nil {
		hw.cleanup()
		return nil, err
	}
	return hw, nil
}

func seekable(s io.Seeker) bool {
	_, err := s.Seek(0, io.SeekCurrent)
	return err == nil
}

// errorf returns "<pkg>: <what> <name>: <err>".
func (w *HeaderedWriter) errorf(what string, err error) error {
	name := w.spec.Name
	if name == "" {
		name = "<stream>"
	}
	return fmt.Errorf("%s: %s %s: %w", w.spec.Pkg, what, name, err)
}

// Cols returns the number of columns.
func (w *HeaderedWriter) Cols() int { return w.cols }

// Rows returns the number of rows written so far.
func (w *HeaderedWriter) Rows() int64 { return w.inner.Rows() }

// WriteRows writes the rows of src. It panics if len(src) is not a multiple
// of Cols or the writer is closed.
func (w *HeaderedWriter) WriteRows(src []float64) (int, error) {
	if w.closed {
		panic(w.spec.Pkg + ": WriteRows after Close")
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
// close the destination. With a known row count, a different number of rows
// written fails with a *stream.DataError wrapping stream.ErrShape (the
// output is then not a valid file). Calling Close again returns the same
// error.
func (w *HeaderedWriter) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	defer w.cleanup()
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = w.errorf("writing", err)
		return w.err
	}
	rows := w.inner.Rows()
	switch w.mode {
	case modeKnown:
		if rows != w.spec.KnownRows {
			w.err = &stream.DataError{File: w.spec.Name, Offset: -1, Err: stream.ErrShape,
				Msg: fmt.Sprintf("%d rows written; KnownRows promised %d", rows, w.spec.KnownRows)}
		}
	case modeSeek:
		ws := w.w.(io.WriteSeeker)
		hdr := w.spec.Header(rows, w.hdrLen)
		if len(hdr) != w.hdrLen {
			panic(w.spec.Pkg + ": header length changed")
		}
		if _, err := ws.Seek(w.start, io.SeekStart); err != nil {
			w.err = w.errorf("finishing the header of", err)
			break
		}
		if _, err := ws.Write(hdr); err != nil {
			w.err = w.errorf("finishing the header of", err)
			break
		}
		if _, err := ws.Seek(0, io.SeekEnd); err != nil {
			w.err = w.errorf("finishing", err)
		}
	case modeSpool:
		if _, err := w.w.Write(w.spec.Header(rows, 0)); err != nil {
			w.err = w.errorf("writing", err)
			break
		}
		if _, err := w.spool.Seek(0, io.SeekStart); err != nil {
			w.err = w.errorf("reading back the spool of", err)
			break
		}
		if _, err := io.Copy(w.w, w.spool); err != nil {
			w.err = w.errorf("writing", err)
		}
	}
	return w.err
}

func (w *HeaderedWriter) cleanup() {
	if w.spool != nil {
		w.spool.Close()
		os.Remove(w.spool.Name())
		w.spool = nil
	}
}

var _ stream.Writer = (*HeaderedWriter)(nil)
