// Package streamtest holds helpers for the tests of stream.Reader
// implementations.
package streamtest

import (
	"io"

	"github.com/linstream/linstream/stream"
)

// ReadBlocks reads r to the end through a buffer of block rows, so that a
// test chooses where the block boundaries fall (stream.ReadAll picks its
// own). It returns every row read, and nil at io.EOF or the first other
// error, with the rows read before it. It panics if block < 1.
func ReadBlocks(r stream.Reader, block int) ([]float64, error) {
	if block < 1 {
		panic("streamtest: ReadBlocks with block < 1")
	}
	var out []float64
	buf := make([]float64, block*r.Cols())
	for {
		n, err := r.ReadRows(buf)
		out = append(out, buf[:n*r.Cols()]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}
