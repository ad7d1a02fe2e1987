// Package npy reads and writes NumPy .npy files as row streams.
//
// Readers accept format versions 1.0, 2.0 and 3.0, the dtypes '<f8', '<f4',
// '<f2', '>f8', '>f4' and the integer and bool dtypes ('|u1', '<i8', '|b1',
// …), converting to float64 as raw.Decode describes. A 1-D array of shape
// (n,) reads as n rows of one column; a 2-D C-order array (rows, cols)
// streams row by row. Fortran order (column-major) cannot be streamed by
// rows: it fails with stream.ErrUnsupported unless the FortranBudget option
// allows the whole array in memory, where it is transposed.
//
// [NewReader] reads sequentially from any io.Reader; [NewReaderAt] reads an
// io.ReaderAt of known size (an *os.File, a golang.org/x/exp/mmap.ReaderAt)
// and adds Rewind and ReadRowsAt, so an uncompressed .npy can be shuffled
// or read many times without a spill. '<f8' on a little-endian host is read
// straight into the caller's buffer.
//
// [Writer] emits version 1.0 '<f8' (or '<f4') files, choosing how to get the
// row count into the header: known in advance, patched through Seek, or
// spooled to a temporary file. [WriteUint8] writes a '|u1' byte matrix such
// as a mask.
//
// Errors are *stream.DataError values that name the file (the Name option),
// the row, column and byte offset, and wrap the stream sentinels; nothing is
// allocated from a header's claims (header length ≤ MaxHeaderLen, at most
// raw.MaxCols columns, shapes checked for overflow and, with NewReaderAt,
// against the file size).
package npy
