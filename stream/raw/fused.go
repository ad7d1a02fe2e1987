package raw

import (
	"bytes"
	"errors"
	"io"

	"github.com/linstream/linstream/internal/kernel"
)

// readFinite is io.ReadFull(src, b) for b, the bytes of dst (the direct
// little-endian float64 path), when src is an in-memory source whose bytes
// can be reached without a copy (*bytes.Reader, *bytes.Buffer): the whole
// rows then go through kernel.CopyFinite, which copies and checks them for
// NaN/±Inf in one pass instead of a copy and a second pass of
// stream.CheckFinite. got and err are what io.ReadFull would return (and
// src is left where io.ReadFull would leave it); finite reports that every
// value of the whole rows read (got/rowBytes of them) is finite. ok is false
// when src is of another type: nothing was read.
// k is the Reader's own sink (a local one would be allocated per call).
func readFinite(k *finiteSink, src io.Reader, dst []float64, b []byte, rowBytes int) (got int, finite, ok bool, err error) {
	switch s := src.(type) {
	case *bytes.Reader:
		*k = finiteSink{dst: dst, b: b, rowBytes: rowBytes, finite: true}
		// WriteTo hands over the unread bytes in one Write without copying
		// them; the sink takes len(b) of them at most and WriteTo advances
		// by exactly what it took.
		_, _ = s.WriteTo(k)
		got, finite = k.got, k.finite
		*k = finiteSink{} // keep no reference to the caller's buffer
	case *bytes.Buffer:
		p := s.Next(len(b))
		got = len(p)
		finite = copyFiniteRows(dst, b, p, rowBytes)
	default:
		return 0, false, false, nil
	}
	switch {
	case got == 0:
		err = io.EOF
	case got < len(b):
		err = io.ErrUnexpectedEOF
	}
	return got, finite, true, err
}

// errSinkFull ends a WriteTo into a finiteSink once dst is full.
var errSinkFull = errors.New("raw: row buffer full")

// finiteSink is the io.Writer that *bytes.Reader.WriteTo writes into.
type finiteSink struct {
	dst      []float64
	b        []byte // dst's bytes
	rowBytes int
	got      int
	finite   bool
}

func (k *finiteSink) Write(p []byte) (int, error) {
	n := min(len(p), len(k.b)-k.got)
	if k.got != 0 { // WriteTo of *bytes.Reader writes once; be correct anyway
		copy(k.b[k.got:], p[:n])
		k.got += n
		k.finite = false // the caller checks the rows itself
	} else {
		k.finite = copyFiniteRows(k.dst, k.b, p[:n], k.rowBytes)
		k.got = n
	}
	if n < len(p) {
		return n, errSinkFull
	}
	return n, nil
}

// copyFiniteRows copies p into the start of dst (whose bytes are b): the
// whole rows through kernel.CopyFinite, a partial last row as bytes. It
// reports whether every value of the whole rows is finite.
func copyFiniteRows(dst []float64, b, p []byte, rowBytes int) bool {
	full := len(p) - len(p)%rowBytes
	bad := kernel.CopyFinite(dst[:full/8], p[:full])
	copy(b[full:], p[full:])
	return bad < 0
}
