package stream

import (
	"github.com/linstream/linstream/internal/racecheck"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Test knobs: force a small store, a fixed bucket count, named files.
func withMaxRows(m int) ShuffleOption {
	return func(c *shuffleConfig) error { c.maxRows = m; return nil }
}
func withBuckets(b int) ShuffleOption {
	return func(c *shuffleConfig) error { c.buckets = b; return nil }
}
func withKeepNames() ShuffleOption {
	return func(c *shuffleConfig) error { c.keep = true; return nil }
}

// checkPermutation asserts that out (n rows) is a permutation of the rows of
// indexed(n, cols), each row intact, and returns the input index of each
// output row.
func checkPermutation(t testing.TB, out []float64, n, cols int) []int {
	t.Helper()
	require.Len(t, out, n*cols)
	seen := make([]bool, n)
	perm := make([]int, n)
	for k := range n {
		row := out[k*cols : (k+1)*cols]
		i := int(row[0]) / cols
		require.True(t, i >= 0 && i < n && !seen[i], "output row %d: input row %d duplicated or out of range", k, i)
		for j, v := range row {
			require.Equal(t, float64(i*cols+j), v, "output row %d is torn", k)
		}
		seen[i] = true
		perm[k] = i
	}
	return perm
}

type shuffleCase struct {
	name string
	n    int
	cols int
	opts []ShuffleOption
}

func shuffleCases() []shuffleCase {
	return []shuffleCase{
		{"empty", 0, 3, nil},
		{"one", 1, 3, nil},
		{"memory", 500, 3, nil},
		{"memory-exact-fit", 40, 1, []ShuffleOption{withMaxRows(40)}},
		{"spill-1KiB-s2", 800, 3, []ShuffleOption{WithMemory(1 << 10)}},
		{"spill-1KiB-zstd", 800, 3, []ShuffleOption{WithMemory(1 << 10), WithSpillCompression(SpillZstd)}},
		{"spill-1KiB-none", 800, 3, []ShuffleOption{WithMemory(1 << 10), WithSpillCompression(SpillNone)}},
		{"spill-wide", 300, 100, []ShuffleOption{WithMemory(4 << 10)}},
		{"spill-exact-fit+1", 41, 1, []ShuffleOption{withMaxRows(40)}},
		{"recursive", 1000, 2, []ShuffleOption{withMaxRows(8), withBuckets(2), withKeepNames()}},
		{"recursive-zstd", 1000, 1, []ShuffleOption{withMaxRows(5), withBuckets(3), WithSpillCompression(SpillZstd)}},
		{"big-frames", 8000, 4, []ShuffleOption{WithMemory(64 << 10)}},
	}
}

func TestShufflePermutation(t *testing.T) {
	for _, c := range shuffleCases() {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			fds := openFDs()
			data := indexed(c.n, c.cols)
			w := NewSliceWriter(c.cols)
			opts := append([]ShuffleOption{WithTempDir(dir), WithSeed(7)}, c.opts...)
			n, err := Shuffle(w, newChoppy(data, c.cols, 3, nil), opts...)
			require.NoError(t, err)
			assert.Equal(t, int64(c.n), n)
			perm := checkPermutation(t, w.Data(), c.n, c.cols)
			if c.n > 20 {
				assert.False(t, slices.IsSorted(perm), "not shuffled")
			}
			requireEmptyDir(t, dir)
			assert.Equal(t, fds, openFDs(), "file descriptors leaked")

			// Same seed, same order, also through the Reader form.
			s, err := NewShuffled(newChoppy(data, c.cols, 4, nil), opts...)
			require.NoError(t, err)
			got, err := ReadAll(s)
			require.NoError(t, err)
			assert.Equal(t, append([]float64{}, w.Data()...), append([]float64{}, got...), "same seed, same order")
			assert.Equal(t, int64(c.n), s.Rows())
			require.NoError(t, s.Close())
			requireEmptyDir(t, dir)
		})
	}
}

func TestShuffleSeeds(t *testing.T) {
	data := indexed(200, 1)
	orders := map[string]bool{}
	for seed := range uint64(5) {
		for _, opts := range [][]ShuffleOption{nil, {WithMemory(1 << 10)}} {
			w := NewSliceWriter(1)
			_, err := Shuffle(w, NewSliceReader(data, 1), append(opts, WithSeed(seed), WithTempDir(t.TempDir()))...)
			require.NoError(t, err)
			orders[describe(w.Data())] = true
		}
	}
	assert.Len(t, orders, 10, "different seeds and paths give different orders")
}

func TestShuffleRecursionDepth(t *testing.T) {
	dir := t.TempDir()
	s, err := NewShuffled(NewSliceReader(indexed(600, 1), 1), withMaxRows(4), withBuckets(2), WithTempDir(dir), withKeepNames())
	require.NoError(t, err)
	got, err := ReadAll(s)
	require.NoError(t, err)
	checkPermutation(t, got, 600, 1)
	assert.GreaterOrEqual(t, s.rows.maxDepth, 5, "600 rows, 4 in memory, 2 buckets per split: several levels")
	require.NoError(t, s.Close())
	requireEmptyDir(t, dir)
}

// TestShuffleMemoryBound checks that the buffers a spilling shuffle holds
// stay within the budget.
func TestShuffleMemoryBound(t *testing.T) {
	for _, c := range []struct {
		budget int64
		cols   int
	}{{1 << 10, 1}, {1 << 10, 10}, {5000, 3}, {64 << 10, 1}, {64 << 10, 300}, {1 << 20, 7}} {
		n := int(4*c.budget/int64(8*c.cols)) + 10
		s, err := NewShuffled(NewSliceReader(indexed(n, c.cols), c.cols), WithMemory(c.budget), WithTempDir(t.TempDir()))
		require.NoError(t, err)
		buf := make([]float64, c.cols)
		_, err = s.ReadRows(buf)
		require.NoError(t, err)
		sh := s.rows
		held := int64(cap(sh.order))*4 + int64(cap(sh.wstage)+cap(sh.rstage))*8 + int64(cap(sh.cbuf))
		for _, ch := range sh.chunks {
			held += int64(cap(ch)) * 8
		}
		assert.LessOrEqual(t, held, c.budget, "budget %d cols %d", c.budget, c.cols)
		assert.LessOrEqual(t, sh.plan.bytes(c.cols), c.budget)
		assert.Positive(t, sh.files, "spilled")
		require.NoError(t, s.Close())
	}
}

// chiSquare returns the chi-square statistic of counts against a uniform
// distribution over their cells and its 0.999 quantile.
func chiSquare(t *testing.T, counts []int) (x, crit float64) {
	t.Helper()
	total := 0
	for _, c := range counts {
		total += c
	}
	e := float64(total) / float64(len(counts))
	require.GreaterOrEqual(t, e, 5.0, "too few samples per cell")
	for _, c := range counts {
		d := float64(c) - e
		x += d * d / e
	}
	return x, distuv.ChiSquared{K: float64(len(counts) - 1)}.Quantile(1 - 1e-3)
}

// chiSquareOK asserts the counts are consistent with uniformity at
// significance 1e-3.
func chiSquareOK(t *testing.T, counts []int) {
	t.Helper()
	x, crit := chiSquare(t, counts)
	assert.Less(t, x, crit, "chi-square %.1f over %d cells exceeds the 0.999 quantile %.1f", x, len(counts), crit)
}

// TestChiSquareHasPower checks that the tests above would catch the
// classic biased shuffle (swap each position with any position).
func TestChiSquareHasPower(t *testing.T) {
	const n, trials = 4, 2400 // as in TestShuffleUniformPermutations
	rng := rand.New(rand.NewPCG(1, 1))
	counts := make([]int, 24)
	for range trials {
		p := []int{0, 1, 2, 3}
		for i := range p {
			j := rng.IntN(n)
			p[i], p[j] = p[j], p[i]
		}
		counts[permIndex(p)]++
	}
	x, crit := chiSquare(t, counts)
	assert.Greater(t, x, crit)
}

// permIndex ranks a permutation of 0..n-1 (Lehmer code).
func permIndex(p []int) int {
	idx := 0
	for i := range p {
		smaller := 0
		for _, q := range p[i+1:] {
			if q < p[i] {
				smaller++
			}
		}
		idx = idx*(len(p)-i) + smaller
	}
	return idx
}

// shuffledPerm shuffles indexed(n, cols) read from src and returns the
// permutation.
func shuffledPerm(t *testing.T, src Reader, n, cols int, opts ...ShuffleOption) []int {
	w := NewSliceWriter(cols)
	_, err := Shuffle(w, src, opts...)
	require.NoError(t, err)
	return checkPermutation(t, w.Data(), n, cols)
}

// TestShuffleUniformPermutations counts every permutation of 4 rows over
// many seeds, in memory, spilling (with recursion: 2 rows fit) and by
// random access.
func TestShuffleUniformPermutations(t *testing.T) {
	const n = 4 // 24 permutations, 100 expected each (25 in -short or -race)
	trials := uint64(2400)
	if testing.Short() || racecheck.Enabled {
		trials = 600
	}
	data := indexed(n, 2)
	dense := mat.NewDense(n, 2, data)
	dir := t.TempDir()
	paths := map[string]func(seed uint64) []int{
		"memory": func(seed uint64) []int {
			return shuffledPerm(t, NewSliceReader(data, 2), n, 2, WithSeed(seed))
		},
		"spill": func(seed uint64) []int {
			return shuffledPerm(t, NewSliceReader(data, 2), n, 2, WithSeed(seed), withMaxRows(2), withBuckets(2), WithTempDir(dir))
		},
		"random-access": func(seed uint64) []int {
			return shuffledPerm(t, FromMatrix(dense), n, 2, WithSeed(seed), withMaxRows(2), WithTempDir(dir))
		},
	}
	for name, f := range paths {
		t.Run(name, func(t *testing.T) {
			counts := make([]int, 24)
			for seed := range trials {
				counts[permIndex(f(seed))]++
			}
			chiSquareOK(t, counts)
		})
	}
}

// TestShufflePositionHistogram checks that every input row lands in every
// output position equally often, on streams large enough to spill into
// many buckets.
func TestShufflePositionHistogram(t *testing.T) {
	const n = 24 // 576 cells, 12.5 expected each (6.25 in -short or -race)
	trials := uint64(300)
	if testing.Short() || racecheck.Enabled {
		trials = 150
	}
	data := indexed(n, 1)
	ra := &countingRA{MatrixReader: FromMatrix(mat.NewDense(n, 1, data))}
	dir := t.TempDir()
	paths := map[string]func(seed uint64) []int{
		"memory": func(seed uint64) []int {
			return shuffledPerm(t, NewSliceReader(data, 1), n, 1, WithSeed(seed))
		},
		"spill": func(seed uint64) []int {
			return shuffledPerm(t, NewSliceReader(data, 1), n, 1, WithSeed(seed), withMaxRows(6), WithTempDir(dir))
		},
		"random-access": func(seed uint64) []int {
			return shuffledPerm(t, ra, n, 1, WithSeed(seed), withMaxRows(6), WithTempDir(dir))
		},
	}
	for name, f := range paths {
		t.Run(name, func(t *testing.T) {
			counts := make([]int, n*n)
			for seed := range trials {
				for pos, i := range f(seed + 1000) {
					counts[i*n+pos]++
				}
			}
			chiSquareOK(t, counts)
		})
	}
	assert.Zero(t, ra.seq, "the random-access path never reads sequentially")
	assert.Equal(t, n*int(trials), ra.at)
}

// countingRA is a RowReaderAt test double that counts its reads.
type countingRA struct {
	*MatrixReader
	seq, at int
}

func (c *countingRA) ReadRows(dst []float64) (int, error) {
	c.seq++
	return c.MatrixReader.ReadRows(dst)
}

func (c *countingRA) ReadRowsAt(dst []float64, row int64) (int, error) {
	c.at++
	return c.MatrixReader.ReadRowsAt(dst, row)
}

func TestShuffleRandomAccess(t *testing.T) {
	const n, cols = 300, 64 // 150 KiB of rows
	data := indexed(n, cols)
	dir := t.TempDir()

	// Rows do not fit 16 KiB but their indices do: no spill at all.
	ra := &countingRA{MatrixReader: FromMatrix(mat.NewDense(n, cols, data))}
	s, err := NewShuffled(ra, WithMemory(16<<10), WithTempDir(dir))
	require.NoError(t, err)
	w := NewSliceWriter(cols)
	_, err = s.WriteTo(w)
	require.NoError(t, err)
	checkPermutation(t, w.Data(), n, cols)
	require.NotNil(t, s.idx)
	assert.Zero(t, s.idx.files, "indices fit: nothing spilled")
	assert.Zero(t, ra.seq)
	assert.Equal(t, n, ra.at)
	require.NoError(t, s.Close())

	// Indices do not fit either: they are spilled, rows are not.
	ra = &countingRA{MatrixReader: FromMatrix(mat.NewDense(n, cols, data))}
	s, err = NewShuffled(ra, WithMemory(16<<10), WithTempDir(dir), withMaxRows(50), withKeepNames())
	require.NoError(t, err)
	got, err := ReadAll(s)
	require.NoError(t, err)
	checkPermutation(t, got, n, cols)
	assert.Positive(t, s.idx.files)
	assert.Zero(t, ra.seq)
	require.NoError(t, s.Close())
	requireEmptyDir(t, dir)

	// Turned off: the sequential spill.
	ra = &countingRA{MatrixReader: FromMatrix(mat.NewDense(n, cols, data))}
	w.Reset()
	_, err = Shuffle(w, ra, WithMemory(16<<10), WithTempDir(dir), WithRandomAccess(false))
	require.NoError(t, err)
	checkPermutation(t, w.Data(), n, cols)
	assert.Zero(t, ra.at)

	// Fits: read sequentially, same order as the random-access path would
	// give with a store big enough.
	ra = &countingRA{MatrixReader: FromMatrix(mat.NewDense(n, cols, data))}
	w.Reset()
	_, err = Shuffle(w, ra, WithSeed(3))
	require.NoError(t, err)
	assert.Zero(t, ra.at)
	w2 := NewSliceWriter(cols)
	_, err = Shuffle(w2, NewSliceReader(data, cols), WithSeed(3))
	require.NoError(t, err)
	assert.Equal(t, w2.Data(), w.Data())

	// A source whose Rows overstates its rows.
	liar := &lyingRA{MatrixReader: FromMatrix(mat.NewDense(n, cols, data))}
	_, err = Shuffle(NewSliceWriter(cols), liar, WithMemory(16<<10), WithTempDir(dir))
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	requireEmptyDir(t, dir)
}

type lyingRA struct{ *MatrixReader }

func (l *lyingRA) Rows() int64 { return l.MatrixReader.Rows() + 3 }

func TestShuffleErrors(t *testing.T) {
	dir := t.TempDir()
	fds := openFDs()
	data := indexed(3000, 2)

	// A torn row in the source, before or after spilling began: the error
	// comes back, nothing is written, no file is left.
	for _, opts := range [][]ShuffleOption{nil, {WithMemory(1 << 10)}, {WithMemory(1 << 10), withKeepNames()}, {withMaxRows(3), withBuckets(2), withKeepNames()}} {
		w := NewSliceWriter(2)
		_, err := Shuffle(w, newChoppy(data, 2, 1, tornErr(3001)), append(opts, WithTempDir(dir))...)
		var de *DataError
		require.ErrorAs(t, err, &de)
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
		assert.Equal(t, int64(3001), de.Row)
		assert.Zero(t, w.Rows())
		requireEmptyDir(t, dir)

		_, err = Shuffle(w, newChoppy(data[:1500*2], 2, 1, errInjected), append(opts, WithTempDir(dir))...)
		assert.ErrorIs(t, err, errInjected)
		requireEmptyDir(t, dir)
	}

	// The destination fails mid-stream.
	for _, opts := range [][]ShuffleOption{nil, {WithMemory(1 << 10), withKeepNames()}} {
		fw := &failingWriter{cols: 2, limit: 1234}
		n, err := Shuffle(fw, NewSliceReader(data, 2), append(opts, WithTempDir(dir))...)
		assert.ErrorIs(t, err, errInjected)
		assert.Equal(t, int64(1234), n)
		requireEmptyDir(t, dir)
	}

	// Closing a partly read Shuffled removes its files; reads after Close fail.
	s, err := NewShuffled(NewSliceReader(data, 2), WithMemory(1<<10), WithTempDir(dir), withKeepNames())
	require.NoError(t, err)
	buf := make([]float64, 10*2)
	_, err = s.ReadRows(buf)
	require.NoError(t, err)
	es, _ := os.ReadDir(dir)
	assert.NotEmpty(t, es, "withKeepNames leaves names while open")
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	requireEmptyDir(t, dir)
	_, err = s.ReadRows(buf)
	assert.Error(t, err)

	// A missing temporary directory.
	_, err = Shuffle(NewSliceWriter(2), NewSliceReader(data, 2), WithMemory(1<<10), WithTempDir(filepath.Join(dir, "nope")))
	assert.ErrorIs(t, err, os.ErrNotExist)

	// Shape and options.
	_, err = Shuffle(NewSliceWriter(3), NewSliceReader(data, 2))
	assert.ErrorIs(t, err, ErrShape)
	for _, o := range []ShuffleOption{WithMemory(100), WithTempDir(""), WithSpillCompression(9)} {
		_, err = NewShuffled(NewSliceReader(data, 2), o)
		assert.ErrorIs(t, err, ErrInvalidOption)
	}
	_, err = NewShuffled(NewSliceReader(make([]float64, 1000), 1000), WithMemory(4<<10))
	assert.ErrorIs(t, err, ErrTooLarge)
	assert.Equal(t, fds, openFDs(), "file descriptors leaked")
}

func TestShuffledReadAllocs(t *testing.T) {
	s, err := NewShuffled(NewSliceReader(indexed(1<<14, 4), 4))
	require.NoError(t, err)
	defer s.Close()
	buf := make([]float64, 16*4)
	_, err = s.ReadRows(buf)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(100, func() { _, _ = s.ReadRows(buf) })
	assert.Zero(t, allocs)
}

func TestShuffleNonFiniteValuesPass(t *testing.T) {
	// Shuffle moves bits; it does not judge values.
	data := []float64{math.NaN(), 1, math.Inf(1), 2, math.Inf(-1), 3}
	w := NewSliceWriter(2)
	_, err := Shuffle(w, NewSliceReader(data, 2), WithMemory(1<<10))
	require.NoError(t, err)
	assert.Len(t, w.Data(), 6)
}

func TestShuffledReset(t *testing.T) {
	dir := t.TempDir()
	big, small := indexed(3000, 2), indexed(30, 2)
	opts := []ShuffleOption{WithSeed(5), WithMemory(4 << 10), WithTempDir(dir), withKeepNames()}
	passes := func() [][]float64 {
		s, err := NewShuffled(NewSliceReader(small, 2), opts...)
		require.NoError(t, err)
		defer s.Close()
		var out [][]float64
		// Alternate in-memory and spilling passes, and a random-access one.
		for i, src := range []Reader{NewSliceReader(small, 2), NewSliceReader(big, 2), NewSliceReader(small, 2), FromMatrix(mat.NewDense(3000, 2, big)), NewSliceReader(big, 2)} {
			if i > 0 {
				s.Reset(src)
			}
			got, err := ReadAll(s)
			require.NoError(t, err)
			checkPermutation(t, got, len(got)/2, 2)
			out = append(out, got)
		}
		return out
	}
	a, b := passes(), passes()
	assert.Equal(t, a, b, "the sequence of passes is reproducible")
	assert.NotEqual(t, a[0], a[2], "each pass draws a new permutation")
	assert.NotEqual(t, a[1], a[4])
	requireEmptyDir(t, dir)

	// Steady state: a reset in-memory pass allocates nothing new.
	s, err := NewShuffled(NewSliceReader(big, 2))
	require.NoError(t, err)
	defer s.Close()
	d := Discard(2)
	r := NewSliceReader(big, 2)
	allocs := testing.AllocsPerRun(10, func() {
		_ = r.Rewind()
		s.Reset(r)
		if _, err := s.WriteTo(d); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
	assert.Panics(t, func() { s.Reset(NewSliceReader(big, 1)) })
}
