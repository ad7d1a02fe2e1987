// Package spectral estimates the top eigenvector v₁ of AᵀA — the top right
// singular vector of A — for a matrix A that arrives as a stream of rows.
//
// # Estimators
//
// One-pass estimators are stream.Writers: feed them rows (stream.Copy, Tee)
// and read a Result at any time without changing their state.
//
//   - RandomOrder: the random-order heavy-row estimator (Kacham & Woodruff,
//     NeurIPS 2024, as reconstructed in linstream's algorithm notes). Heavy
//     rows are stored exactly; light rows drive a block power method in which
//     every block of consecutive rows is a uniform sample of the matrix. Its
//     precondition is a uniformly random row order (stream.Shuffle provides
//     one); in any other order its answer carries no guarantee.
//   - Oja: Oja's rule z ← z + η(aᵀz)a with a fixed, c/t, c/√t or
//     Frobenius-scaled learning rate.
//   - OjaGrid: a geometric grid of fixed learning rates run in the same pass,
//     in the spirit of Price & Xun (FOCS 2024), with a documented selection
//     rule.
//
// Multi-pass references take a stream.Rewinder (matrix-free: every pass
// computes AᵀAz = Σ (aᵀz)a) or an in-memory Gram matrix: Power, Lanczos,
// PowerGram and LanczosGram. They stop at a relative residual tolerance and
// return the residual as a certificate.
//
// # Results carry their evidence
//
// Every Result holds the unit vector (sign canonical: its largest-magnitude
// entry is positive, ties going to the smallest index), an estimate of λ₁,
// the rows seen, the heavy rows kept, the floats of state held, and what is
// known of its quality: for the multi-pass methods the residual
// r = AᵀAv − λv, for which Weyl's and the Davis–Kahan theorems give
//
//	|λ − λ_true| ≤ ‖r‖   and   sin θ(v, v₁) ≤ ‖r‖ / gap;
//
// for the one-pass methods an estimated spectral ratio Gap ≈ λ₁/λ₂ and a
// Stability score ⟨v_prev, v⟩² between two iterates, combined by a documented
// rule into Confident. A one-pass Result that is not Confident should not be
// trusted: on data with almost no spectral gap (λ₁/λ₂ ≈ 1.1) a single pass
// cannot pin down v₁, and the Result says so instead of presenting a
// confident wrong vector.
//
// # Conventions
//
// Constructors validate their options and return an error wrapping
// ErrInvalidOption. Programmer mistakes (a row buffer that is not a multiple
// of Cols, a destination of the wrong length) panic with "spectral: …".
// Non-finite input rows are rejected with an error wrapping
// stream.ErrNonFinite that names the row; the rows before it are consumed.
// Randomness comes only from WithSeed (math/rand/v2 PCG): the same seed and
// the same rows give the same Result. After construction, WriteRows does not
// allocate, except when RandomOrder stores a heavy row (amortized growth of
// its heavy-row buffer, capped by WithMaxHeavy).
//
// # Checkpoints
//
// RandomOrder, Oja and OjaGrid implement MarshalBinary, AppendBinary and
// UnmarshalBinary (binfmt kinds KindRandomOrder, KindOja and KindOjaGrid):
// a long stream can checkpoint and resume, bit for bit. Decoding checks every field before
// the receiver changes and wraps ErrCorrupt on failure. The estimators do
// not Merge: a block power method and Oja's product are sequential in the
// rows, so two shards' states do not combine.
package spectral
