package fuzz

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"testing"

	gmat "gonum.org/v1/gonum/mat"

	"github.com/linstream/linstream/sketch"
)

// fdSeedStates returns encodings of Frequent Directions sketches in several
// states: empty, mid-buffer, just shrunk, merged.
func fdSeedStates() [][]byte {
	var out [][]byte
	for _, c := range []struct{ d, ell, n int }{{1, 1, 0}, {3, 2, 5}, {4, 3, 7}, {5, 2, 40}} {
		f, _ := sketch.NewFrequentDirections(c.d, c.ell)
		row := make([]float64, c.d)
		for i := range c.n {
			for j := range row {
				row[j] = float64((i*7+j*3)%11) - 5
			}
			_, _ = f.WriteRows(row)
		}
		b, _ := f.MarshalBinary()
		out = append(out, b)
	}
	return out
}

// FuzzFDUnmarshal: any bytes either decode or fail with ErrCorrupt, never a
// panic; the receiver is unchanged on failure; an accepted state
// re-encodes to the same bytes and survives use (writes, shrinks, TopK,
// Merge with its clone).
func FuzzFDUnmarshal(f *testing.F) {
	for _, b := range fdSeedStates() {
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte("LNS\x00\x01\x01"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var s sketch.FrequentDirections
		before, _ := s.MarshalBinary()
		if err := s.UnmarshalBinary(b); err != nil {
			if !errors.Is(err, sketch.ErrCorrupt) {
				t.Fatalf("error does not wrap ErrCorrupt: %v", err)
			}
			after, _ := s.MarshalBinary()
			if !bytes.Equal(before, after) {
				t.Fatal("receiver changed by a failed decode")
			}
			return
		}
		again, _ := s.MarshalBinary()
		if !bytes.Equal(again, b) {
			t.Fatal("accepted state does not re-encode to the same bytes")
		}
		if s.Ell()*s.Cols() > 1<<14 {
			return // valid but too big to exercise here
		}
		row := make([]float64, s.Cols())
		for i := range 2*s.Ell() + 3 {
			for j := range row {
				row[j] = float64((i+j)%5) - 2
			}
			if _, err := s.WriteRows(row); err != nil {
				return // the decoded ‖A‖²_F may be near overflow
			}
		}
		if k := min(s.Ell()-1, s.Cols()); k >= 1 {
			top := s.TopK(k)
			for _, v := range top.Values {
				if math.IsNaN(v) {
					t.Fatal("NaN singular value")
				}
			}
		}
		c := s.Clone()
		_ = s.Merge(c)
	})
}

// FuzzGramUnmarshal: as FuzzFDUnmarshal, for Gram.
func FuzzGramUnmarshal(f *testing.F) {
	for _, d := range []int{1, 3, 8} {
		g, _ := sketch.NewGram(d)
		row := make([]float64, d)
		for i := range 5 {
			for j := range row {
				row[j] = float64(i - j)
			}
			_, _ = g.WriteRows(row)
		}
		b, _ := g.MarshalBinary()
		f.Add(b)
		f.Add(b[:len(b)-3])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var g sketch.Gram
		if err := g.UnmarshalBinary(b); err != nil {
			if !errors.Is(err, sketch.ErrCorrupt) {
				t.Fatalf("error does not wrap ErrCorrupt: %v", err)
			}
			return
		}
		again, _ := g.MarshalBinary()
		if !bytes.Equal(again, b) {
			t.Fatal("accepted state does not re-encode to the same bytes")
		}
		m := g.Matrix(nil)
		d := g.Cols()
		for i := range d {
			for j := range i {
				if m[i*d+j] != m[j*d+i] && !math.IsNaN(m[i*d+j]) {
					t.Fatal("Matrix is not symmetric")
				}
			}
		}
		_, _ = g.WriteRows(make([]float64, d))
		_ = g.Merge(g.Clone())
	})
}

// fdRows turns fuzz bytes into rows of d small integers (exact in float64).
func fdRows(b []byte, d int) []float64 {
	n := len(b) / d
	a := make([]float64, n*d)
	for i := range a {
		a[i] = float64(int8(b[i])) / 8
	}
	return a
}

// FuzzFDInvariants: on any small stream, the sketch satisfies
// 0 ≼ AᵀA − BᵀB ≼ Δ·I and ℓ·Δ ≤ ‖A‖²_F − ‖B‖²_F (dense gonum oracle), and a
// resumed sketch equals the uninterrupted one.
func FuzzFDInvariants(f *testing.F) {
	f.Add([]byte("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x20"), uint8(2), uint8(4))
	f.Add(bytes.Repeat([]byte{1, 0, 0, 2}, 30), uint8(3), uint8(4))
	f.Add(bytes.Repeat([]byte{255, 7, 0}, 50), uint8(1), uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, ell, d uint8) {
		l := 1 + int(ell)%6
		dd := 1 + int(d)%6
		a := fdRows(b, dd)
		n := len(a) / dd
		if n == 0 {
			return
		}
		s, err := sketch.NewFrequentDirections(dd, l)
		if err != nil {
			t.Fatal(err)
		}
		half := n / 2
		if _, err := s.WriteRows(a[:half*dd]); err != nil {
			t.Fatal(err)
		}
		enc, _ := s.MarshalBinary()
		var r sketch.FrequentDirections
		if err := r.UnmarshalBinary(enc); err != nil {
			t.Fatal(err)
		}
		_, _ = s.WriteRows(a[half*dd:])
		_, _ = r.WriteRows(a[half*dd:])
		e1, _ := s.MarshalBinary()
		e2, _ := r.MarshalBinary()
		if !bytes.Equal(e1, e2) {
			t.Fatal("resumed sketch differs")
		}
		var ata, btb gmat.SymDense
		ata.SymOuterK(1, gmat.NewDense(n, dd, slices.Clone(a)).T())
		bm := s.Sketch(nil)
		if len(bm) > 0 {
			btb.SymOuterK(1, gmat.NewDense(len(bm)/dd, dd, bm).T())
		} else {
			btb = *gmat.NewSymDense(dd, nil)
		}
		var neg, diff gmat.SymDense
		neg.ScaleSym(-1, &btb)
		diff.AddSym(&ata, &neg)
		var es gmat.EigenSym
		if !es.Factorize(&diff, false) {
			t.Fatal("oracle failed")
		}
		ev := es.Values(nil)
		scale := max(1, gmat.Trace(&ata))
		tol := 1e-9 * scale
		if ev[0] < -tol {
			t.Fatalf("BᵀB ⋠ AᵀA: λ_min = %g", ev[0])
		}
		if ev[len(ev)-1] > s.Delta()+tol {
			t.Fatalf("‖AᵀA − BᵀB‖ = %g > Δ = %g", ev[len(ev)-1], s.Delta())
		}
		bf := 0.0
		for _, v := range bm {
			bf += v * v
		}
		if float64(l)*s.Delta() > s.Frobenius2()-bf+tol*float64(l) {
			t.Fatalf("ℓΔ = %g > ‖A‖² − ‖B‖² = %g", float64(l)*s.Delta(), s.Frobenius2()-bf)
		}
	})
}
