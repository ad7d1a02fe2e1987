//go:build !purego

package raw

import "unsafe"

// hostLittleEndian reports the byte order of this machine.
var hostLittleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// float64Bytes returns the bytes of x (aliasing it) when they are in
// little-endian order, so little-endian float64 data can be read straight
// into x; ok is false on a big-endian host.
func float64Bytes(x []float64) (b []byte, ok bool) {
	if !hostLittleEndian {
		return nil, false
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(x))), 8*len(x)), true
}

// decodeF64LE is a reinterpreting copy on little-endian hosts.
func decodeF64LE(dst []float64, src []byte) {
	if b, ok := float64Bytes(dst); ok {
		copy(b, src)
		return
	}
	decodeF64LEGeneric(dst, src)
}

func encodeF64LE(dst []byte, src []float64) {
	if b, ok := float64Bytes(src); ok {
		copy(dst, b)
		return
	}
	encodeF64LEGeneric(dst, src)
}
