// Package delim reads and writes matrices as delimited text: CSV, TSV or
// any one-byte separator.
//
// A Reader turns each data line into one float64 row, in place and without
// allocating per row; it skips blank lines, '#' comment lines and a header
// (detected automatically or given by Header), and can select or drop
// columns (for example a trailing label column: DropColumns([]int{-1})). A
// Writer prints every value in its shortest exact form, so a write/read
// round trip is bit-exact.
//
// # Errors
//
// Bad data is reported as a *stream.DataError with the line, the data row,
// the 1-based field number and the byte offset of the field, and what was
// found against what was expected. It wraps stream.ErrFormat (a
// non-numeric or empty field, a wrong field count, a malformed quote),
// stream.ErrNonFinite (NaN, ±Inf or overflow, unless AllowNonFinite),
// stream.ErrTooLarge (a line beyond MaxLineBytes) or stream.ErrEmpty (no
// data line at all). A last line without a newline is a complete row.
package delim
