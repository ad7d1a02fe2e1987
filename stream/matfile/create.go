package matfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/delim"
	"github.com/linstream/linstream/stream/npy"
	"github.com/linstream/linstream/stream/raw"
	"github.com/linstream/linstream/stream/safetensors"
)

// Writer writes rows to a matrix file in some format and compression. It
// implements stream.Writer; Close must be called to flush, finish headers
// and the compressed stream, and close the file (never standard output or
// a NewWriter's io.Writer).
type Writer struct {
	name        string
	format      Format
	compression Compression
	w           stream.Writer
	closeFormat func() error
	enc         encoder
	file        *os.File
	rows        int64
	closed      bool
	err         error
}

// Create creates (or truncates) the file at path for rows of cols columns;
// "-" writes to standard output and needs the WithFormat option. The format
// and compression come from the options, else from the name
// ("x.npy.zst"). Options: WithFormat, WithCompression, Level, KnownRows,
// Float32, Dtype (raw), Tensor (safetensors name, default "data"),
// TempDir, Stdout. It panics if cols < 1.
func Create(path string, cols int, opts ...Option) (*Writer, error) {
	if cols < 1 {
		panic(fmt.Sprintf("matfile: Create with %d columns", cols))
	}
	c := newConfig(opts)
	if path == "-" {
		return newWriter(c.stdout, "<stdout>", cols, c, nil)
	}
	if _, err := c.outputFormat(path); err != nil {
		return nil, err
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("matfile: %w", err)
	}
	w, err := newWriter(f, path, cols, c, f)
	if err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	return w, nil
}

// NewWriter returns a Writer of rows of cols columns on w, with format and
// compression from the options or else from name. Close does not close w.
func NewWriter(w io.Writer, name string, cols int, opts ...Option) (*Writer, error) {
	if cols < 1 {
		panic(fmt.Sprintf("matfile: NewWriter with %d columns", cols))
	}
	return newWriter(w, name, cols, newConfig(opts), nil)
}

func (c config) outputFormat(name string) (Format, error) {
	if c.format != "" {
		return c.format, nil
	}
	f, _ := FromName(name)
	if f == "" {
		return "", fmt.Errorf("matfile: cannot tell the output format from the name %q; name a format (npy, safetensors, csv, tsv, mtx, raw): %w", name, stream.ErrUnsupported)
	}
	return f, nil
}

func newWriter(out io.Writer, name string, cols int, c config, file *os.File) (*Writer, error) {
	format, err := c.outputFormat(name)
	if err != nil {
		return nil, err
	}
	comp := c.compression
	if comp == "" {
		_, comp = FromName(name)
	}
	mw := &Writer{name: name, format: format, compression: comp, file: file}
	sink := out
	if comp != None {
		enc, err := newEncoder(out, comp, c.level)
		if err != nil {
			return nil, err
		}
		mw.enc, sink = enc, enc
	}
	switch format {
	case NPY:
		o := []npy.Option{npy.Name(name), npy.TempDir(c.tempDir)}
		if c.rows >= 0 {
			o = append(o, npy.KnownRows(c.rows))
		}
		if c.float32 {
			o = append(o, npy.Float32())
		}
		w, err := npy.NewWriter(sink, cols, o...)
		if err != nil {
			return nil, err
		}
		mw.w, mw.closeFormat = w, w.Close
	case Safetensors:
		o := []safetensors.Option{safetensors.Name(name), safetensors.TempDir(c.tempDir)}
		if c.rows >= 0 {
			o = append(o, safetensors.KnownRows(c.rows))
		}
		if c.float32 {
			o = append(o, safetensors.Float32())
		}
		tensor := c.tensor
		if tensor == "" {
			tensor = "data"
		}
		w, err := safetensors.NewWriter(sink, tensor, cols, o...)
		if err != nil {
			return nil, err
		}
		mw.w, mw.closeFormat = w, w.Close
	case CSV, TSV:
		var o []delim.Option
		if format == TSV {
			o = append(o, delim.Separator('\t'))
		}
		w, err := delim.NewWriter(sink, cols, o...)
		if err != nil {
			return nil, err
		}
		mw.w, mw.closeFormat = w, w.Close
	case Raw:
		d := c.dtype
		if d == 0 {
			d = rawDtypeFromName(name)
		}
		if c.float32 {
			d = raw.Float32
		}
		bw := bufio.NewWriterSize(sink, 1<<18)
		w, err := raw.NewWriter(bw, cols, raw.WithDtype(d), raw.Name(name))
		if err != nil {
			return nil, err
		}
		mw.w, mw.closeFormat = w, bw.Flush
	case MTX:
		w, closeFn, err := newMTXWriter(sink, cols, c)
		if err != nil {
			return nil, err
		}
		mw.w, mw.closeFormat = w, closeFn
	default:
		return nil, fmt.Errorf("matfile: unknown format %q: %w", format, stream.ErrUnsupported)
	}
	return mw, nil
}

// Name returns the output name ("<stdout>" for standard output).
func (w *Writer) Name() string { return w.name }

// Format returns the output format.
func (w *Writer) Format() Format { return w.format }

// Compression returns the output compression.
func (w *Writer) Compression() Compression { return w.compression }

// Rows returns the number of rows written so far.
func (w *Writer) Rows() int64 { return w.rows }

// Cols returns the number of columns.
func (w *Writer) Cols() int { return w.w.Cols() }

// WriteRows writes the rows of src. It panics if len(src) is not a multiple
// of Cols or the Writer is closed.
func (w *Writer) WriteRows(src []float64) (int, error) {
	if w.closed {
		panic("matfile: WriteRows after Close")
	}
	n, err := w.w.WriteRows(src)
	w.rows += int64(n)
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, err
}

// Close finishes the format (headers, spools), the compressed stream and
// the file, and returns the first error met.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	errs := []error{w.err}
	if err := w.closeFormat(); err != nil && w.err == nil {
		errs = append(errs, err)
	}
	if w.enc != nil {
		if err := w.enc.Close(); err != nil {
			errs = append(errs, fmt.Errorf("matfile: finishing the %s stream of %s: %w", w.compression, w.name, err))
		}
	}
	if w.file != nil {
		if err := w.file.Close(); err != nil {
			errs = append(errs, fmt.Errorf("matfile: %w", err))
		}
	}
	w.err = errors.Join(errs...)
	return w.err
}

var _ stream.Writer = (*Writer)(nil)
