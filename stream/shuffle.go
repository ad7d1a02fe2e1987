package stream

import (
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"math/bits"
	"math/rand/v2"
	"os"
	"unsafe"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// DefaultShuffleMemory is the memory budget of Shuffle and NewShuffled when
// WithMemory is not given: 256 MiB.
const DefaultShuffleMemory = 256 << 20

// MinShuffleMemory is the smallest budget WithMemory accepts: 1 KiB.
const MinShuffleMemory = 1 << 10

// SpillCompression selects how Shuffle compresses the rows it spills to
// temporary files.
type SpillCompression int

const (
	// SpillS2 compresses with S2 (klauspost/compress/s2), the default:
	// fast enough that spilling stays disk-bound.
	SpillS2 SpillCompression = iota
	// SpillZstd compresses with zstd at its fastest level: smaller files
	// for compressible data, more CPU.
	SpillZstd
	// SpillNone writes rows uncompressed.
	SpillNone
)

func (c SpillCompression) String() string {
	switch c {
	case SpillS2:
		return "s2"
	case SpillZstd:
		return "zstd"
	case SpillNone:
		return "none"
	}
	return fmt.Sprintf("SpillCompression(%d)", int(c))
}

// A ShuffleOption configures Shuffle and NewShuffled. Invalid values make
// them return an error wrapping ErrInvalidOption.
type ShuffleOption func(*shuffleConfig) error

type shuffleConfig struct {
	seed    uint64
	memory  int64
	dir     string
	comp    SpillCompression
	noRA    bool // WithRandomAccess(false)
	maxRows int  // test knob: cap on rows held in memory (0: from memory)
	buckets int  // test knob: bucket count of every split (0: automatic)
	keep    bool // test knob: do not unlink spill files while open
}

// WithSeed sets the seed of the permutation (default 0). The same seed, the
// same input and the same options give the same order.
func WithSeed(seed uint64) ShuffleOption {
	return func(c *shuffleConfig) error { c.seed = seed; return nil }
}

// WithMemory sets the memory budget in bytes (default DefaultShuffleMemory,
// at least MinShuffleMemory). The budget bounds every buffer Shuffle
// allocates whose size depends on the data: rows held in memory, their
// bucket indices and the staging and compression buffers. Not counted: a
// fixed overhead of the zstd coder (about 2 MiB with SpillZstd) and the
// Go runtime's own slack (the heap may exceed live data between
// collections).
func WithMemory(bytes int64) ShuffleOption {
	return func(c *shuffleConfig) error {
		if bytes < MinShuffleMemory {
			return fmt.Errorf("WithMemory(%d): less than %d bytes: %w", bytes, MinShuffleMemory, ErrInvalidOption)
		}
		c.memory = bytes
		return nil
	}
}

// WithTempDir sets the directory of the spill files (default os.TempDir()).
func WithTempDir(dir string) ShuffleOption {
	return func(c *shuffleConfig) error {
		if dir == "" {
			return fmt.Errorf("WithTempDir(\"\"): empty directory name: %w", ErrInvalidOption)
		}
		c.dir = dir
		return nil
	}
}

// WithSpillCompression sets how spilled rows are compressed (default
// SpillS2).
func WithSpillCompression(comp SpillCompression) ShuffleOption {
	return func(c *shuffleConfig) error {
		if comp < SpillS2 || comp > SpillNone {
			return fmt.Errorf("WithSpillCompression(%d): unknown compression: %w", int(comp), ErrInvalidOption)
		}
		c.comp = comp
		return nil
	}
}

// WithRandomAccess(false) stops Shuffle from using a source's RowReaderAt
// (it is used by default, see Shuffle), for instance when rows are so small
// that one random read per row costs more than a sequential spill.
func WithRandomAccess(use bool) ShuffleOption {
	return func(c *shuffleConfig) error { c.noRA = !use; return nil }
}

func buildShuffleConfig(opts []ShuffleOption) (shuffleConfig, error) {
	c := shuffleConfig{memory: DefaultShuffleMemory}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&c); err != nil {
			return shuffleConfig{}, fmt.Errorf("stream: shuffle: %w", err)
		}
	}
	return c, nil
}

// Shuffle writes the rows of src to dst in a uniformly random order and
// returns the number of rows written.
//
// Guarantee: for a stream of n rows, every one of the n! orders is equally
// likely (exactly, up to the generator: math/rand/v2 PCG seeded by
// WithSeed), in memory bounded by WithMemory whatever n is. The order is a
// function of the seed, n, the options and whether the random-access path
// below is taken; the same inputs give the same order.
//
// How: when the stream fits the budget it is read into memory and permuted
// by Fisher–Yates. Otherwise each row goes to one of B temporary bucket
// files, chosen uniformly at random and independently of every other row
// (B is chosen from the budget so that a bucket is expected to fill at most
// 80 % of it); files are compressed (WithSpillCompression). The buckets are
// then read back in order, each permuted in memory by Fisher–Yates; a
// bucket that is still too large (bad luck, or a stream far larger than
// B buckets) is split again the same way. Because bucket labels are
// independent and uniform and each bucket is permuted uniformly, the result
// is exactly uniform — this is not a window shuffle. Disk use peaks at the
// spilled (compressed) data plus one bucket; on Unix the files are unlinked
// as soon as they are created, so even a crash leaves nothing behind.
// Measured: a 2 GB stream (64 columns) through a 256 MiB budget peaks at
// 268 MB resident, dominated by the store.
//
// When src also implements RowReaderAt with a known Rows (an uncompressed
// .npy or raw file, a FromMatrix reader) and does not fit the budget,
// Shuffle permutes the row indices instead (in memory if 12n bytes fit,
// otherwise by the same bucket method on the indices) and reads rows in
// permuted order with ReadRowsAt: nothing but indices is spilled. Such a
// source is shuffled in full (rows 0 to Rows()-1): it should be at its
// first row.
// WithRandomAccess(false) turns this off. Beware that the pages of a
// memory-mapped source count toward the process's resident memory as they
// are touched (a 2 GB .npy read through mmap peaks near 2 GB RSS whatever
// the budget): to bound peak RSS, give Shuffle a source that reads with
// pread (an *os.File-backed RowReaderAt), which keeps it near the budget.
//
// Shuffle reads all of src before it writes the first row, so a read error
// (for example a torn row) is returned with nothing written. Temporary
// files are removed when Shuffle returns, on success or error. dst and src
// must have the same Cols, otherwise Shuffle returns an error wrapping
// ErrShape; invalid options give an error wrapping ErrInvalidOption, and a
// budget too small to hold two rows one wrapping ErrTooLarge.
func Shuffle(dst Writer, src Reader, opts ...ShuffleOption) (rows int64, err error) {
	if dst.Cols() != src.Cols() {
		return 0, fmt.Errorf("stream: shuffle from %d to %d columns: %w", src.Cols(), dst.Cols(), ErrShape)
	}
	s, err := NewShuffled(src, opts...)
	if err != nil {
		return 0, err
	}
	rows, err = s.WriteTo(dst)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return rows, err
}

// Shuffled is a Reader over the rows of another Reader in uniformly random
// order, with Shuffle's guarantee and memory bound: use it where a pipeline
// wants a Reader (a random-order estimator, a converter). The first
// ReadRows (or WriteTo) reads the whole source and spills it if needed;
// later reads emit rows. Close removes the temporary files; it must be
// called, even after an error or when the rows were not all read. Reset
// starts another pass with the same buffers. Shuffled is a Lener and a
// WriterTo (Copy uses it); it is not safe for concurrent use.
type Shuffled struct {
	src  Reader
	cfg  shuffleConfig
	cols int

	started bool
	closed  bool
	err     error // sticky

	rows *shuffler // the row shuffler (sequential path)

	// Random-access path: idx shuffles the indices 0..n-1, rows are read
	// from ra in that order.
	ra     RowReaderAt
	idx    *shuffler
	idxBuf []float64
	blk    []float64 // WriteTo's gather block (random-access path)
	n      int64     // total rows, -1 until known
}

// NewShuffled returns a Shuffled over src. It reads nothing yet; it returns
// an error wrapping ErrInvalidOption for invalid options and one wrapping
// ErrTooLarge if the budget cannot hold two rows of src.
func NewShuffled(src Reader, opts ...ShuffleOption) (*Shuffled, error) {
	cfg, err := buildShuffleConfig(opts)
	if err != nil {
		return nil, err
	}
	d := src.Cols()
	if _, err := planMemory(cfg, d, cfg.memory); err != nil {
		return nil, err
	}
	return &Shuffled{src: src, cfg: cfg, cols: d, n: -1}, nil
}

// Cols returns the number of columns.
func (s *Shuffled) Cols() int { return s.cols }

// Rows returns the number of rows once the source has been read (after the
// first ReadRows), or when the source is a Lener that knows it; else -1.
func (s *Shuffled) Rows() int64 {
	if s.n >= 0 {
		return s.n
	}
	if l, ok := s.src.(Lener); ok {
		return l.Rows()
	}
	return -1
}

// ReadRows fills dst with the next rows of the permutation; io.EOF after the
// last. The first call reads all of the source. Errors are sticky.
func (s *Shuffled) ReadRows(dst []float64) (int, error) {
	checkRows("stream", dst, s.cols)
	if err := s.start(); err != nil {
		return 0, err
	}
	if len(dst) == 0 {
		return 0, nil
	}
	var n int
	var err error
	if s.idx == nil {
		n, err = s.rows.read(dst)
	} else {
		n, err = s.readAt(dst)
	}
	if err != nil && err != io.EOF {
		s.fail(err)
	}
	return n, err
}

// WriteTo writes the remaining rows of the permutation to w and returns how
// many; nil at the end of rows. It panics if w.Cols() differs from Cols.
// Copy(w, s) calls it (Shuffled is a WriterTo).
func (s *Shuffled) WriteTo(w Writer) (int64, error) {
	if w.Cols() != s.cols {
		panic(fmt.Sprintf("stream: Shuffled.WriteTo from %d to %d columns", s.cols, w.Cols()))
	}
	if err := s.start(); err != nil {
		return 0, err
	}
	var total int64
	var err error
	if s.idx == nil {
		total, err = s.rows.writeTo(w)
	} else {
		for {
			n, rerr := s.readAt(s.blk)
			if n > 0 {
				m, werr := w.WriteRows(s.blk[:n*s.cols])
				total += int64(m)
				if werr == nil && m != n {
					werr = io.ErrShortWrite
				}
				if werr != nil {
					err = werr
					break
				}
			}
			if rerr != nil {
				if rerr != io.EOF {
					err = rerr
				}
				break
			}
		}
	}
	if err != nil {
		s.fail(err)
	}
	return total, err
}

// Close removes every temporary file and releases the buffers. It is safe
// to call more than once; reads after Close fail.
func (s *Shuffled) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	var err error
	if s.rows != nil {
		err = s.rows.close()
	}
	if s.idx != nil {
		if e := s.idx.close(); err == nil {
			err = e
		}
	}
	s.rows, s.idx, s.idxBuf, s.blk = nil, nil, nil, nil
	return err
}

// fail records err and removes the temporary files at once.
func (s *Shuffled) fail(err error) {
	if s.err == nil {
		s.err = err
	}
	if s.rows != nil {
		s.rows.cleanup()
	}
	if s.idx != nil {
		s.idx.cleanup()
	}
}

// Reset makes s a Shuffled over src, keeping its options, its buffers and
// its random generator, so that shuffling once per epoch does not allocate
// the store again. Each pass draws a fresh permutation, and the sequence of
// permutations is reproducible: the k-th pass after NewShuffled with a
// given seed always gives the same order for the same input. Reset removes
// the temporary files of the previous pass and clears its error. After
// Close, Reset reopens s as NewShuffled would (buffers and generator start
// over). It panics if src.Cols() differs from Cols.
func (s *Shuffled) Reset(src Reader) {
	if src.Cols() != s.cols {
		panic(fmt.Sprintf("stream: Shuffled.Reset from %d to %d columns", s.cols, src.Cols()))
	}
	if s.rows != nil {
		s.rows.cleanup()
	}
	if s.idx != nil {
		s.idx.cleanup()
	}
	s.src, s.ra = src, nil
	s.started, s.closed, s.err, s.n = false, false, nil, -1
}

func (s *Shuffled) start() error {
	if s.closed {
		return fmt.Errorf("stream: read from a closed Shuffled: %w", fs.ErrClosed)
	}
	if s.err != nil {
		return s.err
	}
	if s.started {
		return nil
	}
	s.started = true
	var err error
	if ra, ok := s.src.(RowReaderAt); ok && !s.cfg.noRA && ra.Cols() == s.cols && ra.Rows() >= 0 {
		err = s.startAt(ra)
	} else {
		err = s.startRows(s.src, -1)
	}
	if err != nil {
		s.fail(err)
	}
	return err
}

func (s *Shuffled) startRows(src Reader, hint int64) error {
	if s.rows == nil {
		plan, _ := planMemory(s.cfg, s.cols, s.cfg.memory)
		s.rows = newShuffler(s.cfg, s.cols, plan)
	}
	s.idx, s.idxBuf, s.blk = nil, nil, nil // at most one store is held
	if hint < 0 {
		if l, ok := src.(Lener); ok {
			hint = l.Rows()
		}
	}
	n, err := s.rows.ingest(src, hint)
	s.n = n
	return err
}

func (s *Shuffled) startAt(ra RowReaderAt) error {
	n := ra.Rows()
	plan, _ := planMemory(s.cfg, s.cols, s.cfg.memory)
	if n <= int64(plan.maxRows) {
		// It fits: read it sequentially, which is faster than random reads
		// and gives the same order (Fisher–Yates on rows or on indices
		// draws the same swaps).
		return s.startRows(s.src, n)
	}
	rb := int64(s.cols) * 8
	g := min(max(s.cfg.memory/16/rb, 1), int64(emitRows(s.cols))) // rows gathered per read
	iplan, err := planMemory(s.cfg, 1, s.cfg.memory-g*(8+rb))
	if err != nil {
		return fmt.Errorf("stream: shuffle: budget too small for random access: %w", err)
	}
	s.ra = ra
	if s.idx == nil {
		s.idx = newShuffler(s.cfg, 1, iplan)
		s.idxBuf = make([]float64, g)
		s.blk = make([]float64, g*int64(s.cols))
	}
	s.rows = nil // at most one store is held
	s.n = n
	_, err = s.idx.ingest(&indexReader{n: n}, n)
	return err
}

// readAt fills dst with the rows at the next shuffled indices.
func (s *Shuffled) readAt(dst []float64) (int, error) {
	want := min(len(dst)/s.cols, len(s.idxBuf))
	k, err := s.idx.read(s.idxBuf[:want])
	for i, v := range s.idxBuf[:k] {
		row := int64(v)
		m, rerr := s.ra.ReadRowsAt(dst[i*s.cols:(i+1)*s.cols], row)
		if m == 1 {
			continue
		}
		if rerr == nil {
			rerr = io.ErrNoProgress
		} else if isEOF(rerr) {
			rerr = fmt.Errorf("stream: shuffle: row %d of %d missing: %w", row+1, s.n, io.ErrUnexpectedEOF)
		}
		return i, rerr
	}
	return k, err
}

// indexReader yields 0, 1, …, n-1 as a one-column stream.
type indexReader struct{ next, n int64 }

func (r *indexReader) Cols() int   { return 1 }
func (r *indexReader) Rows() int64 { return r.n }
func (r *indexReader) ReadRows(dst []float64) (int, error) {
	if r.next >= r.n {
		return 0, io.EOF
	}
	k := int(min(int64(len(dst)), r.n-r.next))
	for i := range k {
		dst[i] = float64(r.next + int64(i))
	}
	r.next += int64(k)
	return k, nil
}

// emitRows is the number of rows per WriteRows call when emitting.
func emitRows(cols int) int { return max(DefaultBlockRows, 4096/cols) }

// memPlan is how a budget is divided.
type memPlan struct {
	maxRows    int // rows held in memory (m)
	chunkRows  int // rows per allocation of the row store, 1<<chunkShift
	chunkShift uint
	stageRows  int // rows per spill frame (write and read staging)
	cbufLen    int // compressed frame buffer
}

// bytes returns the memory the plan allocates at most.
func (p memPlan) bytes(cols int) int64 {
	rb := int64(cols) * 8
	return int64(p.maxRows)*(rb+4) + 2*int64(p.stageRows)*rb + int64(p.cbufLen)
}

func planMemory(cfg shuffleConfig, cols int, budget int64) (memPlan, error) {
	rb := int64(cols) * 8
	tooSmall := fmt.Errorf("stream: shuffle: a memory budget of %d bytes cannot hold two rows of %d columns: %w", budget, cols, ErrTooLarge)
	if cols < 1 || rb > budget {
		return memPlan{}, tooSmall
	}
	stage := min(max(budget/32, rb), 1<<20) / rb
	var p memPlan
	p.stageRows = int(stage)
	p.cbufLen = s2.MaxEncodedLen(int(stage*rb)) + 64 // + zstd frame overhead
	rest := budget - 2*stage*rb - int64(p.cbufLen)
	m := rest / (rb + 4)
	m = min(m, 1<<31)
	if cfg.maxRows > 0 {
		m = min(m, int64(cfg.maxRows))
	}
	if m < 2 {
		return memPlan{}, tooSmall
	}
	if p.stageRows > int(m) { // a frame never holds more than the store
		p.stageRows = int(m)
		p.cbufLen = s2.MaxEncodedLen(int(m*rb)) + 64
	}
	p.maxRows = int(m)
	// Chunks of a power-of-two number of rows (about 1 MiB) so that
	// locating a row is a shift and a mask.
	p.chunkShift = uint(bits.Len64(uint64(max(1, (1<<20)/rb))) - 1)
	p.chunkRows = 1 << p.chunkShift
	return p, nil
}

// spillFile is one bucket on disk: a sequence of frames, each an 8-byte
// header (payload length, rows; little-endian uint32) and the payload.
type spillFile struct {
	f     *os.File
	path  string // non-empty while the name still exists on disk
	rows  int64
	depth int
}

// shuffler permutes one stream of rows of fixed width; Shuffled uses one for
// rows or one for row indices.
type shuffler struct {
	cfg  shuffleConfig
	cols int
	plan memPlan
	rng  *rand.Rand
	pcg  *rand.PCG

	chunks [][]float64 // row store, chunkRows rows each (the last may be short)
	order  []uint32    // bucket sort of the rows in memory (allocated on spill)
	wstage []float64   // gather buffer of one frame
	rstage []float64   // decoded frame not yet copied out
	staged []float64   // unread part of rstage
	cbuf   []byte
	counts []int
	hdr    [8]byte

	enc *zstd.Encoder
	dec *zstd.Decoder

	open  []*spillFile // files not yet closed
	stack []*spillFile // buckets still to emit; the last is next
	next  int64        // next row of the store to emit
	end   int64        // rows of the store to emit

	hint     int64 // row count announced by the source, -1 if unknown
	total    int64
	files    int // spill files created (statistics for tests)
	maxDepth int
}

func newShuffler(cfg shuffleConfig, cols int, plan memPlan) *shuffler {
	pcg := rand.NewPCG(cfg.seed, 0x9e3779b97f4a7c15)
	return &shuffler{cfg: cfg, cols: cols, plan: plan, pcg: pcg, rng: rand.New(pcg), hint: -1}
}

// row returns row i of the store.
func (s *shuffler) row(i int64) []float64 {
	c := s.chunks[i>>s.plan.chunkShift]
	o := int(i&int64(s.plan.chunkRows-1)) * s.cols
	return c[o : o+s.cols : o+s.cols]
}

// span returns the longest run of store rows from i, at most k rows,
// inside one chunk.
func (s *shuffler) span(i int64, k int64) []float64 {
	cr := int64(s.plan.chunkRows)
	c := s.chunks[i/cr]
	o := i % cr
	k = min(k, cr-o, int64(len(c)/s.cols)-o)
	return c[int(o)*s.cols : int(o+k)*s.cols]
}

// fillStore reads up to rows rows of r into the store from row from,
// allocating chunks as needed, and returns the rows read and r's error.
func (s *shuffler) fillStore(r Reader, from, rows int64) (int64, error) {
	cr := int64(s.plan.chunkRows)
	got := from
	rows += from
	for got < rows {
		ci := got / cr
		if ci == int64(len(s.chunks)) {
			size := min(cr, int64(s.plan.maxRows)-ci*cr)
			if ci == 0 && s.hint > 0 {
				size = min(size, s.hint+1) // +1 row: room to see the end
			} else if ci == 0 {
				size = min(size, max(4096/int64(s.cols), 1))
			}
			s.chunks = append(s.chunks, make([]float64, size*int64(s.cols)))
		} else if ci == 0 && len(s.chunks) == 1 {
			// The first chunk starts small (short streams allocate
			// little) and doubles up to chunkRows while it is the only one.
			c0 := s.chunks[0]
			have := int64(len(c0) / s.cols)
			if got == have && have < min(cr, int64(s.plan.maxRows)) {
				size := min(2*have, cr, int64(s.plan.maxRows))
				c := make([]float64, size*int64(s.cols))
				copy(c, c0)
				s.chunks[0] = c
			}
		}
		c := s.span(got, rows-got)
		n, err := fill(r, c)
		got += int64(n)
		if err != nil {
			return got - from, err
		}
	}
	return got - from, nil
}

// ingest reads all of src (hint: its row count if known, else -1), keeping
// it in memory or spilling it to buckets, and prepares emission.
func (s *shuffler) ingest(src Reader, hint int64) (int64, error) {
	s.hint = hint
	m := int64(s.plan.maxRows)
	k, err := s.fillStore(src, 0, m)
	if err != nil && !isEOF(err) {
		return k, err
	}
	if err == nil {
		// The store is full; is there more?
		s.rstage = make([]float64, s.plan.stageRows*s.cols)
		peek := s.rstage[:s.cols]
		p, perr := fill(src, peek)
		if perr != nil && !isEOF(perr) {
			return k, perr
		}
		if p > 0 {
			return s.spillStream(src, peek, hint)
		}
	}
	s.total = k
	s.permute(k)
	return k, nil
}

// spillStream scatters the full store, the peeked row and the rest of src
// into buckets.
func (s *shuffler) spillStream(src Reader, peek []float64, hint int64) (int64, error) {
	if err := s.prepareSpill(); err != nil {
		return 0, err
	}
	m := int64(s.plan.maxRows)
	buckets, err := s.newBuckets(s.bucketCount(hint), 1)
	if err != nil {
		return 0, err
	}
	total := int64(0)
	k := m
	for {
		if err := s.scatter(k, buckets); err != nil {
			return total, err
		}
		total += k
		if peek != nil {
			copy(s.row(0), peek)
			peek = nil
			n, err := s.fillStore(src, 1, m-1)
			k = n + 1
			if err != nil && !isEOF(err) {
				return total, err
			}
			if err != nil {
				break
			}
			continue
		}
		n, err := s.fillStore(src, 0, m)
		k = n
		if err != nil && !isEOF(err) {
			return total, err
		}
		if err != nil {
			break
		}
	}
	if err := s.scatter(k, buckets); err != nil {
		return total, err
	}
	total += k
	s.total = total
	for i := len(buckets) - 1; i >= 0; i-- {
		s.stack = append(s.stack, buckets[i])
	}
	return total, nil
}

func (s *shuffler) prepareSpill() error {
	if cap(s.order) < s.plan.maxRows {
		s.order = nil // the smaller one of an in-memory pass: free it first
		s.order = make([]uint32, s.plan.maxRows)
	}
	if s.wstage == nil {
		s.wstage = make([]float64, s.plan.stageRows*s.cols)
	}
	if s.rstage == nil {
		s.rstage = make([]float64, s.plan.stageRows*s.cols)
	}
	if s.cbuf == nil {
		s.cbuf = make([]byte, s.plan.cbufLen)
	}
	if s.cfg.comp == SpillZstd && s.enc == nil {
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1),
			zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithLowerEncoderMem(true),
			zstd.WithWindowSize(1<<20))
		if err != nil {
			return fmt.Errorf("stream: shuffle: %w", err)
		}
		dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			enc.Close()
			return fmt.Errorf("stream: shuffle: %w", err)
		}
		s.enc, s.dec = enc, dec
	}
	return nil
}

// bucketCount chooses B for a stream of about n rows (n < 0: unknown) so
// that a bucket is expected to fill at most 80 % of the store.
func (s *shuffler) bucketCount(n int64) int {
	if s.cfg.buckets > 0 {
		return s.cfg.buckets
	}
	m := int64(s.plan.maxRows)
	if n < 0 {
		return int(min(max(m/8, 2), 256))
	}
	return int(min(max((n*5/4+m-1)/m, 2), 512))
}

func (s *shuffler) newBuckets(b, depth int) ([]*spillFile, error) {
	if depth > 64 {
		return nil, fmt.Errorf("stream: shuffle: buckets nested %d deep; the budget is too small for the rows: %w", depth, ErrTooLarge)
	}
	s.maxDepth = max(s.maxDepth, depth)
	out := make([]*spillFile, b)
	for i := range out {
		out[i] = &spillFile{depth: depth} // the file is created on first write
	}
	return out, nil
}

// create creates f's file.
func (s *shuffler) create(f *spillFile) error {
	tf, err := os.CreateTemp(s.cfg.dir, "linstream-shuffle-*.spill")
	if err != nil {
		return fmt.Errorf("stream: shuffle: %w", err)
	}
	s.files++
	f.f, f.path = tf, tf.Name()
	s.open = append(s.open, f)
	if !s.cfg.keep && os.Remove(f.path) == nil {
		f.path = "" // unlinked: the data vanishes with the descriptor
	}
	return nil
}

// scatter sends the first k store rows to uniformly random buckets.
func (s *shuffler) scatter(k int64, buckets []*spillFile) error {
	b := len(buckets)
	if cap(s.counts) < b+1 {
		s.counts = make([]int, b+1)
	}
	counts := s.counts[:b+1]
	clear(counts)
	saved := *s.pcg
	for range k {
		counts[s.rng.IntN(b)+1]++
	}
	for i := 1; i <= b; i++ {
		counts[i] += counts[i-1]
	}
	*s.pcg = saved // draw the same labels again to place the rows
	for i := range k {
		l := s.rng.IntN(b)
		s.order[counts[l]] = uint32(i)
		counts[l]++
	}
	// counts[l] is now the end of bucket l in order.
	start := 0
	for l, f := range buckets {
		end := counts[l]
		idx := s.order[start:end]
		start = end
		for len(idx) > 0 {
			g := min(len(idx), s.plan.stageRows)
			for j, i := range idx[:g] {
				copy(s.wstage[j*s.cols:(j+1)*s.cols], s.row(int64(i)))
			}
			if err := s.writeFrame(f, s.wstage[:g*s.cols]); err != nil {
				return err
			}
			idx = idx[g:]
		}
	}
	return nil
}

func asBytes(x []float64) []byte {
	if len(x) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(x))), len(x)*8)
}

func (s *shuffler) writeFrame(f *spillFile, rows []float64) error {
	if f.f == nil {
		if err := s.create(f); err != nil {
			return err
		}
	}
	src := asBytes(rows)
	var out []byte
	switch s.cfg.comp {
	case SpillS2:
		out = s2.Encode(s.cbuf, src)
	case SpillZstd:
		out = s.enc.EncodeAll(src, s.cbuf[:0])
	default:
		out = src
	}
	binary.LittleEndian.PutUint32(s.hdr[0:], uint32(len(out)))
	binary.LittleEndian.PutUint32(s.hdr[4:], uint32(len(rows)/s.cols))
	if _, err := f.f.Write(s.hdr[:]); err != nil {
		return fmt.Errorf("stream: shuffle: %w", err)
	}
	if _, err := f.f.Write(out); err != nil {
		return fmt.Errorf("stream: shuffle: %w", err)
	}
	f.rows += int64(len(rows) / s.cols)
	return nil
}

// bucketReader reads a bucket file back as a Reader.
type bucketReader struct {
	s    *shuffler
	f    *spillFile
	left int64 // rows not yet decoded
}

func (b *bucketReader) Cols() int { return b.s.cols }

func (b *bucketReader) ReadRows(dst []float64) (int, error) {
	s := b.s
	if len(s.staged) > 0 {
		n := copy(dst, s.staged)
		s.staged = s.staged[n:]
		return n / s.cols, nil
	}
	if b.left == 0 {
		return 0, io.EOF
	}
	corrupt := func(what string) error {
		return fmt.Errorf("stream: shuffle: spill file corrupted (%s): %w", what, ErrFormat)
	}
	if _, err := io.ReadFull(b.f.f, s.hdr[:]); err != nil {
		return 0, fmt.Errorf("stream: shuffle: reading spill file: %w", err)
	}
	clen := int(binary.LittleEndian.Uint32(s.hdr[0:]))
	rows := int(binary.LittleEndian.Uint32(s.hdr[4:]))
	if rows < 1 || rows > s.plan.stageRows || int64(rows) > b.left || clen > len(s.cbuf) {
		return 0, corrupt("frame header")
	}
	want := rows * s.cols
	target := s.rstage[:want]
	direct := want <= len(dst)
	if direct {
		target = dst[:want]
	}
	tb := asBytes(target)
	if s.cfg.comp == SpillNone {
		if clen != len(tb) {
			return 0, corrupt("frame length")
		}
		if _, err := io.ReadFull(b.f.f, tb); err != nil {
			return 0, fmt.Errorf("stream: shuffle: reading spill file: %w", err)
		}
	} else {
		if _, err := io.ReadFull(b.f.f, s.cbuf[:clen]); err != nil {
			return 0, fmt.Errorf("stream: shuffle: reading spill file: %w", err)
		}
		var out []byte
		var err error
		if s.cfg.comp == SpillS2 {
			if l, e := s2.DecodedLen(s.cbuf[:clen]); e != nil || l != len(tb) {
				return 0, corrupt("frame length")
			}
			out, err = s2.Decode(tb, s.cbuf[:clen])
		} else {
			out, err = s.dec.DecodeAll(s.cbuf[:clen], tb[:0])
		}
		if err != nil || len(out) != len(tb) {
			return 0, corrupt("payload")
		}
		if &out[0] != &tb[0] {
			copy(tb, out)
		}
	}
	b.left -= int64(rows)
	if direct {
		return rows, nil
	}
	s.staged = target
	n := copy(dst, s.staged)
	s.staged = s.staged[n:]
	return n / s.cols, nil
}

// closeFile closes f and removes its name if it still has one.
func (s *shuffler) closeFile(f *spillFile) error {
	if f.f == nil {
		return nil
	}
	for i, g := range s.open {
		if g == f {
			s.open = append(s.open[:i], s.open[i+1:]...)
			break
		}
	}
	err := f.f.Close()
	if f.path != "" {
		if e := os.Remove(f.path); err == nil && !os.IsNotExist(e) {
			err = e
		}
		f.path = ""
	}
	return err
}

// cleanup removes every file and forgets the pass, keeping the buffers and
// the generator for another pass.
func (s *shuffler) cleanup() error {
	var err error
	for len(s.open) > 0 {
		if e := s.closeFile(s.open[0]); err == nil {
			err = e
		}
	}
	s.stack = nil
	s.staged = nil
	s.next, s.end, s.total, s.hint = 0, 0, 0, -1
	return err
}

// close removes every file and releases the buffers.
func (s *shuffler) close() error {
	err := s.cleanup()
	if s.enc != nil {
		s.enc.Close()
		s.enc = nil
	}
	if s.dec != nil {
		s.dec.Close()
		s.dec = nil
	}
	s.chunks, s.order, s.wstage, s.rstage, s.staged, s.cbuf = nil, nil, nil, nil, nil, nil
	s.next, s.end = 0, 0
	return err
}

// permute draws a uniformly random permutation of the first k store rows
// (Fisher–Yates on their indices, in order) and makes it the emission
// order: emitted row p is store row order[p].
func (s *shuffler) permute(k int64) {
	if int64(cap(s.order)) < k {
		s.order = make([]uint32, k) // k ≤ maxRows: within the plan
	}
	o := s.order[:k]
	for i := range o {
		o[i] = uint32(i)
	}
	for i := k - 1; i > 0; i-- {
		j := s.rng.Uint64N(uint64(i + 1))
		o[i], o[j] = o[j], o[i]
	}
	s.next, s.end = 0, k
}

// gather copies the next rows of the emission order into dst (whole rows)
// and returns how many.
func (s *shuffler) gather(dst []float64) int {
	k := int(min(int64(len(dst)/s.cols), s.end-s.next))
	o := s.order[s.next : s.next+int64(k)]
	if s.cols == 1 && len(s.chunks) == 1 {
		x := s.chunks[0]
		for p, i := range o {
			dst[p] = x[i]
		}
	} else {
		for p, i := range o {
			copy(dst[p*s.cols:(p+1)*s.cols], s.row(int64(i)))
		}
	}
	s.next += int64(k)
	return k
}

// advance makes sure there are rows to emit, loading or splitting buckets;
// it returns io.EOF when everything has been emitted.
func (s *shuffler) advance() error {
	for s.next == s.end {
		if len(s.stack) == 0 {
			return io.EOF
		}
		f := s.stack[len(s.stack)-1]
		s.stack = s.stack[:len(s.stack)-1]
		if f.rows == 0 {
			continue
		}
		if _, err := f.f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("stream: shuffle: %w", err)
		}
		br := &bucketReader{s: s, f: f, left: f.rows}
		s.staged = nil
		if f.rows <= int64(s.plan.maxRows) {
			k, err := s.fillStore(br, 0, f.rows)
			if err != nil && !isEOF(err) {
				return err
			}
			if k != f.rows {
				return fmt.Errorf("stream: shuffle: spill file has %d of %d rows: %w", k, f.rows, ErrFormat)
			}
			if err := s.closeFile(f); err != nil {
				return fmt.Errorf("stream: shuffle: %w", err)
			}
			s.permute(k)
			continue
		}
		// Too large for memory: split it again with fresh labels.
		subs, err := s.newBuckets(s.bucketCount(f.rows), f.depth+1)
		if err != nil {
			return err
		}
		m := int64(s.plan.maxRows)
		for left := f.rows; left > 0; {
			k, err := s.fillStore(br, 0, min(m, left))
			if err != nil && !isEOF(err) {
				return err
			}
			if k == 0 {
				return fmt.Errorf("stream: shuffle: spill file short of %d rows: %w", left, ErrFormat)
			}
			if err := s.scatter(k, subs); err != nil {
				return err
			}
			left -= k
		}
		if err := s.closeFile(f); err != nil {
			return fmt.Errorf("stream: shuffle: %w", err)
		}
		for i := len(subs) - 1; i >= 0; i-- {
			s.stack = append(s.stack, subs[i])
		}
	}
	return nil
}

// read copies the next rows of the permutation into dst.
func (s *shuffler) read(dst []float64) (int, error) {
	if err := s.advance(); err != nil {
		return 0, err
	}
	return s.gather(dst), nil
}

// writeTo writes the rest of the permutation to w, gathering rows into the
// write staging buffer.
func (s *shuffler) writeTo(w Writer) (int64, error) {
	if s.wstage == nil {
		s.wstage = make([]float64, s.plan.stageRows*s.cols)
	}
	blk := s.wstage[:min(emitRows(s.cols), s.plan.stageRows)*s.cols]
	var total int64
	for {
		if err := s.advance(); err != nil {
			if err == io.EOF {
				return total, nil
			}
			return total, err
		}
		for s.next < s.end {
			k := s.gather(blk)
			n, err := w.WriteRows(blk[:k*s.cols])
			total += int64(n)
			if err == nil && n != k {
				err = io.ErrShortWrite
			}
			if err != nil {
				return total, err
			}
		}
	}
}
