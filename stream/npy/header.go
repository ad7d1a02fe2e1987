package npy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/raw"
)

// Magic is the 6-byte signature every .npy file starts with.
const Magic = "\x93NUMPY"

// MaxHeaderLen caps the header length a Reader accepts (1 MiB); a header
// declaring more fails with stream.ErrTooLarge before anything is read.
const MaxHeaderLen = 1 << 20

// maxElems caps the element count a header may declare (2⁶⁰ bytes).
const maxBytes = 1 << 60

// Header is the parsed header of a .npy file.
type Header struct {
	Major, Minor int       // format version (1, 2 or 3; minor 0)
	Descr        string    // the dtype string as written, e.g. "<f8"
	Dtype        raw.Dtype // the element type Descr names
	Fortran      bool      // fortran_order: column-major data
	Shape        []int64   // the array shape; 1-D arrays read as one column
	DataOffset   int64     // byte offset of the first element
}

// Rows returns the number of matrix rows: Shape[0].
func (h *Header) Rows() int64 { return h.Shape[0] }

// Cols returns the number of matrix columns: Shape[1], or 1 for a 1-D array.
func (h *Header) Cols() int {
	if len(h.Shape) == 1 {
		return 1
	}
	return int(h.Shape[1])
}

// descrs maps the type part of a descr (after the byte-order character) to
// its element type.
var descrs = map[string]raw.Dtype{
	"f8": raw.Float64, "f4": raw.Float32, "f2": raw.Float16,
	"u1": raw.Uint8, "i1": raw.Int8, "b1": raw.Bool, "?": raw.Bool,
	"u2": raw.Uint16, "i2": raw.Int16, "u4": raw.Uint32, "i4": raw.Int32,
	"u8": raw.Uint64, "i8": raw.Int64,
}

// parseDescr turns "<f8", ">f4", "|u1" into a raw.Dtype.
func parseDescr(s string) (raw.Dtype, bool) {
	if s == "" {
		return 0, false
	}
	order, typ := s[0], s[1:]
	switch order {
	case '<', '>', '|', '=':
	default:
		order, typ = '=', s
	}
	d, ok := descrs[typ]
	if !ok {
		return 0, false
	}
	if order == '>' && d.Size() > 1 {
		d |= raw.BigEndian
	}
	return d, true
}

func headerError(name string, off int64, sentinel error, format string, args ...any) *stream.DataError {
	return &stream.DataError{File: name, Offset: off, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

// truncated is what a header cut short wraps: malformed, and unexpected EOF.
var truncated = fmt.Errorf("%w: %w", stream.ErrFormat, io.ErrUnexpectedEOF)

// ReadHeader reads and parses a .npy header from r, consuming exactly the
// header bytes, so r is left at the first data byte. name is used in
// errors. Errors are *stream.DataError values wrapping stream.ErrEmpty (no
// bytes at all), stream.ErrFormat (bad magic or dict; io.ErrUnexpectedEOF
// too when the header is cut short), stream.ErrUnsupported (dtype,
// dimensionality), stream.ErrTooLarge (header or shape beyond the caps) or
// stream.ErrShape (zero columns).
func ReadHeader(r io.Reader, name string) (*Header, error) {
	var pre [12]byte
	n, err := io.ReadFull(r, pre[:10])
	if n == 0 && err == io.EOF {
		return nil, headerError(name, 0, stream.ErrEmpty, "empty input; expected a .npy file")
	}
	if n >= len(Magic) || err == nil {
		if string(pre[:len(Magic)]) != Magic {
			return nil, headerError(name, 0, stream.ErrFormat, "not a .npy file: expected the magic \\x93NUMPY, found %q", pre[:len(Magic)])
		}
	} else if !strings.HasPrefix(Magic, string(pre[:n])) {
		return nil, headerError(name, 0, stream.ErrFormat, "not a .npy file: expected the magic \\x93NUMPY, found %q", pre[:n])
	}
	if err != nil {
		return nil, ioHeaderError(name, int64(n), err, "header ends after %d bytes; expected the magic, version and header length", n)
	}
	h := &Header{Major: int(pre[6]), Minor: int(pre[7])}
	var hlen int64
	switch h.Major {
	case 1:
		hlen = int64(binary.LittleEndian.Uint16(pre[8:10]))
		h.DataOffset = 10
	case 2, 3:
		if n, err := io.ReadFull(r, pre[10:12]); err != nil {
			return nil, ioHeaderError(name, 10+int64(n), err, "header ends inside its length field")
		}
		hlen = int64(binary.LittleEndian.Uint32(pre[8:12]))
		h.DataOffset = 12
	default:
		return nil, headerError(name, 6, stream.ErrUnsupported, "format version %d.%d; expected 1.0, 2.0 or 3.0", h.Major, h.Minor)
	}
	if hlen > MaxHeaderLen {
		return nil, headerError(name, 8, stream.ErrTooLarge, "header length %d exceeds the limit of %d bytes", hlen, MaxHeaderLen)
	}
	// Read the header in growing steps so a header that claims more than it
	// holds does not allocate the claim.
	var buf bytes.Buffer
	got, err := io.CopyN(&buf, r, hlen)
	if err != nil {
		return nil, ioHeaderError(name, h.DataOffset+got, err, "header ends after %d of its %d declared bytes", got, hlen)
	}
	start := h.DataOffset
	h.DataOffset += hlen
	if err := parseDict(h, buf.Bytes(), name, start); err != nil {
		return nil, err
	}
	return h, nil
}

func ioHeaderError(name string, off int64, err error, format string, args ...any) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return headerError(name, off, truncated, format, args...)
	}
	return fmt.Errorf("npy: reading the header of %s: %w", displayName(name), err)
}

func displayName(name string) string {
	if name == "" {
		return "<stream>"
	}
	return name
}

// dictParser parses the Python literal dict of a .npy header.
type dictParser struct {
	s    []byte
	i    int
	name string
	base int64
}

func (p *dictParser) errorf(format string, args ...any) error {
	return headerError(p.name, p.base+int64(p.i), stream.ErrFormat, "header: "+format, args...)
}

func (p *dictParser) ws() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *dictParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *dictParser) expect(c byte) error {
	p.ws()
	if p.peek() != c {
		if p.i >= len(p.s) {
			return p.errorf("ends early; expected %q", c)
		}
		return p.errorf("found %q; expected %q", p.s[p.i], c)
	}
	p.i++
	return nil
}

func (p *dictParser) str() (string, error) {
	p.ws()
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", p.errorf("expected a quoted string")
	}
	end := bytes.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", p.errorf("unterminated string")
	}
	s := string(p.s[p.i+1 : p.i+1+end])
	p.i += end + 2
	return s, nil
}

func (p *dictParser) word() string {
	p.ws()
	j := p.i
	for p.i < len(p.s) && (p.s[p.i] >= 'A' && p.s[p.i] <= 'Z' || p.s[p.i] >= 'a' && p.s[p.i] <= 'z') {
		p.i++
	}
	return string(p.s[j:p.i])
}

func (p *dictParser) tuple() ([]int64, error) {
	if err := p.expect('('); err != nil {
		return nil, err
	}
	var dims []int64
	for {
		p.ws()
		if p.peek() == ')' {
			p.i++
			return dims, nil
		}
		j := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		if j == p.i {
			return nil, p.errorf("expected a non-negative integer in the shape")
		}
		v, err := strconv.ParseInt(string(p.s[j:p.i]), 10, 64)
		if err != nil {
			return nil, headerError(p.name, p.base+int64(j), stream.ErrTooLarge, "header: shape dimension %s is too large", p.s[j:p.i])
		}
		if p.peek() == 'L' { // Python 2 long
			p.i++
		}
		dims = append(dims, v)
		if len(dims) > 32 {
			return nil, p.errorf("shape has more than 32 dimensions")
		}
		p.ws()
		switch p.peek() {
		case ',':
			p.i++
		case ')':
		default:
			return nil, p.errorf("expected ',' or ')' in the shape")
		}
	}
}

func parseDict(h *Header, s []byte, name string, base int64) error {
	p := &dictParser{s: s, name: name, base: base}
	if err := p.expect('{'); err != nil {
		return err
	}
	var haveDescr, haveOrder, haveShape bool
	for {
		p.ws()
		if p.peek() == '}' {
			p.i++
			break
		}
		key, err := p.str()
		if err != nil {
			return err
		}
		if err := p.expect(':'); err != nil {
			return err
		}
		p.ws()
		switch key {
		case "descr":
			if p.peek() == '[' {
				return headerError(name, base+int64(p.i), stream.ErrUnsupported, "structured dtype; expected a plain numeric dtype such as '<f8'")
			}
			if h.Descr, err = p.str(); err != nil {
				return err
			}
			haveDescr = true
		case "fortran_order":
			switch w := p.word(); w {
			case "True":
				h.Fortran = true
			case "False":
			default:
				return p.errorf("fortran_order is %q; expected True or False", w)
			}
			haveOrder = true
		case "shape":
			if h.Shape, err = p.tuple(); err != nil {
				return err
			}
			haveShape = true
		default:
			return p.errorf("unexpected key %q; expected descr, fortran_order and shape", key)
		}
		p.ws()
		if p.peek() == ',' {
			p.i++
		} else if p.peek() != '}' {
			return p.errorf("expected ',' or '}'")
		}
	}
	switch {
	case !haveDescr:
		return headerError(name, base, stream.ErrFormat, "header has no 'descr'")
	case !haveOrder:
		return headerError(name, base, stream.ErrFormat, "header has no 'fortran_order'")
	case !haveShape:
		return headerError(name, base, stream.ErrFormat, "header has no 'shape'")
	}
	d, ok := parseDescr(h.Descr)
	if !ok {
		return headerError(name, base, stream.ErrUnsupported,
			"dtype %q is not supported; expected a float (<f8 <f4 <f2 >f8 >f4 …), integer or bool dtype", h.Descr)
	}
	h.Dtype = d
	switch len(h.Shape) {
	case 1, 2:
	default:
		return headerError(name, base, stream.ErrUnsupported, "%d-dimensional array; expected 1-D (one column) or 2-D", len(h.Shape))
	}
	elems := int64(1)
	for _, v := range h.Shape {
		if v != 0 && elems > maxBytes/int64(d.Size())/v {
			return headerError(name, base, stream.ErrTooLarge, "shape %v is too large to be real", h.Shape)
		}
		elems *= v
	}
	if h.Cols() == 0 {
		return headerError(name, base, stream.ErrShape, "shape %v has no columns; expected at least one", h.Shape)
	}
	if h.Cols() > raw.MaxCols {
		return headerError(name, base, stream.ErrTooLarge, "shape %v has more than %d columns", h.Shape, raw.MaxCols)
	}
	return nil
}
