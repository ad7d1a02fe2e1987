package fuzz

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"github.com/linstream/linstream/stream/safetensors"
)

func stFile(js string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(js)))
	return append(append(b, js...), data...)
}

// FuzzSafetensorsRead: any bytes either parse (every tensor's offsets
// consistent with its shape) or fail with a sentinel; every readable tensor
// streams the same values sequentially and by random access, and those
// round-trip through Write bit for bit.
func FuzzSafetensorsRead(f *testing.F) {
	d := make([]byte, 48)
	for i := range 6 {
		binary.LittleEndian.PutUint64(d[8*i:], math.Float64bits(float64(i)-2.5))
	}
	for _, s := range [][]byte{
		stFile(`{"a":{"dtype":"F64","shape":[2,3],"data_offsets":[0,48]}}`, d),
		stFile(`{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"b":{"dtype":"BF16","shape":[2,2],"data_offsets":[12,20]}}`, d[:20]),
		stFile(`{"m":{"dtype":"U8","shape":[4,1],"data_offsets":[0,4]},"h":{"dtype":"F16","shape":[2],"data_offsets":[4,8]}}`, d[:8]),
		stFile(`{"a":{"dtype":"F64","shape":[2,3],"data_offsets":[0,48]}}`, d[:30]),
		stFile(`{"a":{"dtype":"F64","shape":[99999999999,99999999],"data_offsets":[0,48]}}`, d),
		stFile(`{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}`, d[:8]),
		stFile(`{"a":`, nil),
		binary.LittleEndian.AppendUint64(nil, 1<<62),
		nil,
	} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		var opts []safetensors.Option
		if mode&1 != 0 {
			opts = append(opts, safetensors.AllowNonFinite())
		}
		h, err := safetensors.ReadHeader(bytes.NewReader(data), "fuzz.safetensors")
		file, errOpen := safetensors.Open(bytes.NewReader(data), int64(len(data)), opts...)
		if err != nil {
			checkSentinel(t, "ReadHeader", err)
			if errOpen == nil {
				t.Fatalf("ReadHeader failed (%v) but Open did not", err)
			}
			return
		}
		if errOpen != nil {
			checkSentinel(t, "Open", errOpen)
		}
		for i, ti := range h.Tensors {
			if i >= 4 {
				break
			}
			if ti.Begin < 0 || ti.End < ti.Begin {
				t.Fatalf("bad range accepted: %+v", ti)
			}
			r, err := safetensors.NewReader(bytes.NewReader(data), ti.Name, opts...)
			if err != nil {
				checkSentinel(t, "NewReader", err)
				continue
			}
			if r.Cols() > maxFuzzCols {
				continue
			}
			x, err := drain(r, 3, 1<<20)
			if err != nil {
				checkSentinel(t, "ReadRows", err)
				continue
			}
			if errOpen != nil {
				continue
			}
			ra, err := file.Reader(ti.Name)
			if err != nil {
				t.Fatalf("Open's reader failed where the stream succeeded: %v", err)
			}
			y, err := drain(ra, 5, 1<<20)
			if err != nil || !sameBits(x, y) {
				t.Fatalf("readers disagree: %v", err)
			}
			var buf bytes.Buffer
			if err := safetensors.Write(&buf, []safetensors.Tensor{safetensors.Float64Tensor("t", []int64{r.Rows(), int64(r.Cols())}, x)}); err != nil {
				t.Fatal(err)
			}
			back, err := safetensors.NewReader(&buf, "t", safetensors.AllowNonFinite())
			if err != nil {
				t.Fatal(err)
			}
			z, err := drain(back, 2, 1<<20)
			if err != nil || !sameBits(x, z) {
				t.Fatalf("round trip: %v", err)
			}
		}
	})
}

// FuzzSafetensorsRoundTrip: rows written by the streaming Writer (F64 or
// F32, known rows or spooled) read back bit for bit.
func FuzzSafetensorsRoundTrip(f *testing.F) {
	f.Add([]byte("0123456789abcdef01234567"), uint8(3), uint8(0))
	f.Add(bytes.Repeat([]byte{0x7f}, 40), uint8(5), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, c, mode uint8) {
		cols := int(c)%7 + 1
		n := len(data) / 8 / cols * cols
		x := make([]float64, n)
		want := make([]float64, n)
		for i := range x {
			x[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
			want[i] = x[i]
		}
		var opts []safetensors.Option
		if mode&1 != 0 {
			opts = append(opts, safetensors.Float32())
			for i, v := range x {
				want[i] = float64(float32(v))
				if math.IsInf(want[i], 0) && !math.IsInf(v, 0) {
					return
				}
			}
		}
		if mode&2 == 0 {
			opts = append(opts, safetensors.KnownRows(int64(n/cols)))
		}
		var buf bytes.Buffer
		w, err := safetensors.NewWriter(&buf, "x", cols, opts...)
		if err != nil {
			t.Fatal(err)
		}
		writeClose(t, w, x)
		r, err := safetensors.NewReader(&buf, "x", safetensors.AllowNonFinite())
		if err != nil {
			t.Fatal(err)
		}
		got, err := drain(r, 4, 1<<20)
		if err != nil || !sameBits(want, got) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
