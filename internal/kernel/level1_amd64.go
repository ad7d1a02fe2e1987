//go:build amd64 && !purego

package kernel

// Assembly bodies of the level-1 kernels (level1_amd64.s). Each computes
// exactly what the named generic body computes, up to rounding: they sum in
// a different order and use fused multiply-add, and stay within the bound
// stated in the package documentation.

// dotAVX512 is dotGeneric with 8 independent 512-bit FMA accumulators and a
// masked tail. len(y) ≥ len(x) is the caller's duty.
//
//go:noescape
func dotAVX512(x, y []float64) float64

// dotAVX2 is dotGeneric with 8 independent 256-bit FMA accumulators and a
// scalar FMA tail. len(y) ≥ len(x) is the caller's duty.
//
//go:noescape
func dotAVX2(x, y []float64) float64

// axpyAVX512 is axpyGeneric (y += alpha·x) with 512-bit FMA and a masked
// tail. len(y) ≥ len(x) is the caller's duty.
//
//go:noescape
func axpyAVX512(alpha float64, x, y []float64)

// axpyAVX2 is axpyGeneric (y += alpha·x) with 256-bit FMA and a scalar FMA
// tail. len(y) ≥ len(x) is the caller's duty.
//
//go:noescape
func axpyAVX2(alpha float64, x, y []float64)

// scalAVX512 is scalGeneric (x *= alpha); the results are bit-identical.
//
//go:noescape
func scalAVX512(alpha float64, x []float64)

// scalAVX2 is scalGeneric (x *= alpha); the results are bit-identical.
//
//go:noescape
func scalAVX2(alpha float64, x []float64)

// dotAlignXAVX512 is dotAVX512 (bit for bit) for x not on a 64-byte
// boundary, with aligned loads of x; dotAVX512 jumps to it when
// len(x) ≥ 64.
//
//go:noescape
func dotAlignXAVX512(x, y []float64) float64
