package sketch

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/linstream/linstream/internal/kernel"
	"github.com/linstream/linstream/stream"
)

// Seeded hashing shared by the oblivious sketches (CountSketch, OSNAP,
// Gaussian) and NormSampler.
//
// Every random choice these sketches make about row i is a function of the
// seed and of i, the row's stream index, alone: nothing depends on the order
// or the blocking in which rows arrive, or on what other rows hold. That is
// what makes shards of one stream mergeable: a shard that knows its global
// row offset (WithRowOffset) draws exactly the columns of S the whole-stream
// sketch would draw for its rows, so the sketches of the shards add up to the
// sketch of the stream.
//
// The generator is counter-based: the key of a sketch is
//
//	key = mix(seed ⊕ domain)
//
// with a constant domain per use (so CountSketch and OSNAP of one seed are
// unrelated), and the 64 random bits of row i are
//
//	h(i) = mix(key + (i+1)·γ)
//
// where γ = 0x9e3779b97f4a7c15 and mix is the SplitMix64 finaliser — h(i)
// is the (i+1)-th output of a SplitMix64 generator started at key, and
// further words for row i continue that construction from h(i). Gaussian
// columns seed a math/rand/v2 PCG from two such words and draw normals from
// it with the ziggurat of rand.NormFloat64, whose output stream Go promises
// not to change. No assembly is involved, so the same seed gives the same S
// on every platform and build.

const (
	hashGamma = 0x9e3779b97f4a7c15 // 2⁶⁴/φ, the SplitMix64 increment

	// Domain constants: one per use of the seed. Part of every encoded
	// state's meaning: never change them.
	domainCountSketch = 0x436f756e74536b31 // "CountSk1"
	domainOSNAP       = 0x4f534e4150763031 // "OSNAPv01"
	domainGaussianA   = 0x4761757373416131 // "GaussAa1"
	domainGaussianB   = 0x4761757373426231 // "GaussBb1"
	domainNormSample  = 0x4e6f726d53616d31 // "NormSam1"
	domainNormMerge   = 0x4e6f726d4d726731 // "NormMrg1"
)

// hashMix is the SplitMix64 output function: a bijection of uint64 whose
// output bits each depend on every input bit.
func hashMix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hashKey derives the key of one use of a seed.
func hashKey(seed, domain uint64) uint64 { return hashMix(seed ^ domain) }

// hashAt returns the k-th 64-bit word of the generator started at key:
// hashAt(key, i) is the word of stream row i.
func hashAt(key, i uint64) uint64 { return hashMix(key + (i+1)*hashGamma) }

// hashBucket maps 64 random bits to [0, m) by the high word of h·m
// (Lemire's multiply-shift; its bias is below m/2⁶⁴).
func hashBucket(h uint64, m int) int {
	hi, _ := bits.Mul64(h, uint64(m))
	return int(hi)
}

// hashUnitOpen maps 64 random bits to a uniform value in (0, 1] (a multiple
// of 2⁻⁵³).
func hashUnitOpen(h uint64) float64 { return float64(h>>11+1) * 0x1p-53 }

// rowOffsetKey is the setExt key of WithRowOffset.
type rowOffsetKey struct{}

// maxRowIndex caps stream indices (row offsets and decoded next-row
// fields) far below where an int64 counter could wrap.
const maxRowIndex = 1 << 62

// addRows adds row counts, saturating at 2⁶² (never reached in practice;
// it keeps a merged count from wrapping).
func addRows(a, b int64) int64 {
	if a > maxRowIndex-b {
		return maxRowIndex
	}
	return a + b
}

// WithRowOffset sets the stream index of the first row a CountSketch, OSNAP,
// Gaussian or NormSampler receives (default 0). The random column of S (or
// the random draws of a sampler) for a row depend only on the seed and that
// row's stream index, so a shard that holds rows [n, n+k) of a stream and is
// built WithRowOffset(n) and the same seed as the other shards computes
// exactly its part of the whole-stream sketch, and Merge of the shards is
// the sketch of the stream. n must lie in [0, 2⁶²].
func WithRowOffset(n int64) Option {
	return func(c *config) error {
		if n < 0 || n > maxRowIndex {
			return fmt.Errorf("WithRowOffset(%d): offset must lie in [0, 2⁶²]: %w", n, ErrInvalidOption)
		}
		setExt(c, rowOffsetKey{}, n)
		c.mark("WithRowOffset")
		return nil
	}
}

// rowOffsetOf returns the WithRowOffset value in c (0 if none).
func rowOffsetOf(c *config) int64 {
	n, _ := getExt[int64](c, rowOffsetKey{})
	return n
}

// maxOblivious caps the state a constructor will allocate for the oblivious
// sketches, in float64 elements (2 GiB); larger m·d is an ErrInvalidOption.
const maxOblivious = 1 << 28

// checkWriteRows panics unless src holds whole rows of cols columns.
// A zero-value sketch (cols 0) panics with a message saying so.
func checkWriteRows(name string, src []float64, cols int) {
	if cols < 1 {
		panic(fmt.Sprintf("sketch: %s.WriteRows on a zero %s: build it with New%s or UnmarshalBinary", name, name, name))
	}
	if len(src)%cols != 0 {
		panic(fmt.Sprintf("sketch: %s.WriteRows: buffer length %d is not a multiple of %d columns", name, len(src), cols))
	}
}

// finitePrefix returns how many leading rows of src (cols columns, first
// row at stream index first) are finite, and the error describing the first
// row that is not (nil if all are).
//
// The fast path is one kernel.Dot of the block with itself: Σ x² is NaN
// if some x is NaN and +Inf if some x is ±Inf, so a finite result clears
// the block at the speed of the assembly kernel. Only when it is not
// finite (a bad value, or finite values whose squares overflow, which
// are accepted) does stream.CheckFinite look for the row.
//
// Rows whose stream index would pass 2⁶² are refused with an error
// wrapping stream.ErrTooLarge (reachable only from a decoded state).
func finitePrefix(name string, src []float64, cols int, first int64) (int, error) {
	src, tooFar := indexLimit(name, src, cols, first)
	if s := kernel.Dot(src, src); s <= math.MaxFloat64 {
		return len(src) / cols, tooFar
	}
	err := stream.CheckFinite(src, cols, first)
	if err == nil {
		return len(src) / cols, tooFar
	}
	if de, ok := err.(*stream.DataError); ok {
		return int(de.Row - 1 - first), fmt.Errorf("sketch: %s: %w", name, err)
	}
	return 0, fmt.Errorf("sketch: %s: %w", name, err) // not reached: CheckFinite returns *DataError
}

// indexLimit cuts src to the rows whose stream index, counting from
// first, stays within 2⁶², and returns an error if it cut any.
func indexLimit(name string, src []float64, cols int, first int64) ([]float64, error) {
	if room := maxRowIndex - first; int64(len(src)/cols) > room {
		return src[:room*int64(cols)], fmt.Errorf("sketch: %s: stream index %d would pass 2⁶²: %w", name, maxRowIndex, stream.ErrTooLarge)
	}
	return src, nil
}

// sqNormExact returns Σ x[i]² summed in a fixed order with every product
// rounded before it is added (the float64 conversion forbids fused
// multiply-add), so the result has the same bits on every platform and
// build. It is +Inf if the sum overflows or some x[i] is infinite, NaN if
// some x[i] is NaN. Eight accumulators keep it near the load bandwidth.
func sqNormExact(x []float64) float64 {
	var s0, s1, s2, s3, s4, s5, s6, s7 float64
	for len(x) >= 8 {
		v := (*[8]float64)(x)
		s0 += float64(v[0] * v[0])
		s1 += float64(v[1] * v[1])
		s2 += float64(v[2] * v[2])
		s3 += float64(v[3] * v[3])
		s4 += float64(v[4] * v[4])
		s5 += float64(v[5] * v[5])
		s6 += float64(v[6] * v[6])
		s7 += float64(v[7] * v[7])
		x = x[8:]
	}
	for _, v := range x {
		s0 += float64(v * v)
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}

// isFiniteAll reports whether every value of x is finite.
func isFiniteAll(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
