package fuzz

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/linstream/linstream/spectral"
	"github.com/linstream/linstream/stream"
)

// spectralRows decodes fuzz bytes into rows: the first byte picks d in
// 1…8, the rest are little-endian float64s (any bits: NaN, ±Inf, huge).
func spectralRows(b []byte) (int, []float64) {
	if len(b) == 0 {
		return 1, nil
	}
	d := int(b[0]%8) + 1
	b = b[1:]
	n := len(b) / 8 / d * d
	x := make([]float64, n)
	for i := range x {
		x[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return d, x
}

func rowBytes(d int, x ...float64) []byte {
	b := []byte{byte(d - 1)}
	for _, v := range x {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

type estimator interface {
	stream.Writer
	Result() spectral.Result
}

func checkResult(t *testing.T, name string, res spectral.Result) {
	if res.Rows == 0 {
		return
	}
	if res.Vector == nil {
		t.Fatalf("%s: %d rows and no vector", name, res.Rows)
	}
	s := 0.0
	for _, v := range res.Vector {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("%s: non-finite vector %v", name, res.Vector)
		}
		s += v * v
	}
	if s != 0 && math.Abs(s-1) > 1e-9 {
		t.Fatalf("%s: vector of squared norm %v", name, s)
	}
}

// FuzzSpectralWriters: any rows, finite or not, fed to every one-pass
// estimator: non-finite rows are refused with an error wrapping
// stream.ErrNonFinite that counts the rows consumed before them; never a
// panic; the Result's vector is finite and unit whenever rows were seen.
func FuzzSpectralWriters(f *testing.F) {
	f.Add(rowBytes(2, 1, 2, 3, 4, 5, 6))
	f.Add(rowBytes(3, 1, 0, 0, 0, 1, 0, 1e150, 1e150, 0))
	f.Add(rowBytes(1, math.NaN(), 1))
	f.Add(rowBytes(4, 0, 0, 0, 0, 1e-300, 0, 0, 5e-324))
	f.Add(rowBytes(2, 1e200, 1, 1, 1))
	f.Add(rowBytes(8, 1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3, -4, -5, -6, -7, math.Inf(-1)))
	f.Fuzz(func(t *testing.T, b []byte) { fuzzWriters(t, b) })
}

func fuzzWriters(t *testing.T, b []byte) {
	d, x := spectralRows(b)
	ro, err := spectral.NewRandomOrder(d, spectral.WithRows(int64(len(x)/d+1)))
	if err != nil {
		t.Fatal(err)
	}
	oja, _ := spectral.NewOja(d)
	grid, _ := spectral.NewOjaGrid(d, spectral.WithLearningRates(1e-3, 10, 5))
	for _, e := range []estimator{ro, oja, grid} {
		n, err := e.WriteRows(x)
		if err != nil {
			if !errors.Is(err, stream.ErrNonFinite) {
				t.Fatalf("%T: error %v does not wrap ErrNonFinite", e, err)
			}
			if n >= len(x)/d {
				t.Fatalf("%T: error after consuming all %d rows", e, n)
			}
		} else if n != len(x)/d {
			t.Fatalf("%T: consumed %d of %d rows", e, n, len(x)/d)
		}
		res := e.Result()
		if res.Rows != int64(n) {
			t.Fatalf("%T: Rows %d, consumed %d", e, res.Rows, n)
		}
		checkResult(t, res.Method, res)
	}
}

func spectralStates(f *testing.F) (ro, oja [][]byte) {
	x := make([]float64, 0, 400*5)
	for i := range 400 * 5 {
		x = append(x, math.Sin(float64(i)*0.7)*float64(1+i%5))
	}
	for _, rows := range []int{0, 1, 37, 400} {
		r, _ := spectral.NewRandomOrder(5, spectral.WithRows(400), spectral.WithHeavySlack(2))
		_, _ = r.WriteRows(x[:rows*5])
		b, _ := r.MarshalBinary()
		ro = append(ro, b)
		o, _ := spectral.NewOja(5, spectral.WithSchedule(spectral.InvT(0.1)))
		_, _ = o.WriteRows(x[:rows*5])
		b, _ = o.MarshalBinary()
		oja = append(oja, b)
	}
	return ro, oja
}

type state interface {
	estimator
	MarshalBinary() ([]byte, error)
	UnmarshalBinary([]byte) error
}

func fuzzState(t *testing.T, b []byte, mk func() state) {
	s := mk()
	if err := s.UnmarshalBinary(b); err != nil {
		if !errors.Is(err, spectral.ErrCorrupt) {
			t.Fatalf("error %v does not wrap ErrCorrupt", err)
		}
		return
	}
	// Accepted: re-encoding gives the same bytes (or, from an older
	// version, bytes that decode and re-encode to themselves), and the state
	// keeps working.
	again, err := s.MarshalBinary()
	if err == nil && len(b) > 5 && len(again) > 5 && b[5] < again[5] {
		s2 := mk()
		if err := s2.UnmarshalBinary(again); err != nil {
			t.Fatalf("upgraded state does not decode: %v", err)
		}
		b, err = s2.MarshalBinary()
	}
	if err != nil || string(again) != string(b) {
		t.Fatalf("re-encoding differs (%v)", err)
	}
	checkResult(t, "restored", s.Result())
	row := make([]float64, s.Cols())
	for i := range row {
		row[i] = float64(i%3) - 1
	}
	for range 3 {
		if _, err := s.WriteRows(row); err != nil {
			t.Fatalf("WriteRows after restore: %v", err)
		}
	}
	checkResult(t, "restored+3", s.Result())
}

// FuzzRandomOrderUnmarshal: any bytes either decode to a RandomOrder that
// re-encodes identically and keeps working, or fail with ErrCorrupt.
func FuzzRandomOrderUnmarshal(f *testing.F) {
	ro, oja := spectralStates(f)
	for _, b := range ro {
		f.Add(b)
	}
	f.Add(oja[1])
	f.Add([]byte("LNS\x00\x11\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzState(t, b, func() state { return new(spectral.RandomOrder) })
	})
}

// FuzzOjaUnmarshal: the same for Oja.
func FuzzOjaUnmarshal(f *testing.F) {
	ro, oja := spectralStates(f)
	for _, b := range oja {
		f.Add(b)
	}
	f.Add(ro[1])
	f.Add([]byte("LNS\x00\x10\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzState(t, b, func() state { return new(spectral.Oja) })
	})
}
