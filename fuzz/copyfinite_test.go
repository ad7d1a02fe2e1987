package fuzz

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/linstream/linstream/internal/kernel"
)

// FuzzKernelCopyFinite checks kernel.CopyFinite (the body this CPU runs)
// against its plainest statement on arbitrary bytes at an arbitrary byte
// offset: every value copied bit for bit, the first NaN/±Inf found exactly,
// and nothing written past len(dst); and kernel.FirstNonFinite on the
// copy.
func FuzzKernelCopyFinite(f *testing.F) {
	f.Add([]byte("0123456789abcdef01234567"), uint8(0))
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\xf0\x7f"), uint8(0))
	f.Add(append(make([]byte, 8*40), "\x01\x00\x00\x00\x00\x00\xf0\xff"...), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, off uint8) {
		o := int(off) % 8
		if o > len(data) {
			o = len(data)
		}
		src := data[o:]
		n := len(src) / 8
		buf := make([]float64, n+1)
		buf[n] = 7
		dst := buf[:n]
		got := kernel.CopyFinite(dst, src)
		want := -1
		for i := range n {
			bits := binary.LittleEndian.Uint64(src[8*i:])
			if math.Float64bits(dst[i]) != bits {
				t.Fatalf("value %d: got %#x want %#x", i, math.Float64bits(dst[i]), bits)
			}
			if v := math.Float64frombits(bits); want < 0 && (math.IsNaN(v) || math.IsInf(v, 0)) {
				want = i
			}
		}
		if got != want || buf[n] != 7 {
			t.Fatalf("first bad %d, want %d (guard %v)", got, want, buf[n])
		}
		// The check alone, on the copy and on a suffix of it (so the vector
		// loop starts at other offsets).
		for _, x := range [][]float64{dst, dst[min(int(off)%9, n):]} {
			w := -1
			for i, v := range x {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					w = i
					break
				}
			}
			if got := kernel.FirstNonFinite(x); got != w {
				t.Fatalf("FirstNonFinite of %d values: %d, want %d", len(x), got, w)
			}
		}
	})
}
