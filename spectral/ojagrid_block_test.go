package spectral

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/linstream/linstream/internal/kernel"
	"github.com/linstream/linstream/stream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ojaGridRowByRow feeds src to o by the row-by-row rule OjaGrid applied
// before it worked in blocks (p = Z·a by Gemv, then learn, one row at a
// time), the reference of the blocked recurrence. o must have no pending
// rows. It counts the rows with a bigStep and the renormalizations forced
// by the norm bounds (not the periodic ones).
func ojaGridRowByRow(o *OjaGrid, src []float64) (bigRows, boundNorms int) {
	d := o.d
	if len(src) > 0 && !o.gridSet {
		o.setDefaultGrid(src)
	}
	for i := range len(src) / d {
		a := src[i*d : (i+1)*d]
		s := kernel.Dot(a, a)
		kernel.Gemv(o.g, d, 1, o.z, d, a, 0, o.p)
		o.t++
		if o.gridSet {
			for j, pj := range o.p {
				if bigStep(o.eta[j]*pj, s) {
					bigRows++
					break
				}
			}
			since := o.sinceNorm
			o.learn(a, s)
			if o.sinceNorm == 0 && since != 63 {
				boundNorms++
			}
		}
		o.endEpoch()
	}
	return bigRows, boundNorms
}

// eventRows is randomMatrix with rows scaled so that the grid meets both
// rare events: every 37th row so long that the large rates take a bigStep,
// every 53rd long enough to push ‖z_g‖² past 2²⁰⁰.
func eventRows(n, d int, seed uint64) []float64 {
	a := randomMatrix(n, d, seed)
	for i := 0; i < n; i++ {
		switch {
		case i%37 == 5:
			kernel.Scal(1e62, a[i*d:(i+1)*d])
		case i%53 == 7:
			kernel.Scal(1e16, a[i*d:(i+1)*d])
		}
	}
	return a
}

// relDiff is ‖x − y‖/‖y‖ (|x − y| when y is zero).
func relDiff(x, y []float64) float64 {
	num, den := 0.0, 0.0
	for i := range x {
		num += (x[i] - y[i]) * (x[i] - y[i])
		den += y[i] * y[i]
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}

// The blocked recurrence is the row-by-row rule in exact arithmetic: in
// floating point the iterates, norms and scores agree to 1e-11 relative
// (within 1e-13 here), and the counters, the epochs and the choice
// exactly — on random and spiked rows, and on rows that force bigSteps
// and renormalizations by the bounds.
func TestOjaGridBlockedMatchesRowByRow(t *testing.T) {
	const tol = 1e-11
	spiked := func(n, d int) []float64 {
		a := make([]float64, n*d)
		_, err := newSpiked(d, n, 4, 3).ReadRows(a)
		require.NoError(t, err)
		return a
	}
	for _, c := range []struct {
		name   string
		d      int
		a      []float64
		opts   []Option
		events bool
	}{
		{"random default", 24, randomMatrix(2000, 24, 31), []Option{WithRows(2000), WithSeed(2)}, false},
		{"random rates", 24, randomMatrix(2000, 24, 32), []Option{WithLearningRates(1e-4, 1, 7)}, false},
		{"spiked default", 32, spiked(3000, 32), []Option{WithRows(3000), WithSeed(4)}, false},
		{"spiked d=3", 3, spiked(1000, 3), []Option{WithRows(1000)}, false},
		{"events", 16, eventRows(1500, 16, 33), []Option{WithLearningRates(1e-3, 1, 6), WithSeed(5)}, true},
		{"huge rows, default grid", 16, eventRows(1500, 16, 34), []Option{WithRows(1500)}, false},
	} {
		n := len(c.a) / c.d
		blocked, err := NewOjaGrid(c.d, c.opts...)
		require.NoError(t, err)
		ref, _ := NewOjaGrid(c.d, c.opts...)
		// Odd call lengths, so that blocks are also finished across calls
		// (the first, which sets a default grid, as long as ref's 64).
		for i, j := 0, 101; i < n; i, j = j, min(j+29, n) {
			_, err := blocked.WriteRows(c.a[i*c.d : j*c.d])
			require.NoError(t, err)
		}
		bigRows, boundNorms := ojaGridRowByRow(ref, c.a)
		if c.events {
			assert.Greater(t, bigRows, 10, c.name)
			assert.Greater(t, boundNorms, 10, c.name)
		} else {
			assert.Zero(t, bigRows+boundNorms, c.name)
		}
		b := blocked.settled()
		assert.Equal(t, []int64{ref.t, ref.sinceNorm, ref.curN, ref.prvN, ref.epochEnd},
			[]int64{b.t, b.sinceNorm, b.curN, b.prvN, b.epochEnd}, c.name)
		assert.Equal(t, ref.eta, b.eta, c.name)
		for j := range ref.g {
			zr, zb := ref.z[j*c.d:(j+1)*c.d], b.z[j*c.d:(j+1)*c.d]
			assert.Less(t, relDiff(zb, zr), tol, "%s: iterate %d", c.name, j)
		}
		for name, v := range map[string][2][]float64{"norms": {b.nz2, ref.nz2}, "scores": {b.cur, ref.cur}, "previous scores": {b.prv, ref.prv}} {
			for j := range v[0] {
				assert.InDelta(t, v[1][j], v[0][j], tol*math.Abs(v[1][j]), "%s: %s %d", c.name, name, j)
			}
		}
		rr, rb := ref.Result(), blocked.Result()
		_, ir := ref.Choice()
		_, ib := blocked.Choice()
		assert.Equal(t, ir, ib, c.name)
		assert.Equal(t, rr.Rows, rb.Rows, c.name)
		assert.InDelta(t, 1, Correlation(rr.Vector, rb.Vector), tol, c.name)
		assert.InDelta(t, rr.Value, rb.Value, tol*rr.Value, c.name)
	}
}

// The state after a stream — the checkpoint bytes, hence Result and
// everything else — does not depend on how the stream is cut into
// WriteRows calls: blocks are aligned to the row count. (A default grid
// is set from the first call's rows, so its cuts start at 64 or later.)
func TestOjaGridIndependentOfCallSplits(t *testing.T) {
	const n, d = 1500, 16
	a := eventRows(n, d, 35)
	every := func(from, step int) []int {
		var c []int
		for i := from; i < n; i += step {
			c = append(c, i)
		}
		return c
	}
	run := func(opts []Option, cuts []int) string {
		g, err := NewOjaGrid(d, opts...)
		require.NoError(t, err)
		prev := 0
		for _, c := range append(cuts, n) {
			_, err := g.WriteRows(a[prev*d : c*d])
			require.NoError(t, err)
			prev = c
		}
		blob, err := g.MarshalBinary()
		require.NoError(t, err)
		eta, i := g.Choice()
		return fmt.Sprintf("%#v %v %d %x", g.Result(), eta, i, blob)
	}
	late := [][]int{{64, 65, 66, 300, 1499}, {100, 107, 108, 777}, every(64, 13), append(every(64, 1)[:200], 999)}
	for name, c := range map[string]struct {
		opts []Option
		cuts [][]int
	}{
		"rates":   {[]Option{WithLearningRates(1e-3, 1, 6), WithSeed(3)}, append(late, []int{1, 2, 3, 500, 501}, every(1, 7))},
		"default": {[]Option{WithRows(n), WithSeed(3)}, late},
	} {
		want := run(c.opts, nil)
		for _, cuts := range c.cuts {
			assert.Equal(t, want, run(c.opts, cuts), "%s: cuts %v", name, cuts)
		}
	}
}

// A checkpoint taken after any number of rows — pending rows of a partial
// block included — resumes bit for bit.
func TestOjaGridCheckpointEverySplit(t *testing.T) {
	const n, d = 200, 5
	a := eventRows(n, d, 36)
	for name, opts := range map[string][]Option{
		"rates":   {WithLearningRates(1e-3, 1, 5)},
		"default": {WithRows(n), WithSeed(8)},
	} {
		ref, _ := NewOjaGrid(d, opts...)
		_, err := ref.WriteRows(a)
		require.NoError(t, err)
		want := ojaGridState(t, ref)
		for split := range n + 1 {
			g, _ := NewOjaGrid(d, opts...)
			// The default grid is set from the first call: give it the
			// same first 64 rows as ref's.
			if split > 0 && split < 64 && name == "default" {
				continue
			}
			_, err := g.WriteRows(a[:split*d])
			require.NoError(t, err)
			blob, err := g.MarshalBinary()
			require.NoError(t, err)
			var back OjaGrid
			require.NoError(t, back.UnmarshalBinary(blob), "%s split %d", name, split)
			require.Equal(t, ojaGridState(t, g), ojaGridState(t, &back), "%s split %d", name, split)
			_, err = back.WriteRows(a[split*d:])
			require.NoError(t, err)
			require.Equal(t, want, ojaGridState(t, &back), "%s split %d", name, split)
		}
	}
}

// Version 1 states (before the pending rows) still decode, to the state
// they encoded; a version 1 state with pending rows after it is corrupt.
func TestOjaGridReadsVersion1(t *testing.T) {
	const d = 4
	g, _ := NewOjaGrid(d, WithRows(300))
	_, err := g.WriteRows(randomMatrix(8*ojaBlock, d, 37)) // whole blocks: none pending
	require.NoError(t, err)
	v2, _ := g.MarshalBinary()
	require.Zero(t, g.nb)
	v1 := append([]byte(nil), v2[:len(v2)-16]...) // without the count and the empty rows
	v1[5] = 1
	var back OjaGrid
	require.NoError(t, back.UnmarshalBinary(v1))
	assert.Equal(t, ojaGridState(t, g), ojaGridState(t, &back))
	v1[5] = 2
	assert.ErrorIs(t, new(OjaGrid).UnmarshalBinary(v1), ErrCorrupt, "version 2 without pending rows")
	bad := append([]byte(nil), v2...)
	bad[5] = 1
	assert.ErrorIs(t, new(OjaGrid).UnmarshalBinary(bad), ErrCorrupt, "version 1 with pending rows")
}

// Rows held in a partial block count: Result, Choice and VectorAt apply
// them to a copy, leaving the state as it was, and a non-finite row names
// its place in the stream, pending rows included.
func TestOjaGridPendingRows(t *testing.T) {
	const d = 6
	a := randomMatrix(40, d, 38)
	g, _ := NewOjaGrid(d, WithLearningRates(1e-3, 1, 4))
	_, err := g.WriteRows(a[:(ojaBlock+3)*d])
	require.NoError(t, err)
	require.Equal(t, 3, g.nb)
	before, _ := g.MarshalBinary()
	res := g.Result()
	assert.Equal(t, int64(ojaBlock+3), res.Rows)
	_, i := g.Choice()
	assert.Equal(t, res.Vector, g.VectorAt(i, nil))
	after, _ := g.MarshalBinary()
	assert.Equal(t, before, after, "queries changed the state")

	// The same rows written one call: the same answer.
	whole, _ := NewOjaGrid(d, WithLearningRates(1e-3, 1, 4))
	_, _ = whole.WriteRows(a[:(ojaBlock+3)*d])
	assert.Equal(t, fmt.Sprintf("%#v", res), fmt.Sprintf("%#v", whole.Result()))

	bad := append([]float64(nil), a[(ojaBlock+3)*d:(ojaBlock+6)*d]...)
	bad[d+2] = math.Inf(-1)
	n, err := g.WriteRows(bad)
	assert.Equal(t, 1, n)
	require.ErrorIs(t, err, stream.ErrNonFinite)
	var de *stream.DataError
	require.True(t, errors.As(err, &de))
	assert.Equal(t, int64(ojaBlock+5), de.Row)
	assert.Contains(t, err.Error(), "column 3")
	assert.Equal(t, int64(ojaBlock+4), g.Result().Rows)
}

// Blocks, pending copies, fallbacks and renormalizations allocate
// nothing.
func TestOjaGridNoAllocationPerRow(t *testing.T) {
	const n, d = 4000, 64
	a := eventRows(n, d, 39)
	for _, opts := range [][]Option{{WithLearningRates(1e-3, 1, 9)}, {WithRows(n)}} {
		g, _ := NewOjaGrid(d, opts...)
		off := 0
		allocs := testing.AllocsPerRun(200, func() {
			_, _ = g.WriteRows(a[off*d : (off+13)*d])
			off = (off + 13) % (n - 13)
		})
		assert.Zero(t, allocs)
		assert.Greater(t, g.Result().Rows, int64(200*13))
	}
}
