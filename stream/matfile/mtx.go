package matfile

import (
	"fmt"
	"io"

	"github.com/linstream/linstream/stream"
)

// openMTX is wired to stream/mtx once that package is in the tree.
func openMTX(r io.Reader, f *File) (stream.Reader, error) {
	return nil, &stream.DataError{File: f.name, Offset: 0, Err: stream.ErrUnsupported,
		Msg: "Matrix Market input is not wired into matfile yet"}
}

func newMTXWriter(w io.Writer, cols int, c config) (stream.Writer, func() error, error) {
	return nil, nil, fmt.Errorf("matfile: Matrix Market output is not wired into matfile yet: %w", stream.ErrUnsupported)
}
