package sketch

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// Blocks of a stream written out of order at their global positions give
// the sketch of the stream, for every position-dependent sketch.
func TestSetNextRowOutOfOrder(t *testing.T) {
	const n, d = 600, 7
	rng := rand.New(rand.NewPCG(3, 3))
	a := make([]float64, n*d)
	for i := range a {
		a[i] = rng.NormFloat64()
	}
	for _, i := range []int{5, 250, 599} {
		for j := range d {
			a[i*d+j] *= 30
		}
	}
	cuts := []int{400, 0, 150, n} // blocks [400,600), [0,150), [150,400)
	blocks := [][2]int{{cuts[0], cuts[3]}, {cuts[1], cuts[2]}, {cuts[2], cuts[0]}}

	t.Run("CountSketch", func(t *testing.T) {
		one, _ := NewCountSketch(d, 40, WithSeed(1))
		_, _ = one.WriteRows(a)
		got, _ := NewCountSketch(d, 40, WithSeed(1))
		for _, b := range blocks {
			got.SetNextRow(int64(b[0]))
			_, err := got.WriteRows(a[b[0]*d : b[1]*d])
			require.NoError(t, err)
		}
		require.InDeltaSlice(t, one.Sketch(nil), got.Sketch(nil), 1e-9)
	})
	t.Run("NormSampler", func(t *testing.T) {
		one, _ := NewNormSampler(d, 9, WithSeed(1))
		_, _ = one.WriteRows(a)
		got, _ := NewNormSampler(d, 9, WithSeed(1))
		for _, b := range blocks {
			got.SetNextRow(int64(b[0]))
			_, err := got.WriteRows(a[b[0]*d : b[1]*d])
			require.NoError(t, err)
		}
		for _, i := range got.Indices(nil) {
			require.True(t, i >= 0 && i < n)
		}
	})
	t.Run("HeavyRows", func(t *testing.T) {
		one, _ := NewHeavyRows(d, 0.02)
		_, _ = one.WriteRows(a)
		var want []int64
		for r := range one.Rows() {
			want = append(want, r.Index)
		}
		// One sketch fed out of order, and shards merged out of order.
		got, _ := NewHeavyRows(d, 0.02)
		var shards []*HeavyRows
		for _, b := range blocks {
			got.SetNextRow(int64(b[0]))
			_, err := got.WriteRows(a[b[0]*d : b[1]*d])
			require.NoError(t, err)
			s, _ := NewHeavyRows(d, 0.02)
			s.SetNextRow(int64(b[0]))
			_, _ = s.WriteRows(a[b[0]*d : b[1]*d])
			shards = append(shards, s)
		}
		require.NoError(t, shards[2].Merge(shards[0]))
		require.NoError(t, shards[2].Merge(shards[1]))
		for _, h := range []*HeavyRows{got, shards[2]} {
			var idx []int64
			for r := range h.Rows() {
				idx = append(idx, r.Index)
				require.Equal(t, a[r.Index*d:(r.Index+1)*d], r.Row)
			}
			require.Equal(t, want, idx)
			require.Equal(t, int64(n), h.Seen())
			// Placement survives an encoding round trip.
			b, err := h.MarshalBinary()
			require.NoError(t, err)
			back := new(HeavyRows)
			require.NoError(t, back.UnmarshalBinary(b))
			require.True(t, back.placed)
			require.Equal(t, h.next, back.next)
		}
	})
	require.Panics(t, func() { new(Gaussian).SetNextRow(-1) })
}
