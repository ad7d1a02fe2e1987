package fuzz

import (
	"bytes"
	"testing"

	"github.com/linstream/linstream/stream/raw"
)

var rawFuzzDtypes = []raw.Dtype{raw.Float64, raw.Float32, raw.Float16, raw.BFloat16, raw.Uint8, raw.Int16,
	raw.Int64 | raw.BigEndian, raw.Float64 | raw.BigEndian, raw.Bool}

// FuzzRawRead: any bytes, any width and element type: the sequential and
// random-access readers agree (values, or a sentinel error at the same
// place), a torn last row is io.ErrUnexpectedEOF, and accepted float64
// rows round-trip through the Writer bit for bit.
func FuzzRawRead(f *testing.F) {
	f.Add([]byte("0123456789abcdef01234567"), uint8(1), uint8(0), uint8(0))
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\xf0\x7f"), uint8(1), uint8(0), uint8(0))
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\xf8\x7f12345"), uint8(2), uint8(1), uint8(2))
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7}, uint8(3), uint8(4), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, c, dt, mode uint8) {
		cols := int(c)%16 + 1
		d := rawFuzzDtypes[int(dt)%len(rawFuzzDtypes)]
		opts := []raw.Option{raw.WithDtype(d), raw.Name("fuzz.raw")}
		if mode&1 != 0 {
			opts = append(opts, raw.AllowNonFinite())
		}
		r, err := raw.NewReader(bytes.NewReader(data), cols, opts...)
		if err != nil {
			t.Fatal(err)
		}
		x, errSeq := drain(r, int(mode>>1)%4+1, 1<<20)
		if errSeq != nil {
			checkSentinel(t, "ReadRows", errSeq)
		}
		ra, errAt := raw.NewReaderAt(bytes.NewReader(data), 0, int64(len(data)), cols, opts...)
		if errAt != nil {
			checkSentinel(t, "NewReaderAt", errAt)
			if errSeq == nil {
				t.Fatalf("sequential read succeeded, NewReaderAt failed: %v", errAt)
			}
			return
		}
		y, err := drain(ra, 3, 1<<20)
		if (err == nil) != (errSeq == nil) {
			t.Fatalf("readers disagree: %v vs %v", errSeq, err)
		}
		if !sameBits(x, y) {
			t.Fatalf("readers return different values")
		}
		if errSeq != nil {
			return
		}
		var buf bytes.Buffer
		w, err := raw.NewWriter(&buf, cols)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.WriteRows(x); err != nil {
			t.Fatal(err)
		}
		back, _ := raw.NewReader(&buf, cols, raw.AllowNonFinite())
		z, err := drain(back, 5, 1<<20)
		if err != nil || !sameBits(x, z) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
