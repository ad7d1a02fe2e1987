package stream

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// indexed returns n rows of cols columns whose row i holds i*cols + j in
// column j, so a row carries its index and its integrity can be checked.
func indexed(n, cols int) []float64 {
	x := make([]float64, n*cols)
	for i := range x {
		x[i] = float64(i)
	}
	return x
}

// choppy is a Reader that returns a pseudo-random number of rows per call
// (sometimes zero) and then, optionally, an error in place of io.EOF; it
// can also tear the last row.
type choppy struct {
	data []float64
	cols int
	off  int
	rng  *rand.Rand
	err  error // returned at the end instead of io.EOF
}

func newChoppy(data []float64, cols int, seed uint64, err error) *choppy {
	return &choppy{data: data, cols: cols, rng: rand.New(rand.NewPCG(seed, 1)), err: err}
}

func (c *choppy) Cols() int { return c.cols }

func (c *choppy) ReadRows(dst []float64) (int, error) {
	checkRows("test", dst, c.cols)
	if c.off == len(c.data) {
		if c.err != nil {
			return 0, c.err
		}
		return 0, io.EOF
	}
	k := min(len(dst)/c.cols, c.rng.IntN(5), (len(c.data)-c.off)/c.cols)
	n := copy(dst[:k*c.cols], c.data[c.off:])
	c.off += n
	return n / c.cols, nil
}

var errInjected = errors.New("injected failure")

// tornErr is what a format reader returns for a torn final row.
func tornErr(row int) error {
	return &DataError{Row: int64(row), Offset: -1, Msg: "row cut short", Err: io.ErrUnexpectedEOF}
}

// failingWriter accepts rows until limit, then fails.
type failingWriter struct {
	cols, limit, got int
}

func (w *failingWriter) Cols() int { return w.cols }
func (w *failingWriter) WriteRows(src []float64) (int, error) {
	n := len(src) / w.cols
	if w.got+n > w.limit {
		k := w.limit - w.got
		w.got = w.limit
		return k, errInjected
	}
	w.got += n
	return n, nil
}

// openFDs counts this process's open file descriptors (Linux only; -1
// elsewhere).
func openFDs() int {
	if runtime.GOOS != "linux" {
		return -1
	}
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(es)
}

// requireEmptyDir fails unless dir has no entries.
func requireEmptyDir(t *testing.T, dir string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = e.Name()
	}
	require.Empty(t, names, "temporary files left in %s", dir)
}

func describe(args ...any) string { return fmt.Sprint(args...) }
