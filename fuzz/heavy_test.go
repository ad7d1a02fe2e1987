package fuzz

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/linstream/linstream/sketch"
)

func heavySeedStates() [][]byte {
	var out [][]byte
	for _, c := range []struct {
		d   int
		tau float64
		cap int
	}{{1, 1, 0}, {2, 0.25, 0}, {3, 0.05, 2}} {
		var opts []sketch.Option
		if c.cap > 0 {
			opts = append(opts, sketch.WithCapacity(c.cap))
		}
		h, _ := sketch.NewHeavyRows(c.d, c.tau, opts...)
		row := make([]float64, c.d)
		for i := range 30 {
			for j := range row {
				row[j] = float64((i*i+j)%13) - 3
			}
			_, _ = h.WriteRows(row)
		}
		b, _ := h.MarshalBinary()
		out = append(out, b)
	}
	return out
}

// FuzzHeavyRowsUnmarshal: any bytes either decode or fail with ErrCorrupt,
// leaving the receiver unchanged; an accepted state re-encodes to the same
// bytes and keeps working (writes, MulGram, Merge with its clone).
func FuzzHeavyRowsUnmarshal(f *testing.F) {
	for _, b := range heavySeedStates() {
		f.Add(b)
		f.Add(b[:len(b)-1])
	}
	f.Add([]byte("LNS\x00\x02\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, _ := sketch.NewHeavyRows(2, 0.5)
		before, _ := h.MarshalBinary()
		if err := h.UnmarshalBinary(b); err != nil {
			if !errors.Is(err, sketch.ErrCorrupt) {
				t.Fatalf("error does not wrap ErrCorrupt: %v", err)
			}
			after, _ := h.MarshalBinary()
			if !bytes.Equal(before, after) {
				t.Fatal("receiver changed by a failed decode")
			}
			return
		}
		again, _ := h.MarshalBinary()
		if b[5] == again[5] && !bytes.Equal(again, b) {
			t.Fatal("accepted state does not re-encode to the same bytes")
		}
		if b[5] != again[5] { // an older version: its upgrade must be stable
			var up sketch.HeavyRows
			if err := up.UnmarshalBinary(again); err != nil {
				t.Fatalf("upgraded state does not decode: %v", err)
			}
			if twice, _ := up.MarshalBinary(); !bytes.Equal(twice, again) {
				t.Fatal("upgraded state does not re-encode to the same bytes")
			}
		}
		if h.Len() > h.Capacity() {
			t.Fatalf("%d rows held, capacity %d", h.Len(), h.Capacity())
		}
		if h.Cols() > 1<<12 {
			return
		}
		row := make([]float64, h.Cols())
		for i := range 20 {
			row[i%len(row)] = float64(i)
			if _, err := h.WriteRows(row); err != nil {
				return
			}
		}
		z := make([]float64, h.Cols())
		z[0] = 1
		h.MulGram(make([]float64, h.Cols()), z)
		_ = h.Merge(h.Clone())
	})
}

// FuzzHeavyRowsOracle: on any stream (rows of small integers, any τ), the
// held set is exactly {i : ‖a_i‖² ≥ τ·‖A‖²_F, a_i ≠ 0}, never more than 1/τ
// rows, also after a split-and-merge.
func FuzzHeavyRowsOracle(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100, 1}, uint8(2), uint16(300), uint8(3))
	f.Add(bytes.Repeat([]byte{9, 0}, 40), uint8(1), uint16(50), uint8(10))
	f.Fuzz(func(t *testing.T, b []byte, d uint8, tauMilli uint16, cut uint8) {
		dd := 1 + int(d)%4
		tau := float64(1+int(tauMilli)%1000) / 1000
		a := make([]float64, len(b)/dd*dd)
		for i := range a {
			a[i] = float64(int8(b[i]))
		}
		n := len(a) / dd
		norms := make([]float64, n)
		total := 0.0
		for i := range n {
			s := 0.0
			for _, v := range a[i*dd : (i+1)*dd] {
				s += v * v
			}
			norms[i] = s
			total += s
		}
		var want []int64
		for i, s := range norms {
			if s > 0 && s >= tau*total {
				want = append(want, int64(i))
			}
		}
		held := func(h *sketch.HeavyRows) []int64 {
			var got []int64
			for r := range h.Rows() {
				got = append(got, r.Index)
			}
			return got
		}
		h, err := sketch.NewHeavyRows(dd, tau)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			if _, err := h.WriteRows(a[i*dd : (i+1)*dd]); err != nil {
				t.Fatal(err)
			}
			if float64(h.Len()) > 1/tau {
				t.Fatalf("%d rows held > 1/τ = %g", h.Len(), 1/tau)
			}
		}
		if got := held(h); !slices.Equal(got, want) {
			t.Fatalf("held %v, want %v", got, want)
		}
		// Split and merge (squared norms are small integers: the sums are exact).
		c := int(cut) % (n + 1)
		h1, _ := sketch.NewHeavyRows(dd, tau)
		h2, _ := sketch.NewHeavyRows(dd, tau)
		_, _ = h1.WriteRows(a[:c*dd])
		_, _ = h2.WriteRows(a[c*dd:])
		if err := h1.Merge(h2); err != nil {
			t.Fatal(err)
		}
		if got := held(h1); !slices.Equal(got, want) {
			t.Fatalf("merged at %d: held %v, want %v", c, got, want)
		}
	})
}
