// Package kernel holds linstream's allocation-free blocked kernels: the only
// place with loops over raw floats that matter for speed.
//
// Matrices are row-major with an explicit leading dimension (the distance in
// elements between the starts of consecutive rows), as in BLAS with the
// storage transposed. Vectors are unit-stride slices. No function allocates
// (the level-3 assembly drivers borrow packing scratch from a sync.Pool and
// give it back). Wrong sizes (a slice too short for the shape it is given, a
// negative dimension, a leading dimension smaller than the row length) are
// programmer errors and panic with a message prefixed "kernel: ". Outputs
// must not overlap inputs. Only the output elements are written: gaps
// between rows (ld > cols) and, for GramUpdate, the strict lower triangle
// are never touched.
//
// # Implementations
//
// Every kernel has one generic Go body, which is its specification. On amd64
// an assembly body (AVX-512 where the CPU and OS support it, else AVX2+FMA)
// is chosen once at start-up from golang.org/x/sys/cpu; the build tag purego
// forces the generic bodies everywhere. Impls, Impl and Use let tests and
// benchmarks run every available body in one binary.
//
// # Rounding
//
// Each output entry is α times a sum of k products plus β times its old
// value c₀ (k = len(x) for Dot and Nrm2's sum of squares, the inner
// dimension for Gemv, GemvT and the Gemm forms, the number of rows b for
// GramUpdate, k = 1 for Axpy and AxpBy). For finite inputs, every body
// computes an ĉ with
//
//	|ĉ − c| ≤ (k+2)·2⁻⁵²·(|α|·Σ_l |a_l·b_l| + |β·c₀|)
//
// where c = α·Σ_l a_l·b_l + β·c₀ is the exact value, provided
// (k+2)·2⁻⁵² < 0.01 and nothing overflows (results in the subnormal range
// may lose up to (k+2)·2⁻¹⁰⁷⁴ more). That is twice the classical γ_{k+2}
// bound of a sum in any order: it covers the different summation orders and
// fused multiply-adds of the assembly bodies and the extra additions of
// blocking over k. Scal is exact (one rounded product per element). The
// bodies therefore agree with each other to within twice this bound, not
// bit for bit; for one body the result depends only on the shapes and
// values (not on alignment, scratch or goroutine), so it is reproducible on
// one machine.
//
// Non-finite inputs propagate as in IEEE arithmetic: no product is skipped
// (0·Inf gives NaN), except that Axpy and GramUpdate with α = 0 return at
// once, as BLAS does, and β = 0 overwrites the output without reading it.
package kernel
