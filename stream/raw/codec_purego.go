//go:build purego

package raw

// float64Bytes never aliases under the purego tag.
func float64Bytes(x []float64) (b []byte, ok bool) { return nil, false }

func decodeF64LE(dst []float64, src []byte) { decodeF64LEGeneric(dst, src) }

func encodeF64LE(dst []byte, src []float64) { encodeF64LEGeneric(dst, src) }
