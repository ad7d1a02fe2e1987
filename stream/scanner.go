package stream

import (
	"fmt"
	"iter"
)

// Scanner reads a Reader one block of rows at a time, like bufio.Scanner:
//
//	s := stream.NewScanner(r, 256)
//	for s.Scan() {
//		block := s.Block() // whole rows, row-major
//		...
//	}
//	if err := s.Err(); err != nil { ... }
//
// or, a row at a time, with All:
//
//	for i, row := range s.All() { ... }
//
// Every block holds exactly the block size in rows except possibly the last.
// The Scanner owns one buffer, allocated by NewScanner; Scan allocates
// nothing.
type Scanner struct {
	r     Reader
	cols  int
	buf   []float64
	block []float64
	first int64 // 0-based index of the first row of block
	next  int64 // 0-based index of the next row to read
	err   error // sticky; io.EOF at a clean end
}

// NewScanner returns a Scanner reading r in blocks of blockRows rows
// (DefaultBlockRows if blockRows is 0). It panics if blockRows < 0.
func NewScanner(r Reader, blockRows int) *Scanner {
	if blockRows < 0 {
		panic(fmt.Sprintf("stream: NewScanner with %d block rows", blockRows))
	}
	if blockRows == 0 {
		blockRows = DefaultBlockRows
	}
	d := r.Cols()
	return &Scanner{r: r, cols: d, buf: make([]float64, blockRows*d)}
}

// Cols returns the number of columns of the underlying Reader.
func (s *Scanner) Cols() int { return s.cols }

// Scan reads the next block, which is then available through Block. It
// returns false when there are no more rows, at the end of input or on an
// error; Err tells which. Once Scan has returned false it keeps returning
// false.
func (s *Scanner) Scan() bool {
	s.first = s.next
	s.block = s.buf[:0]
	if s.err != nil {
		return false
	}
	n, err := fill(s.r, s.buf)
	s.block = s.buf[:n*s.cols]
	s.next += int64(n)
	s.err = err
	return n > 0
}

// Block returns the rows of the current block, row-major (a multiple of
// Cols long). The slice aliases the Scanner's buffer: it is valid until the
// next call to Scan and must not be retained.
func (s *Scanner) Block() []float64 { return s.block }

// Row returns the 0-based index, in the whole stream, of the first row of
// the current block.
func (s *Scanner) Row() int64 { return s.first }

// Err returns the first error the Scanner met, or nil if the input ended
// cleanly (like bufio.Scanner, io.EOF is not an error). Rows delivered
// before an error were valid.
func (s *Scanner) Err() error {
	if isEOF(s.err) {
		return nil
	}
	return s.err
}

// All returns an iterator over the remaining rows, yielding each row's
// 0-based index in the stream and the row itself (Cols long, aliasing the
// Scanner's buffer: valid only until the next iteration). It drives the
// Scanner, so it is single-use: ranging over it consumes the rows, and if
// the loop stops early the rest of the current block is dropped. Check Err
// after the loop.
func (s *Scanner) All() iter.Seq2[int64, []float64] {
	return func(yield func(int64, []float64) bool) {
		for s.Scan() {
			b := s.block
			for i := 0; len(b) > 0; i++ {
				if !yield(s.first+int64(i), b[:s.cols:s.cols]) {
					return
				}
				b = b[s.cols:]
			}
		}
	}
}
