package raw

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Decode converts len(dst) elements of type d from src into dst. It panics
// if d is invalid or len(src) != len(dst)*d.Size(). It does not allocate.
func Decode(dst []float64, src []byte, d Dtype) {
	sz := d.Size()
	if sz == 0 {
		panic(fmt.Sprintf("raw: Decode with invalid %v", d))
	}
	if len(src) != len(dst)*sz {
		panic(fmt.Sprintf("raw: Decode of %d elements from %d bytes of %v", len(dst), len(src), d))
	}
	var o binary.ByteOrder = binary.LittleEndian
	if d.IsBigEndian() {
		o = binary.BigEndian
	}
	switch d.Base() {
	case Float64:
		if !d.IsBigEndian() {
			decodeF64LE(dst, src)
			return
		}
		for i := range dst {
			dst[i] = math.Float64frombits(o.Uint64(src[8*i:]))
		}
	case Float32:
		if !d.IsBigEndian() {
			src = src[:4*len(dst)]
			for i := range dst {
				dst[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:])))
			}
			return
		}
		for i := range dst {
			dst[i] = float64(math.Float32frombits(o.Uint32(src[4*i:])))
		}
	case Float16:
		for i := range dst {
			dst[i] = Float16ToFloat64(o.Uint16(src[2*i:]))
		}
	case BFloat16:
		for i := range dst {
			dst[i] = float64(math.Float32frombits(uint32(o.Uint16(src[2*i:])) << 16))
		}
	case Uint8:
		for i, b := range src {
			dst[i] = float64(b)
		}
	case Int8:
		for i, b := range src {
			dst[i] = float64(int8(b))
		}
	case Bool:
		for i, b := range src {
			dst[i] = 0
			if b != 0 {
				dst[i] = 1
			}
		}
	case Uint16:
		for i := range dst {
			dst[i] = float64(o.Uint16(src[2*i:]))
		}
	case Int16:
		for i := range dst {
			dst[i] = float64(int16(o.Uint16(src[2*i:])))
		}
	case Uint32:
		for i := range dst {
			dst[i] = float64(o.Uint32(src[4*i:]))
		}
	case Int32:
		for i := range dst {
			dst[i] = float64(int32(o.Uint32(src[4*i:])))
		}
	case Uint64:
		for i := range dst {
			dst[i] = float64(o.Uint64(src[8*i:]))
		}
	case Int64:
		for i := range dst {
			dst[i] = float64(int64(o.Uint64(src[8*i:])))
		}
	}
}

// Encode converts src into len(src) elements of type d in dst, which must
// be float64 or float32 of either byte order. For float32 it returns the
// index of the first finite value that overflows to ±Inf (nothing after it
// is meaningful), or -1. It panics if d is not a float64/float32 type or
// len(dst) != len(src)*d.Size(). It does not allocate.
func Encode(dst []byte, src []float64, d Dtype) (overflow int) {
	sz := d.Size()
	if d.Base() != Float64 && d.Base() != Float32 {
		panic(fmt.Sprintf("raw: Encode to %v (only float64 and float32 are written)", d))
	}
	if len(dst) != len(src)*sz {
		panic(fmt.Sprintf("raw: Encode of %d elements into %d bytes of %v", len(src), len(dst), d))
	}
	var o binary.ByteOrder = binary.LittleEndian
	if d.IsBigEndian() {
		o = binary.BigEndian
	}
	if d.Base() == Float64 {
		if !d.IsBigEndian() {
			encodeF64LE(dst, src)
			return -1
		}
		for i, v := range src {
			o.PutUint64(dst[8*i:], math.Float64bits(v))
		}
		return -1
	}
	for i, v := range src {
		f := float32(v)
		if math.IsInf(float64(f), 0) && !math.IsInf(v, 0) {
			return i
		}
		o.PutUint32(dst[4*i:], math.Float32bits(f))
	}
	return -1
}

// Float16ToFloat64 converts IEEE 754 binary16 bits to a float64 (exactly;
// NaN payloads are kept in the high mantissa bits).
func Float16ToFloat64(h uint16) float64 {
	sign := uint64(h>>15) << 63
	exp := int(h>>10) & 0x1f
	mant := uint64(h & 0x3ff)
	switch exp {
	case 0:
		v := float64(mant) * 0x1p-24 // zero or subnormal
		if sign != 0 {
			v = -v
		}
		return v
	case 0x1f:
		return math.Float64frombits(sign | 0x7ff<<52 | mant<<42)
	}
	return math.Float64frombits(sign | uint64(exp-15+1023)<<52 | mant<<42)
}

// decodeF64LEGeneric is the portable little-endian float64 decode.
func decodeF64LEGeneric(dst []float64, src []byte) {
	src = src[:8*len(dst)]
	for i := range dst {
		dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:]))
	}
}

// encodeF64LEGeneric is the portable little-endian float64 encode.
func encodeF64LEGeneric(dst []byte, src []float64) {
	dst = dst[:8*len(src)]
	for i, v := range src {
		binary.LittleEndian.PutUint64(dst[8*i:], math.Float64bits(v))
	}
}
