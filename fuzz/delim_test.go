package fuzz

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/delim"
)

// delimSentinels are the errors a delim Reader may return for bad data.
var delimSentinels = []error{stream.ErrFormat, stream.ErrNonFinite, stream.ErrTooLarge, stream.ErrEmpty, stream.ErrShape}

func wrapsOne(err error, sentinels []error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// FuzzDelimRead: any input either reads (every value finite unless
// allowed, the right number of columns) or fails with a *stream.DataError
// wrapping a stream sentinel; never a panic. Accepted input round-trips
// through the Writer bit for bit.
func FuzzDelimRead(f *testing.F) {
	seeds := []string{
		"1,2,3\n4,5,6\n",
		"a,b\n1.5,-2e3\n",
		"# c\n\n\"1\", 2 \r\n3,4",
		"x\ty\tlabel\n1\t2\tcat\n",
		"1,2\n3\n",
		"1,NaN\n",
		"1,\"2\n",
		"\xEF\xBB\xBF0x1p-3,1e400\n",
		"",
		"1;2;3\n",
		strings.Repeat("0.1234567890123456789,", 20) + "1\n",
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint8(i%4))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		var opts []delim.Option
		sep := byte(',')
		if mode&1 != 0 {
			sep = '\t'
			opts = append(opts, delim.Separator('\t'))
		}
		allow := mode&2 != 0
		if allow {
			opts = append(opts, delim.AllowNonFinite())
		}
		if mode&4 != 0 {
			opts = append(opts, delim.DropColumns([]int{-1}))
		}
		opts = append(opts, delim.MaxLineBytes(1<<16))
		r, err := delim.NewReader(bytes.NewReader(data), opts...)
		if err != nil {
			if !wrapsOne(err, delimSentinels) {
				t.Fatalf("NewReader error wraps no sentinel: %v", err)
			}
			return
		}
		d := r.Cols()
		if d < 1 {
			t.Fatalf("Cols() = %d", d)
		}
		var rows []float64
		buf := make([]float64, 3*d)
		for {
			n, err := r.ReadRows(buf)
			rows = append(rows, buf[:n*d]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				var de *stream.DataError
				if !errors.As(err, &de) || !wrapsOne(err, delimSentinels) {
					t.Fatalf("ReadRows error is not a DataError wrapping a sentinel: %v", err)
				}
				return
			}
		}
		if !allow {
			for _, v := range rows {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("non-finite value %v accepted", v)
				}
			}
		}
		// Round trip: write the rows, read them back bit-exact.
		var out bytes.Buffer
		w, err := delim.NewWriter(&out, d, delim.Separator(sep))
		if err != nil {
			t.Fatal(err)
		}
		writeClose(t, w, rows)
		if len(rows) == 0 {
			return
		}
		ropts := []delim.Option{delim.Separator(sep), delim.Header(0)}
		if allow {
			ropts = append(ropts, delim.AllowNonFinite())
		}
		r2, err := delim.NewReader(&out, ropts...)
		if err != nil {
			t.Fatalf("re-read: %v", err)
		}
		got, err := stream.ReadAll(r2)
		if err != nil {
			t.Fatalf("re-read: %v", err)
		}
		if len(got) != len(rows) {
			t.Fatalf("round trip: %d values, want %d", len(got), len(rows))
		}
		for i := range rows {
			if math.Float64bits(got[i]) != math.Float64bits(rows[i]) && !(math.IsNaN(got[i]) && math.IsNaN(rows[i])) {
				t.Fatalf("round trip value %d: %v, want %v", i, got[i], rows[i])
			}
		}
	})
}

// FuzzDelimRoundTrip: arbitrary float64 bit patterns survive
// Writer → Reader exactly.
func FuzzDelimRoundTrip(f *testing.F) {
	f.Add(uint8(3), []byte{0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(uint8(1), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xef, 0x7f})
	f.Add(uint8(2), []byte{1, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, cols uint8, raw []byte) {
		d := int(cols%8) + 1
		vals := make([]float64, 0, len(raw)/8)
		for i := 0; i+8 <= len(raw); i += 8 {
			var u uint64
			for k := range 8 {
				u |= uint64(raw[i+k]) << (8 * k)
			}
			vals = append(vals, math.Float64frombits(u))
		}
		vals = vals[:len(vals)/d*d]
		if len(vals) == 0 {
			return
		}
		var buf bytes.Buffer
		w, err := delim.NewWriter(&buf, d)
		if err != nil {
			t.Fatal(err)
		}
		writeClose(t, w, vals)
		r, err := delim.NewReader(&buf, delim.AllowNonFinite(), delim.Header(0))
		if err != nil {
			t.Fatal(err)
		}
		got, err := stream.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(vals) {
			t.Fatalf("%d values, want %d", len(got), len(vals))
		}
		for i := range vals {
			if math.Float64bits(got[i]) != math.Float64bits(vals[i]) && !(math.IsNaN(got[i]) && math.IsNaN(vals[i])) {
				t.Fatalf("value %d: %v (%x), want %v (%x)", i, got[i], math.Float64bits(got[i]), vals[i], math.Float64bits(vals[i]))
			}
		}
	})
}
