// Package safetensors reads and writes the safetensors format as row
// streams: list the tensors of a file, stream one named 1-D or 2-D tensor
// row by row, and write one or more named tensors.
//
// A safetensors file is an 8-byte little-endian header length N, N bytes of
// JSON mapping tensor names to {"dtype", "shape", "data_offsets": [begin,
// end]} (offsets relative to the data section, which follows the header),
// an optional "__metadata__" map of strings, then the little-endian tensor
// data.
//
// The header is validated before anything is allocated from it: N is capped
// at MaxHeaderLen and read in growing steps, every tensor's offsets must
// match its shape and dtype, tensors must not overlap, and with [Open]
// (an io.ReaderAt of known size) they must lie inside the file. Dtypes F64,
// F32, F16, BF16 and the integer and BOOL types read as float64 (see
// raw.Decode); others can be listed but not read. A 1-D tensor of n
// elements reads as n rows of one column; 2-D as rows × cols.
//
// Errors are *stream.DataError values naming the file, tensor, row, column
// and byte offset, wrapping stream.ErrFormat, stream.ErrShape,
// stream.ErrUnsupported, stream.ErrTooLarge, stream.ErrEmpty,
// stream.ErrNonFinite or io.ErrUnexpectedEOF.
package safetensors

import (
	"fmt"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/raw"
)

// MaxHeaderLen caps the JSON header length a reader accepts (100 MiB, the
// reference implementation's limit).
const MaxHeaderLen = 100 << 20

// maxBytes caps any size computed from a header.
const maxBytes = 1 << 60

var dtypeByName = map[string]raw.Dtype{
	"F64": raw.Float64, "F32": raw.Float32, "F16": raw.Float16, "BF16": raw.BFloat16,
	"U8": raw.Uint8, "I8": raw.Int8, "U16": raw.Uint16, "I16": raw.Int16,
	"U32": raw.Uint32, "I32": raw.Int32, "U64": raw.Uint64, "I64": raw.Int64, "BOOL": raw.Bool,
}

// otherSizes are dtypes the format defines that linstream can list but not
// read.
var otherSizes = map[string]int{"F8_E4M3": 1, "F8_E5M2": 1, "C64": 8, "C128": 16}

// ParseDtype returns the element type of a safetensors dtype name such as
// "F32", and whether linstream can read it.
func ParseDtype(name string) (raw.Dtype, bool) {
	d, ok := dtypeByName[name]
	return d, ok
}

// DtypeName returns the safetensors name of a little-endian element type
// ("F64", "U8", …), or "" if the format has none (big-endian types).
func DtypeName(d raw.Dtype) string {
	if d.IsBigEndian() {
		return ""
	}
	for k, v := range dtypeByName {
		if v == d.Base() {
			return k
		}
	}
	return ""
}

func dataError(file string, off int64, sentinel error, format string, args ...any) *stream.DataError {
	return &stream.DataError{File: file, Offset: off, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

func displayName(name string) string {
	if name == "" {
		return "<stream>"
	}
	return name
}
