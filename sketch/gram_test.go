package sketch_test

import (
	"github.com/linstream/linstream/internal/racecheck"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/linstream/linstream/sketch"
	"github.com/linstream/linstream/stream"
)

func TestGramExact(t *testing.T) {
	for seed := range uint64(3) {
		rng := rand.New(rand.NewPCG(seed, 5))
		for _, c := range []struct{ n, d int }{{0, 3}, {1, 1}, {7, 5}, {300, 17}, {1000, 64}, {40, 600}} {
			a := lowRankNoise(rng, c.n, c.d, min(3, c.d), 1)
			g, err := sketch.NewGram(c.d)
			require.NoError(t, err)
			writeAll(t, g, a, 1+rng.IntN(70))
			want := mat.NewDense(c.d, c.d, nil)
			if c.n > 0 {
				want.Mul(mat.NewDense(c.n, c.d, a).T(), mat.NewDense(c.n, c.d, a))
			}
			got := g.Matrix(nil)
			scale := 1.0
			for i := range c.d {
				scale = max(scale, want.At(i, i))
			}
			assert.True(t, mat.EqualApprox(want, mat.NewDense(c.d, c.d, got), 1e-12*scale), "n=%d d=%d", c.n, c.d)
			symmetric := true
			for i := range c.d {
				for j := range i {
					symmetric = symmetric && got[i*c.d+j] == got[j*c.d+i]
				}
			}
			assert.True(t, symmetric)
			assert.Equal(t, int64(c.n), g.Seen())
			assert.InDelta(t, mat.Trace(want), g.Trace(), 1e-12*scale*float64(c.d))
		}
	}
}

func TestGramChunkingInvariantAndResume(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 9))
	d := 40
	a := lowRankNoise(rng, 900, d, 5, 1)
	ref, _ := sketch.NewGram(d)
	writeAll(t, ref, a, 1)
	want, _ := ref.MarshalBinary()
	for _, cut := range []int{0, 1, 100, 513, 899, 900} {
		g, _ := sketch.NewGram(d)
		writeAll(t, g, a[:cut*d], 33)
		b, err := g.MarshalBinary()
		require.NoError(t, err)
		var r sketch.Gram
		require.NoError(t, r.UnmarshalBinary(b))
		again, _ := r.MarshalBinary()
		assert.Equal(t, b, again)
		writeAll(t, &r, a[cut*d:], 250)
		got, _ := r.MarshalBinary()
		assert.Equal(t, want, got, "cut %d: same bits whatever the chunking", cut)
	}
	b, _ := ref.AppendBinary([]byte{9})
	assert.Equal(t, want, b[1:])
	var r sketch.Gram
	for i := 0; i < len(want); i += 1 + i/64 {
		assert.ErrorIs(t, r.UnmarshalBinary(want[:i]), sketch.ErrCorrupt, "truncated at %d", i)
	}
	assert.ErrorIs(t, r.UnmarshalBinary(append(slices.Clone(want), 1)), sketch.ErrCorrupt)
}

func TestGramMergeResetClone(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	d := 12
	a := lowRankNoise(rng, 500, d, 4, 1)
	whole, _ := sketch.NewGram(d)
	writeAll(t, whole, a, 64)
	g1, _ := sketch.NewGram(d)
	g2, _ := sketch.NewGram(d)
	writeAll(t, g1, a[:123*d], 10)
	writeAll(t, g2, a[123*d:], 10)
	before := g2.Matrix(nil)
	require.NoError(t, g1.Merge(g2))
	assert.Equal(t, before, g2.Matrix(nil))
	assert.Equal(t, int64(500), g1.Seen())
	w := whole.Matrix(nil)
	assert.InDeltaSlice(t, w, g1.Matrix(nil), 1e-10*w[0])

	c := g1.Clone()
	require.NoError(t, g1.Merge(g1))
	m := g1.Matrix(nil)
	cm := c.Matrix(nil)
	for i := range m {
		assert.InDelta(t, 2*cm[i], m[i], 1e-10*w[0])
	}
	g1.Reset()
	assert.Equal(t, make([]float64, d*d), g1.Matrix(nil))
	assert.Equal(t, int64(0), g1.Seen())

	g3, _ := sketch.NewGram(d + 1)
	assert.ErrorIs(t, g1.Merge(g3), sketch.ErrIncompatible)
	require.NoError(t, g1.Merge(nil))

	i := 0
	allocs := testing.AllocsPerRun(500, func() {
		_, _ = g1.WriteRows(a[(i%500)*d : (i%500+1)*d])
		i++
	})
	dst := make([]float64, d*d)
	mallocs := testing.AllocsPerRun(10, func() { g1.Matrix(dst) })
	if !racecheck.Enabled { // GramUpdate's packing buffers come from a sync.Pool
		assert.Zero(t, allocs)
		assert.Zero(t, mallocs)
	}
}

func TestGramErrors(t *testing.T) {
	_, err := sketch.NewGram(1<<14 + 1)
	assert.ErrorIs(t, err, sketch.ErrInvalidOption)
	_, err = sketch.NewGram(4, sketch.WithSeed(2))
	assert.ErrorIs(t, err, sketch.ErrInvalidOption)
	assert.Panics(t, func() { _, _ = sketch.NewGram(0) })
	g, _ := sketch.NewGram(2)
	n, err := g.WriteRows([]float64{1, 1, 2, math.NaN()})
	assert.Equal(t, 1, n)
	assert.ErrorIs(t, err, stream.ErrNonFinite)
	assert.Equal(t, []float64{1, 1, 1, 1}, g.Matrix(nil))
	assert.Panics(t, func() { g.Matrix(make([]float64, 3)) })
	assert.Panics(t, func() { _, _ = g.WriteRows([]float64{1}) })
}
