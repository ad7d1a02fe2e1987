package fuzz

import (
	"bytes"
	"errors"
	"io"
	"math"
	"testing"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/mtx"
)

var mtxSentinels = []error{stream.ErrFormat, stream.ErrShape, stream.ErrNonFinite, stream.ErrTooLarge,
	stream.ErrEmpty, stream.ErrUnsupported, io.ErrUnexpectedEOF}

// FuzzMtxRead: any input reads or fails with a *stream.DataError wrapping a
// sentinel, never panics, and never allocates for a declared size it does
// not have (the budget is 64 MiB here, so a header claiming more fails
// cleanly). Accepted matrices round-trip through both writer formats.
func FuzzMtxRead(f *testing.F) {
	seeds := []string{
		"%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n",
		"%%MatrixMarket matrix array real symmetric\n2 2\n1\n2\n3\n",
		"%%MatrixMarket matrix array integer skew-symmetric\n3 3\n1\n2\n3\n",
		"%%MatrixMarket matrix coordinate real general\n3 3 2\n1 1 1.5\n3 2 -2\n",
		"%%MatrixMarket matrix coordinate pattern symmetric\n3 3 2\n2 1\n3 3\n",
		"%%MatrixMarket matrix coordinate real general\n3 2 3\n3 1 5\n1 2 6\n2 2 7\n",
		"%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n",
		"%%MatrixMarket matrix coordinate real general\n100000000 100000000 9\n1 1 1\n",
		"%%MatrixMarket matrix array real general\n4000 4000\n1\n",
		"%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n1 1 2\n",
		"%%MatrixMarket matrix coordinate real general\n2 2 1\n3 1 1\n",
		"%%MatrixMarket matrix array real general\n1 1\nNaN\n",
		"%%MatrixMarket matrix\n",
		"",
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		opts := []mtx.Option{mtx.MemoryBudget(64 << 20)}
		if mode&1 != 0 {
			opts = append(opts, mtx.SumDuplicates())
		}
		if mode&2 != 0 {
			opts = append(opts, mtx.MemoryBudget(1<<10)) // exercise the streaming path
		}
		if mode&4 != 0 {
			opts = append(opts, mtx.Lookahead(4)) // decide row-sortedness early
		}
		r, err := mtx.NewReader(bytes.NewReader(data), opts...)
		if err != nil {
			var de *stream.DataError
			if !errors.As(err, &de) || !wrapsOne(err, mtxSentinels) {
				t.Fatalf("NewReader error is not a DataError wrapping a sentinel: %v", err)
			}
			return
		}
		d := r.Cols()
		if int64(d) != r.Header().Cols || d < 1 {
			t.Fatalf("Cols() = %d, header %+v", d, r.Header())
		}
		if r.Rows()*int64(d) > 1<<22 {
			return // valid but too big to check here
		}
		var rows []float64
		buf := make([]float64, 2*d)
		for {
			n, err := r.ReadRows(buf)
			rows = append(rows, buf[:n*d]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				var de *stream.DataError
				if !errors.As(err, &de) || !wrapsOne(err, mtxSentinels) {
					t.Fatalf("ReadRows error is not a DataError wrapping a sentinel: %v", err)
				}
				return
			}
		}
		if int64(len(rows)) != r.Rows()*int64(d) {
			t.Fatalf("read %d values, header says %d×%d", len(rows), r.Rows(), d)
		}
		for _, v := range rows {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("non-finite value %v accepted", v)
			}
		}
		for _, array := range []bool{false, true} {
			checkMtxRoundTrip(t, rows, d, array)
		}
	})
}

func checkMtxRoundTrip(t *testing.T, rows []float64, d int, array bool) {
	t.Helper()
	var opts []mtx.Option
	if array {
		opts = append(opts, mtx.ArrayFormat())
	}
	var buf bytes.Buffer
	w, err := mtx.NewWriter(&buf, d, opts...)
	if err != nil {
		t.Fatal(err)
	}
	writeClose(t, w, rows)
	r, err := mtx.NewReader(&buf)
	if err != nil {
		t.Fatalf("array=%v: re-read: %v\n%s", array, err, buf.Bytes())
	}
	got, err := stream.ReadAll(r)
	if err != nil {
		t.Fatalf("array=%v: re-read: %v", array, err)
	}
	if len(got) != len(rows) {
		t.Fatalf("array=%v: %d values, want %d", array, len(got), len(rows))
	}
	for i := range rows {
		want := rows[i]
		if !array && want == 0 {
			want = 0 // coordinate files do not store zeros, so -0 reads as +0
		}
		if math.Float64bits(got[i]) != math.Float64bits(want) {
			t.Fatalf("array=%v: value %d: %v, want %v", array, i, got[i], want)
		}
	}
}

// FuzzMtxRoundTrip: arbitrary finite float64 bit patterns survive both
// writer formats exactly.
func FuzzMtxRoundTrip(f *testing.F) {
	f.Add(uint8(2), []byte{0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x80})
	f.Add(uint8(0), []byte{1, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, cols uint8, raw []byte) {
		d := int(cols%6) + 1
		vals := make([]float64, 0, len(raw)/8)
		for i := 0; i+8 <= len(raw); i += 8 {
			var u uint64
			for k := range 8 {
				u |= uint64(raw[i+k]) << (8 * k)
			}
			v := math.Float64frombits(u)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				v = 0
			}
			vals = append(vals, v)
		}
		vals = vals[:len(vals)/d*d]
		if len(vals) == 0 {
			return
		}
		for _, array := range []bool{false, true} {
			checkMtxRoundTrip(t, vals, d, array)
		}
	})
}
