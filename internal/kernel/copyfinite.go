package kernel

import (
	"encoding/binary"
	"math"
)

// copyFinite is the CopyFinite body in use; install sets it with the other
// bodies (see copyFiniteBody).
var (
	copyFinite     = copyFiniteGeneric
	firstNonFinite = firstNonFiniteGeneric
)

// CopyFinite copies the len(dst) little-endian float64 values held in the
// first 8·len(dst) bytes of src into dst and returns the index of the first
// of them that is NaN or ±Inf, or -1 when all are finite. Every value is
// copied whatever it returns, bit for bit (NaN payloads included), so it is
// the reinterpreting copy of a little-endian float64 decode fused with the
// finiteness check of that data: one pass over memory instead of two.
//
// src may start at any byte address; dst and src must not overlap. It
// panics if len(src) < 8·len(dst). It does not allocate.
func CopyFinite(dst []float64, src []byte) (firstBad int) {
	if len(src) < 8*len(dst) {
		panic("kernel: CopyFinite source shorter than 8·len(dst) bytes")
	}
	return copyFinite(dst, src[:8*len(dst)])
}

// copyFiniteGeneric is the specification of CopyFinite. v−v is 0 for every
// finite v and NaN for NaN and ±Inf, so the four sums stay 0 exactly while
// every value seen is finite; a group of four whose sum went NaN is searched
// for the position, and the rest is copied unchecked.
func copyFiniteGeneric(dst []float64, src []byte) int {
	n := len(dst)
	src = src[:8*n]
	i := 0
	for ; i <= n-4; i += 4 {
		s := (*[32]byte)(src[8*i : 8*i+32])
		d := (*[4]float64)(dst[i : i+4])
		v0 := math.Float64frombits(binary.LittleEndian.Uint64(s[0:8]))
		v1 := math.Float64frombits(binary.LittleEndian.Uint64(s[8:16]))
		v2 := math.Float64frombits(binary.LittleEndian.Uint64(s[16:24]))
		v3 := math.Float64frombits(binary.LittleEndian.Uint64(s[24:32]))
		d[0], d[1], d[2], d[3] = v0, v1, v2, v3
		if t := (v0 - v0) + (v1 - v1) + (v2 - v2) + (v3 - v3); t != t {
			return i + copyRestFirstBad(dst[i:], src[8*i:])
		}
	}
	for ; i < n; i++ {
		v := math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:]))
		dst[i] = v
		if v-v != 0 {
			return i + copyRestFirstBad(dst[i:], src[8*i:])
		}
	}
	return -1
}

// copyRestFirstBad copies src into dst value by value and returns the
// index of the first non-finite value (or -1): the slow path that runs once
// a non-finite value is known to be near the start.
func copyRestFirstBad(dst []float64, src []byte) int {
	bad := -1
	for i := range dst {
		v := math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:]))
		dst[i] = v
		if bad < 0 && v-v != 0 {
			bad = i
		}
	}
	return bad
}

// FirstNonFinite returns the index of the first NaN or ±Inf in x, or -1
// when every value is finite: the check of CopyFinite without the copy. It
// does not allocate.
func FirstNonFinite(x []float64) int { return firstNonFinite(x) }

// firstNonFiniteGeneric is the specification of FirstNonFinite: the v−v
// test of copyFiniteGeneric, four values at a time with no data-dependent
// branch inside a group.
func firstNonFiniteGeneric(x []float64) int {
	n := len(x)
	i := 0
	for ; i <= n-4; i += 4 {
		v := (*[4]float64)(x[i : i+4])
		if t := (v[0] - v[0]) + (v[1] - v[1]) + (v[2] - v[2]) + (v[3] - v[3]); t != t {
			break
		}
	}
	for ; i < n; i++ {
		if v := x[i]; v-v != 0 {
			return i
		}
	}
	return -1
}
