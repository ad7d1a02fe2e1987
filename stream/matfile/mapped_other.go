//go:build !unix || purego

package matfile

import (
	"os"

	"github.com/linstream/linstream/stream"
)

// mappedRows is never built here: files are read with pread.
type mappedRows struct{}

// mapRows does not map on this platform (or under the purego tag); the
// caller reads with pread.
func mapRows(f *os.File, size, off, rows int64, cols int, name string, allowNF bool) *mappedRows {
	return nil
}

func (m *mappedRows) close() error                           { return nil }
func (m *mappedRows) rewind()                                {}
func (m *mappedRows) writeTo(w stream.Writer) (int64, error) { panic("matfile: no memory map") }
func (m *mappedRows) readRows(dst []float64) (int, error)    { panic("matfile: no memory map") }
