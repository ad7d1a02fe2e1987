// Package kernel holds linstream's allocation-free blocked kernels: the only
// place with loops over raw floats that matter for speed.
//
// Matrices are row-major with an explicit leading dimension (the distance in
// elements between the starts of consecutive rows), as in BLAS with the
// storage transposed. Vectors are unit-stride slices. No function allocates.
// Wrong sizes (a slice too short for the shape it is given, a negative
// dimension, a leading dimension smaller than the row length) are programmer
// errors and panic with a message prefixed "kernel: ".
//
// Every kernel has one generic Go body, which is its specification. On amd64
// an assembly body (AVX2+FMA, or AVX-512 where the CPU has it) is chosen once
// at start-up; the build tag purego forces the generic bodies everywhere.
// Assembly bodies agree with the generic ones to within the rounding bound
// stated on each function (they sum in a different order and use fused
// multiply-add).
package kernel
