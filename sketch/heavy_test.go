package sketch_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/internal/kernel"
	"github.com/linstream/linstream/sketch"
	"github.com/linstream/linstream/stream"
)

// heavyOracle returns the stream indices i with ‖a_i‖² ≥ τ·F, F the
// sequential sum of the squared norms (the same summation the sketch does).
func heavyOracle(a []float64, d int, tau float64) (idx []int64, f float64) {
	n := len(a) / d
	s := make([]float64, n)
	for i := range n {
		row := a[i*d : (i+1)*d]
		s[i] = kernel.Dot(row, row)
		f += s[i]
	}
	for i := range n {
		if s[i] > 0 && s[i] >= tau*f {
			idx = append(idx, int64(i))
		}
	}
	return idx, f
}

type heldRow struct {
	idx int64
	n2  float64
	row []float64
}

func collect(h *sketch.HeavyRows) []heldRow {
	var out []heldRow
	for r := range h.Rows() {
		out = append(out, heldRow{r.Index, r.Norm2, slices.Clone(r.Row)})
	}
	return out
}

func indices(rows []heldRow) []int64 {
	var out []int64
	for _, r := range rows {
		out = append(out, r.idx)
	}
	return out
}

// heavyMatrix draws n rows of d values whose norms spread over several
// orders of magnitude, with a few very heavy rows.
func heavyMatrix(rng *rand.Rand, n, d int) []float64 {
	a := make([]float64, n*d)
	for i := range n {
		scale := math.Exp(3 * rng.NormFloat64())
		if rng.IntN(20) == 0 {
			scale *= 30
		}
		for j := range d {
			a[i*d+j] = scale * rng.NormFloat64()
		}
	}
	return a
}

func writeAll(t testing.TB, w stream.Writer, a []float64, block int) {
	t.Helper()
	d := w.Cols()
	for off := 0; off < len(a); off += block * d {
		end := min(len(a), off+block*d)
		n, err := w.WriteRows(a[off:end])
		require.NoError(t, err)
		require.Equal(t, (end-off)/d, n)
	}
}

func checkHeavy(t *testing.T, h *sketch.HeavyRows, a []float64, d int, tau float64) {
	t.Helper()
	want, f := heavyOracle(a, d, tau)
	got := collect(h)
	require.Equal(t, want, indices(got), "held set")
	assert.Equal(t, f, h.Frobenius2())
	assert.Equal(t, int64(len(a)/d), h.Seen())
	assert.Equal(t, len(want), h.Len())
	assert.Equal(t, tau*f, h.Threshold())
	for _, r := range got {
		row := a[int(r.idx)*d : int(r.idx+1)*d]
		assert.Equal(t, row, r.row)
		assert.Equal(t, kernel.Dot(row, row), r.n2)
	}
}

func TestHeavyRowsOracle(t *testing.T) {
	for seed := range uint64(6) {
		rng := rand.New(rand.NewPCG(seed, 7))
		d := 1 + rng.IntN(12)
		n := 200 + rng.IntN(400)
		a := heavyMatrix(rng, n, d)
		for _, tau := range []float64{1, 0.5, 0.1, 0.01, 1e-3} {
			h, err := sketch.NewHeavyRows(d, tau)
			require.NoError(t, err)
			for i := range n { // one row at a time: check the ≤ 1/τ bound throughout
				_, err := h.WriteRows(a[i*d : (i+1)*d])
				require.NoError(t, err)
				require.LessOrEqual(t, float64(h.Len()), 1/tau)
			}
			checkHeavy(t, h, a, d, tau)

			h2, err := sketch.NewHeavyRows(d, tau)
			require.NoError(t, err)
			writeAll(t, h2, a, 37)
			assert.Equal(t, collect(h), collect(h2), "block size must not matter")
		}
	}
}

func TestHeavyRowsAdversarialOrders(t *testing.T) {
	const d = 4
	rowOf := func(norm float64) []float64 { return []float64{norm, 0, 0, 0} }
	build := func(norms []float64) []float64 {
		var a []float64
		for _, x := range norms {
			a = append(a, rowOf(x)...)
		}
		return a
	}
	n := 300
	inc := make([]float64, n)
	for i := range inc {
		inc[i] = math.Pow(1.05, float64(i))
	}
	dec := slices.Clone(inc)
	slices.Reverse(dec)
	// The hard instance: rows just at the threshold when they arrive, then a
	// flood of light rows drags each below it, then one late giant.
	var hard []float64
	for range 20 {
		hard = append(hard, 1)
	}
	for range 2000 {
		hard = append(hard, 0.1)
	}
	hard = append(hard, 1000)
	// Exactly 1/τ equal rows: all of them are heavy.
	equal := []float64{1, 1, 1, 1}
	for name, norms := range map[string][]float64{"increasing": inc, "decreasing": dec, "hard": hard, "equal": equal, "zeros": make([]float64, 10)} {
		t.Run(name, func(t *testing.T) {
			a := build(norms)
			for _, tau := range []float64{0.25, 0.05, 0.002} {
				h, err := sketch.NewHeavyRows(d, tau)
				require.NoError(t, err)
				for i := range len(norms) {
					_, err := h.WriteRows(a[i*d : (i+1)*d])
					require.NoError(t, err)
					require.LessOrEqual(t, float64(h.Len()), 1/tau)
				}
				checkHeavy(t, h, a, d, tau)
			}
		})
	}
	h, err := sketch.NewHeavyRows(d, 0.25)
	require.NoError(t, err)
	writeAll(t, h, build(equal), 1)
	assert.Equal(t, 4, h.Len())
}

func TestHeavyRowsCapacity(t *testing.T) {
	for seed := range uint64(5) {
		rng := rand.New(rand.NewPCG(seed, 9))
		d := 3
		n := 500
		a := heavyMatrix(rng, n, d)
		for _, c := range []int{1, 3, 10, 1000} {
			tau := 0.005
			h, err := sketch.NewHeavyRows(d, tau, sketch.WithCapacity(c))
			require.NoError(t, err)
			assert.Equal(t, min(c, 201), h.Capacity())
			writeAll(t, h, a, 16)
			heavy, _ := heavyOracle(a, d, tau)
			got := collect(h)
			require.LessOrEqual(t, len(got), c)
			th := h.Threshold()
			assert.GreaterOrEqual(t, th, tau*h.Frobenius2())
			held := map[int64]bool{}
			for _, r := range got {
				held[r.idx] = true
				assert.Contains(t, heavy, r.idx, "held rows are heavy")
			}
			for i := range n {
				row := a[i*d : (i+1)*d]
				if kernel.Dot(row, row) >= th {
					assert.True(t, held[int64(i)], "row %d above the threshold %g must be held", i, th)
				}
			}
			if c >= len(heavy) { // capacity never binds: exact
				assert.Equal(t, heavy, indices(got))
			} else {
				// The c heaviest rows among the heavy ones.
				norms := map[int64]float64{}
				for _, i := range heavy {
					row := a[int(i)*d : int(i+1)*d]
					norms[i] = kernel.Dot(row, row)
				}
				sorted := slices.Clone(heavy)
				slices.SortStableFunc(sorted, func(x, y int64) int {
					if norms[x] > norms[y] {
						return -1
					}
					if norms[x] < norms[y] {
						return 1
					}
					return 0
				})
				top := slices.Clone(sorted[:c])
				slices.Sort(top)
				assert.Equal(t, top, indices(got))
			}
		}
	}
}

func TestHeavyRowsMerge(t *testing.T) {
	for seed := range uint64(5) {
		rng := rand.New(rand.NewPCG(seed, 11))
		d := 5
		n := 400
		a := heavyMatrix(rng, n, d)
		for _, tau := range []float64{0.2, 0.02, 0.001} {
			for _, cut := range []int{0, 1, n / 3, n - 1, n} {
				h1, _ := sketch.NewHeavyRows(d, tau)
				h2, _ := sketch.NewHeavyRows(d, tau)
				writeAll(t, h1, a[:cut*d], 64)
				writeAll(t, h2, a[cut*d:], 64)
				snap := collect(h2)
				require.NoError(t, h1.Merge(h2))
				assert.Equal(t, snap, collect(h2), "other unchanged")

				// Oracle: threshold against F1 + F2.
				_, f1 := heavyOracle(a[:cut*d], d, tau)
				_, f2 := heavyOracle(a[cut*d:], d, tau)
				f := f1 + f2
				var want []int64
				for i := range n {
					row := a[i*d : (i+1)*d]
					if s := kernel.Dot(row, row); s > 0 && s >= tau*f {
						want = append(want, int64(i))
					}
				}
				assert.Equal(t, want, indices(collect(h1)))
				assert.Equal(t, f, h1.Frobenius2())
				assert.Equal(t, int64(n), h1.Seen())
				assert.LessOrEqual(t, float64(h1.Len()), 1/tau)
			}
		}
	}
	h1, _ := sketch.NewHeavyRows(3, 0.1)
	h2, _ := sketch.NewHeavyRows(3, 0.2)
	h3, _ := sketch.NewHeavyRows(4, 0.1)
	assert.ErrorIs(t, h1.Merge(h2), sketch.ErrIncompatible)
	assert.ErrorIs(t, h1.Merge(h3), sketch.ErrIncompatible)
	require.NoError(t, h1.Merge(nil))

	// Self-merge: the stream followed by itself.
	a := heavyMatrix(rand.New(rand.NewPCG(1, 2)), 50, 3)
	writeAll(t, h1, a, 8)
	require.NoError(t, h1.Merge(h1))
	h4, _ := sketch.NewHeavyRows(3, 0.1)
	writeAll(t, h4, append(slices.Clone(a), a...), 8)
	assert.Equal(t, indices(collect(h4)), indices(collect(h1)))
}

func TestHeavyRowsMarshal(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	d := 6
	a := heavyMatrix(rng, 600, d)
	for _, opts := range [][]sketch.Option{nil, {sketch.WithCapacity(4)}} {
		h, err := sketch.NewHeavyRows(d, 0.01, opts...)
		require.NoError(t, err)
		writeAll(t, h, a[:300*d], 50)
		b, err := h.MarshalBinary()
		require.NoError(t, err)
		b2, err := h.AppendBinary([]byte("prefix"))
		require.NoError(t, err)
		assert.Equal(t, b, b2[6:])

		var r sketch.HeavyRows // zero value receiver
		require.NoError(t, r.UnmarshalBinary(b))
		rb, _ := r.MarshalBinary()
		assert.Equal(t, b, rb, "round trip is bit-exact")
		assert.Equal(t, h.Threshold(), r.Threshold())

		// Resume: both continue with the rest and stay identical.
		writeAll(t, h, a[300*d:], 50)
		writeAll(t, &r, a[300*d:], 50)
		hb, _ := h.MarshalBinary()
		rb, _ = r.MarshalBinary()
		assert.Equal(t, hb, rb)
		assert.Equal(t, collect(h), collect(&r))

		// Every truncation and a few corruptions fail with ErrCorrupt and
		// leave the receiver untouched.
		before, _ := r.MarshalBinary()
		for i := range len(b) {
			err := r.UnmarshalBinary(b[:i])
			require.ErrorIs(t, err, sketch.ErrCorrupt, "truncated at %d", i)
		}
		require.ErrorIs(t, r.UnmarshalBinary(append(slices.Clone(b), 0)), sketch.ErrCorrupt)
		bad := slices.Clone(b)
		bad[4] = 1 // another kind
		require.ErrorIs(t, r.UnmarshalBinary(bad), sketch.ErrCorrupt)
		bad = slices.Clone(b)
		bad[6+8] = 0xff // τ's low byte: no longer the value the norms were checked against
		bad[6+15] = 0x7f
		require.ErrorIs(t, r.UnmarshalBinary(bad), sketch.ErrCorrupt)
		after, _ := r.MarshalBinary()
		assert.Equal(t, before, after)
	}
}

func TestHeavyRowsResetCloneAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	d := 8
	a := heavyMatrix(rng, 300, d)
	h, err := sketch.NewHeavyRows(d, 0.01)
	require.NoError(t, err)
	writeAll(t, h, a, 10)
	c := h.Clone()
	want := collect(h)
	h.Reset()
	assert.Equal(t, 0, h.Len())
	assert.Equal(t, int64(0), h.Seen())
	assert.Equal(t, want, collect(c), "clone is independent")
	writeAll(t, h, a, 10)
	assert.Equal(t, want, collect(h))

	// No allocation per row, heavy rows and evictions included, also after
	// Reset and on a clone.
	inc := make([]float64, 200*d)
	for i := range 200 {
		inc[i*d] = math.Pow(1.1, float64(i))
	}
	for _, s := range []*sketch.HeavyRows{h, c} {
		s.Reset()
		i := 0
		allocs := testing.AllocsPerRun(500, func() {
			_, _ = s.WriteRows(a[(i%300)*d : (i%300+1)*d])
			_, _ = s.WriteRows(inc[(i%200)*d : (i%200+1)*d])
			i++
		})
		assert.Zero(t, allocs)
		z := make([]float64, d)
		dst := make([]float64, d)
		assert.Zero(t, testing.AllocsPerRun(10, func() { s.MulGram(dst, z) }))
	}
}

func TestHeavyRowsMulGram(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	d := 7
	a := heavyMatrix(rng, 200, d)
	h, _ := sketch.NewHeavyRows(d, 0.02)
	writeAll(t, h, a, 9)
	z := make([]float64, d)
	for j := range z {
		z[j] = rng.NormFloat64()
	}
	want := make([]float64, d)
	for r := range h.Rows() {
		p := kernel.Dot(r.Row, z)
		for j := range d {
			want[j] += p * r.Row[j]
		}
	}
	got := make([]float64, d)
	h.MulGram(got, z)
	assert.InDeltaSlice(t, want, got, 1e-9*kernel.Nrm2(want))
	assert.Panics(t, func() { h.MulGram(got, got) })
	assert.Panics(t, func() { h.MulGram(got[:1], z) })
}

func TestHeavyRowsErrors(t *testing.T) {
	for _, tau := range []float64{0, -1, 1.5, math.NaN(), math.Inf(1)} {
		_, err := sketch.NewHeavyRows(3, tau)
		assert.ErrorIs(t, err, sketch.ErrInvalidOption, "tau %g", tau)
	}
	_, err := sketch.NewHeavyRows(3, 0.1, sketch.WithCapacity(0))
	assert.ErrorIs(t, err, sketch.ErrInvalidOption)
	_, err = sketch.NewHeavyRows(3, 0.1, sketch.WithSeed(1))
	assert.ErrorIs(t, err, sketch.ErrInvalidOption)
	_, err = sketch.NewHeavyRows(1000, 1e-9)
	assert.ErrorIs(t, err, sketch.ErrInvalidOption)
	h, err := sketch.NewHeavyRows(1000, 1e-9, sketch.WithCapacity(10))
	require.NoError(t, err)
	assert.Equal(t, 10, h.Capacity())
	assert.Panics(t, func() { _, _ = sketch.NewHeavyRows(0, 0.1) })

	h, _ = sketch.NewHeavyRows(2, 0.1)
	n, err := h.WriteRows([]float64{1, 2, 3, math.NaN(), 5, 6})
	assert.Equal(t, 1, n)
	assert.ErrorIs(t, err, stream.ErrNonFinite)
	assert.Contains(t, err.Error(), "row 1")
	n, err = h.WriteRows([]float64{1e300, 0})
	assert.Equal(t, 0, n)
	assert.ErrorIs(t, err, stream.ErrNonFinite)
	assert.Equal(t, int64(1), h.Seen(), "rejected rows are not counted")
	assert.Equal(t, 5.0, h.Frobenius2())
	assert.Panics(t, func() { _, _ = h.WriteRows([]float64{1}) })
	assert.True(t, errors.Is(sketch.ErrCorrupt, sketch.ErrCorrupt))
}
