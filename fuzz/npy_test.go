package fuzz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"testing"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/npy"
)

// binarySentinels are the errors the binary format readers (npy, raw,
// safetensors, matfile) may return for bad data.
var binarySentinels = []error{stream.ErrFormat, stream.ErrShape, stream.ErrNonFinite, stream.ErrUnsupported,
	stream.ErrTooLarge, stream.ErrEmpty, io.ErrUnexpectedEOF}

func checkSentinel(t *testing.T, what string, err error) {
	t.Helper()
	for _, s := range binarySentinels {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("%s: error wraps no stream sentinel: %v", what, err)
}

// maxFuzzCols bounds the row buffer the harness allocates; wider (valid)
// headers are only opened, not read.
const maxFuzzCols = 1 << 12

// drain reads r to the end in blocks of k rows (at most limit values) and
// returns the values and the final error (nil at a clean end).
func drain(r stream.Reader, k, limit int) ([]float64, error) {
	d := r.Cols()
	buf := make([]float64, k*d)
	var out []float64
	for len(out) < limit {
		n, err := r.ReadRows(buf)
		if n < 0 || n > k {
			panic("ReadRows returned an impossible count")
		}
		out = append(out, buf[:n*d]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func npyFile(major int, dict string, data []byte) []byte {
	b := []byte(npy.Magic)
	b = append(b, byte(major), 0)
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(dict)+1))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(dict)+1))
	}
	b = append(b, dict...)
	b = append(b, '\n')
	return append(b, data...)
}

// writeClose writes x to w and closes it, failing the test on any error.
func writeClose(t *testing.T, w interface {
	WriteRows([]float64) (int, error)
	Close() error
}, x []float64) {
	t.Helper()
	if _, err := w.WriteRows(x); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// FuzzNPYRead: any bytes either read as a matrix or fail with an error
// wrapping a stream sentinel — never a panic, never an allocation sized by
// the header. The sequential and random-access readers agree, and an
// accepted matrix round-trips through the Writer bit for bit.
func FuzzNPYRead(f *testing.F) {
	eight := make([]byte, 8*6)
	for i := range 6 {
		binary.LittleEndian.PutUint64(eight[8*i:], math.Float64bits(float64(i)+0.5))
	}
	for _, s := range [][]byte{
		npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", eight),
		npyFile(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", eight[:12]),
		npyFile(3, "{'descr': '>f8', 'fortran_order': True, 'shape': (3, 2), }", eight),
		npyFile(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 2), }", eight[:8]),
		npyFile(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 5), }", eight[:5]),
		npyFile(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (0, 4), }", nil),
		npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (9999999999, 3), }", eight),
		npyFile(1, "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", eight[:16]),
		npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", eight[:40]),
		npyFile(1, "{'descr': '<f8'", nil),
		[]byte("\x93NUMPY\x01\x00\xff\xff{"),
		nil,
	} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		var opts []npy.Option
		if mode&1 != 0 {
			opts = append(opts, npy.FortranBudget(1<<16))
		}
		if mode&2 != 0 {
			opts = append(opts, npy.AllowNonFinite())
		}
		r, err := npy.NewReader(bytes.NewReader(data), opts...)
		ra, errAt := npy.NewReaderAt(bytes.NewReader(data), int64(len(data)), opts...)
		if err != nil {
			checkSentinel(t, "NewReader", err)
			if errAt == nil {
				t.Fatalf("NewReader failed (%v) but NewReaderAt did not", err)
			}
			checkSentinel(t, "NewReaderAt", errAt)
			return
		}
		if errAt != nil {
			checkSentinel(t, "NewReaderAt", errAt)
		}
		if r.Cols() < 1 || r.Rows() < 0 {
			t.Fatalf("shape %d×%d", r.Rows(), r.Cols())
		}
		if r.Cols() > maxFuzzCols {
			return
		}
		k := int(mode>>2)%5 + 1
		x, err := drain(r, k, 1<<20)
		if err != nil {
			checkSentinel(t, "ReadRows", err)
			return
		}
		if int64(len(x)) != r.Rows()*int64(r.Cols()) {
			t.Fatalf("read %d values; header says %d×%d", len(x), r.Rows(), r.Cols())
		}
		if errAt != nil {
			t.Fatalf("sequential read succeeded but NewReaderAt failed: %v", errAt)
		}
		y, err := drain(ra, 7, 1<<20)
		if err != nil {
			t.Fatalf("random-access read failed after the sequential one succeeded: %v", err)
		}
		if !sameBits(x, y) {
			t.Fatalf("readers disagree")
		}
		var buf bytes.Buffer
		w, err := npy.NewWriter(&buf, r.Cols(), npy.KnownRows(r.Rows()))
		if err != nil {
			t.Fatal(err)
		}
		writeClose(t, w, x)
		back, err := npy.NewReader(&buf, npy.AllowNonFinite())
		if err != nil {
			t.Fatal(err)
		}
		z, err := drain(back, 3, 1<<20)
		if err != nil || !sameBits(x, z) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzNPYRoundTrip: any float64 bits written by the Writer — known rows or
// spooled, '<f8' or '<f4' — read back bit for bit ('<f4': as the float32
// rounding of each value).
func FuzzNPYRoundTrip(f *testing.F) {
	f.Add([]byte("0123456789abcdef01234567"), uint8(3), uint8(0))
	f.Add(bytes.Repeat([]byte{0xff}, 64), uint8(2), uint8(1))
	f.Add([]byte{}, uint8(1), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, c uint8, mode uint8) {
		cols := int(c)%9 + 1
		n := len(data) / 8 / cols * cols
		x := make([]float64, n)
		for i := range x {
			x[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
		}
		var opts []npy.Option
		want := x
		if mode&1 != 0 {
			opts = append(opts, npy.Float32())
			want = make([]float64, n)
			for i, v := range x {
				want[i] = float64(float32(v))
				if math.IsInf(want[i], 0) && !math.IsInf(v, 0) {
					return // float32 overflow is refused by design
				}
			}
		}
		if mode&2 == 0 {
			opts = append(opts, npy.KnownRows(int64(n/cols)))
		}
		var buf bytes.Buffer
		w, err := npy.NewWriter(&buf, cols, opts...)
		if err != nil {
			t.Fatal(err)
		}
		writeClose(t, w, x)
		r, err := npy.NewReader(&buf, npy.AllowNonFinite())
		if err != nil {
			t.Fatal(err)
		}
		got, err := drain(r, 4, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if !sameBits(want, got) {
			t.Fatalf("round trip differs")
		}
	})
}
