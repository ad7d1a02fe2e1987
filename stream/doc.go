// Package stream is linstream's io: an n×d matrix as a stream of row blocks.
//
// A [Reader] yields whole rows into a caller's row-major buffer; a [Writer]
// consumes whole rows. Every sketch and estimator in linstream is a Writer,
// so one pass over a Reader can feed many of them:
//
//	stream.Copy(stream.Tee(fd, heavy, oja), r)
//
// The package mirrors io, at row granularity.
//
// # Readers
//
//   - [SliceReader] over a row-major []float64; [FromMatrix] over a gonum
//     mat.Matrix (a *mat.Dense is copied row by row from its backing slice).
//     Both rewind, know their length ([Lener]) and read rows at any index
//     ([RowReaderAt]).
//   - [LimitRows] stops after n rows; [TeeReader] copies what it reads to a
//     Writer; [Shuffled] yields another Reader's rows in random order.
//   - [ReadFull] reads exactly one buffer of rows (io.EOF when none were
//     left, io.ErrUnexpectedEOF when some were); [ReadAll] and [ToDense]
//     read everything into memory, for small inputs and gonum interop.
//   - [Scanner] reads fixed-size blocks, bufio.Scanner style
//     (Scan/Block/Err), and its All method ranges over the rows:
//     for i, row := range s.All().
//
// The file formats live in subpackages (stream/npy, stream/mtx, stream/delim,
// stream/safetensors, stream/raw), and stream/matfile opens any of them,
// compressed or not, by name or magic bytes.
//
// # Writers
//
//   - [SliceWriter] collects rows in memory; [Discard] returns a [Counter]
//     that drops and counts them.
//   - [Tee] feeds every block to several Writers in one pass, stopping at
//     the first failure like io.MultiWriter.
//   - [Copy] and [CopyBuffer] move every row of a Reader into a Writer
//     through one buffer (DefaultBlockRows rows).
//
// # Random order
//
// [Shuffle] (and [NewShuffled], its Reader form) permutes the rows of a
// stream uniformly at random — every one of the n! orders has probability
// 1/n!, reproducibly from a seed — in memory bounded by a budget whatever n
// is. A stream that fits is permuted in memory by Fisher–Yates; a larger
// one is spilled to compressed temporary files, each row to a bucket chosen
// independently and uniformly, and each bucket is then permuted in memory
// (or split again if it is still too large). This is an exact uniform
// permutation, not a window shuffle, which is what random-order algorithms
// (spectral.RandomOrder) assume. Sources with fixed-size rows in random
// access storage ([RowReaderAt]) are read in permuted order instead of
// being spilled.
//
// # Contracts
//
// Buffers are row-major []float64 whose length is a multiple of Cols. Passing
// a buffer whose length is not a multiple of Cols is a programmer error and
// panics, as are mismatched widths where a pipeline is assembled (Tee,
// TeeReader). Readers return io.EOF only at a row boundary, and
// io.ErrUnexpectedEOF (wrapped with position) when the input ends inside a
// row. Neither Readers nor Writers retain the caller's buffer. Moving rows
// (Copy, Tee, TeeReader, LimitRows, ReadFull, Scanner.Scan, the in-memory
// readers and writers) allocates nothing per block.
//
// Problems in data (malformed headers, non-numeric fields, non-finite values,
// shapes that disagree with the data) are returned as errors that wrap one of
// the sentinels below, usually inside a *[DataError] that says where.
// [CheckFinite] is the shared, fast check format readers apply to each
// decoded block.
package stream
