//go:build unix && !purego

package matfile

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/linstream/linstream/internal/kernel"
	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/raw"
)

// mappedRows reads the rows of a little-endian float64 matrix straight
// from a read-only shared memory map of its file, in order: WriteTo gives
// the Writer slices of the mapping (no copy), ReadRows copies out of it.
// Pages behind the read position are handed back with MADV_DONTNEED (for a
// shared read-only file mapping that drops only this process's page-table
// entries; the page cache keeps the data), so at most about two blocks of
// the map are resident whatever the file's size. A fault on the mapping — the
// file was truncated while mapped — becomes an error, not a crash.
// mappedRows is not safe for concurrent use.
type mappedRows struct {
	name     string
	mem      []byte    // the whole file, mapped; nil after close
	data     []float64 // the rows, aliasing mem
	cols     int
	rows     int64
	off      int64 // file offset of row 0
	allowNF  bool
	pos      int64 // rows delivered
	released int   // mem[:released] has been handed back
	err      error // sticky until rewind
}

// mapRows maps the size-byte file f and returns a reader of its rows rows
// of cols float64 values starting at byte off, or nil when the file cannot
// be mapped here (off not 8-byte aligned, a size beyond the address space,
// a file system without mmap): the caller then reads with pread.
func mapRows(f *os.File, size, off, rows int64, cols int, name string, allowNF bool) *mappedRows {
	end := off + rows*int64(cols)*8
	if off%8 != 0 || end > size || size > math.MaxInt || !hostLittleEndian() {
		return nil
	}
	mem, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil
	}
	_ = unix.Madvise(mem, unix.MADV_SEQUENTIAL) // advice only: readahead
	m := &mappedRows{name: name, mem: mem, cols: cols, rows: rows, off: off, allowNF: allowNF}
	if rows > 0 {
		m.data = unsafe.Slice((*float64)(unsafe.Pointer(&mem[off])), rows*int64(cols))
	}
	return m
}

func hostLittleEndian() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}

// close unmaps the file; reads after it fail. Closing twice is harmless.
func (m *mappedRows) close() error {
	if m.mem == nil {
		return nil
	}
	mem := m.mem
	m.mem, m.data = nil, nil
	if err := unix.Munmap(mem); err != nil {
		return fmt.Errorf("matfile: unmapping %s: %w", m.name, err)
	}
	return nil
}

// rewind moves back to the first row and clears a sticky error.
func (m *mappedRows) rewind() {
	m.pos, m.err, m.released = 0, nil, 0
}

// blockRows is how many rows WriteTo hands over at a time.
func (m *mappedRows) blockRows() int64 {
	return max(1, int64(blockBytes/(8*m.cols)))
}

// start reports why nothing can be read: a sticky error, Close, or the end.
func (m *mappedRows) start() error {
	if m.mem == nil {
		return fmt.Errorf("matfile: %s read after Close: %w", m.name, os.ErrClosed)
	}
	return m.err
}

// writeTo hands w the remaining rows as slices of the mapping, each block
// checked for NaN/±Inf just before (so w reads it from cache). At a
// non-finite value w gets the rows before it and the error names its row.
func (m *mappedRows) writeTo(w stream.Writer) (rows int64, err error) {
	if w.Cols() != m.cols {
		return 0, fmt.Errorf("matfile: copy from %d to %d columns: %w", m.cols, w.Cols(), stream.ErrShape)
	}
	if err := m.start(); err != nil {
		if err == io.EOF {
			return 0, nil
		}
		return 0, err
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = m.fault(r)
		}
	}()
	block, d := m.blockRows(), int64(m.cols)
	for m.pos < m.rows {
		k := min(block, m.rows-m.pos)
		b := m.data[m.pos*d : (m.pos+k)*d]
		var bad error
		if !m.allowNF {
			if e := stream.CheckFinite(b, m.cols, m.pos); e != nil {
				bad = m.nonFinite(e)
				k = e.(*stream.DataError).Row - 1 - m.pos
				b = b[:k*d]
			}
		}
		if k > 0 {
			n, werr := w.WriteRows(b)
			rows += int64(n)
			m.pos += int64(n)
			if werr == nil && int64(n) != k {
				werr = io.ErrShortWrite
			}
			if werr != nil {
				return rows, werr
			}
		}
		if bad != nil {
			m.err = bad
			return rows, bad
		}
		m.release()
	}
	m.err = io.EOF
	return rows, nil
}

// readRows copies the next rows into dst. See stream.Reader.
func (m *mappedRows) readRows(dst []float64) (n int, err error) {
	if len(dst)%m.cols != 0 {
		panic(fmt.Sprintf("matfile: buffer length %d is not a multiple of %d columns", len(dst), m.cols))
	}
	if err := m.start(); err != nil {
		return 0, err
	}
	if m.pos == m.rows {
		m.err = io.EOF
		return 0, io.EOF
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			n, err = 0, m.fault(r)
		}
	}()
	k := min(int64(len(dst)/m.cols), m.rows-m.pos)
	d := int64(m.cols)
	dst = dst[:k*d]
	src := m.mem[m.off+8*m.pos*d : m.off+8*(m.pos+k)*d]
	if m.allowNF {
		copy(dst, m.data[m.pos*d:(m.pos+k)*d])
	} else if bad := kernel.CopyFinite(dst, src); bad >= 0 {
		e := stream.CheckFinite(dst, m.cols, m.pos)
		k = e.(*stream.DataError).Row - 1 - m.pos
		m.pos += k
		m.err = m.nonFinite(e)
		return int(k), m.err
	}
	m.pos += k
	m.release()
	return int(k), nil
}

// nonFinite fills in the file and offset of CheckFinite's error as the
// pread path's raw reader does, so both paths report the same error.
func (m *mappedRows) nonFinite(err error) error {
	de := err.(*stream.DataError)
	de.File = m.name
	de.Offset = m.off + (de.Row-1)*int64(8*m.cols) + int64(8*(de.Column-1))
	de.Msg += " of type " + raw.Float64.String()
	return de
}

// release hands back the whole pages of the mapping behind the read
// position once there is at least a block of them (all of it at the end).
func (m *mappedRows) release() {
	upto := int(m.off + 8*m.pos*int64(m.cols))
	if m.pos == m.rows {
		upto = len(m.mem)
	} else {
		upto -= upto % os.Getpagesize()
		if upto-m.released < blockBytes {
			return
		}
	}
	if upto > m.released {
		_ = unix.Madvise(m.mem[m.released:upto], unix.MADV_DONTNEED) // advice only
		m.released = upto
	}
}

// fault turns a recovered fault on the mapping into an error (the file
// shrank under the map: reading past its new end raises SIGBUS) and
// re-raises any other panic.
func (m *mappedRows) fault(r any) error {
	addrErr, ok := r.(interface{ Addr() uintptr })
	if !ok || len(m.mem) == 0 {
		panic(r)
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(m.mem)))
	a := addrErr.Addr()
	if a < base || a >= base+uintptr(len(m.mem)) {
		panic(r)
	}
	off := int64(a - base)
	row := int64(0)
	if off >= m.off {
		row = (off-m.off)/int64(8*m.cols) + 1
	}
	m.err = &stream.DataError{File: m.name, Row: row, Offset: off, Err: io.ErrUnexpectedEOF,
		Msg: "the file changed while being read: it no longer holds this byte (truncated while memory-mapped)"}
	return m.err
}
