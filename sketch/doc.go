// Package sketch holds the streaming matrix sketches of linstream: small
// summaries of an n×d matrix A that arrives as a stream of row blocks and is
// never held whole.
//
//   - FrequentDirections: a deterministic ℓ×d sketch B with
//     BᵀB ≼ AᵀA and ‖AᵀA − BᵀB‖₂ ≤ ‖A − A_k‖²_F/(ℓ − k) for every k < ℓ.
//   - HeavyRows: every row whose squared norm is at least τ·‖A‖²_F.
//   - Gram: the exact d×d matrix AᵀA.
//   - CountSketch, OSNAP, Gaussian: oblivious random projections SA.
//   - NormSampler: rows sampled with probability ‖a_i‖²/‖A‖²_F.
//
// # Contracts
//
// Every sketch is a stream.Writer that never fails on finite input, so one
// pass can feed many of them:
//
//	stream.Copy(stream.Tee(fd, heavy), r)
//
// A row holding NaN or ±Inf (or whose squared norm overflows) is rejected
// with an error wrapping stream.ErrNonFinite; the rows before it are kept
// and the sketch stays valid. WriteRows panics if len(src) is not a multiple
// of Cols. After construction no sketch allocates per row: all workspace is
// sized by the constructor (testing.AllocsPerRun proves it in the tests).
//
// Constructors take functional options (WithSeed, WithCapacity, …),
// validated at construction: a bad value returns an error wrapping
// ErrInvalidOption. Randomized sketches draw every random choice from the
// seed, so the same seed gives the same bits on every platform.
//
// Accessors (Sketch, Rows, TopK, Matrix, …) read results without changing
// state, writing into a caller's destination when one is given.
//
// # Merge and checkpoints
//
// Sketches of the same parameters combine with Merge into the sketch of the
// stacked matrix; different parameters give an error wrapping
// ErrIncompatible. MarshalBinary, AppendBinary and UnmarshalBinary encode the
// whole state (internal/binfmt framing: magic, kind, version), so a long
// stream can checkpoint and resume bit for bit, and shards can be combined on
// any engine. UnmarshalBinary checks everything before the receiver changes
// and wraps ErrCorrupt on bad bytes. Clone is a deep copy; Reset empties a
// sketch for reuse without allocating.
package sketch
