package delim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unsafe"

	"github.com/linstream/linstream/stream"
)

const initialBuf = 64 << 10

// Reader streams the rows of a CSV or TSV text as float64 rows. It
// implements stream.Reader, and stream.Rewinder when the underlying reader
// is an io.Seeker (Rewind returns an error otherwise).
//
// Every data line is one row. Blank lines and comment lines are skipped; a
// final line without a newline is a complete row. Fields may be surrounded
// by spaces and by double quotes ("1.5"); a quoted field may not span
// lines. Numbers are anything strconv.ParseFloat accepts. Bad data is
// reported as a *stream.DataError giving the line, row, 1-based field
// number and byte offset, wrapping stream.ErrFormat (non-numeric field,
// wrong field count), stream.ErrNonFinite or stream.ErrTooLarge.
//
// The Reader does not allocate per row: it parses in place in one buffer
// (64 KiB, grown to the longest line).
type Reader struct {
	src  io.Reader
	cfg  config
	buf  []byte
	pos  int   // start of unconsumed data in buf
	next int   // position after the line returned by peekLine
	end  int   // end of valid data in buf
	base int64 // input offset of buf[0]
	eof  bool
	err  error // sticky

	line    int64 // lines consumed so far (1-based number of the last line)
	row     int64 // data rows delivered so far
	nfields int   // fields per line
	cols    int
	dest    []int32 // output column of each field, or -1 to skip it
	header  []string
}

var _ stream.Rewinder = (*Reader)(nil)

// NewReader returns a Reader over r. It reads the header (if any) and looks
// at the first data line to learn the number of fields, so it returns an
// error for an empty input (stream.ErrEmpty: no data line), a bad header, or
// column options that do not fit the line. Options are described with
// their constructors; the default is comma-separated, '#' comments and an
// automatic header.
func NewReader(r io.Reader, opts ...Option) (*Reader, error) {
	cfg := defaultConfig()
	if err := cfg.apply(opts); err != nil {
		return nil, err
	}
	if cfg.writerOpt != "" {
		return nil, fmt.Errorf("delim: %s is a Writer option: %w", cfg.writerOpt, stream.ErrInvalidOption)
	}
	rd := &Reader{src: r, cfg: cfg, buf: make([]byte, initialBuf)}
	if err := rd.start(); err != nil {
		return nil, err
	}
	if err := rd.resolveColumns(); err != nil {
		return nil, err
	}
	return rd, nil
}

// Cols returns the number of columns of each row (the selected fields).
func (r *Reader) Cols() int { return r.cols }

// Fields returns the number of fields on each line of the input.
func (r *Reader) Fields() int { return r.nfields }

// Header returns the fields of the last header line (unquoted), or nil if
// there was no header. The slice is the Reader's; do not modify it.
func (r *Reader) Header() []string { return r.header }

// start skips the header and finds the first data line without consuming
// it, setting nfields.
func (r *Reader) start() error {
	// A UTF-8 byte order mark is not data.
	if err := r.fill(3); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if r.end-r.pos >= 3 && r.buf[r.pos] == 0xEF && r.buf[r.pos+1] == 0xBB && r.buf[r.pos+2] == 0xBF {
		r.pos += 3
	}
	skip := r.cfg.header
	for {
		line, off, err := r.peekLine()
		if err != nil {
			if errors.Is(err, io.EOF) {
				if r.header != nil {
					return r.errAt(0, off, 0, "no data rows after the header", stream.ErrEmpty)
				}
				return r.errAt(0, off, 0, "no data rows", stream.ErrEmpty)
			}
			return err
		}
		if r.blankOrComment(line) {
			r.consumeLine()
			continue
		}
		if skip > 0 || (skip == headerAuto && r.isHeader(line)) {
			h, herr := r.splitFields(line, off)
			if herr != nil {
				return herr
			}
			r.header = h
			r.consumeLine()
			if skip > 0 {
				skip--
			} else {
				skip = 0
			}
			continue
		}
		n, ferr := r.countFields(line, off)
		if ferr != nil {
			return ferr
		}
		r.nfields = n
		return nil
	}
}

// isHeader reports whether line has a non-empty field and no field of it
// parses as a number.
func (r *Reader) isHeader(line []byte) bool {
	i := 0
	named := false
	for {
		s, e, next, ok := fieldBounds(line, i, r.cfg.sep)
		if !ok {
			return false // a malformed quote: let the data path report it
		}
		f := trimSpace(line[s:e], r.cfg.sep)
		if len(f) > 0 {
			if _, err := ParseFloat(f); err == nil || isRange(err) {
				return false
			}
			named = true
		}
		if next < 0 {
			return named
		}
		i = next
	}
}

func (r *Reader) resolveColumns() error {
	nf := r.nfields
	r.dest = make([]int32, nf)
	for i := range r.dest {
		r.dest[i] = -1
	}
	norm := func(i int) (int, error) {
		j := i
		if j < 0 {
			j += nf
		}
		if j < 0 || j >= nf {
			return 0, &stream.DataError{File: r.cfg.file, Line: r.line + 1, Offset: -1,
				Msg: fmt.Sprintf("column index %d is out of range for lines of %d fields", i, nf), Err: stream.ErrShape}
		}
		return j, nil
	}
	switch {
	case r.cfg.columns != nil:
		for k, i := range r.cfg.columns {
			j, err := norm(i)
			if err != nil {
				return err
			}
			if r.dest[j] >= 0 {
				return fmt.Errorf("delim: Columns selects field %d twice: %w", j, stream.ErrInvalidOption)
			}
			r.dest[j] = int32(k)
		}
		r.cols = len(r.cfg.columns)
	default:
		for _, i := range r.cfg.drop {
			j, err := norm(i)
			if err != nil {
				return err
			}
			r.dest[j] = -2
		}
		for j := range r.dest {
			if r.dest[j] == -2 {
				r.dest[j] = -1
				continue
			}
			r.dest[j] = int32(r.cols)
			r.cols++
		}
		if r.cols == 0 {
			return &stream.DataError{File: r.cfg.file, Line: r.line + 1, Offset: -1,
				Msg: fmt.Sprintf("DropColumns drops all %d fields", nf), Err: stream.ErrShape}
		}
	}
	return nil
}

// Rewind starts over from the first row when the underlying reader is an
// io.Seeker (it seeks to offset 0 and skips the header again); otherwise it
// returns an error wrapping stream.ErrUnsupported.
func (r *Reader) Rewind() error {
	sk, ok := r.src.(io.Seeker)
	if !ok {
		return fmt.Errorf("delim: rewind: input is not seekable: %w", stream.ErrUnsupported)
	}
	if _, err := sk.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("delim: rewind: %w", err)
	}
	nf := r.nfields
	r.pos, r.end, r.base, r.eof, r.err, r.line, r.row, r.header = 0, 0, 0, false, nil, 0, 0, nil
	if err := r.start(); err != nil {
		r.err = err
		return err
	}
	if r.nfields != nf {
		r.err = r.errAt(0, r.base+int64(r.pos), 0,
			fmt.Sprintf("after rewind the first line has %d fields, expected %d", r.nfields, nf), stream.ErrShape)
		return r.err
	}
	return nil
}

// ReadRows parses up to len(dst)/Cols rows into dst. It returns io.EOF at
// the end of the input, and a *stream.DataError (sticky) for bad data,
// after the rows before it. It panics if len(dst) is not a multiple of
// Cols. It does not allocate except when it returns an error.
func (r *Reader) ReadRows(dst []float64) (int, error) {
	d := r.cols
	if len(dst)%d != 0 {
		panic(fmt.Sprintf("delim: buffer length %d is not a multiple of %d columns", len(dst), d))
	}
	if r.err != nil {
		return 0, r.err
	}
	n := 0
	for n*d < len(dst) {
		line, off, err := r.peekLine()
		if err != nil {
			r.err = err
			if n > 0 && errors.Is(err, io.EOF) {
				return n, nil
			}
			return n, err
		}
		r.consumeLine()
		if r.blankOrComment(line) {
			continue
		}
		if err := r.parseLine(line, off, dst[n*d:(n+1)*d]); err != nil {
			r.err = err
			return n, err
		}
		r.row++
		n++
	}
	return n, nil
}

// blankOrComment reports whether line has only spaces, tabs and CR, or
// starts (after spaces) with the comment byte.
func (r *Reader) blankOrComment(line []byte) bool {
	for _, c := range line {
		switch c {
		case ' ', '\t', '\r':
			continue
		}
		return r.cfg.comment != 0 && c == r.cfg.comment
	}
	return true
}

// peekLine returns the next line (without its '\n'), its input offset, and
// io.EOF when there are no more lines. The line stays in the buffer until
// consumeLine; it aliases the buffer and is valid until the next peekLine.
func (r *Reader) peekLine() ([]byte, int64, error) {
	scanFrom := r.pos
	for {
		if i := bytes.IndexByte(r.buf[scanFrom:r.end], '\n'); i >= 0 {
			j := scanFrom + i
			if j-r.pos > r.cfg.maxLine {
				return nil, r.base + int64(r.pos), r.errAt(0, r.base+int64(r.pos), 0,
					fmt.Sprintf("line longer than %d bytes", r.cfg.maxLine), stream.ErrTooLarge)
			}
			r.next = j + 1
			if j > r.pos && r.buf[j-1] == '\r' {
				j--
			}
			return r.buf[r.pos:j:j], r.base + int64(r.pos), nil
		}
		scanFrom = r.end
		if r.eof {
			off := r.base + int64(r.pos)
			if r.pos == r.end {
				return nil, off, io.EOF
			}
			r.next = r.end
			return r.buf[r.pos:r.end:r.end], off, nil
		}
		if r.end-r.pos >= r.cfg.maxLine {
			return nil, r.base + int64(r.pos), r.errAt(0, r.base+int64(r.pos), 0,
				fmt.Sprintf("line longer than %d bytes", r.cfg.maxLine), stream.ErrTooLarge)
		}
		scanned := scanFrom - r.pos
		if err := r.more(); err != nil {
			return nil, r.base + int64(r.pos), err
		}
		scanFrom = r.pos + scanned
	}
}

// consumeLine advances past the line returned by the last peekLine and its
// line break.
func (r *Reader) consumeLine() {
	r.pos = r.next
	r.line++
}

// fill reads until at least n unconsumed bytes are buffered or EOF.
func (r *Reader) fill(n int) error {
	for r.end-r.pos < n && !r.eof {
		if err := r.more(); err != nil {
			return err
		}
	}
	if r.end-r.pos < n {
		return io.EOF
	}
	return nil
}

// more reads at least one byte into the buffer (or sets eof), compacting
// and growing it as needed.
func (r *Reader) more() error {
	if r.pos > 0 {
		copy(r.buf, r.buf[r.pos:r.end])
		r.base += int64(r.pos)
		r.end -= r.pos
		r.pos = 0
	}
	if r.end == len(r.buf) {
		nl := min(2*len(r.buf), r.cfg.maxLine+1)
		if nl <= len(r.buf) {
			nl = len(r.buf) + 1
		}
		nb := make([]byte, nl)
		copy(nb, r.buf[:r.end])
		r.buf = nb
	}
	for tries := 0; tries < 100; tries++ {
		m, err := r.src.Read(r.buf[r.end:])
		if m < 0 || m > len(r.buf)-r.end {
			return fmt.Errorf("delim: underlying reader returned invalid count %d", m)
		}
		r.end += m
		if err != nil {
			if err == io.EOF {
				r.eof = true
				return nil
			}
			return &stream.DataError{File: r.cfg.file, Line: r.line + 1, Offset: r.base + int64(r.end),
				Msg: "read error", Err: err}
		}
		if m > 0 {
			return nil
		}
	}
	return fmt.Errorf("delim: %w", io.ErrNoProgress)
}

// fieldBounds finds the field starting at i: its content line[s:e] (quotes
// removed when the field is quoted; doubled quotes inside stay doubled) and
// the start of the next field, or next = -1 at the end of the line. ok is
// false for an unterminated quote or text after a closing quote.
func fieldBounds(line []byte, i int, sep byte) (s, e, next int, ok bool) {
	j := i
	for j < len(line) && (line[j] == ' ' || (line[j] == '\t' && sep != '\t')) {
		j++
	}
	if j < len(line) && line[j] == '"' {
		k := j + 1
		for {
			q := bytes.IndexByte(line[k:], '"')
			if q < 0 {
				return j, len(line), -1, false
			}
			k += q
			if k+1 < len(line) && line[k+1] == '"' {
				k += 2
				continue
			}
			break
		}
		s, e = j+1, k
		k++
		for k < len(line) && (line[k] == ' ' || line[k] == '\r' || (line[k] == '\t' && sep != '\t')) {
			k++
		}
		if k == len(line) {
			return s, e, -1, true
		}
		if line[k] != sep {
			return s, e, -1, false
		}
		return s, e, k + 1, true
	}
	q := bytes.IndexByte(line[i:], sep)
	if q < 0 {
		return i, len(line), -1, true
	}
	return i, i + q, i + q + 1, true
}

func trimSpace(f []byte, sep byte) []byte {
	for len(f) > 0 && (f[0] == ' ' || (f[0] == '\t' && sep != '\t')) {
		f = f[1:]
	}
	for len(f) > 0 {
		c := f[len(f)-1]
		if c == ' ' || c == '\r' || (c == '\t' && sep != '\t') {
			f = f[:len(f)-1]
			continue
		}
		break
	}
	return f
}

// countFields counts the fields of line, checking quotes.
func (r *Reader) countFields(line []byte, off int64) (int, error) {
	n, i := 0, 0
	for {
		_, _, next, ok := fieldBounds(line, i, r.cfg.sep)
		n++
		if !ok {
			return n, r.errAt(0, off+int64(i), n, "malformed quoted field (unterminated, or text after the closing quote)", stream.ErrFormat)
		}
		if next < 0 {
			return n, nil
		}
		i = next
	}
}

func (r *Reader) splitFields(line []byte, off int64) ([]string, error) {
	var out []string
	i := 0
	for {
		s, e, next, ok := fieldBounds(line, i, r.cfg.sep)
		if !ok {
			return nil, r.errAt(0, off+int64(i), len(out)+1, "malformed quoted field in header (unterminated, or text after the closing quote)", stream.ErrFormat)
		}
		f := line[s:e]
		if s == i { // unquoted: surrounding spaces are not part of the name
			f = trimSpace(f, r.cfg.sep)
		}
		out = append(out, string(bytes.ReplaceAll(f, []byte(`""`), []byte(`"`))))
		if next < 0 {
			return out, nil
		}
		i = next
	}
}

// parseLine parses the fields of one data line into out (len Cols).
func (r *Reader) parseLine(line []byte, off int64, out []float64) error {
	sep := r.cfg.sep
	dest := r.dest
	nf := len(dest)
	i, f := 0, 0
	for {
		if f == nf {
			n, _ := r.countFields(line, off)
			return r.errAt(r.row+1, off+int64(i), f+1,
				fmt.Sprintf("line has %d fields, expected %d", n, nf), stream.ErrFormat)
		}
		d := dest[f]
		f++
		if d < 0 {
			_, _, next, ok := fieldBounds(line, i, sep)
			if !ok {
				return r.errAt(r.row+1, off+int64(i), f, "malformed quoted field (unterminated, or text after the closing quote)", stream.ErrFormat)
			}
			if next < 0 {
				break
			}
			i = next
			continue
		}
		// Small unsigned integers (pixels, counts, labels) are common
		// enough to deserve an inline loop: up to 15 digits are exact.
		j := i
		var m uint64
		for j < len(line) {
			c := line[j] - '0'
			if c > 9 {
				break
			}
			m = m*10 + uint64(c)
			j++
		}
		if j > i && j-i <= 15 && (j == len(line) || line[j] == sep) {
			out[d] = float64(m)
			if j == len(line) {
				break
			}
			i = j + 1
			continue
		}
		v, next, ok := fastParse(line, i, sep)
		if !ok {
			var err error
			v, next, err = r.slowParse(line, i, off, f)
			if err != nil {
				return err
			}
		}
		out[d] = v
		if next < 0 {
			break
		}
		i = next
	}
	if f != nf {
		return r.errAt(r.row+1, off+int64(len(line)), f,
			fmt.Sprintf("line has %d fields, expected %d", f, nf), stream.ErrFormat)
	}
	return nil
}

// fastParse parses the number at line[i:] when it is a plain decimal that
// scanFloat handles exactly and ends at the separator or the end of the
// line, and returns the start of the next field (-1 at the end of the
// line). Anything else (spaces, quotes, hex, Inf/NaN, long mantissas,
// errors) returns ok=false for the general path.
func fastParse(line []byte, i int, sep byte) (v float64, next int, ok bool) {
	v, j, ok := scanFloat(line, i)
	if !ok {
		return 0, 0, false
	}
	if j == len(line) {
		return v, -1, true
	}
	if line[j] != sep {
		return 0, 0, false
	}
	return v, j + 1, true
}

// slowParse handles any field fastParse declined: spaces, quotes,
// exponents, long mantissas, NaN/Inf, and errors. f is the 1-based field
// number.
func (r *Reader) slowParse(line []byte, i int, off int64, f int) (float64, int, error) {
	s, e, next, ok := fieldBounds(line, i, r.cfg.sep)
	if !ok {
		return 0, 0, r.errAt(r.row+1, off+int64(i), f, "malformed quoted field (unterminated, or text after the closing quote)", stream.ErrFormat)
	}
	fld := trimSpace(line[s:e], r.cfg.sep)
	if len(fld) == 0 {
		return 0, 0, r.errAt(r.row+1, off+int64(i), f, "empty field, expected a number", stream.ErrFormat)
	}
	v, err := strconv.ParseFloat(unsafeString(fld), 64)
	if err != nil && !isRange(err) {
		return 0, 0, r.errAt(r.row+1, off+int64(i), f,
			fmt.Sprintf("non-numeric field %s, expected a number", quoteTrunc(fld)), stream.ErrFormat)
	}
	if !r.cfg.allowNF && (math.IsNaN(v) || math.IsInf(v, 0)) {
		msg := fmt.Sprintf("non-finite value %s, expected a finite number", quoteTrunc(fld))
		if err != nil {
			msg = fmt.Sprintf("value %s overflows float64, expected a finite number", quoteTrunc(fld))
		}
		return 0, 0, r.errAt(r.row+1, off+int64(i), f, msg, stream.ErrNonFinite)
	}
	return v, next, nil
}

func isRange(err error) bool {
	var ne *strconv.NumError
	return errors.As(err, &ne) && ne.Err == strconv.ErrRange
}

// unsafeString views b as a string without copying. The string must not
// outlive the bytes' next modification; strconv.ParseFloat does not retain
// it (its error value copies it).
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func quoteTrunc(b []byte) string {
	const max = 32
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "…"
	}
	return strconv.Quote(string(b))
}

// errAt builds a *stream.DataError at the current line (r.line+1 is the
// line being parsed if it has not been consumed yet; parseLine runs after
// consumeLine, so it passes row != 0 and the line is r.line).
func (r *Reader) errAt(row int64, off int64, col int, msg string, sentinel error) error {
	line := r.line + 1
	if row > 0 {
		line = r.line
	}
	return &stream.DataError{File: r.cfg.file, Row: row, Line: line, Column: col, Offset: off, Msg: msg, Err: sentinel}
}
