// Package stream is linstream's io: an n×d matrix as a stream of row blocks.
//
// A [Reader] yields whole rows into a caller's row-major buffer; a [Writer]
// consumes whole rows. Every sketch and estimator in linstream is a Writer,
// so one pass over a Reader can feed many of them:
//
//	stream.Copy(stream.Tee(fd, heavy, oja), r)
//
// # Contracts
//
// Buffers are row-major []float64 whose length is a multiple of Cols. Passing
// a buffer whose length is not a multiple of Cols is a programmer error and
// panics. Readers return io.EOF only at a row boundary, and
// io.ErrUnexpectedEOF (wrapped with position) when the input ends inside a
// row. Neither Readers nor Writers retain the caller's buffer.
//
// Problems in data (malformed headers, non-numeric fields, non-finite values,
// shapes that disagree with the data) are returned as errors that wrap one of
// the sentinels below, usually inside a *DataError that says where.
package stream
