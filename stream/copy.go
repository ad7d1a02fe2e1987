package stream

import (
	"errors"
	"fmt"
	"io"
)

// DefaultBlockRows is the number of rows Copy moves at a time.
const DefaultBlockRows = 64

// WriterTo is implemented by Readers that can emit their rows to a Writer
// without an intermediate buffer (Shuffled writes straight from its store).
// Copy and CopyBuffer use it, like io.Copy uses io.WriterTo.
type WriterTo interface {
	WriteTo(w Writer) (rows int64, err error)
}

// Copy moves every row of src into dst through one buffer of
// DefaultBlockRows rows and returns the number of rows copied. It returns nil
// (not io.EOF) at a clean end of src. The Cols of dst and src must agree,
// otherwise Copy returns an error wrapping ErrShape before moving anything.
// If src implements WriterTo, Copy calls src.WriteTo(dst) instead. Copy
// allocates one buffer; CopyBuffer lets the caller supply it.
func Copy(dst Writer, src Reader) (rows int64, err error) {
	return CopyBuffer(dst, src, nil)
}

// CopyBuffer is Copy with a caller-supplied buffer. If buf is nil a buffer of
// DefaultBlockRows rows is allocated; otherwise len(buf) must be a positive
// multiple of src.Cols(), or CopyBuffer panics. The buffer is not used when
// src implements WriterTo.
func CopyBuffer(dst Writer, src Reader, buf []float64) (rows int64, err error) {
	d := src.Cols()
	if dst.Cols() != d {
		return 0, fmt.Errorf("stream: copy from %d to %d columns: %w", d, dst.Cols(), ErrShape)
	}
	if wt, ok := src.(WriterTo); ok {
		return wt.WriteTo(dst)
	}
	if buf == nil {
		buf = make([]float64, DefaultBlockRows*d)
	}
	if len(buf) == 0 {
		panic("stream: CopyBuffer with an empty buffer")
	}
	checkRows("stream", buf, d)
	for {
		n, rerr := src.ReadRows(buf)
		if n > 0 {
			w, werr := dst.WriteRows(buf[:n*d])
			rows += int64(w)
			if werr != nil {
				return rows, werr
			}
			if w != n {
				return rows, io.ErrShortWrite
			}
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) && !errors.Is(rerr, io.ErrUnexpectedEOF) {
				return rows, nil
			}
			return rows, rerr
		}
	}
}
