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
				dots4AVX512(n, &a[0], lda, &x[0], &want)
				dots4AlignedAVX512(n, &a[0], lda, &x[0], &got)
				for r := range 4 {
					require.Equal(t, math.Float64bits(want[r]), math.Float64bits(got[r]), "n=%d lda=%d shift=%d row %d", n, lda, s, r)
				}
			}
		}
	}
}
