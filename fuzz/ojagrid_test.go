package fuzz

import (
	"errors"
	"math"
	"testing"

	"github.com/linstream/linstream/spectral"
)

// ojaGridStates encodes OjaGrids with the default and an explicit grid at
// several points of a stream — 13 rows leave some pending in a partial
// block — including one still waiting for its default grid after zero
// rows, and one in the version 1 layout (no pending rows).
func ojaGridStates() [][]byte {
	x := make([]float64, 0, 400*5)
	for i := range 400 * 5 {
		x = append(x, math.Sin(float64(i)*0.7)*float64(1+i%5))
	}
	var out [][]byte
	for _, rows := range []int{0, 1, 13, 64, 400} {
		for _, opt := range []spectral.Option{spectral.WithRows(400), spectral.WithLearningRates(1e-3, 1, 4)} {
			g, _ := spectral.NewOjaGrid(5, opt)
			_, _ = g.WriteRows(x[:rows*5])
			b, _ := g.MarshalBinary()
			out = append(out, b)
		}
	}
	g, _ := spectral.NewOjaGrid(2, spectral.WithRows(90))
	_, _ = g.WriteRows(make([]float64, 70*2))
	b, _ := g.MarshalBinary()
	out = append(out, b)
	// Version 1: a state with no pending rows, without their count and
	// (empty) values.
	v1 := append([]byte(nil), out[len(out)-4][:len(out[len(out)-4])-16]...)
	v1[5] = 1
	return append(out, v1)
}

// FuzzOjaGridUnmarshal: any bytes either decode to an OjaGrid that
// re-encodes identically and keeps working, or fail with ErrCorrupt.
func FuzzOjaGridUnmarshal(f *testing.F) {
	for _, b := range ojaGridStates() {
		f.Add(b)
	}
	_, oja := spectralStates(f)
	f.Add(oja[1])
	f.Add([]byte("LNS\x00\x12\x01"))
	f.Fuzz(func(t *testing.T, b []byte) { fuzzOjaGridState(t, b) })
}

// fuzzOjaGridState is fuzzState with two differences: an OjaGrid whose
// default grid is not yet set (only zero rows so far) has seen rows but
// has no vector to report, and a version 1 state re-encodes as version 2,
// with no pending rows.
func fuzzOjaGridState(t *testing.T, b []byte) {
	g := new(spectral.OjaGrid)
	if err := g.UnmarshalBinary(b); err != nil {
		if !errors.Is(err, spectral.ErrCorrupt) {
			t.Fatalf("error %v does not wrap ErrCorrupt", err)
		}
		return
	}
	want := b
	if b[5] == 1 {
		want = append(append([]byte(nil), b...), make([]byte, 16)...)
		want[5] = 2
	}
	again, err := g.MarshalBinary()
	if err != nil || string(again) != string(want) {
		t.Fatalf("re-encoding differs (%v)", err)
	}
	if res := g.Result(); g.Rates() == nil {
		if res.Vector != nil || !math.IsNaN(res.Value) {
			t.Fatalf("no grid yet, but a vector %v or value %v", res.Vector, res.Value)
		}
	} else {
		checkResult(t, "restored", res)
	}
	row := make([]float64, g.Cols())
	for i := range row {
		row[i] = float64(i%3) - 1
	}
	for range 3 {
		if _, err := g.WriteRows(row); err != nil {
			t.Fatalf("WriteRows after restore: %v", err)
		}
	}
	if g.Rates() == nil {
		t.Fatal("non-zero rows did not set the grid")
	}
	checkResult(t, "restored+3", g.Result())
}
