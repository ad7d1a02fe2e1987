//go:build amd64 && !purego

package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/cpu"
)

// The aligned-load variant of the Gemv kernel must give the same bits as the
// plain one for every misalignment, length and row stride (multiple of 8).
func TestDots4AlignedBitIdentical(t *testing.T) {
	if !cpu.X86.HasAVX512F {
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(9, 9))
	buf := make([]float64, 4*200+64)
	for i := range buf {
		buf[i] = randVal(rng)
	}
	x := make([]float64, 200)
	for i := range x {
		x[i] = randVal(rng)
	}
	base := (8 - int(uintptr(unsafe.Pointer(&buf[0]))%64/8)) % 8
	for n := range 140 {
		for _, lda := range []int{max(n, 1) + (8-max(n, 1)%8)%8, 200} {
			for s := 1; s < 8; s++ {
				a := buf[base+s:]
				require.NotZero(t, uintptr(unsafe.Pointer(&a[0]))%64)
				var want, got [4]float64
				p := [4]*float64{&a[0], &a[lda], &a[2*lda], &a[3*lda]}
				dots4pAVX512(n, &p, &x[0], &want)
				dots4AlignedAVX512(n, &a[0], lda, &x[0], &got)
				for r := range 4 {
					require.Equal(t, math.Float64bits(want[r]), math.Float64bits(got[r]), "n=%d lda=%d shift=%d row %d", n, lda, s, r)
				}
			}
		}
	}
}

// dotAVX512 hands long x that starts off a cache line to dotAlignXAVX512,
// which must give the bits of the plain loop for every shift of x.
func TestDotAlignedBitIdentical(t *testing.T) {
	if !cpu.X86.HasAVX512F {
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(10, 10))
	ys := make([]float64, 600)
	for i := range ys {
		ys[i] = randVal(rng)
	}
	// at returns a copy of v starting s elements past a 64-byte boundary.
	at := func(v []float64, s int) []float64 {
		buf := make([]float64, len(v)+16)
		b0 := (8 - int(uintptr(unsafe.Pointer(&buf[0]))%64/8)) % 8
		x := buf[b0+s : b0+s+len(v)]
		copy(x, v)
		return x
	}
	for n := range 300 {
		ref := at(ys[300:300+n], 0) // aligned: the plain loop
		y := ys[3 : 3+n]
		want := dotAVX512(ref, y)
		for s := 1; s < 8; s++ {
			x := at(ref, s)
			require.Equal(t, math.Float64bits(want), math.Float64bits(dotAVX512(x, y)), "n=%d shift=%d", n, s)
			require.Equal(t, math.Float64bits(want), math.Float64bits(dotAlignXAVX512(x, y)), "n=%d shift=%d (direct)", n, s)
		}
	}
}
