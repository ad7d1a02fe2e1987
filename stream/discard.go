package stream

import "fmt"

// Counter is a Writer that consumes rows, counts them and keeps nothing:
// a sink for benchmarks and for passes that are run only for a side effect
// (a TeeReader, a Scanner). It never fails and never allocates.
type Counter struct {
	cols int
	rows int64
}

// Discard returns a Counter of cols columns: a Writer that drops every row
// it is given. It panics if cols < 1.
func Discard(cols int) *Counter {
	if cols < 1 {
		panic(fmt.Sprintf("stream: Discard with %d columns", cols))
	}
	return &Counter{cols: cols}
}

// Cols returns the number of columns.
func (c *Counter) Cols() int { return c.cols }

// WriteRows counts the rows in src and drops them.
func (c *Counter) WriteRows(src []float64) (int, error) {
	checkRows("stream", src, c.cols)
	n := len(src) / c.cols
	c.rows += int64(n)
	return n, nil
}

// Rows returns the number of rows written since creation or Reset.
func (c *Counter) Rows() int64 { return c.rows }

// Reset sets the count to zero.
func (c *Counter) Reset() { c.rows = 0 }
