// Package mtx reads and writes Matrix Market files (.mtx) as row streams.
//
// Supported: the "matrix" object in "array" and "coordinate" format, with
// field "real" (or "double"), "integer" or "pattern" (every stored entry
// is 1), and symmetry "general", "symmetric" or "skew-symmetric"
// (expanded to the full matrix). Complex and hermitian matrices are
// reported with stream.ErrUnsupported.
//
// Row-sorted general coordinate files stream in O(cols) memory after a
// bounded lookahead (Lookahead entries, 2²⁰ by default); every other layout
// is held in memory up to the MemoryBudget (see Reader). Nothing is
// allocated from a declared size alone: memory grows with the entries
// actually read.
//
// # Errors
//
// Bad data is a *stream.DataError with the line, the byte offset of the
// line or token, the matrix row and column where they are known, wrapping
// stream.ErrFormat (a malformed banner, size line or entry, an index out
// of range, a duplicate), stream.ErrShape (entry or value count disagreeing
// with the size line; truncation also wraps io.ErrUnexpectedEOF),
// stream.ErrNonFinite, stream.ErrTooLarge (over the memory budget),
// stream.ErrUnsupported or stream.ErrEmpty.
package mtx
