package safetensors

import (
	"fmt"
	"io"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/raw"
)

// Option configures readers and writers.
type Option func(*config)

type config struct {
	name           string
	allowNonFinite bool
	float32        bool
	rows           int64
	tempDir        string
	metadata       map[string]string
}

func newConfig(opts []Option) config {
	c := config{rows: -1}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Name sets the file name errors report.
func Name(name string) Option { return func(c *config) { c.name = name } }

// AllowNonFinite lets NaN and ±Inf through instead of failing with
// stream.ErrNonFinite (readers).
func AllowNonFinite() Option { return func(c *config) { c.allowNonFinite = true } }

// Float32 makes a Writer store F32 instead of F64.
func Float32() Option { return func(c *config) { c.float32 = true } }

// KnownRows tells a Writer the number of rows in advance, so it streams to
// any io.Writer; Close fails with stream.ErrShape if the count differs.
func KnownRows(n int64) Option { return func(c *config) { c.rows = n } }

// TempDir sets where a Writer spools when it must (default os.TempDir()).
func TempDir(dir string) Option { return func(c *config) { c.tempDir = dir } }

// Metadata sets the "__metadata__" map a Writer stores. The map is copied
// when the header is written.
func Metadata(m map[string]string) Option { return func(c *config) { c.metadata = m } }

func (c config) rawOptions(d raw.Dtype) []raw.Option {
	o := []raw.Option{raw.WithDtype(d), raw.Name(c.name)}
	if c.allowNonFinite {
		o = append(o, raw.AllowNonFinite())
	}
	return o
}

// File is a safetensors file opened over an io.ReaderAt.
type File struct {
	ra   io.ReaderAt
	size int64
	hdr  *Header
	c    config
}

// Open parses the header of the size-byte file in ra and checks that every
// tensor lies inside it (stream.ErrShape otherwise). Options: Name,
// AllowNonFinite (for the tensors read later).
func Open(ra io.ReaderAt, size int64, opts ...Option) (*File, error) {
	c := newConfig(opts)
	h, err := ReadHeader(io.NewSectionReader(ra, 0, size), c.name)
	if err != nil {
		return nil, err
	}
	if data := size - h.DataOffset; h.DataEnd > data {
		return nil, dataError(c.name, size, stream.ErrShape,
			"tensors need %d data bytes but the file holds %d after the header", h.DataEnd, data)
	}
	return &File{ra: ra, size: size, hdr: h, c: c}, nil
}

// Header returns the parsed header. The caller must not modify it.
func (f *File) Header() *Header { return f.hdr }

// Tensors lists the tensors in data order. The slice is the File's.
func (f *File) Tensors() []TensorInfo { return f.hdr.Tensors }

// Reader returns a random-access row reader over the tensor called name
// ("" picks the only tensor of a one-tensor file).
func (f *File) Reader(name string) (*RandomReader, error) {
	t, err := f.hdr.pick(name, f.c.name)
	if err != nil {
		return nil, err
	}
	d, err := t.checkReadable(f.c.name, f.hdr.DataOffset)
	if err != nil {
		return nil, err
	}
	rr, err := raw.NewReaderAt(f.ra, f.hdr.DataOffset+t.Begin, t.End-t.Begin, int(t.Cols()),
		append(f.c.rawOptions(d), raw.Rows(t.Rows()))...)
	if err != nil {
		return nil, err
	}
	return &RandomReader{RandomReader: rr, Info: t}, nil
}

// RandomReader streams one tensor of a File. It implements stream.Reader,
// stream.Lener, stream.Rewinder and stream.RowReaderAt through the embedded
// raw.RandomReader.
type RandomReader struct {
	*raw.RandomReader
	Info TensorInfo // the tensor being read
}

// Reader streams one tensor from a sequential io.Reader: the header is
// read, the bytes before the tensor are skipped, and its rows are decoded
// as they arrive. It implements stream.Reader and stream.Lener.
type Reader struct {
	*raw.Reader
	Info   TensorInfo // the tensor being read
	Header *Header    // the file's header
}

// NewReader reads the header from r and returns a Reader of the tensor
// called tensor ("" picks the only tensor of a one-tensor file). Options:
// Name, AllowNonFinite. A file that ends before the tensor does fails with
// stream.ErrShape (or io.ErrUnexpectedEOF inside a row) when read.
func NewReader(r io.Reader, tensor string, opts ...Option) (*Reader, error) {
	c := newConfig(opts)
	h, err := ReadHeader(r, c.name)
	if err != nil {
		return nil, err
	}
	t, err := h.pick(tensor, c.name)
	if err != nil {
		return nil, err
	}
	d, err := t.checkReadable(c.name, h.DataOffset)
	if err != nil {
		return nil, err
	}
	if t.Begin > 0 {
		n, err := io.CopyN(io.Discard, r, t.Begin)
		if err == io.EOF {
			return nil, dataError(c.name, h.DataOffset+n, stream.ErrShape,
				"input ends %d bytes into the data section; tensor %q starts at %d", n, t.Name, t.Begin)
		} else if err != nil {
			return nil, fmt.Errorf("safetensors: reading %s: %w", displayName(c.name), err)
		}
	}
	rr, err := raw.NewReader(io.LimitReader(r, t.End-t.Begin), int(t.Cols()),
		append(c.rawOptions(d), raw.Rows(t.Rows()), raw.Offset(h.DataOffset+t.Begin))...)
	if err != nil {
		return nil, err
	}
	return &Reader{Reader: rr, Info: t, Header: h}, nil
}

var (
	_ stream.Lener       = (*Reader)(nil)
	_ stream.Rewinder    = (*RandomReader)(nil)
	_ stream.RowReaderAt = (*RandomReader)(nil)
)
