package matfile

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/exp/mmap"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/delim"
	"github.com/linstream/linstream/stream/npy"
	"github.com/linstream/linstream/stream/raw"
	"github.com/linstream/linstream/stream/safetensors"
)

// sniffLen is how much of the (decompressed) input detection looks at.
const sniffLen = 512

// DetectFormat names the format of an uncompressed input that starts with
// head and is called name: by signature (.npy magic, a safetensors header
// length followed by '{', the Matrix Market banner), then by the name's
// extension, then — for a name without one, such as standard input — by
// sniffing text (TSV when the first line has a tab, else CSV). It returns
// an error wrapping stream.ErrFormat when nothing matches.
func DetectFormat(head []byte, name string) (Format, error) {
	switch {
	case bytes.HasPrefix(head, []byte(npy.Magic)):
		return NPY, nil
	case len(head) >= 14 && bytes.EqualFold(head[:14], []byte("%%MatrixMarket")):
		return MTX, nil
	case len(head) >= 9 && head[8] == '{':
		if n := binary.LittleEndian.Uint64(head); n >= 2 && n <= safetensors.MaxHeaderLen {
			return Safetensors, nil
		}
	}
	f, _ := FromName(name)
	if f == CSV && isText(head) && bytes.IndexByte(firstLine(head), '\t') >= 0 {
		return TSV, nil // a .txt file that is tab separated
	}
	if f != "" {
		return f, nil
	}
	if isText(head) {
		if bytes.IndexByte(firstLine(head), '\t') >= 0 {
			return TSV, nil
		}
		return CSV, nil
	}
	return "", &stream.DataError{File: name, Offset: 0, Err: stream.ErrFormat,
		Msg: fmt.Sprintf("cannot tell the format: no known signature (first bytes %q) and no known extension; name the format", head[:min(len(head), 8)])}
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}

func isText(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c >= 0x7f {
			return false
		}
	}
	return true
}

// File is an open matrix file: a stream.Reader of its rows that must be
// closed. It implements stream.Lener (Rows is -1 when the format does not
// say) and stream.Rewinder (see Rewind). Source gives the format reader
// itself, which for an uncompressed .npy, raw or safetensors file on disk
// is also a stream.RowReaderAt.
type File struct {
	name        string
	path        string // "" for standard input or an io.Reader
	format      Format
	compression Compression
	src         stream.Reader
	random      bool        // src reads the file (or a memory map of it) through ReadAt
	dataOff     int64       // file offset of row 0 when src reads little-endian float64 rows in place, else -1
	mapped      *mappedRows // the sequential reads (ReadRows, WriteTo) when the file is mapped
	closers     []func() error
	c           config
}

// Open opens the matrix file at path ("-" is standard input; see the
// package doc for detection). Options: WithFormat, WithCompression, Cols
// and Dtype (raw), Tensor (safetensors), AllowNonFinite, FortranBudget,
// MemoryBudget, Columns and DropColumns (CSV/TSV), Mmap, Stdin.
func Open(path string, opts ...Option) (*File, error) {
	c := newConfig(opts)
	if path == "-" {
		return newFile(c.stdin, "<stdin>", c)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("matfile: %w", err)
	}
	file, err := openOS(f, path, c)
	if err != nil {
		f.Close()
		return nil, err
	}
	file.path = path
	return file, nil
}

// NewReader returns a File reading the matrix in r, called name in errors
// and for extension-based detection. Closing it does not close r.
func NewReader(r io.Reader, name string, opts ...Option) (*File, error) {
	return newFile(r, name, newConfig(opts))
}

// openOS opens f: random access (ReadAt, or a memory map) when it is an
// uncompressed regular file of a fixed-row format, streamed otherwise.
func openOS(f *os.File, path string, c config) (*File, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("matfile: %w", err)
	}
	if !st.Mode().IsRegular() {
		file, err := newFile(f, path, c)
		if err == nil {
			file.closers = append(file.closers, f.Close)
		}
		return file, err
	}
	if st.Size() == 0 {
		return nil, &stream.DataError{File: path, Offset: 0, Err: stream.ErrEmpty, Msg: "empty file"}
	}
	head := make([]byte, min(st.Size(), sniffLen))
	if _, err := f.ReadAt(head, 0); err != nil && err != io.EOF {
		return nil, fmt.Errorf("matfile: %w", err)
	}
	comp, other := c.compression, ""
	if comp == "" {
		comp, other = DetectCompression(head)
	}
	if other != "" {
		return nil, unsupportedCodec(path, other)
	}
	if comp == None {
		format, err := pickFormat(head, path, c)
		if err != nil {
			return nil, err
		}
		if format == NPY || format == Raw || format == Safetensors {
			file := &File{name: path, format: format, compression: None, c: c, random: true}
			var ra io.ReaderAt = f
			if c.mmap {
				if m, err := mmap.Open(path); err == nil {
					ra = m
					file.closers = append(file.closers, m.Close)
				}
			}
			file.closers = append(file.closers, f.Close)
			if err := file.openRandom(ra, st.Size()); err != nil {
				file.Close()
				return nil, err
			}
			if !c.pread && file.dataOff >= 0 {
				if l, ok := file.src.(stream.Lener); ok {
					file.mapped = mapRows(f, st.Size(), file.dataOff, l.Rows(), file.src.Cols(), path, c.allowNonFinite)
				}
				if file.mapped != nil {
					file.closers = append(file.closers, file.mapped.close)
				}
			}
			return file, nil
		}
	}
	// A compressed regular file: the decoder reads the file itself (no
	// buffer in between: for incompressible data that would be one more
	// copy of every byte).
	file := &File{name: path, c: c}
	if err := file.openStreamHead(f, head); err != nil {
		file.Close()
		return nil, err
	}
	file.closers = append(file.closers, f.Close)
	return file, nil
}

func unsupportedCodec(name, codec string) error {
	return &stream.DataError{File: name, Offset: 0, Err: stream.ErrUnsupported,
		Msg: fmt.Sprintf("%s-compressed input is not supported; expected zstd, gzip, s2, snappy, bzip2 or none", codec)}
}

func pickFormat(head []byte, name string, c config) (Format, error) {
	if c.format != "" {
		return c.format, nil
	}
	f, err := DetectFormat(head, name)
	if err != nil && c.cols > 0 {
		return Raw, nil // the caller gave a width: headerless floats
	}
	return f, err
}

// openRandom builds the random-access reader over ra and sets f.dataOff
// when its rows are little-endian float64 values laid out in place (what
// a memory map can hand out without decoding).
func (f *File) openRandom(ra io.ReaderAt, size int64) error {
	c := f.c
	f.dataOff = -1
	switch f.format {
	case NPY:
		r, err := npy.NewReaderAt(ra, size, f.npyOptions()...)
		if err != nil {
			return err
		}
		f.src = r
		// A single row or column is laid out the same in either order.
		if h := r.Header(); h.Dtype == raw.Float64 && (!h.Fortran || h.Rows() <= 1 || h.Cols() <= 1) {
			f.dataOff = h.DataOffset
		}
	case Safetensors:
		sf, err := safetensors.Open(ra, size, f.stOptions()...)
		if err != nil {
			return err
		}
		r, err := sf.Reader(c.tensor)
		if err != nil {
			return err
		}
		f.src = r
		if r.Dtype() == raw.Float64 {
			f.dataOff = sf.Header().DataOffset + r.Info.Begin
		}
	case Raw:
		if err := f.needCols(); err != nil {
			return err
		}
		r, err := raw.NewReaderAt(ra, 0, size, c.cols, f.rawOptions()...)
		if err != nil {
			return err
		}
		f.src = r
		if r.Dtype() == raw.Float64 {
			f.dataOff = 0
		}
	}
	return nil
}

func (f *File) needCols() error {
	if f.c.cols < 1 {
		return &stream.DataError{File: f.name, Offset: -1, Err: stream.ErrUnsupported,
			Msg: "raw input has no header; its number of columns must be given (Cols option, -cols flag)"}
	}
	return nil
}

func (f *File) npyOptions() []npy.Option {
	o := []npy.Option{npy.Name(f.name), npy.FortranBudget(f.c.fortranBudget)}
	if f.c.allowNonFinite {
		o = append(o, npy.AllowNonFinite())
	}
	return o
}

func (f *File) stOptions() []safetensors.Option {
	o := []safetensors.Option{safetensors.Name(f.name)}
	if f.c.allowNonFinite {
		o = append(o, safetensors.AllowNonFinite())
	}
	return o
}

func (f *File) rawOptions() []raw.Option {
	d := f.c.dtype
	if d == 0 {
		d = rawDtypeFromName(f.name)
	}
	o := []raw.Option{raw.Name(f.name), raw.WithDtype(d)}
	if f.c.allowNonFinite {
		o = append(o, raw.AllowNonFinite())
	}
	return o
}

// newFile builds a streaming File over r.
func newFile(r io.Reader, name string, c config) (*File, error) {
	f := &File{name: name, c: c}
	if err := f.openStream(r); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func (f *File) openStream(r io.Reader) error {
	br := bufio.NewReaderSize(r, 1<<16)
	head, err := br.Peek(sniffLen)
	if len(head) == 0 {
		if err != nil && err != io.EOF {
			return fmt.Errorf("matfile: reading %s: %w", f.name, err)
		}
		return &stream.DataError{File: f.name, Offset: 0, Err: stream.ErrEmpty, Msg: "empty input"}
	}
	return f.openStreamHead(br, head)
}

// openStreamHead builds the decoder and format reader over r, whose first
// bytes (not consumed) are head. An uncompressed r is buffered.
func (f *File) openStreamHead(r io.Reader, head []byte) error {
	comp, other := f.c.compression, ""
	if comp == "" {
		comp, other = DetectCompression(head)
	}
	if other != "" {
		return unsupportedCodec(f.name, other)
	}
	f.compression = comp
	var src *bufio.Reader
	if br, ok := r.(*bufio.Reader); ok {
		src = br
	} else if comp == None {
		src = bufio.NewReaderSize(r, 1<<16)
	}
	if comp != None {
		d, closer, err := newDecoder(r, comp, f.name)
		if err != nil {
			return err
		}
		f.closers = append(f.closers, func() error { closer(); return nil })
		// Small: reads of 16 KiB or more go straight from the decoder to
		// the caller (the detection peek needs only sniffLen bytes).
		src = bufio.NewReaderSize(d, 16<<10)
		head, err = src.Peek(sniffLen)
		if len(head) == 0 {
			if err != nil && err != io.EOF {
				return err
			}
			return &stream.DataError{File: f.name, Offset: 0, Err: stream.ErrEmpty, Msg: fmt.Sprintf("%s stream decompresses to nothing", comp)}
		}
	}
	format, err := pickFormat(head, f.name, f.c)
	if err != nil {
		return err
	}
	f.format = format
	switch format {
	case NPY:
		rd, err := npy.NewReader(src, f.npyOptions()...)
		if err != nil {
			return err
		}
		f.src = rd
	case Safetensors:
		rd, err := safetensors.NewReader(src, f.c.tensor, f.stOptions()...)
		if err != nil {
			return err
		}
		f.src = rd
	case Raw:
		if err := f.needCols(); err != nil {
			return err
		}
		rd, err := raw.NewReader(src, f.c.cols, f.rawOptions()...)
		if err != nil {
			return err
		}
		f.src = rd
	case CSV, TSV:
		o := []delim.Option{delim.FileName(f.name)}
		if format == TSV {
			o = append(o, delim.Separator('\t'))
		}
		if f.c.allowNonFinite {
			o = append(o, delim.AllowNonFinite())
		}
		if f.c.delimColumns != nil {
			o = append(o, delim.Columns(f.c.delimColumns))
		}
		if f.c.dropColumns != nil {
			o = append(o, delim.DropColumns(f.c.dropColumns))
		}
		rd, err := delim.NewReader(src, o...)
		if err != nil {
			return err
		}
		f.src = rd
	case MTX:
		rd, err := openMTX(src, f)
		if err != nil {
			return err
		}
		f.src = rd
	default:
		return fmt.Errorf("matfile: unknown format %q: %w", format, stream.ErrUnsupported)
	}
	return nil
}

// Name returns the file name used in errors ("<stdin>" for standard input).
func (f *File) Name() string { return f.name }

// Format returns the detected or given format.
func (f *File) Format() Format { return f.format }

// Compression returns the detected or given compression.
func (f *File) Compression() Compression { return f.compression }

// Source returns the format reader. Its dynamic type tells what it can do
// beyond stream.Reader: for an uncompressed .npy, raw or safetensors file
// on disk it is a stream.RowReaderAt and stream.Rewinder. It is valid until
// Close or Rewind. When File's sequential reads go through a memory map
// (see the package doc), Source reads the file with pread (or the Mmap
// option's map) and keeps a read position of its own.
func (f *File) Source() stream.Reader { return f.src }

// RandomAccess returns Source and true when it is a stream.RowReaderAt (an
// uncompressed .npy, raw or safetensors file on disk): the reader to give
// stream.NewShuffled, which then permutes row indices and spills nothing.
func (f *File) RandomAccess() (stream.Reader, bool) {
	_, ok := f.src.(stream.RowReaderAt)
	return f.src, ok
}

// Cols returns the number of columns.
func (f *File) Cols() int { return f.src.Cols() }

// Rows returns the number of rows when the format declares it, else -1.
func (f *File) Rows() int64 {
	if l, ok := f.src.(stream.Lener); ok {
		return l.Rows()
	}
	return -1
}

// ReadRows reads up to len(dst)/Cols rows. See stream.Reader.
func (f *File) ReadRows(dst []float64) (int, error) {
	if f.mapped != nil {
		return f.mapped.readRows(dst)
	}
	return f.src.ReadRows(dst)
}

// blockBytes is about how much WriteTo hands the Writer at a time.
const blockBytes = 1 << 20

// WriteTo writes the remaining rows to w and returns how many; nil at the
// end of the rows (stream.Copy calls it: File is a stream.WriterTo). For a
// memory-mapped file (see Open) w is given slices of the mapping itself,
// about 1 MiB of rows at a time, each checked for NaN/±Inf just before:
// no copy. Other files are read into one buffer of that size. A
// non-finite value ends the copy after the rows before it, with the
// readers' *stream.DataError; a mapped file that shrinks while being read
// fails with a *stream.DataError wrapping io.ErrUnexpectedEOF. Cols of w
// must match, else the error wraps stream.ErrShape.
func (f *File) WriteTo(w stream.Writer) (int64, error) {
	if f.mapped != nil {
		return f.mapped.writeTo(w)
	}
	if wt, ok := f.src.(stream.WriterTo); ok {
		return wt.WriteTo(w)
	}
	d := f.src.Cols()
	return stream.CopyBuffer(w, f.src, make([]float64, max(1, blockBytes/(8*d))*d))
}

// Rewind starts over from the first row: in place for an uncompressed
// fixed-row file or a matrix held in memory, by reopening (and decompressing again)
// any other file on disk. Standard input and io.Readers cannot rewind: the
// error wraps stream.ErrUnsupported.
func (f *File) Rewind() error {
	if f.random {
		if f.mapped != nil {
			f.mapped.rewind()
		}
		return f.src.(stream.Rewinder).Rewind()
	}
	if f.path == "" {
		if r, ok := f.src.(stream.Rewinder); ok && f.format == MTX {
			return r.Rewind()
		}
		return fmt.Errorf("matfile: %s cannot be rewound (not a file on disk): %w", f.name, stream.ErrUnsupported)
	}
	cols := f.src.Cols()
	f.Close()
	file, err := f.reopen()
	if err != nil {
		return err
	}
	if file.Cols() != cols {
		file.Close()
		return fmt.Errorf("matfile: %s changed from %d to %d columns while open: %w", f.name, cols, file.Cols(), stream.ErrShape)
	}
	*f = *file
	return nil
}

func (f *File) reopen() (*File, error) {
	osf, err := os.Open(f.path)
	if err != nil {
		return nil, fmt.Errorf("matfile: %w", err)
	}
	file, err := openOS(osf, f.path, f.c)
	if err != nil {
		osf.Close()
		return nil, err
	}
	file.path = f.path
	return file, nil
}

// Close releases the decoder, the memory map and the file (standard input
// and a NewReader's io.Reader are not closed). Closing twice is harmless.
func (f *File) Close() error {
	var errs []error
	for i := len(f.closers) - 1; i >= 0; i-- {
		errs = append(errs, f.closers[i]())
	}
	f.closers = nil
	return errors.Join(errs...)
}

var (
	_ stream.Rewinder = (*File)(nil)
	_ stream.Lener    = (*File)(nil)
	_ stream.WriterTo = (*File)(nil)
)
