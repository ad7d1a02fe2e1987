package stream

import (
	"fmt"

	"github.com/linstream/linstream/internal/kernel"
)

// CheckFinite reports the first NaN or ±Inf in rows, a row-major block of
// cols columns whose first row is matrix row firstRow (0-based). It returns
// nil when every value is finite, and otherwise a *DataError with Row and
// Column set (1-based: Row = firstRow + i + 1 for block row i), Offset -1,
// and Err = ErrNonFinite. Format readers call it on each decoded block and
// fill in File and Offset before returning the error.
//
// It makes one pass over the block (kernel.FirstNonFinite: VFPCLASSPD on
// AVX-512, a branch-free v−v test otherwise). It does not allocate unless
// it returns an error. It panics if cols < 1 or len(rows) is not a
// multiple of cols.
func CheckFinite(rows []float64, cols int, firstRow int64) error {
	checkRows("stream", rows, cols)
	k := kernel.FirstNonFinite(rows)
	if k < 0 {
		return nil
	}
	return &DataError{
		Row:    firstRow + int64(k/cols) + 1,
		Column: k%cols + 1,
		Offset: -1,
		Msg:    fmt.Sprintf("value %v, expected a finite number", rows[k]),
		Err:    ErrNonFinite,
	}
}
