// Package lowrank computes best low-rank approximations and what is built on
// them: Eckart–Young truncation (exact in memory, one pass through the Gram
// matrix, randomized subspace iteration over a rewindable stream, or from a
// Frequent Directions sketch), the canonical rank-r normal form of a score
// matrix (NormalForm, masked or not, and NormalFormFactors for a
// dot-product chart S = P·Rᵀ), LIFT's principal-weight masks
// (PrincipalWeights, PrincipalWeightsStream), and effective and stable
// ranks.
//
// # Eckart–Young
//
// For A = Σ σ_i u_i v_iᵀ (σ_1 ≥ σ_2 ≥ …), the truncation
//
//	A_r = U_r Σ_r V_rᵀ
//
// minimizes ‖A − X‖ over rank(X) ≤ r in every unitarily invariant norm, with
// ‖A − A_r‖²_F = Σ_{i>r} σ_i² (the tail energy) and ‖A − A_r‖₂ = σ_{r+1}.
// In the Frobenius norm A_r is unique iff σ_r > σ_{r+1}; every [Result]
// reports the gap and a Unique flag instead of silently picking one of many
// minimizers.
//
// # Routes
//
//   - [Truncate] on an in-memory row-major matrix picks gonum's thin SVD for
//     small inputs (full accuracy) and the Gram route for tall-skinny ones
//     (wide ones are transposed first).
//   - [GramTruncate] makes one pass over any [stream.Reader], accumulating
//     AᵀA (d×d memory) with kernel.GramUpdate, then finds the top r eigenpairs
//     by Chebyshev-filtered subspace iteration with Rayleigh–Ritz on blocks
//     of r+p vectors; a dense d×d eigensolver only runs when d ≤ 4(r+p).
//   - [Randomized] runs randomized subspace iteration over a
//     [stream.Rewinder]: each pass applies AᵀA to a d×(r+p) panel block by
//     block (Y_b = A_b Ω, Z += A_bᵀ Y_b), so q power steps cost q+1 passes;
//     the panel is re-orthonormalized (classical Gram–Schmidt twice) after
//     every pass. [WithKrylov] makes it block Krylov iteration instead: every
//     block of the passes stays in one orthonormal basis and Rayleigh–Ritz
//     runs on all of it, which needs far fewer passes on smooth spectra (the
//     default of the principal-weight functions).
//   - [FromSketch] reads the approximation off a Frequent Directions sketch
//     (package sketch) and carries the sketch's bound Δ ≥ ‖AᵀA − BᵀB‖₂.
//
// # Signs
//
// Singular vectors are only defined up to the sign of each pair (u_i, v_i).
// Results are canonical (see [CanonicalSigns]): the entry of largest
// magnitude of each u_i is positive, ties (within a relative 1e-12) going to
// the smallest index. When U is not computed (streaming routes without
// [WithU]) the rule is applied to v_i instead, and Result.SignsFrom says
// which was used. A zero vector keeps its sign (+1, never 0).
//
// # Storage
//
// Matrices are row-major []float64. U is rows×rank, V is cols×rank (column i
// of each is the i-th singular vector), as returned by gonum's SVD. Results
// own their slices. Inputs are never modified.
//
// # Errors
//
// Programmer mistakes (a slice that does not match its shape, r < 1)
// panic with a "lowrank: " message. Bad data (non-finite values, empty input)
// and numerical failure return errors wrapping [stream.ErrNonFinite],
// [stream.ErrEmpty] or [ErrNoConvergence].
package lowrank
