package lowrank

import (
	"fmt"

	"github.com/linstream/linstream/stream"
)

// source is one pass at a time over the rows of A, a block at a time.
type source interface {
	cols() int
	// pass calls f on every block of rows from the first, in order. f may
	// not retain blk.
	pass(f func(b int, blk []float64) error) error
}

// memSource walks an in-memory row-major matrix. Each block is first copied
// into a small buffer: the kernels pack their operands in short pieces, and
// packing straight from a matrix far larger than the cache measured about
// 1.7× slower than one sequential copy followed by packing from cache.
type memSource struct {
	a          []float64
	rows, d, b int
	buf        []float64
}

func (m *memSource) cols() int { return m.d }

func (m *memSource) pass(f func(b int, blk []float64) error) error {
	if m.buf == nil {
		m.buf = make([]float64, min(m.b, m.rows)*m.d)
	}
	for i := 0; i < m.rows; i += m.b {
		nb := min(m.b, m.rows-i)
		blk := m.buf[:nb*m.d]
		copy(blk, m.a[i*m.d:(i+nb)*m.d])
		if err := f(nb, blk); err != nil {
			return err
		}
	}
	return nil
}

// readerSource reads a stream through one buffer. The first pass reads
// from where the stream stands; every later pass starts with Rewind (and
// needs a stream.Rewinder).
type readerSource struct {
	r      stream.Reader
	buf    []float64
	passes int
}

func newReaderSource(r stream.Reader, blockRows int) *readerSource {
	return &readerSource{r: r, buf: make([]float64, blockRows*r.Cols())}
}

func (s *readerSource) cols() int { return s.r.Cols() }

func (s *readerSource) pass(f func(b int, blk []float64) error) error {
	if s.passes > 0 {
		rw, ok := s.r.(stream.Rewinder)
		if !ok {
			return invalid("pass %d needs a stream.Rewinder", s.passes+1)
		}
		if err := rw.Rewind(); err != nil {
			return fmt.Errorf("lowrank: rewind before pass %d: %w", s.passes+1, err)
		}
	}
	s.passes++
	return readAll(s.r, s.buf, f)
}
