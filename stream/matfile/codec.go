package matfile

import (
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"

	"github.com/linstream/linstream/stream"
)

// DetectCompression returns the codec whose magic bytes start head, None
// if none does. It looks at no more than the first 10 bytes. A codec
// linstream cannot read (xz, lz4) is returned as None with its name in
// other.
func DetectCompression(head []byte) (c Compression, other string) {
	switch {
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return Zstd, ""
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return Gzip, ""
	case bytes.HasPrefix(head, []byte("\xff\x06\x00\x00S2sTwO")):
		return S2, ""
	case bytes.HasPrefix(head, []byte("\xff\x06\x00\x00sNaPpY")):
		return Snappy, ""
	case len(head) >= 4 && bytes.HasPrefix(head, []byte("BZh")) && head[3] >= '1' && head[3] <= '9':
		return Bzip2, ""
	case bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return None, "xz"
	case bytes.HasPrefix(head, []byte{0x04, 0x22, 0x4d, 0x18}):
		return None, "lz4"
	}
	return None, ""
}

// countingReader counts the compressed bytes a decoder consumed.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// codecReader reports decoder failures as *stream.DataError values naming
// the file, the decompressed offset and the compressed position.
type codecReader struct {
	r     io.Reader
	in    *countingReader
	codec Compression
	name  string
	out   int64
	err   error
}

func (c *codecReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	c.out += int64(n)
	if err != nil && err != io.EOF {
		what := "corrupt"
		if errors.Is(err, io.ErrUnexpectedEOF) {
			what = "truncated"
		}
		c.err = &stream.DataError{File: c.name, Offset: c.out,
			Msg: fmt.Sprintf("%s %s stream (about %d compressed bytes consumed)", what, c.codec, c.in.n),
			Err: fmt.Errorf("%w: %s: %w", stream.ErrFormat, c.codec, err)}
		return n, c.err
	}
	return n, err
}

// newDecoder wraps r in a decoder for comp. The returned closer releases
// the decoder's resources.
func newDecoder(r io.Reader, comp Compression, name string) (io.Reader, func(), error) {
	in := &countingReader{r: r}
	wrap := func(d io.Reader) io.Reader { return &codecReader{r: d, in: in, codec: comp, name: name} }
	fail := func(err error) error {
		return &stream.DataError{File: name, Offset: 0, Msg: fmt.Sprintf("corrupt %s header", comp),
			Err: fmt.Errorf("%w: %s: %w", stream.ErrFormat, comp, err)}
	}
	switch comp {
	case Zstd:
		d, err := getZstd(in)
		if err != nil {
			return nil, nil, fail(err)
		}
		cr := &codecReader{r: d, in: in, codec: comp, name: name}
		return cr, func() {
			// The decoder goes back to the pool: this reader must never
			// touch it again.
			cr.r, cr.err = nil, fmt.Errorf("matfile: read from %s after Close", name)
			putZstd(d)
		}, nil
	case Gzip:
		d, err := gzip.NewReader(in)
		if err != nil {
			return nil, nil, fail(err)
		}
		return wrap(d), func() { d.Close() }, nil
	case S2, Snappy:
		return wrap(s2.NewReader(in)), func() {}, nil
	case Bzip2:
		return wrap(bzip2.NewReader(in)), func() {}, nil
	}
	return r, func() {}, nil
}

// zstdPool keeps synchronous zstd decoders (no goroutines of their own) for
// reuse: a new one allocates and clears its window buffers, which costs more
// than decoding a small file.
var zstdPool sync.Pool

// maxZstdWindow is the largest zstd window Open accepts: 128 MiB, the
// zstd tool's own default limit (our encoders use 8 MiB or less).
const maxZstdWindow = 128 << 20

func getZstd(r io.Reader) (*zstd.Decoder, error) {
	if d, ok := zstdPool.Get().(*zstd.Decoder); ok {
		if err := d.Reset(r); err != nil {
			putZstd(d)
			return nil, err
		}
		return d, nil
	}
	// Goroutine-free; a frame claiming a window beyond maxZstdWindow is
	// refused rather than allocated.
	return zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxZstdWindow))
}

func putZstd(d *zstd.Decoder) {
	if d.Reset(nil) == nil {
		zstdPool.Put(d)
	}
}

// encoder is a compressing writer.
type encoder interface {
	io.Writer
	Close() error
}

// newEncoder wraps w in an encoder for comp at level (0 = default, 1…4).
func newEncoder(w io.Writer, comp Compression, level int) (encoder, error) {
	switch comp {
	case Zstd:
		lv := zstd.SpeedDefault
		switch level {
		case 1:
			lv = zstd.SpeedFastest
		case 3:
			lv = zstd.SpeedBetterCompression
		case 4:
			lv = zstd.SpeedBestCompression
		}
		return zstd.NewWriter(w, zstd.WithEncoderLevel(lv))
	case Gzip:
		lv := gzip.DefaultCompression
		switch level {
		case 1:
			lv = gzip.BestSpeed
		case 3:
			lv = 7
		case 4:
			lv = gzip.BestCompression
		}
		return gzip.NewWriterLevel(w, lv)
	case S2:
		var o []s2.WriterOption
		switch level {
		case 3:
			o = append(o, s2.WriterBetterCompression())
		case 4:
			o = append(o, s2.WriterBestCompression())
		}
		return s2.NewWriter(w, o...), nil
	case Snappy:
		return s2.NewWriter(w, s2.WriterSnappyCompat()), nil
	case Bzip2:
		return nil, fmt.Errorf("matfile: bzip2 output is not supported (Go's standard library only decodes bzip2); use zstd, gzip or s2: %w", stream.ErrUnsupported)
	}
	return nil, fmt.Errorf("matfile: unknown compression %q: %w", comp, stream.ErrUnsupported)
}
