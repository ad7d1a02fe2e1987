package kernel

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// copyFiniteRef is the plainest statement of CopyFinite.
func copyFiniteRef(dst []float64, src []byte) int {
	bad := -1
	for i := range dst {
		dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:]))
		if bad < 0 && (math.IsNaN(dst[i]) || math.IsInf(dst[i], 0)) {
			bad = i
		}
	}
	return bad
}

// nonFinite are the bit patterns CopyFinite must catch: quiet and
// signalling NaNs of either sign and with payloads, and ±Inf.
var nonFinite = []uint64{
	0x7ff8000000000000, 0xfff8000000000000, 0x7ff0000000000001,
	0xfff0000000000001, 0x7ffc00000000abcd, 0x7fffffffffffffff,
	0x7ff0000000000000, 0xfff0000000000000,
}

// finiteEdge are finite values next to the non-finite ones.
var finiteEdge = []uint64{
	0, 1 << 63, 1, 0x7fefffffffffffff, 0xffefffffffffffff, 0x000fffffffffffff,
}

// Every body against the reference: lengths 0…67 at each of 8 byte
// offsets of src (dst at an odd element offset for odd ones), all finite and with every
// non-finite pattern planted at every position (alone and with a second
// one after it); the copy is bit-exact and the bytes around dst untouched.
func TestCopyFiniteBodies(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const guard = 9
	const sentinel = -12345.5
	for _, name := range Impls() {
		body := copyFiniteBody(name)
		for n := range 68 {
			for so := range 8 {
				{
					do := so % 2
					raw := make([]byte, 8*n+so+8)
					src := raw[so : so+8*n]
					vals := make([]uint64, n)
					for i := range vals {
						vals[i] = math.Float64bits(randVal(rng))
						if rng.IntN(8) == 0 {
							vals[i] = finiteEdge[rng.IntN(len(finiteEdge))]
						}
					}
					run := func(planted string, want int) {
						for i, v := range vals {
							binary.LittleEndian.PutUint64(src[8*i:], v)
						}
						buf := make([]float64, n+2*guard+do)
						for i := range buf {
							buf[i] = sentinel
						}
						dst := buf[guard+do : guard+do+n]
						got := body(dst, src)
						if got != want {
							t.Fatalf("%s n=%d srcoff=%d dstoff=%d %s: first bad %d, want %d", name, n, so, do, planted, got, want)
						}
						for i, v := range vals {
							if v != math.Float64bits(dst[i]) {
								t.Fatalf("%s n=%d value %d %s: got %#x want %#x", name, n, i, planted, math.Float64bits(dst[i]), v)
							}
						}
						for i, v := range buf {
							if (i < guard+do || i >= guard+do+n) && v != sentinel {
								t.Fatalf("%s n=%d: guard element %d overwritten", name, n, i)
							}
						}
					}
					run("all finite", -1)
					for p := range n {
						keep := vals[p]
						bad := nonFinite[(p+so)%len(nonFinite)]
						vals[p] = bad
						run("bad at p", p)
						if q := p + 1 + rng.IntN(n-p); q < n {
							k2 := vals[q]
							vals[q] = nonFinite[rng.IntN(len(nonFinite))]
							run("bad at p and q", p)
							vals[q] = k2
						}
						vals[p] = keep
					}
				}
			}
		}
	}
}

// Long inputs (several 32-value steps, odd tails) against the reference.
func TestCopyFiniteLong(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, name := range Impls() {
		body := copyFiniteBody(name)
		for _, n := range []int{255, 256, 257, 1000, 4099} {
			src := make([]byte, 8*n+3)[3:]
			for i := range n {
				binary.LittleEndian.PutUint64(src[8*i:], math.Float64bits(randVal(rng)))
			}
			want := make([]float64, n)
			got := make([]float64, n)
			require.Equal(t, -1, body(got, src), "%s n=%d", name, n)
			for _, p := range []int{0, 31, 32, n / 2, n - 1} {
				binary.LittleEndian.PutUint64(src[8*p:], nonFinite[p%len(nonFinite)])
				require.Equal(t, copyFiniteRef(want, src), body(got, src), "%s n=%d p=%d", name, n, p)
				for i := range want {
					require.Equal(t, math.Float64bits(want[i]), math.Float64bits(got[i]))
				}
			}
		}
	}
}

func TestCopyFiniteContract(t *testing.T) {
	dst := make([]float64, 3)
	require.PanicsWithValue(t, "kernel: CopyFinite source shorter than 8·len(dst) bytes", func() {
		CopyFinite(dst, make([]byte, 23))
	})
	src := make([]byte, 8*4) // longer src: the extra bytes are ignored
	binary.LittleEndian.PutUint64(src[24:], 0x7ff8000000000000)
	require.Equal(t, -1, CopyFinite(dst, src))
	require.Equal(t, -1, CopyFinite(nil, nil))
	big := make([]float64, 4096)
	bsrc := make([]byte, 8*len(big))
	require.Zero(t, testing.AllocsPerRun(20, func() { CopyFinite(big, bsrc) }))
}

// FirstNonFinite: every body against the plain loop, lengths 0…300, each
// non-finite pattern planted at every position (alone, and with a second
// one after it), finite edge values around it; x is never written.
func TestFirstNonFiniteBodies(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ref := func(x []float64) int {
		for i, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return i
			}
		}
		return -1
	}
	for _, name := range Impls() {
		body := firstNonFiniteBody(name)
		for _, n := range []int{0, 1, 3, 7, 8, 9, 31, 32, 33, 40, 63, 64, 65, 67, 129, 300} {
			x := make([]float64, n)
			for i := range x {
				x[i] = randVal(rng)
				if rng.IntN(6) == 0 {
					x[i] = math.Float64frombits(finiteEdge[rng.IntN(len(finiteEdge))])
				}
			}
			require.Equal(t, -1, body(x), "%s n=%d all finite", name, n)
			for p := range n {
				bits := nonFinite[rng.IntN(len(nonFinite))]
				old := x[p]
				x[p] = math.Float64frombits(bits)
				if p+5 < n {
					x[p+5] = math.Inf(-1)
				}
				before := append([]float64(nil), x...)
				require.Equal(t, ref(x), body(x), "%s n=%d at %d (%#x)", name, n, p, bits)
				for i := range x {
					require.Equal(t, math.Float64bits(before[i]), math.Float64bits(x[i]), "%s wrote x", name)
				}
				x[p] = old
				if p+5 < n {
					x[p+5] = 1
				}
			}
		}
		y := make([]float64, 100)
		require.Zero(t, testing.AllocsPerRun(10, func() { body(y) }))
	}
	require.Equal(t, 2, FirstNonFinite([]float64{1, 2, math.NaN()}))
}
