// Package raw reads and writes matrices stored as bare fixed-size rows: no
// header, each row Cols values of one element type, rows back to back.
//
// The plain use is headerless little-endian float64 or float32 files
// (".raw", ".f64", ".f32"), whose width must be given. The same engine reads
// the data section of every fixed-row binary format in linstream: stream/npy
// and stream/safetensors parse their headers and hand the rows to a raw
// [Reader] (sequential) or [RandomReader] (random access over an
// io.ReaderAt), so all three report errors and convert element types the
// same way. Their Writers are thin [HeaderedWriter]s: the header that holds
// the final row count is written first, patched through io.Seeker or
// written after spooling, in one place.
//
// # Element types
//
// A [Dtype] names an element type and its byte order. Values are float64 in
// memory; narrower types convert exactly on read (every float32, float16,
// bfloat16 and integer up to 2⁵³ in magnitude is a float64). Writers emit
// float64 or float32; float32 output rejects finite values that would
// overflow to ±Inf.
//
// # Errors
//
// Bad data is reported as a *stream.DataError carrying the file name (the
// [Name] option), the 1-based row and column and the byte offset, wrapping
// stream.ErrNonFinite (NaN or ±Inf, unless [AllowNonFinite]), stream.ErrShape
// (fewer or more rows than declared), io.ErrUnexpectedEOF (the input ends
// inside a row) or the underlying I/O error.
//
// # Speed
//
// Little-endian float64 on a little-endian host is read straight into the
// caller's buffer (one copy, no per-value work besides the finiteness
// check); building with the purego tag replaces that with an
// encoding/binary loop.
package raw

import "fmt"

// Dtype is an element type with its byte order.
type Dtype uint8

// Element types. Combine with [BigEndian] for big-endian data.
const (
	Float64  Dtype = 1 + iota // IEEE 754 binary64
	Float32                   // IEEE 754 binary32
	Float16                   // IEEE 754 binary16
	BFloat16                  // bfloat16 (the top half of a binary32)
	Uint8
	Int8
	Uint16
	Int16
	Uint32
	Int32
	Uint64 // converted exactly only up to 2⁵³
	Int64  // converted exactly only up to ±2⁵³
	Bool   // one byte, 0 or 1 (any non-zero byte reads as 1)

	// BigEndian marks a big-endian variant: Float64|BigEndian.
	BigEndian Dtype = 0x80
)

// Base returns d without its byte-order flag.
func (d Dtype) Base() Dtype { return d &^ BigEndian }

// IsBigEndian reports whether d is a big-endian multi-byte type.
func (d Dtype) IsBigEndian() bool { return d&BigEndian != 0 && d.Size() > 1 }

// Valid reports whether d names a known element type.
func (d Dtype) Valid() bool { b := d.Base(); return b >= Float64 && b <= Bool }

// Size returns the size in bytes of one element, 0 for an invalid Dtype.
func (d Dtype) Size() int {
	switch d.Base() {
	case Float64, Uint64, Int64:
		return 8
	case Float32, Uint32, Int32:
		return 4
	case Float16, BFloat16, Uint16, Int16:
		return 2
	case Uint8, Int8, Bool:
		return 1
	}
	return 0
}

// IsFloat reports whether d is a floating-point type (the only kinds that
// can hold NaN or ±Inf).
func (d Dtype) IsFloat() bool {
	switch d.Base() {
	case Float64, Float32, Float16, BFloat16:
		return true
	}
	return false
}

var dtypeNames = [...]string{"", "float64", "float32", "float16", "bfloat16", "uint8", "int8",
	"uint16", "int16", "uint32", "int32", "uint64", "int64", "bool"}

// String returns a name such as "float64" or "float32 big-endian".
func (d Dtype) String() string {
	if !d.Valid() {
		return fmt.Sprintf("Dtype(%d)", uint8(d))
	}
	s := dtypeNames[d.Base()]
	if d.IsBigEndian() {
		s += " big-endian"
	}
	return s
}
