// Package synth generates synthetic matrices as row streams, on the fly:
// nothing n-sized is ever stored (except by NewSpectrumExact, which says
// so).
//
// Every generator is a stream.Reader, stream.Rewinder, stream.Lener and
// stream.RowReaderAt. Row i is a pure function of the seed and i (a PCG
// source, math/rand/v2, seeded from a hash of both), so a rewind, a second
// generator with the same seed, and random access all give the same bits;
// the arithmetic rounds every product explicitly, so the bits do not depend
// on the build (GOAMD64, purego). The known structure — singular values,
// singular vectors, the top eigenvector — is exposed so tests can check
// estimators against the truth.
//
//   - Gaussian: i.i.d. N(0,1) entries.
//   - LowRank: rank-r signal with singular values r…1 plus Gaussian noise.
//   - Spectrum: given singular values along random orthonormal directions.
//   - Spiked: rows N(0, Σ) with Σ's top eigenvalue R times the rest.
//   - Heavy: the random-order hard instance (R heavy rows among many light
//     ones), in random or adversarial order.
//
// Generators are not safe for concurrent use.
package synth
