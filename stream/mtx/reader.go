package mtx

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"unsafe"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/delim"
)

// Header is the banner and size line of a Matrix Market file.
type Header struct {
	Format   string // "array" or "coordinate"
	Field    string // "real", "integer" or "pattern" ("double" reads as "real")
	Symmetry string // "general", "symmetric" or "skew-symmetric"
	Rows     int64
	Cols     int64
	Entries  int64 // entries stored in the file (for array: values listed)
}

// entry is one stored coordinate entry (0-based).
type entry struct {
	row  int64
	col  int64
	v    float64
	line int64 // where it was read, for error messages
}

const entrySize = int64(unsafe.Sizeof(entry{}))

// maxLine is the longest line accepted (the format limits lines to 1024
// characters; we allow more).
const maxLine = 64 << 10

// Reader streams the rows of a Matrix Market matrix. It implements
// stream.Reader, stream.Lener and stream.Rewinder (Rewind works when the
// matrix is held in memory or the input is an io.Seeker).
//
// How rows are produced depends on the file:
//
//   - array files list values column by column, so the whole matrix is read
//     first; it must fit the MemoryBudget (8·rows·cols bytes).
//   - coordinate files are read ahead into memory (32 bytes per entry,
//     twice that for symmetric files, which are expanded). If the file ends
//     within the MemoryBudget, the entries are sorted by row and emitted,
//     whatever their order. A general file whose first Lookahead entries
//     (2²⁰ by default, or as many as the budget holds if fewer) are sorted
//     by row and span at least two columns is taken to be row-sorted: from
//     there on the Reader streams row by row in O(cols) memory, and an
//     entry out of row order later is an error wrapping
//     stream.ErrUnsupported (rows were already emitted). The two-column
//     rule keeps a column-major file whose first column is long from
//     passing for row-sorted. Symmetric and skew-symmetric files, and
//     unsorted ones, must fit the budget (stream.ErrTooLarge).
//
// Symmetric files may store either triangle; each off-diagonal entry (i,j)
// also sets (j,i) (negated for skew-symmetric, whose diagonal must be
// empty). Missing positions are zero. Two entries for one position (in a
// symmetric file also (i,j) and (j,i)) are an error unless SumDuplicates.
type Reader struct {
	cfg  config
	src  io.Reader
	br   *bufio.Reader
	off  int64 // input offset of the next unread byte
	line int64 // lines read so far
	hdr  Header
	cols int
	err  error

	// array mode
	dense    []float64 // column-major (general) or row-major (expanded symmetric)
	colMajor bool

	// coordinate mode
	ents     []entry // accumulated, sorted by row
	ei       int     // next entry to emit from ents
	read     int64   // entries read from the file so far
	lastRow  int64   // row of the last entry read (streaming: sortedness)
	stream   bool    // entries beyond ents come from the file
	peek     entry
	havePeek bool
	seen     []int64 // per column: 1 + last row that set it
	seenLine []int64 // per column: line of the entry that set it

	next int64 // next row to emit (0-based)
}

var (
	_ stream.Rewinder = (*Reader)(nil)
	_ stream.Lener    = (*Reader)(nil)
)

// NewReader reads the banner and size line of a Matrix Market file from r,
// and, for files that cannot stream, the data. Options: MemoryBudget,
// AllowNonFinite, SumDuplicates, FileName.
func NewReader(r io.Reader, opts ...Option) (*Reader, error) {
	cfg := defaultConfig()
	if err := cfg.apply(opts); err != nil {
		return nil, err
	}
	if cfg.writerOpt != "" {
		return nil, fmt.Errorf("mtx: %s is a Writer option: %w", cfg.writerOpt, stream.ErrInvalidOption)
	}
	rd := &Reader{cfg: cfg, src: r}
	if err := rd.init(); err != nil {
		return nil, err
	}
	return rd, nil
}

// Header returns the file's banner and size line.
func (r *Reader) Header() Header { return r.hdr }

// Cols returns the number of columns.
func (r *Reader) Cols() int { return r.cols }

// Rows returns the number of rows declared by the file.
func (r *Reader) Rows() int64 { return r.hdr.Rows }

func (r *Reader) init() error {
	r.br = bufio.NewReaderSize(r.src, maxLine)
	r.off, r.line = 0, 0
	if err := r.readHeader(); err != nil {
		return err
	}
	if r.hdr.Format == "array" {
		return r.readArray()
	}
	return r.readCoordinate()
}

// nextLine returns the next line without its line break; io.EOF at the end.
func (r *Reader) nextLine() ([]byte, int64, error) {
	start := r.off
	b, err := r.br.ReadSlice('\n')
	r.off += int64(len(b))
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, start, r.errAt(r.line+1, start, 0, fmt.Sprintf("line longer than %d bytes", maxLine), stream.ErrFormat)
		}
		if err != io.EOF {
			return nil, start, &stream.DataError{File: r.cfg.file, Line: r.line + 1, Offset: r.off, Msg: "read error", Err: err}
		}
		if len(b) == 0 {
			return nil, start, io.EOF
		}
	}
	r.line++
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b, start, nil
}

// dataLine returns the next line that is not blank and not a '%' comment.
func (r *Reader) dataLine() ([]byte, int64, error) {
	for {
		b, off, err := r.nextLine()
		if err != nil {
			return nil, off, err
		}
		k := 0
		for k < len(b) && (b[k] == ' ' || b[k] == '\t') {
			k++
		}
		if k == len(b) || b[k] == '%' {
			continue
		}
		return b, off, nil
	}
}

func (r *Reader) errAt(line, off int64, col int, msg string, sentinel error) error {
	return &stream.DataError{File: r.cfg.file, Line: line, Column: col, Offset: off, Msg: msg, Err: sentinel}
}

// fields splits line on spaces and tabs into at most len(dst) tokens and
// returns the count (len(dst)+1 if there are more) and the token offsets.
func fields(line []byte, dst [][]byte, offs []int) int {
	n := 0
	i := 0
	for {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i == len(line) {
			return n
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		if n == len(dst) {
			return n + 1
		}
		dst[n] = line[i:j]
		offs[n] = i
		n++
		i = j
	}
}

func (r *Reader) readHeader() error {
	b, off, err := r.nextLine()
	if err != nil {
		if err == io.EOF {
			return r.errAt(1, 0, 0, "empty input, expected a %%MatrixMarket banner", stream.ErrEmpty)
		}
		return err
	}
	var tok [6][]byte
	var offs [6]int
	n := fields(b, tok[:], offs[:])
	if n == 0 || !bytes.EqualFold(tok[0], []byte("%%MatrixMarket")) {
		return r.errAt(1, off, 0, fmt.Sprintf("found %s, expected a %%%%MatrixMarket banner", quoteTrunc(b)), stream.ErrFormat)
	}
	if n != 5 {
		return r.errAt(1, off, 0, fmt.Sprintf("banner %s has %d words, expected \"%%%%MatrixMarket matrix <format> <field> <symmetry>\"", quoteTrunc(b), n), stream.ErrFormat)
	}
	lower := func(k int) string { return string(bytes.ToLower(tok[k])) }
	obj, format, field, sym := lower(1), lower(2), lower(3), lower(4)
	bad := func(k int, what, want string, sentinel error) error {
		return r.errAt(1, off+int64(offs[k]), 0, fmt.Sprintf("%s %q, expected %s", what, tok[k], want), sentinel)
	}
	if obj != "matrix" {
		if obj == "vector" {
			return bad(1, "object", "matrix", stream.ErrUnsupported)
		}
		return bad(1, "object", "matrix", stream.ErrFormat)
	}
	switch format {
	case "array", "coordinate":
	default:
		return bad(2, "format", "array or coordinate", stream.ErrFormat)
	}
	switch field {
	case "real", "integer", "pattern":
	case "double":
		field = "real"
	case "complex":
		return bad(3, "field", "real, integer or pattern (complex matrices are not supported)", stream.ErrUnsupported)
	default:
		return bad(3, "field", "real, integer or pattern", stream.ErrFormat)
	}
	if field == "pattern" && format == "array" {
		return bad(3, "field", "real or integer for an array file", stream.ErrFormat)
	}
	switch sym {
	case "general", "symmetric", "skew-symmetric":
	case "hermitian":
		return bad(4, "symmetry", "general, symmetric or skew-symmetric (hermitian is for complex matrices)", stream.ErrUnsupported)
	default:
		return bad(4, "symmetry", "general, symmetric or skew-symmetric", stream.ErrFormat)
	}
	r.hdr = Header{Format: format, Field: field, Symmetry: sym}

	// Size line.
	b, off, err = r.dataLine()
	if err != nil {
		if err == io.EOF {
			return r.errAt(r.line+1, off, 0, "file ends before the size line", fmt.Errorf("%w: %w", stream.ErrFormat, io.ErrUnexpectedEOF))
		}
		return err
	}
	want := 2
	what := "rows cols"
	if format == "coordinate" {
		want, what = 3, "rows cols entries"
	}
	n = fields(b, tok[:4], offs[:4])
	if n != want {
		return r.errAt(r.line, off, 0, fmt.Sprintf("size line %s has %d numbers, expected %d (%s)", quoteTrunc(b), n, want, what), stream.ErrFormat)
	}
	var sz [3]int64
	for k := range want {
		v, perr := strconv.ParseInt(string(tok[k]), 10, 64)
		if perr != nil || v < 0 {
			return r.errAt(r.line, off+int64(offs[k]), 0, fmt.Sprintf("size %s is not a non-negative integer", quoteTrunc(tok[k])), stream.ErrFormat)
		}
		sz[k] = v
	}
	r.hdr.Rows, r.hdr.Cols = sz[0], sz[1]
	M, N := sz[0], sz[1]
	if M == 0 || N == 0 {
		return r.errAt(r.line, off, 0, fmt.Sprintf("the matrix is %d×%d", M, N), stream.ErrEmpty)
	}
	if sym != "general" && M != N {
		return r.errAt(r.line, off, 0, fmt.Sprintf("a %s matrix must be square, the file declares %d×%d", sym, M, N), stream.ErrShape)
	}
	// One row of N float64s is the least any mode holds.
	if N > r.cfg.budget/8 || N > math.MaxInt32 {
		return r.errAt(r.line, off+int64(offs[1]), 0, fmt.Sprintf("%d columns: one row needs %d bytes, over the memory budget of %d", N, 8*N, r.cfg.budget), stream.ErrTooLarge)
	}
	r.cols = int(N)
	// Most entries a file can hold without duplicates.
	var maxEntries int64
	switch sym {
	case "general":
		if M > math.MaxInt64/N {
			maxEntries = math.MaxInt64
		} else {
			maxEntries = M * N
		}
	case "symmetric":
		maxEntries = N * (N + 1) / 2
		if N > 1<<31 {
			maxEntries = math.MaxInt64
		}
	default:
		maxEntries = N * (N - 1) / 2
		if N > 1<<31 {
			maxEntries = math.MaxInt64
		}
	}
	if format == "coordinate" {
		r.hdr.Entries = sz[2]
		if sz[2] > maxEntries && !r.cfg.sumDup {
			return r.errAt(r.line, off+int64(offs[2]), 0, fmt.Sprintf("%d entries declared, but a %s %d×%d matrix has at most %d positions", sz[2], sym, M, N, maxEntries), stream.ErrShape)
		}
	} else {
		r.hdr.Entries = maxEntries
		if sym == "skew-symmetric" && N == 1 {
			r.hdr.Entries = 0
		}
	}
	return nil
}

// value parses one value token of the file's field.
func (r *Reader) value(tok []byte, line, off int64, col int) (float64, error) {
	v, err := delim.ParseFloat(tok)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		if err != nil && !isRange(err) {
			return 0, r.errAt(line, off, col, fmt.Sprintf("non-numeric value %s, expected a number", quoteTrunc(tok)), stream.ErrFormat)
		}
		if !r.cfg.allowNF && (math.IsNaN(v) || math.IsInf(v, 0)) {
			return 0, r.errAt(line, off, col, fmt.Sprintf("non-finite value %s, expected a finite number", quoteTrunc(tok)), stream.ErrNonFinite)
		}
	}
	if r.hdr.Field == "integer" && v != math.Trunc(v) && !math.IsNaN(v) && !math.IsInf(v, 0) {
		return 0, r.errAt(line, off, col, fmt.Sprintf("value %s in an integer file, expected an integer", quoteTrunc(tok)), stream.ErrFormat)
	}
	return v, nil
}

// readArray reads every value of an array file into memory.
func (r *Reader) readArray() error {
	M, N := r.hdr.Rows, r.hdr.Cols
	if M > r.cfg.budget/8/N {
		return r.errAt(r.line, -1, 0, fmt.Sprintf("an array file is column-major, so its %d×%d matrix (%d bytes) must fit in memory, over the budget of %d bytes; raise MemoryBudget or convert it to a row-major format", M, N, 8*M*N, r.cfg.budget), stream.ErrTooLarge)
	}
	want := r.hdr.Entries
	vals := make([]float64, 0, min(want, 1<<16))
	var tok [1][]byte
	var offs [1]int
	it := newArrayIter(M, r.hdr.Symmetry)
	for int64(len(vals)) < want {
		b, off, err := r.dataLine()
		if err != nil {
			if err == io.EOF {
				return r.errAt(r.line+1, off, 0, fmt.Sprintf("file ends after %d of %d values", len(vals), want), fmt.Errorf("%w: %w", stream.ErrShape, io.ErrUnexpectedEOF))
			}
			return err
		}
		rest := b
		base := 0
		for {
			n := fields(rest, tok[:], offs[:])
			if n == 0 {
				break
			}
			if int64(len(vals)) == want {
				return r.errAt(r.line, off+int64(base+offs[0]), 0, fmt.Sprintf("more than the %d values declared", want), stream.ErrShape)
			}
			row, col := it.i, it.j
			it.advance()
			v, err := r.value(tok[0], r.line, off+int64(base+offs[0]), int(col)+1)
			if err != nil {
				var de *stream.DataError
				if errors.As(err, &de) {
					de.Row = row + 1
				}
				return err
			}
			vals = append(vals, v)
			adv := offs[0] + len(tok[0])
			rest = rest[adv:]
			base += adv
		}
	}
	if err := r.noMoreData(fmt.Sprintf("more than the %d values declared", want)); err != nil {
		return err
	}
	if r.hdr.Symmetry == "general" {
		r.dense, r.colMajor = vals, true
		return nil
	}
	full := make([]float64, M*N)
	sign := 1.0
	if r.hdr.Symmetry == "skew-symmetric" {
		sign = -1
	}
	it = newArrayIter(M, r.hdr.Symmetry)
	for _, v := range vals {
		i, j := it.i, it.j
		it.advance()
		full[i*N+j] = v
		full[j*N+i] = sign * v
	}
	r.dense = full
	return nil
}

// arrayIter walks the (row, col) positions of an array file's values in
// order: column-major, the lower triangle for symmetric, strictly lower
// for skew-symmetric.
type arrayIter struct {
	i, j, m, off int64
}

func newArrayIter(M int64, sym string) arrayIter {
	it := arrayIter{m: M}
	switch sym {
	case "symmetric":
		it.off = 0
	case "skew-symmetric":
		it.off, it.i = 1, 1
	default:
		it.off = -1 // every row of every column
	}
	return it
}

func (it *arrayIter) advance() {
	it.i++
	if it.i == it.m {
		it.j++
		if it.off < 0 {
			it.i = 0
		} else {
			it.i = it.j + it.off
		}
	}
}

// noMoreData checks that only blank and comment lines remain.
func (r *Reader) noMoreData(msg string) error {
	b, off, err := r.dataLine()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return err
	}
	_ = b
	return r.errAt(r.line, off, 0, msg, stream.ErrShape)
}

// readEntry parses the next coordinate entry; io.EOF after the declared
// count (checking the rest of the file is empty).
func (r *Reader) readEntry() (entry, error) {
	if r.read == r.hdr.Entries {
		if err := r.noMoreData(fmt.Sprintf("more than the %d entries declared", r.hdr.Entries)); err != nil {
			return entry{}, err
		}
		return entry{}, io.EOF
	}
	b, off, err := r.dataLine()
	if err != nil {
		if err == io.EOF {
			return entry{}, r.errAt(r.line+1, off, 0, fmt.Sprintf("file ends after %d of %d entries", r.read, r.hdr.Entries), fmt.Errorf("%w: %w", stream.ErrShape, io.ErrUnexpectedEOF))
		}
		return entry{}, err
	}
	var tok [3][]byte
	var offs [3]int
	want := 3
	if r.hdr.Field == "pattern" {
		want = 2
	}
	n := fields(b, tok[:want], offs[:want])
	if n != want {
		return entry{}, r.errAt(r.line, off, 0, fmt.Sprintf("entry %s has %d fields, expected %d", quoteTrunc(b), n, want), stream.ErrFormat)
	}
	var ij [2]int64
	lim := [2]int64{r.hdr.Rows, r.hdr.Cols}
	for k := range 2 {
		v, ok := parseIndex(tok[k])
		if !ok || v < 1 || v > lim[k] {
			what := [2]string{"row", "column"}[k]
			return entry{}, r.errAt(r.line, off+int64(offs[k]), 0, fmt.Sprintf("%s index %s, expected an integer from 1 to %d", what, quoteTrunc(tok[k]), lim[k]), stream.ErrFormat)
		}
		ij[k] = v
	}
	e := entry{row: ij[0] - 1, col: ij[1] - 1, v: 1, line: r.line}
	if want == 3 {
		v, err := r.value(tok[2], r.line, off+int64(offs[2]), int(ij[1]))
		if err != nil {
			var de *stream.DataError
			if errors.As(err, &de) {
				de.Row = ij[0]
			}
			return entry{}, err
		}
		e.v = v
	}
	if r.hdr.Symmetry == "skew-symmetric" && e.row == e.col {
		return entry{}, r.errAt(r.line, off, int(ij[1]), fmt.Sprintf("diagonal entry (%d, %d) in a skew-symmetric file, whose diagonal is zero", ij[0], ij[0]), stream.ErrFormat)
	}
	r.read++
	return e, nil
}

func parseIndex(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		c -= '0'
		if c > 9 {
			return 0, false
		}
		v = v*10 + int64(c)
	}
	return v, true
}

// readCoordinate reads entries ahead up to the budget.
func (r *Reader) readCoordinate() error {
	sym := r.hdr.Symmetry != "general"
	per := entrySize
	if sym {
		per *= 2
	}
	rowBytes := 16 * r.hdr.Cols // row buffer and duplicate marks
	capEntries := (r.cfg.budget - rowBytes) / per
	r.seen, r.seenLine = nil, nil // grown to the largest column seen, not the declared width
	r.ents = r.ents[:0]
	sorted := true
	multiCol := false
	firstCol := int64(-1)
	r.lastRow = 0
	for {
		if !sym && sorted && multiCol && int64(len(r.ents)) >= r.cfg.lookahead && r.read < r.hdr.Entries {
			r.stream = true
			return nil
		}
		if int64(len(r.ents)) >= capEntries && r.read < r.hdr.Entries {
			if sym || !sorted {
				why := "its entries are not sorted by row"
				if sym {
					why = "it is " + r.hdr.Symmetry
				}
				return r.errAt(r.line, -1, 0, fmt.Sprintf("the coordinate file must be held in memory because %s, and its %d entries exceed the memory budget of %d bytes; raise MemoryBudget or sort it by row", why, r.hdr.Entries, r.cfg.budget), stream.ErrTooLarge)
			}
			r.stream = true
			return nil
		}
		e, err := r.readEntry()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if e.row < r.lastRow {
			sorted = false
		}
		if firstCol < 0 {
			firstCol = e.col
		} else if e.col != firstCol {
			multiCol = true
		}
		r.lastRow = e.row
		r.ents = append(r.ents, e)
		if sym && e.row != e.col {
			m := entry{row: e.col, col: e.row, v: e.v, line: e.line}
			if r.hdr.Symmetry == "skew-symmetric" {
				m.v = -e.v
			}
			r.ents = append(r.ents, m)
			sorted = false
		}
	}
	if !sorted {
		slices.SortStableFunc(r.ents, func(a, b entry) int {
			if a.row != b.row {
				if a.row < b.row {
					return -1
				}
				return 1
			}
			return 0
		})
	}
	return nil
}

// nextEntry returns the next entry in row order; io.EOF when none remain.
func (r *Reader) nextEntry() (entry, int64, error) {
	if r.havePeek {
		r.havePeek = false
		return r.peek, r.peek.line, nil
	}
	if r.ei < len(r.ents) {
		r.ei++
		return r.ents[r.ei-1], r.ents[r.ei-1].line, nil
	}
	if !r.stream {
		return entry{}, 0, io.EOF
	}
	e, err := r.readEntry()
	if err != nil {
		return entry{}, 0, err
	}
	if e.row < r.lastRow {
		return entry{}, 0, r.errAt(r.line, -1, 0, fmt.Sprintf("entry in row %d after row %d: the file is not sorted by row after all (its first %d entries were, so rows were streamed and already emitted); sort it by row, or raise Lookahead and MemoryBudget above its %d entries", e.row+1, r.lastRow+1, len(r.ents), r.hdr.Entries), stream.ErrUnsupported)
	}
	r.lastRow = e.row
	return e, r.line, nil
}

// ReadRows fills dst with up to len(dst)/Cols rows. It returns io.EOF after
// the last row and a *stream.DataError (sticky) for bad data. It panics if
// len(dst) is not a multiple of Cols. It does not allocate except on error.
func (r *Reader) ReadRows(dst []float64) (int, error) {
	d := r.cols
	if len(dst)%d != 0 {
		panic(fmt.Sprintf("mtx: buffer length %d is not a multiple of %d columns", len(dst), d))
	}
	if r.err != nil {
		return 0, r.err
	}
	n := 0
	for ; n*d < len(dst); n++ {
		if r.next == r.hdr.Rows {
			if n == 0 {
				return 0, io.EOF
			}
			return n, nil
		}
		row := dst[n*d : (n+1)*d]
		var err error
		if r.dense != nil || r.hdr.Format == "array" {
			r.denseRow(row)
		} else {
			err = r.coordRow(row)
		}
		if err != nil {
			r.err = err
			return n, err
		}
		r.next++
	}
	return n, nil
}

func (r *Reader) denseRow(row []float64) {
	i := r.next
	if !r.colMajor {
		copy(row, r.dense[i*int64(r.cols):])
		return
	}
	M := r.hdr.Rows
	for j := range row {
		row[j] = r.dense[i+int64(j)*M]
	}
}

func (r *Reader) coordRow(row []float64) error {
	clear(row)
	stamp := r.next + 1
	for {
		e, line, err := r.nextEntry()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if e.row != r.next {
			r.peek, r.havePeek = e, true
			return nil
		}
		if int(e.col) >= len(r.seen) {
			n := max(int(e.col)+1, min(2*len(r.seen), r.cols))
			r.seen = append(r.seen, make([]int64, n-len(r.seen))...)
			r.seenLine = append(r.seenLine, make([]int64, n-len(r.seenLine))...)
		}
		if r.seen[e.col] == stamp {
			if !r.cfg.sumDup {
				msg := fmt.Sprintf("duplicate entry (%d, %d)", e.row+1, e.col+1)
				if r.hdr.Symmetry != "general" {
					msg += fmt.Sprintf(" (in a %s file, (%d, %d) and (%d, %d) name one position)", r.hdr.Symmetry, e.row+1, e.col+1, e.col+1, e.row+1)
				}
				msg += fmt.Sprintf(", first on line %d", r.seenLine[e.col])
				de := &stream.DataError{File: r.cfg.file, Line: line, Row: e.row + 1, Column: int(e.col) + 1, Offset: -1,
					Msg: msg + "; use SumDuplicates to add them", Err: stream.ErrFormat}
				return de
			}
			row[e.col] += e.v
		} else {
			row[e.col] = e.v
			r.seen[e.col] = stamp
			r.seenLine[e.col] = line
		}
	}
}

// Rewind starts over from the first row. A matrix held in memory rewinds in
// place; a streamed coordinate file needs an io.Seeker input (otherwise the
// error wraps stream.ErrUnsupported).
func (r *Reader) Rewind() error {
	if !r.stream {
		r.next, r.ei, r.havePeek, r.err = 0, 0, false, nil
		clear(r.seen)
		return nil
	}
	sk, ok := r.src.(io.Seeker)
	if !ok {
		return fmt.Errorf("mtx: rewind a streamed coordinate file: input is not seekable: %w", stream.ErrUnsupported)
	}
	if _, err := sk.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("mtx: rewind: %w", err)
	}
	hdr := r.hdr
	*r = Reader{cfg: r.cfg, src: r.src}
	if err := r.init(); err != nil {
		r.err = err
		return err
	}
	if r.hdr != hdr {
		r.err = fmt.Errorf("mtx: rewind: the file changed: %w", stream.ErrShape)
		return r.err
	}
	return nil
}

func isRange(err error) bool {
	var ne *strconv.NumError
	return errors.As(err, &ne) && ne.Err == strconv.ErrRange
}

func quoteTrunc(b []byte) string {
	const max = 40
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "…"
	}
	return strconv.Quote(string(b))
}
